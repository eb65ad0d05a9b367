import {NerdError} from '../errors.ts'

/** gRPC status codes containerd answers with (errdefs maps its error kinds onto these). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const

export type GrpcCodeName = keyof typeof GrpcCode

const codeNames = Object.fromEntries(Object.entries(GrpcCode).map(([name, code]) => [code, name])) as Record<number, GrpcCodeName>

/**
 * A call containerd answered with an error. `message` is containerd's own text (gRPC details),
 * e.g. `container "x" in namespace "default": not found`, so it can be shown to the user as is.
 */
export class ContainerdError extends NerdError {
  readonly code: number
  readonly codeName: GrpcCodeName | 'UNRECOGNIZED'
  /** `Service/Method`, e.g. `Containers/Get`. */
  readonly method: string

  constructor(code: number, details: string, method: string) {
    super(details || `${codeNames[code] ?? `code ${code}`} from ${method}`)
    this.name = 'ContainerdError'
    this.code = code
    this.codeName = codeNames[code] ?? 'UNRECOGNIZED'
    this.method = method
  }
}

/** containerd could not be reached at all: the socket is missing, refuses connections or is not ours to use. */
export class ConnectionError extends NerdError {
  /** The address as dialled, `unix:///path`. */
  readonly address: string
  /** Short cause, e.g. `no such socket`, `connection refused`, `permission denied`. */
  readonly reason: string

  constructor(address: string, reason: string, options: {cause?: unknown} = {}) {
    super(`Cannot connect to containerd at ${address}: ${reason}. ${connectionHint(reason)}`, {cause: options.cause})
    this.name = 'ConnectionError'
    this.address = address
    this.reason = reason
  }
}

export const REASON_NO_SOCKET = 'no such socket'
export const REASON_REFUSED = 'connection refused'
export const REASON_PERMISSION = 'permission denied'
export const REASON_NOT_SOCKET = 'not a socket'
/** A call made on a client already closed: it never reached containerd. */
export const REASON_CLIENT_CLOSED = 'client closed'

function connectionHint(reason: string): string {
  if (reason === REASON_PERMISSION) return 'Run nerd as root (sudo) or as a user allowed to use the socket, or pass --address.'
  if (reason === REASON_NOT_SOCKET) return 'Pass the path of containerd\'s socket with --address.'
  return "Is containerd running? Start it with 'sudo containerd' or 'sudo systemctl start containerd', or pass --address."
}

/** Maps a socket-level errno (from stat, access or connect) to a ConnectionError reason. */
export function reasonForErrno(errno: string | undefined, fallback: string): string {
  switch (errno) {
    case 'ENOENT':
    case 'ENOTDIR':
      return REASON_NO_SOCKET
    case 'ECONNREFUSED':
      return REASON_REFUSED
    case 'EACCES':
    case 'EPERM':
      return REASON_PERMISSION
    case 'ENOTSOCK':
      return REASON_NOT_SOCKET
    default:
      return fallback
  }
}

/** The parts of a grpc-js ServiceError nerd looks at. */
export interface GrpcFailure {
  code: number
  details: string
}

function isGrpcFailure(error: unknown): error is GrpcFailure {
  return typeof error === 'object' && error !== null && typeof (error as GrpcFailure).code === 'number' && typeof (error as GrpcFailure).details === 'string'
}

/**
 * Turns a failed call into ContainerdError, or ConnectionError when the failure came from the
 * transport. containerd's own UNAVAILABLE answers (a locked ingest) end in ": unavailable" (errdefs
 * appends the kind); grpc-js' connection failures do not ("No connection established. Last error:
 * connect ECONNREFUSED …", "Connection dropped").
 */
export function fromGrpcError(error: unknown, method: string, address: string): Error {
  if (!isGrpcFailure(error)) return error instanceof Error ? error : new Error(String(error))
  if (error.code === GrpcCode.UNAVAILABLE && !error.details.endsWith(': unavailable')) {
    const errno = /\b(E[A-Z]{3,})\b/.exec(error.details)?.[1]
    return new ConnectionError(address, reasonForErrno(errno, firstSentence(error.details)), {cause: error})
  }
  return new ContainerdError(error.code, error.details, method)
}

function firstSentence(text: string): string {
  const sentence = text.split(/\.\s/, 1)[0].trim()
  return sentence === '' ? 'unavailable' : sentence.charAt(0).toLowerCase() + sentence.slice(1)
}

function hasCode(error: unknown, code: number): boolean {
  return error instanceof ContainerdError && error.code === code
}

export const isNotFound = (error: unknown): boolean => hasCode(error, GrpcCode.NOT_FOUND)
/** For a promise's catch: what is gone already is what was wanted; any other error stands. */
export const unlessNotFound = (error: unknown): Promise<undefined> => (isNotFound(error) ? Promise.resolve(undefined) : Promise.reject(error))
/**
 * The shim's connection closed under the call: the shim is exiting, as it does once its task is
 * deleted (a concurrent stop or rm); whether the task is gone is for the caller to ask again.
 */
export const isShimClosed = (error: unknown): boolean => error instanceof ContainerdError && /\bttrpc: closed\b/.test(error.message)
export const isAlreadyExists = (error: unknown): boolean => hasCode(error, GrpcCode.ALREADY_EXISTS)
export const isInvalidArgument = (error: unknown): boolean => hasCode(error, GrpcCode.INVALID_ARGUMENT)
export const isFailedPrecondition = (error: unknown): boolean => hasCode(error, GrpcCode.FAILED_PRECONDITION)
export const isUnavailable = (error: unknown): boolean => hasCode(error, GrpcCode.UNAVAILABLE)
export const isUnimplemented = (error: unknown): boolean => hasCode(error, GrpcCode.UNIMPLEMENTED)
export const isOutOfRange = (error: unknown): boolean => hasCode(error, GrpcCode.OUT_OF_RANGE)
export const isCancelled = (error: unknown): boolean => hasCode(error, GrpcCode.CANCELLED)
export const isDeadlineExceeded = (error: unknown): boolean => hasCode(error, GrpcCode.DEADLINE_EXCEEDED)
export const isConnectionError = (error: unknown): error is ConnectionError => error instanceof ConnectionError

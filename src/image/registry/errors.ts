/** Registry failures as one-line NerdErrors worded like docker's. */
import {NerdError} from '../../errors.ts'

/**
 * - `not-found`: manifest, blob or repository unknown (HTTP 404);
 * - `unauthorized`: no or wrong credentials (HTTP 401, or the token service refused them);
 * - `denied`: credentials accepted but not allowed (HTTP 403, `DENIED`);
 * - `unreachable`: no connection to the registry at all;
 * - `invalid`: content that failed verification (digest, size) or is malformed;
 * - `unsupported`: content nerd refuses on purpose (schema 1 manifests);
 * - `failed`: any other answer the registry gave.
 */
export type RegistryErrorKind = 'not-found' | 'unauthorized' | 'denied' | 'unreachable' | 'invalid' | 'unsupported' | 'failed'

export class RegistryError extends NerdError {
  readonly kind: RegistryErrorKind
  /** HTTP status of the answer, when there was one. */
  readonly status?: number
  /** First error code of the registry's JSON answer (`MANIFEST_UNKNOWN`, `DENIED`, ...). */
  readonly code?: string

  constructor(
    message: string,
    options: {kind: RegistryErrorKind; status?: number; code?: string; cause?: unknown},
  ) {
    super(message, {cause: options.cause})
    this.name = 'RegistryError'
    this.kind = options.kind
    this.status = options.status
    this.code = options.code
  }
}

/**
 * containerd's ErrInvalidAuthorization, in its words, which docker keeps: authorization the client
 * cannot give. The pull or push it stopped says what was denied before them (deniedWithoutCredentials).
 */
export class AuthorizationFailedError extends RegistryError {
  constructor(message: string) {
    super(message, {kind: 'unauthorized', status: 401})
    this.name = 'AuthorizationFailedError'
  }
}

/** A Basic challenge answered without credentials. */
export class NoBasicCredentialsError extends AuthorizationFailedError {
  constructor() {
    super('authorization failed: no basic auth credentials')
    this.name = 'NoBasicCredentialsError'
  }
}

/**
 * containerd's words for what an AuthorizationFailedError stopped (`push access denied`, a pull's
 * `failed to resolve reference "…": pull access denied`); any other error as it is.
 */
export function deniedWithoutCredentials(error: unknown, denied: string): unknown {
  if (!(error instanceof AuthorizationFailedError)) return error
  return new RegistryError(`${denied}, repository does not exist or may require authorization: ${error.message}`, {kind: 'unauthorized', status: 401, cause: error})
}

export interface RegistryErrorDetail {
  code: string
  message: string
}

/**
 * Parses the distribution spec's `{"errors": [{"code", "message"}]}` body; token services answer
 * `{"details": "..."}` (Docker Hub) instead, which becomes one UNAUTHORIZED detail.
 */
export function parseErrorBody(body: string): RegistryErrorDetail[] {
  let document: unknown
  try {
    document = JSON.parse(body)
  } catch {
    return []
  }
  if (typeof document !== 'object' || document === null) return []
  const {errors, details} = document as {errors?: unknown; details?: unknown}
  if (Array.isArray(errors)) {
    return errors
      .filter((entry): entry is {code?: unknown; message?: unknown} => typeof entry === 'object' && entry !== null)
      .map((entry) => ({
        code: typeof entry.code === 'string' ? entry.code : 'UNKNOWN',
        message: typeof entry.message === 'string' ? entry.message : '',
      }))
  }
  if (typeof details === 'string') return [{code: 'UNAUTHORIZED', message: details}]
  return []
}

/** `manifest unknown: manifest unknown`: docker's rendering of a registry error code and message. */
export function formatErrorDetails(details: readonly RegistryErrorDetail[]): string {
  return details
    .map(({code, message}) => {
      const codeText = code.toLowerCase().replaceAll('_', ' ')
      return message === '' ? codeText : `${codeText}: ${message}`
    })
    .join('; ')
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'bad request',
  401: 'unauthorized',
  403: 'denied',
  404: 'not found',
  405: 'method not allowed',
  416: 'requested range not satisfiable',
  429: 'too many requests',
  500: 'internal server error',
  502: 'bad gateway',
  503: 'service unavailable',
}

export function kindOfStatus(status: number): RegistryErrorKind {
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'denied'
  if (status === 404) return 'not-found'
  return 'failed'
}

/**
 * Turns a failed answer into a RegistryError: `describe` says what failed for this status (`manifest
 * for busybox:nosuch not found`), or nothing, and the registry's own words follow.
 */
export async function errorFromResponse(
  response: {status: number; text(): Promise<string>},
  describe: (status: number) => string | undefined,
): Promise<RegistryError> {
  const body = await response.text().catch(() => '')
  const details = parseErrorBody(body)
  const reason = details.length > 0 ? formatErrorDetails(details) : STATUS_TEXT[response.status] ?? `HTTP status ${response.status}`
  const context = describe(response.status)
  return new RegistryError(context === undefined ? reason : `${context}: ${reason}`, {
    kind: kindOfStatus(response.status),
    status: response.status,
    code: details[0]?.code,
  })
}

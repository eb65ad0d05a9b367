import {createRequire} from 'node:module'
import type {Client, ClientDuplexStream, ClientReadableStream, Metadata} from '@grpc/grpc-js'
import type {SocketAddress} from './address.ts'
import {CONVERSION, serviceMethod, type ServiceName} from './codecs.ts'
import {ConnectionError, fromGrpcError, GrpcCode, REASON_CLIENT_CLOSED} from './errors.ts'
import type {CallOptions} from './types.ts'

// grpc-js costs tens of milliseconds to load: loaded when the first client is made, not on import.
// connect() preloads it with a dynamic import, which the shipped bundle inlines (no module
// resolution at run time); the require is the fallback for callers that skip connect().
const require = createRequire(import.meta.url)
type Grpc = typeof import('@grpc/grpc-js')
let grpcModule: Grpc | undefined
function grpc(): Grpc {
  grpcModule ??= require('@grpc/grpc-js') as Grpc
  return grpcModule
}

export async function preloadGrpc(): Promise<void> {
  grpcModule ??= (await import('@grpc/grpc-js')).default as Grpc
}

/** containerd's Go client and daemon both use 16 MiB; grpc-js would refuse answers above 4 MiB. */
const MAX_MESSAGE_BYTES = 16 << 20

interface MethodCodec {
  /** `/containerd.services.tasks.v1.Tasks/Wait`, what goes on the wire. */
  path: string
  /** `Tasks/Wait`, for error messages. */
  label: string
  serialize(value: object): Buffer
  deserialize(bytes: Buffer): unknown
}

const codecs = new Map<string, MethodCodec>()

/**
 * A request the caller encoded itself (Content.Write's data messages, encoded into one reused
 * buffer): sent as it is. grpc-js copies it into its frame when the message is sent.
 */
export class EncodedMessage {
  readonly bytes: Buffer

  constructor(bytes: Buffer) {
    this.bytes = bytes
  }
}

function methodCodec(service: ServiceName, method: string): MethodCodec {
  const cacheKey = `${service}/${method}`
  let codec = codecs.get(cacheKey)
  if (codec) return codec
  const {serviceName, request, response} = serviceMethod(service, method)
  codec = {
    path: `/${serviceName}/${method}`,
    label: `${serviceName.slice(serviceName.lastIndexOf('.') + 1)}/${method}`,
    serialize: (value) => (value instanceof EncodedMessage ? value.bytes : (request.encode(request.fromObject(value)).finish() as Buffer)),
    deserialize: (bytes) => response.toObject(response.decode(bytes), CONVERSION),
  }
  codecs.set(cacheKey, codec)
  return codec
}

/** Who a call is made for: containerd scopes everything by these two headers. */
export interface CallScope {
  namespace: string
  lease: string | undefined
  /** Deadline for unary calls unless a call says otherwise. */
  defaultTimeoutMs: number
}

/** Client-streamed, server-streamed calls: one message at a time in each direction. */
export interface BidiCall<Request, Response> {
  /** Queues a request; the protocols used here answer each one, so awaiting the answer paces the sender. */
  send(message: Request): void
  /** The next response; undefined once the server has closed the stream. */
  receive(): Promise<Response | undefined>
  /** Half-closes: tells the server no more requests follow. */
  end(): void
  cancel(): void
}

type Readable<T> = ClientReadableStream<T> | ClientDuplexStream<unknown, T>

// Messages are taken off the gRPC stream as they come, so an error or the end of the stream is never
// missed while nobody iterates; above this many unread messages the stream is paused (flow control
// then holds the server back).
const HIGH_WATER_MARK = 16

class ResponseQueue<T> {
  readonly #stream: Readable<T>
  readonly #messages: T[] = []
  #failure: Error | undefined
  #ended = false
  #wake: (() => void) | undefined

  constructor(stream: Readable<T>, mapError: (error: unknown) => Error) {
    this.#stream = stream
    stream.on('data', (message: T) => {
      this.#messages.push(message)
      if (this.#messages.length >= HIGH_WATER_MARK) stream.pause()
      this.#notify()
    })
    stream.on('error', (error: unknown) => {
      this.#failure ??= mapError(error)
      this.#notify()
    })
    stream.on('end', () => {
      this.#ended = true
      this.#notify()
    })
  }

  #notify(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  async next(): Promise<T | undefined> {
    for (;;) {
      const message = this.#messages.shift()
      if (message !== undefined) {
        if (this.#stream.isPaused() && this.#messages.length < HIGH_WATER_MARK / 2) this.#stream.resume()
        return message
      }
      if (this.#stream.readableLength > 0) this.#stream.resume()
      else if (this.#failure) throw this.#failure
      else if (this.#ended) return undefined
      await new Promise<void>((resolve) => {
        this.#wake = resolve
      })
    }
  }
}

/** Cancels `call` when `signal` aborts (at once if it already has); returns how to stop listening. */
function cancelOnAbort(signal: AbortSignal | undefined, call: {cancel(): void}): () => void {
  if (!signal) return () => undefined
  const cancel = () => call.cancel()
  if (signal.aborted) cancel()
  else signal.addEventListener('abort', cancel, {once: true})
  return () => signal.removeEventListener('abort', cancel)
}

export class Transport {
  readonly address: SocketAddress
  readonly #client: Client
  readonly #connectTimeoutMs: number
  #closed = false
  /** Why the connection was given up, when it was: the calls waiting for it and any made since fail so. */
  #givenUp: string | undefined

  /** `connectTimeoutMs`: how long one attempt to connect (the socket, then HTTP/2's handshake) may take. */
  constructor(address: SocketAddress, connectTimeoutMs: number) {
    this.address = address
    this.#connectTimeoutMs = connectTimeoutMs
    const {Client, credentials} = grpc()
    this.#client = new Client(address.target, credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    })
    this.#watchConnecting()
  }

  /** Starts connecting now, so the handshake overlaps whatever the caller does before its first call. */
  warmUp(): void {
    this.#client.getChannel().getConnectivityState(true)
  }

  close(): void {
    this.#closed = true
    this.#client.close()
  }

  /**
   * Gives the connection up when an attempt stays unfinished for the connect timeout: something
   * accepts on the socket but never answers (a hung or stopped containerd), and grpc-js would wait
   * for it as long as each call's deadline, or for ever for calls without one (Wait, streams).
   * Closing the client fails the calls waiting. Calls on a connection made are not bounded by it.
   */
  #watchConnecting(): void {
    const {connectivityState} = grpc()
    const channel = this.#client.getChannel()
    let timer: NodeJS.Timeout | undefined
    const follow = (state: number): void => {
      clearTimeout(timer)
      if (state === connectivityState.SHUTDOWN) return
      if (state === connectivityState.CONNECTING) {
        timer = setTimeout(() => {
          this.#givenUp = `no answer within ${this.#connectTimeoutMs / 1000} s`
          this.close()
        }, this.#connectTimeoutMs)
        // The calls waiting keep nerd running; the watch alone does not.
        timer.unref()
      }
      channel.watchConnectivityState(state, Infinity, () => follow(channel.getConnectivityState(false)))
    }
    follow(channel.getConnectivityState(false))
  }

  /**
   * Fails a call made on this client once it is closed, as the lost connection it is (grpc-js
   * throws a plain "Channel has been shut down"; the calls it had queued get UNAVAILABLE): a caller
   * still holding a client that was replaced after containerd went away (the health monitor's) must
   * connect again, not take the failure for containerd's answer.
   */
  #ensureOpen(): void {
    if (this.#closed) throw new ConnectionError(this.address.target, this.#givenUp ?? REASON_CLIENT_CLOSED)
  }

  #metadata(scope: CallScope): Metadata {
    const metadata = new (grpc().Metadata)()
    metadata.set('containerd-namespace', scope.namespace)
    if (scope.lease) metadata.set('containerd-lease', scope.lease)
    return metadata
  }

  #deadline(timeoutMs: number | undefined): {deadline?: number} {
    return timeoutMs === undefined || timeoutMs === Infinity ? {} : {deadline: Date.now() + timeoutMs}
  }

  /** How a failed call is reported; `timeoutMs`, the deadline it had. */
  #mapError(codec: MethodCodec, signal: AbortSignal | undefined, timeoutMs?: number): (error: unknown) => Error {
    return (error) => {
      if (signal?.aborted) return signal.reason as Error
      if (this.#givenUp !== undefined) return new ConnectionError(this.address.target, this.#givenUp, {cause: error})
      // The deadline passed before the connection was ever made: something accepts on the socket but
      // never answers (a hung or stopped containerd). grpc-js says "Waiting for LB pick".
      if ((error as {code?: unknown}).code === GrpcCode.DEADLINE_EXCEEDED && timeoutMs !== undefined && !this.#connected()) {
        return new ConnectionError(this.address.target, `no answer within ${timeoutMs / 1000} s`, {cause: error})
      }
      return fromGrpcError(error, codec.label, this.address.target)
    }
  }

  #connected(): boolean {
    return this.#client.getChannel().getConnectivityState(false) === grpc().connectivityState.READY
  }

  unary<Response>(service: ServiceName, method: string, request: object, scope: CallScope, options: CallOptions = {}): Promise<Response> {
    // A call cancelled before grpc-js has started it goes on regardless (a Tasks.Wait then kept nerd
    // from exiting until the process ended): an aborted signal issues none.
    if (options.signal?.aborted) return Promise.reject(options.signal.reason as Error)
    const codec = methodCodec(service, method)
    const timeoutMs = options.timeoutMs ?? scope.defaultTimeoutMs
    const mapError = this.#mapError(codec, options.signal, timeoutMs === Infinity ? undefined : timeoutMs)
    return new Promise<Response>((resolve, reject) => {
      // Thrown here, it rejects the promise.
      this.#ensureOpen()
      // grpc-js may report some failures before makeUnaryRequest returns.
      let detach = (): void => undefined
      const call = this.#client.makeUnaryRequest(
        codec.path,
        codec.serialize,
        codec.deserialize,
        request,
        this.#metadata(scope),
        this.#deadline(timeoutMs),
        (error, response) => {
          detach()
          if (error) reject(mapError(error))
          else resolve(response as Response)
        },
      )
      detach = cancelOnAbort(options.signal, call)
    })
  }

  /**
   * Starts a server-streaming call at once (so nothing published after this returns is missed) and
   * yields its messages. Leaving the loop early cancels the call.
   */
  serverStream<Response>(service: ServiceName, method: string, request: object, scope: CallScope, options: CallOptions = {}): AsyncGenerator<Response, void, undefined> {
    const codec = methodCodec(service, method)
    const {signal} = options
    this.#ensureOpen()
    const call = this.#client.makeServerStreamRequest(codec.path, codec.serialize, codec.deserialize, request, this.#metadata(scope), this.#deadline(options.timeoutMs))
    const queue = new ResponseQueue<Response>(call as ClientReadableStream<Response>, this.#mapError(codec, signal))
    const detach = cancelOnAbort(signal, call)
    return (async function* () {
      try {
        for (;;) {
          const message = await queue.next()
          if (message === undefined) return
          yield message
        }
      } finally {
        detach()
        call.cancel()
      }
    })()
  }

  bidiStream<Request extends object, Response>(service: ServiceName, method: string, scope: CallScope, options: CallOptions = {}): BidiCall<Request, Response> {
    const codec = methodCodec(service, method)
    const {signal} = options
    this.#ensureOpen()
    const call = this.#client.makeBidiStreamRequest(codec.path, codec.serialize, codec.deserialize, this.#metadata(scope), this.#deadline(options.timeoutMs))
    const mapError = this.#mapError(codec, signal)
    const queue = new ResponseQueue<Response>(call as ClientDuplexStream<unknown, Response>, mapError)
    const detach = cancelOnAbort(signal, call)
    return {
      send: (message) => {
        call.write(message)
      },
      receive: async () => {
        const message = await queue.next()
        if (message === undefined) detach()
        return message
      },
      end: () => call.end(),
      cancel: () => {
        detach()
        call.cancel()
      },
    }
  }
}

import type {ServiceName} from './codecs.ts'
import type {BidiCall, CallScope, Transport} from './transport.ts'
import type {CallOptions} from './types.ts'

/** One service's calls, made in one client view's namespace and lease. */
export class Rpc {
  readonly #transport: Transport
  readonly #service: ServiceName
  readonly #scope: CallScope

  constructor(transport: Transport, service: ServiceName, scope: CallScope) {
    this.#transport = transport
    this.#service = service
    this.#scope = scope
  }

  unary<Response>(method: string, request: object, options?: CallOptions): Promise<Response> {
    return this.#transport.unary<Response>(this.#service, method, request, this.#scope, options)
  }

  stream<Response>(method: string, request: object, options?: CallOptions): AsyncGenerator<Response, void, undefined> {
    return this.#transport.serverStream<Response>(this.#service, method, request, this.#scope, options)
  }

  bidi<Request extends object, Response>(method: string, options?: CallOptions): BidiCall<Request, Response> {
    return this.#transport.bidiStream<Request, Response>(this.#service, method, this.#scope, options)
  }
}

/** A google.protobuf.FieldMask, or nothing when no paths are given (the service then replaces every mutable field). */
export function updateMask(paths: string[] | undefined): {updateMask?: {paths: string[]}} {
  return paths ? {updateMask: {paths}} : {}
}

/** No deadline unless the caller sets one: for calls whose duration depends on data size or on a process (Wait, Apply). */
export function unbounded(options: CallOptions = {}): CallOptions {
  return {signal: options.signal, timeoutMs: options.timeoutMs ?? Infinity}
}

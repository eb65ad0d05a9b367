import type {Rpc} from './rpc.ts'
import type {Any, CallOptions, ContainerdEvent, Envelope} from './types.ts'
import {unpackAny} from './values.ts'

export class EventsService {
  readonly #rpc: Rpc

  constructor(rpc: Rpc) {
    this.#rpc = rpc
  }

  /**
   * Streams events as they are published, from the moment of the call, with their payloads decoded.
   * Without a `namespace==…` filter every namespace's events arrive. Filters: `topic`, `namespace`,
   * `event.<field>` (e.g. `topic=="/tasks/exit",event.container_id==web`); commas AND, several
   * filters OR. Stop with `break` or the signal; there is no deadline unless one is given.
   */
  subscribe(filters: string[] = [], options?: CallOptions): AsyncGenerator<ContainerdEvent, void, undefined> {
    // Not a generator method: the subscription must start now, not at the first iteration.
    return decodeEach(this.#rpc.stream<Envelope>('Subscribe', {filters}, options))
  }

  /**
   * Hands `event` to every subscriber of the client's namespace, stamped with the time containerd
   * receives it. Each part of `topic` (`/a/b`) must be an identifier (letters, digits, single
   * `.`, `_` or `-` between them); containerd forwards the payload without decoding it.
   */
  async publish(topic: string, event: Any, options?: CallOptions): Promise<void> {
    await this.#rpc.unary('Publish', {topic, event}, options)
  }
}

async function* decodeEach(envelopes: AsyncGenerator<Envelope, void, undefined>): AsyncGenerator<ContainerdEvent, void, undefined> {
  for await (const envelope of envelopes) yield {...envelope, payload: unpackAny(envelope.event)}
}

import assert from 'node:assert/strict'
import {linkSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import type {Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {connect, ConnectionError, rfc3339Seconds} from '../../../src/containerd/index.ts'

describe('rfc3339Seconds', () => {
  it('writes whole seconds in UTC, as containerd.io/gc.expire expects', () => {
    assert.equal(rfc3339Seconds(new Date('2026-11-23T10:20:30.999Z')), '2026-11-23T10:20:30Z')
  })
})

describe('connect', () => {
  let dir: string

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nerd-connect-'))
  })

  after(() => {
    rmSync(dir, {recursive: true, force: true})
  })

  /** Runs `action` with a socket at `name` that accepts connections and never answers on them. */
  async function withSilentSocket(name: string, action: (path: string) => Promise<void>): Promise<void> {
    const path = join(dir, name)
    const accepted: Socket[] = []
    const server = createServer((socket) => accepted.push(socket))
    await new Promise<void>((resolve) => server.listen(path, resolve))
    try {
      await action(path)
    } finally {
      for (const socket of accepted) socket.destroy()
      server.close()
    }
  }

  async function failure(address: string, defaultTimeoutMs?: number): Promise<ConnectionError> {
    const started = Date.now()
    let caught: unknown
    try {
      const client = await connect({address, namespace: 'default', ...(defaultTimeoutMs === undefined ? {} : {defaultTimeoutMs})})
      try {
        await client.version.version()
      } finally {
        client.close()
      }
    } catch (error) {
      caught = error
    }
    assert.ok(caught instanceof ConnectionError, `expected a ConnectionError, got ${String(caught)}`)
    // Well under the 30 s call timeout it would otherwise wait out, and loose enough for a loaded machine.
    assert.ok(Date.now() - started < 10_000, 'reported without waiting for timeouts')
    assert.equal(caught.message.split('\n').length, 1)
    return caught
  }

  it('reports a missing socket before dialling', async () => {
    const error = await failure(`unix://${dir}/missing.sock`)
    assert.equal(error.reason, 'no such socket')
    assert.equal(error.address, `unix://${dir}/missing.sock`)
  })

  it('reports a path that is not a socket', async () => {
    const file = join(dir, 'plain')
    writeFileSync(file, '')
    assert.equal((await failure(file)).reason, 'not a socket')
  })

  it('reports a socket nobody listens on as refused', async () => {
    // A second name for a listening socket outlives the server: connecting to it is refused.
    const live = join(dir, 'live.sock')
    const stale = join(dir, 'stale.sock')
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(live, resolve))
    linkSync(live, stale)
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const error = await failure(stale)
    assert.equal(error.reason, 'connection refused')
    assert.match(error.message, /Is containerd running\?/)
  })

  it('reports a socket that accepts but never answers (a hung containerd) as no answer within the call\'s timeout', async () => {
    await withSilentSocket('hung.sock', async (hung) => {
      const error = await failure(hung, 300)
      assert.equal(error.reason, 'no answer within 0.3 s')
      assert.equal(error.message, `Cannot connect to containerd at unix://${hung}: no answer within 0.3 s. Is containerd running? Start it with 'sudo containerd' or 'sudo systemctl start containerd', or pass --address.`)
    })
  })

  it("gives up connecting to a socket that accepts but never answers after the connect timeout (containerd's client's 10 s), whatever the call's deadline", async () => {
    await withSilentSocket('silent.sock', async (hung) => {
      const started = Date.now()
      const client = await connect({address: hung, namespace: 'default', connectTimeoutMs: 300})
      try {
        const error = await client.version.version().then(() => undefined, (caught: unknown) => caught)
        assert.ok(error instanceof ConnectionError, `expected a ConnectionError, got ${String(error)}`)
        assert.equal(error.reason, 'no answer within 0.3 s')
        assert.ok(Date.now() - started < 5_000, 'not the 30 s call deadline')
        // And any call made since, at once.
        const again = await client.version.version().then(() => undefined, (caught: unknown) => caught)
        assert.equal((again as ConnectionError).reason, 'no answer within 0.3 s')
      } finally {
        client.close()
      }
    })
  })

  it('does not cut a call that takes longer than the connect timeout on a connection made', async () => {
    const {Server, ServerCredentials} = await import('@grpc/grpc-js')
    const slow = join(dir, 'slow.sock')
    const server = new Server()
    const bytes = (buffer: Buffer) => buffer
    // An empty VersionResponse, 0.6 s after the question.
    server.register('/containerd.services.version.v1.Version/Version', (_call: unknown, callback: (error: null, answer: Buffer) => void) => setTimeout(() => callback(null, Buffer.alloc(0)), 600), bytes, bytes, 'unary')
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${slow}`, ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())))
    try {
      const client = await connect({address: slow, namespace: 'default', connectTimeoutMs: 300})
      try {
        assert.equal((await client.version.version()).version, '')
      } finally {
        client.close()
      }
    } finally {
      server.forceShutdown()
    }
  })

  it('fails a call on a client already closed as a lost connection (grpc-js throws a plain error), so a holder of a replaced client connects again', async () => {
    await withSilentSocket('listening.sock', async (listening) => {
      const client = await connect({address: listening, namespace: 'default'})
      client.close()
      const error = await client.version.version().then(() => undefined, (caught: unknown) => caught)
      assert.ok(error instanceof ConnectionError, `expected a ConnectionError, got ${String(error)}`)
      assert.equal(error.reason, 'client closed')
    })
  })
})

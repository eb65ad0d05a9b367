/**
 * A container's attach socket, `attach.sock` in its state directory: whoever reads the container's
 * output (its logger, nerd's drain, a foreground `run` or `start -a`) serves it, and `attach`
 * connects to it. A client gets every chunk of output from its connection on, byte for byte, in
 * docker's stdcopy frames (an 8-byte header: the stream, 1 for stdout or 2 for stderr, three zero
 * bytes and the length, big-endian; a terminal's output is all stdout), and what it sends goes into
 * the container's stdin. The end of a client's input is not the container's (docker's attach keeps
 * stdin open). A frame of stream 3 (docker's systemerr) says why the server let the client go; an
 * empty frame of stream 4 (nerd's own) that the client got all the server had: a connection that
 * closes without it was cut off, and output was lost.
 *
 * The logger of every running container serves one, so this loads nothing but node:fs and
 * node:net, and nothing is allocated until a client connects.
 */
import {closeSync, constants, openSync, renameSync, rmSync, statSync} from 'node:fs'
import {createConnection, createServer, Socket} from 'node:net'
import type {Server} from 'node:net'
import type {LogStream} from './logs/json-file.ts'

const SOCKET_NAME = 'attach.sock'

const LISTEN_BACKLOG = 511

const HEADER_SIZE = 8
const STREAM_CODES: Record<LogStream, number> = {stdout: 1, stderr: 2}
const SYSTEM_ERROR = 3
const END = 4
const END_FRAME = frameOf(END, new Uint8Array(0))

/**
 * How far a client may fall behind the output before it is let go. A reader that holds (see
 * broadcast) keeps its clients far below it, as docker's unbuffered attach holds up the container;
 * it bounds what a reader that cannot hold (a foreground session, whose pace is its terminal's), or
 * one that no longer holds (the process has exited), queues for a client that does not read.
 */
export const CLIENT_BACKLOG_LIMIT = 1024 * 1024

/**
 * How long a client that was let go, or that has the last of the output to read, may take before it
 * is cut off. Short: a logger ends only after this, and containerd's shim, which waits for its
 * logger when the task is deleted, was left running for good when a stalled attach held it 5 s.
 */
const CLIENT_LINGER_MS = 1000

export interface AttachServer {
  /**
   * A chunk of the container's output, for every client (copied: the caller may reuse it). False
   * when a client is behind: a reader that holds stops reading the output until `caughtUp`, so that
   * the container waits on its attachers as on docker's.
   */
  broadcast(stream: LogStream, chunk: Uint8Array): boolean
  /** Calls `resume` once no client is behind (at once when none is). */
  caughtUp(resume: () => void): void
  /** The output has ended (or moves to another reader): no more clients; those there get the rest, then the end. */
  close(): Promise<void>
}

/** Where the container's stdin goes: a stream made on first use, or none (a container without `-i`, the default). */
export type AttachInput = () => NodeJS.WritableStream | undefined

/**
 * A path under the container's directory that fits a unix socket's 108 bytes, however long the data
 * root and ID: the directory's descriptor in /proc. Valid while the callback runs; bind and connect
 * resolve it at once.
 */
function viaDirectory<T>(dir: string, use: (path: (name: string) => string) => T): T {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY)
  try {
    return use((name) => `/proc/self/fd/${fd}/${name}`)
  } finally {
    closeSync(fd)
  }
}

/**
 * Serves the container's attach socket. It is bound under a name of this process's own and then
 * renamed over `attach.sock`, so that a reader taking over (a restarted task's logger, the drain of a
 * session that let go) replaces the socket whole, and the one it replaced, closing, removes nothing
 * of it (libuv unlinks a closed server's bound name, which is gone). Undefined when it cannot be
 * served: the output is still read and logged.
 */
export function serveAttachSocket(dir: string, input: AttachInput = () => undefined): AttachServer | undefined {
  const clients = new Set<Socket>()
  /** Clients whose socket is full (its write returned false) until it drains, and who waits for them. */
  const behind = new Set<Socket>()
  let waiting: (() => void)[] = []
  const caughtUpWith = (client: Socket): void => {
    if (!behind.delete(client) || behind.size > 0) return
    const resumes = waiting
    waiting = []
    for (const resume of resumes) resume()
  }
  const server = createServer({allowHalfOpen: true}, (client) => {
    clients.add(client)
    client.on('error', () => client.destroy())
    client.on('close', () => {
      clients.delete(client)
      caughtUpWith(client)
    })
    client.on('data', (chunk: Buffer) => {
      // A stdin that was closed (its session's input ended) takes nothing more.
      const stdin = input()
      if (stdin?.writable && !stdin.write(chunk)) {
        for (const each of clients) each.pause()
        stdin.once('drain', () => {
          for (const each of clients) each.resume()
        })
      }
    })
  })
  // A failed listen reports here too, after the catch below.
  server.on('error', () => undefined)
  let bound: number
  try {
    bound = viaDirectory(dir, (path) => {
      const own = path(`attach-${process.pid}.sock`)
      // A process with this pid that was killed may have left its name.
      rmSync(own, {force: true})
      // Only root may connect: input reaches the container.
      const umask = process.umask(0o177)
      try {
        listenWithoutCluster(server, own)
      } finally {
        process.umask(umask)
      }
      renameSync(own, path(SOCKET_NAME))
      return statSync(path(SOCKET_NAME)).ino
    })
  } catch {
    server.close()
    return undefined
  }
  /**
   * Ends a client with its last frame (the end, or why it is let go) after what it has queued; one
   * that does not read it within CLIENT_LINGER_MS is cut off, and knows it by the end frame missing.
   */
  const letGo = (client: Socket, last: Buffer): void => {
    clients.delete(client)
    caughtUpWith(client)
    client.end(last)
    setTimeout(() => client.destroy(), CLIENT_LINGER_MS).unref()
  }
  return {
    broadcast(stream, chunk) {
      if (clients.size === 0) return true
      const frame = frameOf(STREAM_CODES[stream], chunk)
      for (const client of clients) {
        if (client.writableLength + frame.length > CLIENT_BACKLOG_LIMIT) {
          letGo(client, frameOf(SYSTEM_ERROR, Buffer.from(`this attach fell more than ${CLIENT_BACKLOG_LIMIT / 1024 / 1024} MiB behind the container's output`)))
        } else if (!client.write(frame) && !behind.has(client)) {
          behind.add(client)
          client.once('drain', () => caughtUpWith(client))
        }
      }
      return behind.size === 0
    },
    caughtUp(resume) {
      if (behind.size === 0) resume()
      else waiting.push(resume)
    },
    async close() {
      server.close()
      // Its name goes unless a successor's socket has taken it.
      try {
        viaDirectory(dir, (path) => {
          if (statSync(path(SOCKET_NAME)).ino === bound) rmSync(path(SOCKET_NAME))
        })
      } catch {
        // Gone already, with the container's directory.
      }
      const ended = [...clients].map((client) => new Promise((resolve) => client.once('close', resolve)))
      for (const client of clients) letGo(client, END_FRAME)
      await Promise.all(ended)
    },
  }
}

/**
 * Binds and listens as server.listen(path) does, without it loading the cluster module (and with it
 * child_process and dgram): 0.8 MiB more in every container's logger. `_listen2` is net's legacy
 * name for the setup listen() ends in on a primary process.
 */
function listenWithoutCluster(server: Server, path: string): void {
  const legacy = server as Server & {_listen2?: (address: string, port: number, addressType: number, backlog: number) => void}
  if (legacy._listen2) legacy._listen2(path, -1, -1, LISTEN_BACKLOG)
  else server.listen(path)
}

function frameOf(code: number, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_SIZE + payload.length)
  frame.writeUInt32BE(code << 24, 0)
  frame.writeUInt32BE(payload.length, 4)
  frame.set(payload, HEADER_SIZE)
  return frame
}

/**
 * A FIFO's descriptor (a held stdin) as a stream, made on first use, so that a logger nobody
 * attaches to makes none; close() closes the descriptor either way.
 */
export function fifoInput(fd: number): {input: AttachInput; close(): void} {
  let stream: Socket | undefined
  return {
    input: () => {
      if (!stream) {
        stream = new Socket({fd, readable: false, writable: true})
        stream.on('error', () => undefined)
      }
      return stream
    },
    close: () => (stream ? stream.destroy() : closeSync(fd)),
  }
}

/** Connects to the container's attach socket; rejects with the errno (ENOENT, ECONNREFUSED) when nothing serves it. */
export function connectAttachSocket(dir: string): Promise<Socket> {
  const socket = viaDirectory(dir, (path) => createConnection({path: path(SOCKET_NAME), allowHalfOpen: true}))
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('error', reject)
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

export interface AttachFrameSink {
  stdout(chunk: Buffer): void
  stderr(chunk: Buffer): void
  /** The server's reason for letting this client go. */
  systemError(message: string): void
  /** The client got all the server had of the output (it ended, or moves to another reader). */
  end(): void
}

/** Splits what the server sends into frames, across chunks. */
export class AttachFrameReader {
  readonly #sink: AttachFrameSink
  #pending: Buffer = Buffer.alloc(0)

  constructor(sink: AttachFrameSink) {
    this.#sink = sink
  }

  push(chunk: Buffer): void {
    let data = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk])
    while (data.length >= HEADER_SIZE) {
      const length = data.readUInt32BE(4)
      if (data.length < HEADER_SIZE + length) break
      const payload = data.subarray(HEADER_SIZE, HEADER_SIZE + length)
      const code = data[0]
      if (code === STREAM_CODES.stdout) this.#sink.stdout(payload)
      else if (code === STREAM_CODES.stderr) this.#sink.stderr(payload)
      else if (code === SYSTEM_ERROR) this.#sink.systemError(payload.toString())
      else if (code === END) this.#sink.end()
      data = data.subarray(HEADER_SIZE + length)
    }
    this.#pending = data
  }
}

/** What container e2e tests share: a nerd call that must succeed, polling, and inspect. */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {ctr, fileDataRoot, fileNamespace, nerd} from './e2e.ts'
import type {NerdOptions} from './e2e.ts'

/** Runs nerd, fails the test unless it exits 0, and returns its stdout. */
export async function nerdOk(args: string[], options: NerdOptions = {}): Promise<string> {
  const result = await nerd(args, options)
  assert.equal(result.code, 0, `nerd ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
  return result.stdout
}

/** Polls `probe` until it answers something other than undefined. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** The pids of processes whose command line matches `pattern` (pgrep -f), none when there are none. */
export async function pids(pattern: string): Promise<number[]> {
  const {stdout} = await promisify(execFile)('pgrep', ['-f', pattern]).catch(() => ({stdout: ''}))
  return stdout.split('\n').filter(Boolean).map(Number)
}

/** The shim of this file's container `id`. */
export async function shimOf(id: string): Promise<number> {
  const [shim] = await pids(`containerd-shim-runc-v2 -namespace ${fileNamespace()} -id ${id}`)
  assert.ok(shim, `the shim of ${id} runs`)
  return shim
}

/** The parent of process `pid`; undefined once it has ended (pgrep listed it a moment before). */
function parentOf(pid: number): number | undefined {
  try {
    // The fields after the command's closing parenthesis: state, then the parent's pid.
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1])
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** The logger (dist/logger.js) the shim of this file's container `id` runs: the one child of the shim that runs logger.js. */
export async function loggerOf(id: string): Promise<number> {
  const shim = await shimOf(id)
  const loggers = (await pids('/logger.js ')).filter((pid) => parentOf(pid) === shim)
  assert.equal(loggers.length, 1, `one logger of ${id}`)
  return loggers[0]!
}

/** `nerd inspect NAME`'s one document. */
export async function inspectContainer(name: string): Promise<Record<string, any>> {
  const [document] = JSON.parse(await nerdOk(['inspect', name])) as Record<string, any>[]
  assert.ok(document, `inspect ${name} printed no document`)
  return document
}

/** The status of the containerd task of the container `id` (CREATED, RUNNING, PAUSED, …), or undefined without one. */
export async function taskStatus(id: string): Promise<string | undefined> {
  const tasks = await ctr(['tasks', 'ls'])
  return tasks.stdout.split('\n').find((line) => line.startsWith(`${id} `))?.trim().split(/\s+/)[2]
}

/** Removes every container of this file's namespace (for after()), with the options given to nerd. */
export async function removeAllContainers(options: NerdOptions = {}): Promise<void> {
  const ids = (await nerd(['ps', '-aq'], options)).stdout.split('\n').filter(Boolean)
  if (ids.length > 0) await nerd(['rm', '-f', ...ids], options)
}

/** The container state directories under this file's data root and namespace. */
function stateDirectories(): string[] {
  const dir = join(fileDataRoot(), 'containers', fileNamespace())
  return existsSync(dir) ? readdirSync(dir).filter((entry) => !entry.startsWith('.')) : []
}

/** What containerd and nerd hold of the container `id`: each list should be empty once it is removed. */
export async function remainsOf(id: string): Promise<Record<string, string[]>> {
  const lines = async (args: string[]) => (await ctr(args)).stdout.split('\n').filter((line) => line.includes(id))
  return {
    tasks: await lines(['tasks', 'ls']),
    containers: await lines(['containers', 'ls', '-q']),
    snapshots: await lines(['snapshots', 'ls']),
    directories: stateDirectories().filter((entry) => entry === id),
  }
}

/** The body of a successful GET of `url` (a container's published page), or undefined: refused, an error status, or no answer within 2 s. */
export async function httpGet(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, {signal: AbortSignal.timeout(2000)})
    return response.ok ? await response.text() : undefined
  } catch {
    return undefined
  }
}

function listensOn(port: number): Promise<boolean> {
  const server = createServer()
  return new Promise((resolve) => {
    server.once('error', () => resolve(false))
    server.listen({port, host: '0.0.0.0', exclusive: true}, () => server.close(() => resolve(true)))
  })
}

/**
 * The first of `count` consecutive ports to publish with -p: free on the host, and below the
 * kernel's ephemeral range, where nerd's -P and -p 0 get their ports (from the kernel) for the
 * containers of test files running beside this one: those ports bind nothing (portmap's DNAT), so
 * a bind probe would not see them taken.
 */
export async function publishablePort(count = 1): Promise<number> {
  const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
  const low = Math.max(1024, ephemeralLow - 12_000)
  for (;;) {
    const first = low + Math.floor(Math.random() * (ephemeralLow - low - count))
    const free = await Promise.all(Array.from({length: count}, (_, index) => listensOn(first + index)))
    if (free.every(Boolean)) return first
  }
}

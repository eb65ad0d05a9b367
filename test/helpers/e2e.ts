/**
 * What every e2e test uses to drive the built nerd and ctr against the test containerd that
 * test/run.sh starts (NERD_TEST_ADDRESS), each test file in its own containerd namespace and nerd
 * data root, so files can run in parallel against one daemon.
 */
import {type ChildProcessByStdio, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {readdirSync, readFileSync, readlinkSync, writeFileSync} from 'node:fs'
import {constants} from 'node:os'
import {basename, relative, resolve} from 'node:path'
import type {Readable, Writable} from 'node:stream'
import {fileURLToPath} from 'node:url'
import type {BuiltArchive} from './oci-image.ts'
import {requiredEnv, testImageArchive} from './test-images.ts'

export interface RunResult {
  /** The exit code; 128 + the signal number when the process was killed. */
  code: number
  stdout: string
  /** stdout as bytes, for binary output (a tar stream). */
  stdoutBytes: Buffer
  stderr: string
}

export interface RunOptions {
  /** Written to the process's stdin, which is then closed (stdin is empty otherwise). */
  input?: string | Buffer
  /** Added to the environment; a variable set to undefined is removed. */
  env?: Record<string, string | undefined>
  /** The containerd namespace: this file's (`uniqueNamespace`) unless given; null passes none. */
  namespace?: string | null
  /** The containerd socket: $NERD_TEST_ADDRESS unless given; null passes none. */
  address?: string | null
  /** Killed with SIGKILL after this long (default 60 s). */
  timeoutMs?: number
  cwd?: string
  /** Given what the process has written on stderr so far, each time it writes more: to act while it runs. */
  onStderr?: (stderr: string) => void
}

export interface NerdOptions extends RunOptions {
  /** nerd's --data-root: this file's directory under $NERD_TEST_ROOT unless given; null passes none. */
  dataRoot?: string | null
  /** nerd's --cni-netconfpath: the run's (testEnvironment.netconf) unless given; null passes none. */
  netconf?: string | null
}

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url))
export const nerdEntry = resolve(repositoryRoot, 'bin/run.js')

/** Read lazily so that importing this module (e.g. from a unit test) needs no harness. */
export const testEnvironment = {
  get address(): string {
    return requiredEnv('NERD_TEST_ADDRESS')
  },
  /** `127.0.0.1:<port>` of the test docker-registry (plain HTTP). */
  get registry(): string {
    return requiredEnv('NERD_TEST_REGISTRY')
  },
  get root(): string {
    return requiredEnv('NERD_TEST_ROOT')
  },
  get images(): string {
    return requiredEnv('NERD_TEST_IMAGES')
  },
  /** The CNI configuration directory of the run (harness.sh). */
  get netconf(): string {
    return resolve(requiredEnv('NERD_TEST_ROOT'), 'net.d')
  },
}

const runTag = /^[a-z0-9]{1,8}$/.test(process.env.NERD_TEST_RUN_ID ?? '')
  ? process.env.NERD_TEST_RUN_ID as string
  : Date.now().toString(36).slice(-6)
const namespaces = new Map<string, string>()

/**
 * The namespace of a test file (pass `import.meta.url`): `nt<run>-<file>`, e.g. `ntk3x9-system`
 * for test/e2e/system.test.ts, the same on every call. The run tag keeps runs apart on a shared
 * containerd, and lets the harness find (and remove) every namespace a run made, including
 * `${namespace}-suffix` ones tests derive from it.
 */
export function uniqueNamespace(fileName: string): string {
  const path = fileName.startsWith('file:') ? fileURLToPath(fileName) : resolve(fileName)
  let namespace = namespaces.get(path)
  if (namespace === undefined) {
    const e2eRelative = relative(resolve(repositoryRoot, 'test/e2e'), path)
    const name = (e2eRelative.startsWith('..') ? basename(path) : e2eRelative).replace(/\.test\.[cm]?[jt]s$|\.[cm]?[jt]s$/, '')
    const slug = name.toLowerCase().replaceAll(/[^a-z0-9]+/g, '-').replaceAll(/^-+|-+$/g, '').slice(0, 48).replace(/-+$/, '')
    namespace = `nt${runTag}-${slug || createHash('sha256').update(path).digest('hex').slice(0, 8)}`
    if ([...namespaces.values()].includes(namespace)) namespace += `-${createHash('sha256').update(path).digest('hex').slice(0, 6)}`
    namespaces.set(path, namespace)
  }
  return namespace
}

/** The namespace of the test file running in this process. */
export function fileNamespace(): string {
  return uniqueNamespace(process.argv[1])
}

/** This file's nerd data root. */
export function fileDataRoot(): string {
  return resolve(testEnvironment.root, 'data', fileNamespace())
}

/** The global options `nerd()` passes by default, for tests that start nerd themselves. */
export function nerdGlobals(): string[] {
  return ['--address', testEnvironment.address, '--namespace', fileNamespace(), '--data-root', fileDataRoot(), '--cni-netconfpath', testEnvironment.netconf]
}

/** Runs the built nerd (bin/run.js) with this node, against the test containerd. */
export function nerd(args: string[], options: NerdOptions = {}): Promise<RunResult> {
  const globals: string[] = []
  const address = options.address === undefined ? testEnvironment.address : options.address
  if (address !== null) globals.push('--address', address)
  const namespace = options.namespace === undefined ? fileNamespace() : options.namespace
  if (namespace !== null) globals.push('--namespace', namespace)
  const dataRoot = options.dataRoot === undefined ? fileDataRoot() : options.dataRoot
  if (dataRoot !== null) globals.push('--data-root', dataRoot)
  if (options.netconf !== null) globals.push('--cni-netconfpath', options.netconf ?? testEnvironment.netconf)
  // An empty nerd.toml, so that a developer's /etc/nerd/nerd.toml does not leak into the tests.
  const env = {NERD_TOML: emptyNerdToml(), ...options.env}
  // As scripts/setup.sh's wrapper runs it: `--` keeps Node from reading `--env-file` for itself.
  return runProcess(process.execPath, ['--', nerdEntry, ...globals, ...args], {...options, env})
}

/** A shell command line running the built nerd with nerdGlobals(), for tests that start it in a terminal. */
export function nerdCommandLine(args: string[]): string {
  return [process.execPath, '--', nerdEntry, ...nerdGlobals(), ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ')
}

/**
 * Runs nerd on a pseudo-terminal (util-linux `script`) and returns the lines the terminal shows at
 * the end: what the progress display redrew in place (cursor up, erase line) appears once, as a user
 * sees it.
 */
export async function nerdOnTerminal(args: string[], options: Pick<RunOptions, 'env' | 'timeoutMs'> = {}): Promise<{code: number; screen: string[]}> {
  const result = await runProcess('script', ['--quiet', '--return', '--command', nerdCommandLine(args), '/dev/null'], {...options, env: {NERD_TOML: emptyNerdToml(), ...options.env}})
  return {code: result.code, screen: terminalScreen(result.stdout)}
}

/** The rows a terminal shows after `output` (newlines, carriage returns, cursor up, erase line). */
function terminalScreen(output: string): string[] {
  const rows = ['']
  let row = 0
  for (const token of output.split(/(\x1b\[\d*[AK]|\r\n|\r|\n)/)) {
    if (token === '\n' || token === '\r\n') rows[++row] ??= ''
    else if (token === '\r' || /^\x1b\[\d*K$/.test(token)) rows[row] = ''
    else if (/^\x1b\[\d*A$/.test(token)) row = Math.max(0, row - Number(token.slice(2, -1) || 1))
    else rows[row] += token
  }
  while (rows.at(-1) === '') rows.pop()
  return rows
}

/** skopeo, the second registry client the image tests check nerd against. */
export function skopeo(args: string[]): Promise<RunResult> {
  return runProcess('skopeo', args, {})
}

/** Runs ctr against the test containerd, in this file's namespace unless told otherwise. */
export function ctr(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const address = options.address === undefined ? testEnvironment.address : options.address
  const namespace = options.namespace === undefined ? fileNamespace() : options.namespace
  // Through the environment, so that a `-n` in args still wins.
  const env = {CONTAINERD_NAMESPACE: namespace ?? undefined, ...options.env}
  return runProcess('ctr', [...(address === null ? [] : ['--address', address]), ...args], {...options, env})
}

/**
 * Imports one of the standard test images (test-images.ts) into a namespace (this file's by
 * default) and unpacks it. The image is then named `docker.io/<name>`, e.g.
 * `docker.io/nerd-test/busybox:latest`.
 */
export async function loadTestImage(name: string, namespace: string = fileNamespace()): Promise<void> {
  const result = await ctr(['images', 'import', testImageArchive(name)], {namespace})
  if (result.code !== 0) throw new Error(`ctr images import ${name} into ${namespace} failed (${result.code}): ${result.stderr}`)
}

/** What the builder wrote for a standard test image: archive path and every digest. */
export function testImage(name: string): BuiltArchive {
  const built = JSON.parse(readFileSync(resolve(testEnvironment.images, 'images.json'), 'utf8')) as Record<string, BuiltArchive>
  const image = built[name]
  if (!image) throw new Error(`no test image ${name}; built: ${Object.keys(built).join(', ')}`)
  return image
}

/** A nerd started by startNerd, still at work: its stdin and stdout are pipes. */
export interface StartedNerd {
  child: ChildProcessByStdio<Writable, Readable, null>
  /** The signal that ended it, or its exit code. */
  ended: Promise<NodeJS.Signals | number | null>
}

/**
 * Starts the built nerd with nerdGlobals() (in `namespace` if given), for a test that acts on it
 * while it works (sends it a signal); its stdin and stdout are left to the test to write and read.
 */
export function startNerd(args: string[], options: {namespace?: string; env?: Record<string, string>} = {}): StartedNerd {
  const env: Record<string, string | undefined> = {...process.env}
  for (const name of SCRUBBED) delete env[name]
  Object.assign(env, {NERD_TOML: emptyNerdToml(), ...options.env})
  const globals = nerdGlobals()
  if (options.namespace !== undefined) globals[globals.indexOf('--namespace') + 1] = options.namespace
  const child = spawn(process.execPath, ['--', nerdEntry, ...globals, ...args], {env, stdio: ['pipe', 'pipe', 'ignore']})
  // A nerd killed before it read its input closes the pipe: that is not the test's failure.
  child.stdin.on('error', () => {})
  return {child, ended: new Promise((resolvePromise) => child.once('close', (code, signal) => resolvePromise(signal ?? code)))}
}

/**
 * A `nerd load` into `namespace` killed with SIGKILL once it has stored the blobs of a test image's
 * archive, all but whose end it was given: what a load killed outright leaves (its lease, with the
 * blobs no image references).
 */
export async function killedLoad(namespace: string): Promise<void> {
  const archive = readFileSync(testImageArchive('nerd-test/busybox:latest'))
  const load = startNerd(['load'], {namespace})
  load.child.stdin.write(archive.subarray(0, archive.length - 1024))
  const deadline = Date.now() + 30_000
  // Its lease made and a blob stored under it (blobs of an image removed just before may still wait
  // for containerd's collection: they alone do not say the load got that far).
  const stored = async () =>
    (await ctr(['leases', 'ls'], {namespace})).stdout.includes('nerd/owner') && (await ctr(['content', 'ls', '-q'], {namespace})).stdout.trim() !== ''
  while (!(await stored())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the load to store blobs')
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 100))
  }
  load.child.kill('SIGKILL')
  await load.ended
}

/** Variables of the test process that would change how a child behaves. */
const SCRUBBED = ['CONTAINERD_ADDRESS', 'CONTAINERD_NAMESPACE', 'CONTAINERD_SNAPSHOTTER', 'NERD_TOML', 'NODE_TEST_CONTEXT', 'NODE_OPTIONS']

function runProcess(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  const env: Record<string, string | undefined> = {...process.env}
  for (const name of SCRUBBED) delete env[name]
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe']})
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk)
      options.onStderr?.(Buffer.concat(stderr).toString('utf8'))
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolvePromise({
        code: code ?? 128 + (signal ? constants.signals[signal] : 0),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stdoutBytes: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr).toString('utf8'),
      })
    })
    // A child that exits without reading its input closes the pipe: that is not the test's failure.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input)
  })
}

function emptyNerdToml(): string {
  const path = resolve(testEnvironment.root, 'nerd.toml')
  try {
    writeFileSync(path, '', {flag: 'wx'})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  return path
}

/**
 * Resolves once the `nerd events` running as `pid` is subscribed: connected to containerd (a socket
 * beyond its stdio) and idle (asleep, with no CPU time used for 300 ms): it subscribes as soon as it
 * connects and then only waits for events. A fixed wait missed the first event on a loaded machine.
 */
export async function eventsSubscribed(pid: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastTicks = -1
  let idleSamples = 0
  while (idleSamples < 3) {
    if (Date.now() > deadline) throw new Error(`nerd events (pid ${pid}) did not subscribe within ${timeoutMs} ms`)
    await new Promise((resolveWait) => setTimeout(resolveWait, 100))
    // Fields after the command's closing parenthesis: state, then utime and stime at 12 and 13.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    const connected = readdirSync(`/proc/${pid}/fd`).some((fd) => Number(fd) > 2 && readlinkOrEmpty(`/proc/${pid}/fd/${fd}`).startsWith('socket:'))
    idleSamples = connected && fields[0] === 'S' && ticks === lastTicks ? idleSamples + 1 : 0
    lastTicks = ticks
  }
}

function readlinkOrEmpty(path: string): string {
  try {
    return readlinkSync(path)
  } catch {
    return ''
  }
}

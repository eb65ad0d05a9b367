/**
 * The built logger (dist/logger.js) started as containerd's shim starts it from nerd's binary:// URI
 * (a shell prelude that execs node, or `node logger.js <data root>` directly), only CONTAINER_ID and
 * CONTAINER_NAMESPACE in the environment, the container's stdout and stderr on fds 3 and 4, the
 * ready pipe on fd 5. No containerd needed: the test plays the shim.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import type {ChildProcess} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Readable, Writable} from 'node:stream'
import {fileURLToPath} from 'node:url'
import {after, describe, it} from 'node:test'
import {loggerUri} from '../../src/container/logs/logger.ts'
import {executableOnPath, SYSTEM_PATH} from '../../src/paths.ts'

const loggerScript = fileURLToPath(new URL('../../dist/logger.js', import.meta.url))
const NAMESPACE = 'logger-test'

const root = mkdtempSync(join(tmpdir(), 'nerd-logger-'))
const started: ChildProcess[] = []
after(() => {
  // A test that failed half-way leaves its loggers waiting for EOF.
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  rmSync(root, {recursive: true, force: true})
})
let containers = 0

interface Container {
  id: string
  dataRoot: string
  dir: string
  logPath: string
}

function container(options: {logConfig?: {Type: string; Config: Record<string, string>}; startMark?: boolean; autoRemove?: boolean; record?: boolean} = {}): Container {
  const id = `${String(++containers).padStart(2, '0')}${'c'.repeat(62)}`
  const dataRoot = join(root, `data-${containers}`)
  const dir = join(dataRoot, 'containers', NAMESPACE, id)
  mkdirSync(dir, {recursive: true})
  const logConfig = options.logConfig ?? {Type: 'json-file', Config: {}}
  const logPath = logConfig.Type === 'none' ? '' : join(dir, `${id}-json.log`)
  if (options.record !== false) {
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({Id: id, Name: `logger-${containers}`, Namespace: NAMESPACE, LogPath: logPath, HostConfig: {LogConfig: logConfig, RestartPolicy: {Name: 'no', MaximumRetryCount: 0}, AutoRemove: options.autoRemove ?? false}}),
    )
  }
  if (options.startMark !== false) writeFileSync(join(dir, 'start-requested'), '')
  return {id, dataRoot, dir, logPath}
}

interface Logger {
  process: ChildProcess
  stdout: Writable
  stderr: Writable
  /** Resolves when the logger closed fd 5, with the ms since it was started. */
  ready: Promise<number>
  exit: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  /** What the logger wrote on its own stderr (the shim gives it /dev/null; the test listens). */
  diagnostics: () => string
}

/** As the shim runs the URI nerd gives it (loggerUri): a shell prelude, or (`direct`) node itself. */
function startLogger(target: Container, options: {direct?: boolean} = {}): Logger {
  const startedAt = Date.now()
  const uri = new URL(loggerUri(process.execPath, loggerScript, target.dataRoot, options.direct ? undefined : executableOnPath('rm', SYSTEM_PATH)))
  const child = spawn(decodeURIComponent(uri.pathname), [...uri.searchParams].flat(), {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    env: {CONTAINER_ID: target.id, CONTAINER_NAMESPACE: NAMESPACE},
    cwd: target.dir,
  })
  started.push(child)
  let diagnostics = ''
  child.stderr!.on('data', (chunk: Buffer) => (diagnostics += chunk.toString()))
  const readyPipe = (child.stdio as unknown as Readable[])[5]!
  readyPipe.resume()
  const ready = new Promise<number>((resolve) => readyPipe.once('close', () => resolve(Date.now() - startedAt)))
  const exit = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => child.once('exit', (code, signal) => resolve({code, signal})))
  const stdout = child.stdio[3] as Writable
  const stderr = child.stdio[4] as Writable
  // A logger that died makes writes fail; the assertions on its exit tell why.
  stdout.on('error', () => undefined)
  stderr.on('error', () => undefined)
  return {process: child, stdout, stderr, ready, exit, diagnostics: () => diagnostics}
}

function write(stream: Writable, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => stream.write(data, (error) => (error ? reject(error) : resolve())))
}

async function endOutput(logger: Logger): Promise<void> {
  logger.stdout.end()
  logger.stderr.end()
}

interface Entry {
  log: string
  stream: string
  time: string
}

function entries(path: string): Entry[] {
  if (!existsSync(path)) return []
  const text = readFileSync(path, 'utf8')
  return text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as Entry)
}

/** A process's private memory in kB (Private_Dirty + Private_Clean), as bench/containers.sh counts a logger's. */
function privateKb(pid: number): number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
  return [...rollup.matchAll(/^Private_(?:Dirty|Clean):\s+(\d+) kB$/gm)].reduce((sum, match) => sum + Number(match[1]), 0)
}

async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}


/** A start nerd did not mark counts as one restart, started now; the logger then ends cleanly at EOF. */
/** The state of a container whose last run ended `exitUnrecorded` by its exit handler (which counts the restart it makes due), with `restartCount`. */
function lastRunState(target: Container, {exitUnrecorded, restartCount}: {exitUnrecorded: boolean; restartCount: number}): void {
  const lastStart = new Date(Date.now() - 5000).toISOString()
  writeFileSync(join(target.dir, 'state.json'), JSON.stringify({StartedAt: lastStart, FinishedAt: '', ExitCode: 0, Error: '', OOMKilled: false, RestartCount: restartCount, ExplicitlyStopped: false, ExitUnrecorded: exitUnrecorded}))
}

/** The unmarked start is recorded, RestartCount `count` then, and the logger ends as usual. */
async function assertRestartCounted(target: Container, logger: Logger, count = 1): Promise<void> {
  const state = JSON.parse(readFileSync(join(target.dir, 'state.json'), 'utf8')) as {RestartCount: number; StartedAt: string}
  assert.equal(state.RestartCount, count)
  assert.ok(Math.abs(Date.parse(state.StartedAt) - Date.now()) < 60_000)
  await endOutput(logger)
  assert.equal((await logger.exit).code, 0, logger.diagnostics())
}

describe('the shim-run logger (dist/logger.js)', () => {
  it('run directly, closes the ready pipe once the log is open, logs both streams in json-file entries, and exits 0 at EOF', async () => {
    const target = container()
    const logger = startLogger(target, {direct: true})
    const readyAfter = await logger.ready
    assert.ok(existsSync(target.logPath), 'the log exists when the shim is told to go on')
    assert.ok(readyAfter < 5000, `ready after ${readyAfter} ms`)
    assert.ok(!existsSync(join(target.dir, 'start-requested')), 'the start mark is taken')
    assert.ok(!existsSync(join(target.dir, 'state.json')), 'a start nerd made is no restart')

    // Two pipes have no order between them: each write waits for the one before to be logged.
    await write(logger.stdout, 'hello\nwor')
    await until('hello', () => entries(target.logPath).length === 1)
    await write(logger.stderr, 'oops\n')
    await until('oops', () => entries(target.logPath).length === 2)
    await write(logger.stdout, 'ld\n')
    await until('world', () => entries(target.logPath).length === 3)
    await write(logger.stdout, 'no newline at the end')
    const started = Date.now()
    await endOutput(logger)
    const exit = await logger.exit
    assert.deepEqual(exit, {code: 0, signal: null}, logger.diagnostics())
    assert.ok(Date.now() - started < 2000, 'exits at once when the output ends')
    const logged = entries(target.logPath)
    assert.deepEqual(
      logged.map((entry) => [entry.stream, entry.log]),
      [
        ['stdout', 'hello\n'],
        ['stderr', 'oops\n'],
        ['stdout', 'world\n'],
        ['stdout', 'no newline at the end'],
      ],
    )
    for (const entry of logged) {
      assert.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z$/)
      assert.ok(Math.abs(Date.parse(entry.time) - Date.now()) < 60_000)
    }
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(target.logPath, 'utf8').split('\n')[0]!) as object), ['log', 'stream', 'time'])
  })

  it('rotates with the container\'s max-size and max-file', async () => {
    const target = container({logConfig: {Type: 'json-file', Config: {'max-size': '1k', 'max-file': '3'}}})
    const logger = startLogger(target)
    await logger.ready
    const lines = Array.from({length: 100}, (_, index) => `line ${index}\n`)
    await write(logger.stdout, lines.join(''))
    await endOutput(logger)
    assert.equal((await logger.exit).code, 0, logger.diagnostics())
    assert.ok(!existsSync(`${target.logPath}.3`))
    const kept = [`${target.logPath}.2`, `${target.logPath}.1`, target.logPath].flatMap((file) => entries(file).map((entry) => entry.log))
    assert.ok(kept.length > 10 && kept.length < 100, `${kept.length} lines kept`)
    assert.deepEqual(kept, lines.slice(100 - kept.length))
  })

  it('drains and discards the output with --log-driver none', async () => {
    const target = container({logConfig: {Type: 'none', Config: {}}})
    const logger = startLogger(target)
    await logger.ready
    // More than a pipe holds: a logger that stopped reading would block the container.
    await write(logger.stdout, Buffer.alloc(4 * 1024 * 1024, 'x'))
    await write(logger.stderr, 'gone\n')
    await endOutput(logger)
    assert.equal((await logger.exit).code, 0, logger.diagnostics())
    assert.deepEqual(readdirSync(target.dir), ['config.json'])
  })

  it('run directly, records a start nerd did not mark (containerd\'s restart monitor) before it is ready, counted as a restart only after an exit no handler recorded', async () => {
    const counted = container({startMark: false})
    lastRunState(counted, {exitUnrecorded: true, restartCount: 0})
    const first = startLogger(counted, {direct: true})
    await first.ready
    await assertRestartCounted(counted, first)
    // The handler that recorded the exit counted the restart it made due, which this start carries out.
    const carried = container({startMark: false})
    lastRunState(carried, {exitUnrecorded: false, restartCount: 1})
    const second = startLogger(carried, {direct: true})
    await second.ready
    await assertRestartCounted(carried, second, 1)
  })

  it('counting containerd\'s restart monitor\'s start ahead of the last run\'s exit handler, records that the last run finished', async () => {
    const target = container({startMark: false})
    lastRunState(target, {exitUnrecorded: true, restartCount: 0})
    const lastStart = (JSON.parse(readFileSync(join(target.dir, 'state.json'), 'utf8')) as {StartedAt: string}).StartedAt
    const logger = startLogger(target, {direct: true})
    await logger.ready
    const state = JSON.parse(readFileSync(join(target.dir, 'state.json'), 'utf8')) as {FinishedAt: string; StartedAt: string}
    assert.ok(Date.parse(state.FinishedAt) > Date.parse(lastStart) && Date.parse(state.FinishedAt) <= Date.parse(state.StartedAt), JSON.stringify(state))
    await assertRestartCounted(target, logger)
  })

  it('through the prelude, takes the start mark before it is ready and counts an unmarked start after an unrecorded exit as a restart', async () => {
    const marked = container()
    const first = startLogger(marked)
    await first.ready
    assert.ok(!existsSync(join(marked.dir, 'start-requested')), 'the start mark is taken before the shim goes on')
    await write(first.stdout, 'logged\n')
    await until('the line', () => entries(marked.logPath).length === 1)
    await endOutput(first)
    assert.equal((await first.exit).code, 0, first.diagnostics())
    assert.ok(!existsSync(join(marked.dir, 'state.json')), 'a start nerd made is no restart')

    const target = container({startMark: false})
    lastRunState(target, {exitUnrecorded: true, restartCount: 0})
    const logger = startLogger(target)
    await logger.ready
    await until('the restart counted', () => (JSON.parse(readFileSync(join(target.dir, 'state.json'), 'utf8')) as {RestartCount: number}).RestartCount === 1)
    await assertRestartCounted(target, logger)
  })

  it('still drains the output and exits 1 when the container has no record', async () => {
    const target = container({record: false})
    const logger = startLogger(target)
    await logger.ready
    await write(logger.stdout, Buffer.alloc(1024 * 1024, 'y'))
    await endOutput(logger)
    assert.deepEqual(await logger.exit, {code: 1, signal: null})
    assert.match(logger.diagnostics(), new RegExp(`^nerd logger ${target.id}: .*config\\.json`))
  })

  it('with --rm or a restart policy, still ends when the output ends', async () => {
    const target = container({autoRemove: true})
    const logger = startLogger(target)
    await logger.ready
    await write(logger.stdout, 'bye\n')
    const started = Date.now()
    await endOutput(logger)
    assert.equal((await logger.exit).code, 0, logger.diagnostics())
    assert.ok(Date.now() - started < 2000, `exited ${Date.now() - started} ms after EOF`)
    assert.deepEqual(entries(target.logPath).map((entry) => entry.log), ['bye\n'])
  })

  it('finishes the output after the shim\'s SIGTERM, which follows its closing the pipes', async () => {
    const target = container()
    const logger = startLogger(target)
    await logger.ready
    // Past the prelude: node runs the logger (which handles SIGTERM before it opens the log).
    await until('the log opened', () => existsSync(target.logPath))
    await write(logger.stdout, 'last\nwords')
    logger.stdout.end()
    logger.stderr.end()
    logger.process.kill('SIGTERM')
    assert.deepEqual(await logger.exit, {code: 0, signal: null}, logger.diagnostics())
    assert.deepEqual(entries(target.logPath).map((entry) => entry.log), ['last\n', 'words'])
  })

  // Its memory per container is measured by bench/containers.sh, not asserted here (targets are benchmarks).
  it('several loggers at once keep up with bursts on both streams and log every line', async () => {
    const targets = [container({logConfig: {Type: 'json-file', Config: {'max-size': '1m', 'max-file': '2'}}}), container(), container()]
    const loggers = targets.map((target) => startLogger(target))
    await Promise.all(loggers.map((logger) => logger.ready))
    // A chatty container: bursts of lines on both streams, then a long idle run.
    const line = `${new Date().toISOString()} INFO request handled in 3 ms path=/api/items/42 status=200\n`
    for (let round = 0; round < 30; round++) {
      await Promise.all(loggers.map((logger) => Promise.all([write(logger.stdout, line.repeat(200)), write(logger.stderr, 'warning: slow\n')])))
      await new Promise((resolve) => setTimeout(resolve, 30))
    }
    await Promise.all(loggers.map((logger) => write(logger.stdout, Buffer.concat([Buffer.alloc(8 * 1024 * 1024, 'z'), Buffer.from('end\n')]))))
    await until('the output logged', () => targets.every((target) => entries(target.logPath).at(-1)?.log === 'end\n'), 30_000)
    // (The first one rotates at 1 MiB; the others keep every entry in one file.)
    for (const target of targets.slice(1)) {
      const logged = entries(target.logPath)
      assert.equal(logged.filter((entry) => entry.stream === 'stderr').length, 30)
    }
    await Promise.all(loggers.map(endOutput))
    for (const logger of loggers) assert.equal((await logger.exit).code, 0, logger.diagnostics())
  })

  it('keeps its memory flat while a chatty container writes small chunks, with rotation', async () => {
    const target = container({logConfig: {Type: 'json-file', Config: {'max-size': '1m', 'max-file': '2'}}})
    const logger = startLogger(target)
    await logger.ready
    const chunk = `${'b'.repeat(95)}\n`.repeat(4)
    /** Where the log is: a chunk is logged when this changes (the logger writes once per read). */
    const logged = (): string => {
      try {
        const {ino, size} = statSync(target.logPath)
        return `${ino}:${size}`
      } catch {
        return ''
      }
    }
    // As a container's echo loop reaches the logger through the shim: each chunk read on its own.
    const writeChunks = async (count: number): Promise<void> => {
      for (let index = 0; index < count; index++) {
        const before = logged()
        await write(logger.stdout, chunk)
        const deadline = Date.now() + 100
        while (logged() === before && Date.now() < deadline);
      }
    }
    await writeChunks(20_000)
    const warm = privateKb(logger.process.pid!)
    await writeChunks(100_000)
    const growth = privateKb(logger.process.pid!) - warm
    // Before, each chunk's timestamp was a slice of Node's Buffer pool, kept by the old generation
    // (about 4 MiB over these chunks), and the young generation doubled (1.7 MiB).
    assert.ok(growth < 1024, `the logger's private memory grew by ${growth} kB over 100000 chunks`)
    await endOutput(logger)
    assert.equal((await logger.exit).code, 0, logger.diagnostics())
  })
})

/** Reading json-file logs as `docker logs` does: rotated files (plain or gzipped), --tail, --since/--until, -t, --details, -f. */
import assert from 'node:assert/strict'
import {appendFileSync, existsSync, linkSync, watch, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync} from 'node:fs'
import fsPromises from 'node:fs/promises'
import {syncBuiltinESMExports} from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it, mock} from 'node:test'
import {gzipSync} from 'node:zlib'
import {rotatedFileHeader} from '../../../src/container/logs/compressed-rotation.ts'
import {openJsonFileLog} from '../../../src/container/logs/json-file.ts'
import type {JsonFileLog} from '../../../src/container/logs/json-file.ts'
import {readLogs} from '../../../src/container/logs/read.ts'
import type {ReadLogOptions} from '../../../src/container/logs/read.ts'

const root = mkdtempSync(join(tmpdir(), 'nerd-logs-reader-'))
after(() => rmSync(root, {recursive: true, force: true}))
let dirs = 0

function newDir(): string {
  const dir = join(root, String(++dirs))
  mkdirSync(dir)
  return dir
}

interface Written {
  log: string
  stream?: string
  time?: string
  attrs?: Record<string, string>
}

/** A json-file line; times default to one second apart from 2026-01-01T00:00:00Z by `second`. */
function entry({log, stream = 'stdout', time, attrs}: Written, second = 0): string {
  const stamp = time ?? `2026-01-01T00:00:${String(second).padStart(2, '0')}.000000000Z`
  return `${JSON.stringify({log, stream, ...(attrs ? {attrs} : {}), time: stamp})}\n`
}

/** Files x.log.2, x.log.1 and x.log holding lines 0-3, 4-7 and 8-11, a second apart. */
function rotatedLog(): string {
  const path = join(newDir(), 'x-json.log')
  const lines = (from: number) => [0, 1, 2, 3].map((offset) => entry({log: `line ${from + offset}\n`}, from + offset)).join('')
  writeFileSync(`${path}.2`, lines(0))
  writeFileSync(`${path}.1`, lines(4))
  writeFileSync(path, lines(8))
  return path
}

/** A gzipped rotated file as docker's and nerd's loggers write it, with `lastTime` in its header unless told. */
function gzipped(text: string, lastTime?: string): Buffer {
  const plain = gzipSync(text)
  if (lastTime === undefined) return plain
  // gzipSync's header has no extra field: docker's header takes its place.
  return Buffer.concat([rotatedFileHeader(lastTime), plain.subarray(10)])
}

/** As rotatedLog, the rotated files compressed: x.log.2.gz, x.log.1.gz (their headers' lastTime as docker writes it) and x.log. */
function compressedLog(): string {
  const path = join(newDir(), 'x-json.log')
  const lines = (from: number) => [0, 1, 2, 3].map((offset) => entry({log: `line ${from + offset}\n`}, from + offset)).join('')
  writeFileSync(`${path}.2.gz`, gzipped(lines(0), '2026-01-01T00:00:03Z'))
  writeFileSync(`${path}.1.gz`, gzipped(lines(4), '2026-01-01T00:00:07Z'))
  writeFileSync(path, lines(8))
  return path
}

interface Output {
  stdout: string[]
  stderr: string[]
  /** Both streams in the order written. */
  all: string[]
}

/** A write's lines, each with its newline (the sink gets a block's entries of one stream at once). */
function linesOf(chunk: string): string[] {
  return chunk.match(/[^\n]*\n|[^\n]+$/g) ?? []
}

async function read(path: string, options: ReadLogOptions = {}): Promise<Output> {
  const output: Output = {stdout: [], stderr: [], all: []}
  await readLogs(path, options, {
    stdout: (chunk) => (output.stdout.push(...linesOf(chunk)), output.all.push(...linesOf(chunk))),
    stderr: (chunk) => (output.stderr.push(...linesOf(chunk)), output.all.push(...linesOf(chunk))),
  })
  return output
}

const lines = (from: number, to: number): string[] => Array.from({length: to - from + 1}, (_, index) => `line ${from + index}\n`)

async function until(what: string, probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Writes `line <n>` lines, n from `next` on, until the log has rotated `times` times; returns the next n. */
function writeRotating(log: JsonFileLog, path: string, next: number, times: number): number {
  for (let rotations = 0; rotations < times; ) {
    const {ino} = statSync(path)
    log.write('stdout', Buffer.from(`line ${next++}\n`))
    if (statSync(path).ino !== ino) rotations++
  }
  return next
}

/**
 * A follow of `path` that the test can hold: while held, its next write waits (as for a full pipe)
 * until the test lets it go, so that the test can rotate the log any number of times between two of
 * its reads.
 */
function heldFollow(path: string, maxFile: number) {
  const seen: string[] = []
  const warnings: string[] = []
  let held = false
  let release: (() => void) | undefined
  let stop = false
  const following = readLogs(path, {follow: true, maxFile, shouldStop: async () => stop}, {
    stdout: (text) => (seen.push(...linesOf(text)), false),
    stderr: (text) => (seen.push(...linesOf(text).map((line) => `E:${line}`)), false),
    drained: () => (held ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve()),
    warning: (message: string) => void warnings.push(message),
  })
  return {
    seen,
    warnings,
    /** Holds the follow at its next write, the one of the line `write` logs: `count` lines in all by then. */
    async hold(count: number, write: () => void) {
      held = true
      write()
      await until(`the follow held after ${count} lines`, () => release !== undefined && seen.length === count)
    },
    letGo() {
      held = false
      release?.()
      release = undefined
    },
    async end() {
      this.letGo()
      stop = true
      await following
    },
  }
}

/**
 * A log at `path` (max-size 240, max-file 3) of `line 0` and `line 1`, and a heldFollow of it held
 * at `line 1`; `lap` rotates it until the followed file is out of the log and lets the follow go.
 * The follow must have warned of the lines missed, once; then the log and the follow end.
 */
async function lappedFollow(path: string, options: {compress?: boolean}, lap: (log: JsonFileLog, follow: ReturnType<typeof heldFollow>) => Promise<void>): Promise<void> {
  const log = await openJsonFileLog(path, {maxSize: 240, maxFile: 3, ...options})
  log.write('stdout', Buffer.from('line 0\n'))
  const follow = heldFollow(path, 3)
  try {
    await follow.hold(2, () => log.write('stdout', Buffer.from('line 1\n')))
    await lap(log, follow)
    assert.deepEqual(follow.warnings, ['file rotations were missed while following logs; some log messages have been skipped over'])
  } finally {
    await log.close()
    await follow.end()
  }
}

/** What the entries of a plain log file hold, in order. */
const loggedIn = (file: string): string[] => readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => (JSON.parse(line) as {log: string}).log)

const compressedAll = (dir: string) => !readdirSync(dir).some((name) => /\.\d+$/.test(name))

/**
 * The first half of a rotation as the logger makes one, by hand: the rotated files move up one (the
 * oldest dropped) and the live file becomes `.1`; the logger makes the next live file at its next write.
 */
function moveLiveAway(path: string, maxFile: number): void {
  moveRotatedUp(path, maxFile)
  renameSync(path, `${path}.1`)
}

/** A rotation's first steps: the rotated files move up one, the oldest dropped, and `.1` is left empty for the live file. */
function moveRotatedUp(path: string, maxFile: number): void {
  rmSync(`${path}.${maxFile - 1}`, {force: true})
  rmSync(`${path}.${maxFile - 1}.gz`, {force: true})
  for (let index = maxFile - 1; index > 1; index--) {
    for (const suffix of ['', '.gz']) {
      if (existsSync(`${path}.${index - 1}${suffix}`)) renameSync(`${path}.${index - 1}${suffix}`, `${path}.${index}${suffix}`)
    }
  }
}

/** What the logger's compression does to `.1`: a complete `.1.gz` under its name, then the plain file removed. */
function gzipFirst(path: string): void {
  const plain = readFileSync(`${path}.1`)
  writeFileSync(`${path}.gz.tmp`, gzipped(plain.toString(), '2026-01-01T00:00:00Z'))
  renameSync(`${path}.gz.tmp`, `${path}.1.gz`)
  unlinkSync(`${path}.1`)
}

/**
 * Has the reader's opens (node:fs/promises) call `hook` with the path first: the test acts at
 * chosen moments of its reading.
 */
function beforeReaderOpens(hook: (path: string) => void): () => void {
  const original = fsPromises.open
  mock.method(fsPromises, 'open', (...args: Parameters<typeof original>) => {
    hook(String(args[0]))
    return original(...args)
  })
  syncBuiltinESMExports()
  return () => {
    mock.restoreAll()
    syncBuiltinESMExports()
  }
}

/** Appends entries `line 0`, `line 1`, ... to the log at `path`, numbered on from the last call. */
function numberedLines(path: string): {write: (count: number) => void; next: () => number} {
  let next = 0
  return {
    write: (count) => {
      for (let index = 0; index < count; index++, next++) appendFileSync(path, entry({log: `line ${next}\n`}, next % 60))
    },
    next: () => next,
  }
}

/** A log of two numbered lines, and a plain follow of it (max-file 10) that has seen them. */
async function followingTwoLines(name: string) {
  const path = join(newDir(), name)
  const maxFile = 10
  const lineWriter = numberedLines(path)
  lineWriter.write(2)
  const follow = plainFollow(path, maxFile)
  try {
    await until('the first lines', () => follow.seen.length === 2)
  } catch (error) {
    await follow.end()
    throw error
  }
  return {path, maxFile, lineWriter, follow}
}

/**
 * Writes a last line, waits for the follow to see every line written, ends it (and the open hook,
 * `restore`), and checks that it saw each line once, in order, and warned of nothing.
 */
async function expectEveryLineOnce(follow: ReturnType<typeof plainFollow>, lineWriter: ReturnType<typeof numberedLines>, restore: (() => void) | undefined): Promise<void> {
  try {
    lineWriter.write(1)
    await until('every line', () => follow.seen.length >= lineWriter.next()).catch(() => undefined)
  } finally {
    restore?.()
    await follow.end()
  }
  assert.deepEqual(follow.seen, lines(0, lineWriter.next() - 1))
  assert.deepEqual(follow.warnings, [])
}

/**
 * A follow of two lines whose log is rotated just as the follow opens the live file; the logger is
 * then held up `heldMs` (a loaded machine) before it makes the next live file, which it rotates away
 * at once. The follow must see every line once, in order, and warn of nothing.
 */
async function expectLateLiveFollowed(name: string, heldMs: number): Promise<void> {
  const {path, maxFile, lineWriter, follow} = await followingTwoLines(name)
  const write = lineWriter.write
  let restore: (() => void) | undefined
  try {
    let moved = false
    const resumed = new Promise<void>((resolve) => {
      restore = beforeReaderOpens((opened) => {
        if (opened !== path || moved) return
        moved = true
        moveLiveAway(path, maxFile)
        setTimeout(() => {
          write(2)
          moveLiveAway(path, maxFile)
          write(2)
          resolve()
        }, heldMs)
      })
    })
    moveLiveAway(path, maxFile)
    write(2)
    await resumed
  } catch (error) {
    restore?.()
    await follow.end()
    throw error
  }
  await expectEveryLineOnce(follow, lineWriter, restore)
}

/** A follow of `path` with its lines and warnings, until `end()`. */
function plainFollow(path: string, maxFile: number) {
  const seen: string[] = []
  const warnings: string[] = []
  let stop = false
  const following = readLogs(path, {follow: true, maxFile, shouldStop: async () => stop}, {
    stdout: (text) => void seen.push(...linesOf(text)),
    stderr: () => undefined,
    warning: (message) => void warnings.push(message),
  })
  return {
    seen,
    warnings,
    async end() {
      stop = true
      await following
    },
  }
}

describe('reading json-file logs', () => {
  it('reads the rotated files oldest first, then the live one', async () => {
    const path = rotatedLog()
    assert.deepEqual((await read(path, {maxFile: 3})).all, lines(0, 11))
    // Without max-file, every rotated file there is; with a smaller one, only those it keeps.
    assert.deepEqual((await read(path)).all, lines(0, 11))
    assert.deepEqual((await read(path, {maxFile: 2})).all, lines(4, 11))
    assert.deepEqual((await read(path, {maxFile: 1})).all, lines(8, 11))
  })

  it('writes a block\'s entries of one stream at once, keeping the order of the streams', async () => {
    const path = join(newDir(), 'batched-json.log')
    const streams = ['stdout', 'stdout', 'stderr', 'stderr', 'stdout']
    writeFileSync(path, streams.map((stream, index) => entry({log: `${index}\n`, stream}, index)).join(''))
    const writes: string[] = []
    await readLogs(path, {}, {stdout: (chunk) => void writes.push(chunk), stderr: (chunk) => void writes.push(`E:${chunk}`)})
    assert.deepEqual(writes, ['0\n1\n', 'E:2\n3\n', '4\n'])
  })

  it('waits for a full output to drain before it reads on', async () => {
    const path = join(newDir(), 'drained-json.log')
    // Two blocks' worth of entries.
    writeFileSync(path, Array.from({length: 2000}, (_, index) => entry({log: `${'x'.repeat(40)} ${index}\n`}, index % 60)).join(''))
    const events: string[] = []
    let release: (() => void) | undefined
    const reading = readLogs(path, {}, {
      stdout: () => (events.push('write'), false),
      stderr: () => undefined,
      // The first wait lasts until released; the later ones end at once.
      drained: () => (events.push('wait'), release ? Promise.resolve() : new Promise<void>((resolve) => (release = resolve))),
    })
    await until('the first wait', () => release !== undefined)
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.deepEqual(events, ['write', 'wait'])
    release!()
    await reading
    assert.ok(events.length > 2)
  })

  it('counts --tail across the files', async () => {
    const path = rotatedLog()
    assert.deepEqual((await read(path, {tail: 2})).all, lines(10, 11))
    assert.deepEqual((await read(path, {tail: 4})).all, lines(8, 11))
    assert.deepEqual((await read(path, {tail: 6})).all, lines(6, 11))
    assert.deepEqual((await read(path, {tail: 9})).all, lines(3, 11))
    assert.deepEqual((await read(path, {tail: 100})).all, lines(0, 11))
    assert.deepEqual((await read(path, {tail: 0})).all, [])
    assert.deepEqual((await read(path, {tail: -1})).all, lines(0, 11))
  })

  it('filters on the entry times with nanosecond precision, after --tail as docker does', async () => {
    const path = rotatedLog()
    const at = (second: number) => BigInt(Date.UTC(2026, 0, 1, 0, 0, second)) * 1_000_000n
    assert.deepEqual((await read(path, {since: at(5), until: at(7)})).all, lines(5, 7))
    assert.deepEqual((await read(path, {since: at(10)})).all, lines(10, 11))
    assert.deepEqual((await read(path, {tail: 4, since: at(2)})).all, lines(8, 11))
    assert.deepEqual((await read(path, {tail: 4, until: at(9)})).all, lines(8, 9))
    const precise = join(newDir(), 'p.log')
    writeFileSync(precise, entry({log: 'early\n', time: '2026-01-01T00:00:00.000999999Z'}) + entry({log: 'late\n', time: '2026-01-01T00:00:00.001000001Z'}))
    const millisecond = BigInt(Date.UTC(2026, 0, 1, 0, 0, 0, 1)) * 1_000_000n
    assert.deepEqual((await read(precise, {since: millisecond})).all, ['late\n'])
    assert.deepEqual((await read(precise, {until: millisecond})).all, ['early\n'])
    // At an entry's own time both --since and --until keep it; a nanosecond later, --since drops it.
    const late = millisecond + 1n
    assert.deepEqual((await read(precise, {since: late})).all, ['late\n'])
    assert.deepEqual((await read(precise, {since: late + 1n})).all, [])
    assert.deepEqual((await read(precise, {until: late})).all, ['early\n', 'late\n'])
  })

  it('sends each entry to its stream and prefixes -t times with nine digits and --details attributes', async () => {
    const path = join(newDir(), 'streams.log')
    writeFileSync(
      path,
      entry({log: 'out\n', time: '2026-11-23T02:00:00.123456789Z'}) +
        entry({log: 'err\n', stream: 'stderr', time: '2026-11-23T02:00:01.5Z'}) +
        entry({log: 'tagged\n', time: '2026-11-23T02:00:02Z', attrs: {b: 'x y', a: '1&2'}}),
    )
    const plain = await read(path)
    assert.deepEqual(plain.stdout, ['out\n', 'tagged\n'])
    assert.deepEqual(plain.stderr, ['err\n'])
    assert.deepEqual((await read(path, {timestamps: true})).all, [
      '2026-11-23T02:00:00.123456789Z out\n',
      '2026-11-23T02:00:01.500000000Z err\n',
      '2026-11-23T02:00:02.000000000Z tagged\n',
    ])
    assert.deepEqual((await read(path, {details: true, timestamps: true})).all, [
      '2026-11-23T02:00:00.123456789Z  out\n',
      '2026-11-23T02:00:01.500000000Z  err\n',
      '2026-11-23T02:00:02.000000000Z a=1%262,b=x+y tagged\n',
    ])
  })

  it('skips damaged lines, leaves an entry still being written, and reads lines longer than its blocks', async () => {
    const path = join(newDir(), 'odd.log')
    const long = `${'z'.repeat(200_000)}\n`
    writeFileSync(path, `${entry({log: 'one\n'})}{"log":"cut\n${entry({log: long})}${entry({log: 'two\n'})}{"log":"unfinished`)
    assert.deepEqual((await read(path)).all, ['one\n', long, 'two\n'])
    assert.deepEqual((await read(path, {tail: 1})).all, ['two\n'])
  })

  it('reads gzipped rotated files as the plain ones, in order, with --tail across them and the prefixes', async () => {
    const path = compressedLog()
    assert.deepEqual((await read(path, {maxFile: 3})).all, lines(0, 11))
    assert.deepEqual((await read(path)).all, lines(0, 11))
    assert.deepEqual((await read(path, {maxFile: 2})).all, lines(4, 11))
    for (const tail of [0, 2, 4, 6, 9, 12, 100]) assert.deepEqual((await read(path, {tail})).all, lines(Math.max(0, 12 - tail), 11), `--tail ${tail}`)
    assert.deepEqual((await read(path, {tail: 9, timestamps: true})).all.slice(0, 2), ['2026-01-01T00:00:03.000000000Z line 3\n', '2026-01-01T00:00:04.000000000Z line 4\n'])
    const at = (second: number) => BigInt(Date.UTC(2026, 0, 1, 0, 0, second)) * 1_000_000n
    assert.deepEqual((await read(path, {since: at(2), until: at(5)})).all, lines(2, 5))
    assert.deepEqual((await read(path, {tail: 6, until: at(7)})).all, lines(6, 7))
    // A file still waiting for compression, and one between its .gz's rename and its own removal
    // (the plain one is read, once), in a log without header metadata (gzip's own header).
    const mixed = join(newDir(), 'mixed-json.log')
    const text = (from: number) => lines(from, from + 2).map((log, offset) => entry({log}, from + offset)).join('')
    writeFileSync(`${mixed}.3.gz`, gzipped(text(0)))
    writeFileSync(`${mixed}.2`, text(3))
    writeFileSync(`${mixed}.2.gz`, gzipped(text(3)))
    writeFileSync(`${mixed}.1`, text(6))
    writeFileSync(mixed, text(9))
    assert.deepEqual((await read(mixed, {maxFile: 4})).all, lines(0, 11))
    assert.deepEqual((await read(mixed, {maxFile: 4, tail: 10})).all, lines(2, 11))
  })

  it('leaves out a gzipped file whose header says it ends before --since, and every older one, as docker does', async () => {
    const path = compressedLog()
    const at = (second: number) => BigInt(Date.UTC(2026, 0, 1, 0, 0, second)) * 1_000_000n
    // The headers are taken at their word: lines 4-7 of x.log.1.gz, said to end at second 7, are not read for --since 8.
    writeFileSync(`${path}.1.gz`, gzipped([4, 5, 6, 7].map((second) => entry({log: `line ${second}\n`}, second + 10)).join(''), '2026-01-01T00:00:07Z'))
    assert.deepEqual((await read(path, {since: at(8)})).all, lines(8, 11))
    assert.deepEqual((await read(path, {since: at(7)})).all, lines(4, 11))
    assert.deepEqual((await read(path, {since: at(8), tail: 6})).all, lines(8, 11))
  })

  it('shows what a damaged gzipped file holds up to the damage, and goes on with the next file', async () => {
    const path = compressedLog()
    const whole = gzipped(lines(4, 7).map((log, offset) => entry({log}, 4 + offset)).join(''), '2026-01-01T00:00:07Z')
    writeFileSync(`${path}.1.gz`, whole.subarray(0, whole.length - 12))
    const all = (await read(path)).all
    assert.deepEqual(all.slice(0, 4), lines(0, 3))
    assert.deepEqual(all.slice(-4), lines(8, 11))
    writeFileSync(`${path}.1.gz`, 'not gzip at all')
    assert.deepEqual((await read(path)).all, [...lines(0, 3), ...lines(8, 11)])
    assert.deepEqual((await read(path, {tail: 6})).all, [...lines(2, 3), ...lines(8, 11)])
  })

  it('reads nothing from a log that does not exist', async () => {
    assert.deepEqual((await read(join(newDir(), 'none.log'), {tail: 3})).all, [])
  })

  it('follows appended entries, a rotation and a recreated file, and ends when told to stop', async () => {
    const path = join(newDir(), 'follow-json.log')
    let log = await openJsonFileLog(path, {maxSize: 400, maxFile: 2})
    log.write('stdout', Buffer.from('before\n'))
    let stop = false
    const seen: string[] = []
    const following = readLogs(path, {follow: true, tail: 1, maxFile: 2, shouldStop: async () => stop}, {
      stdout: (text) => void seen.push(...linesOf(text)),
      stderr: (text) => void seen.push(...linesOf(text).map((line) => `E:${line}`)),
    })
    const expected = ['before\n']
    try {
      await until('the backlog', () => seen.length === 1)
      // Each write lands on its own poll or notice; 400 bytes hold 4 entries, so the file rotates on the way.
      for (let index = 0; index < 12; index++) {
        log.write(index % 3 === 0 ? 'stderr' : 'stdout', Buffer.from(`follow ${index}\n`))
        expected.push(`${index % 3 === 0 ? 'E:' : ''}follow ${index}\n`)
        await until(`follow ${index}`, () => seen.length === expected.length)
      }
      await log.close()
      // A new task after `rm` and re-create: the file is replaced.
      unlinkSync(path)
      renameSync(`${path}.1`, join(root, `discarded-${dirs}`))
      log = await openJsonFileLog(path)
      log.write('stdout', Buffer.from('restarted\n'))
      expected.push('restarted\n')
      await until('the recreated file', () => seen.length === expected.length)
    } finally {
      stop = true
      await following
      await log.close()
    }
    assert.deepEqual(seen, expected)
  })

  it('follows the live file through rotations that gzip the rotated ones, from a --tail across them', async () => {
    const dir = newDir()
    const path = join(dir, 'zipped-json.log')
    // A file reaches 200 bytes with its third entry (67 to 78 bytes each): it rotates every third line.
    const log = await openJsonFileLog(path, {maxSize: 200, maxFile: 3, compress: true})
    for (let index = 0; index < 8; index++) log.write('stdout', Buffer.from(`line ${index}\n`))
    await until('the rotated files compressed', () => readdirSync(dir).filter((name) => name.endsWith('.gz')).length === 2 && !readdirSync(dir).some((name) => /\.\d$/.test(name)))
    let stop = false
    const seen: string[] = []
    const following = readLogs(path, {follow: true, tail: 5, maxFile: 3, shouldStop: async () => stop}, {stdout: (text) => void seen.push(...linesOf(text)), stderr: () => undefined})
    try {
      await until('the backlog', () => seen.length === 5)
      for (let index = 8; index < 20; index++) {
        log.write('stdout', Buffer.from(`line ${index}\n`))
        await until(`line ${index}`, () => seen.length === index - 2)
      }
    } finally {
      await log.close()
      stop = true
      await following
    }
    assert.deepEqual(seen, lines(3, 19))
    assert.deepEqual(readdirSync(dir).sort(), ['zipped-json.log', 'zipped-json.log.1.gz', 'zipped-json.log.2.gz'])
    assert.deepEqual((await read(path, {maxFile: 3})).all, lines(12, 19))
  })

  it('follows every file rotated between two of its reads, plain or gzipped, each line once and in order', async () => {
    for (const compress of [false, true]) {
      const dir = newDir()
      const path = join(dir, 'burst-json.log')
      // About 3 entries a file; 5 files kept: up to 4 rotations between two reads lose nothing.
      const log = await openJsonFileLog(path, {maxSize: 240, maxFile: 5, ...(compress ? {compress: true} : {})})
      log.write('stdout', Buffer.from('line 0\n'))
      const follow = heldFollow(path, 5)
      let next = 1
      try {
        for (const [round, rotations] of [1, 2, 3, 4, 2, 4, 3].entries()) {
          await follow.hold(next + 1, () => log.write('stdout', Buffer.from(`line ${next++}\n`)))
          next = writeRotating(log, path, next, rotations)
          // Gzipped: the file it was reading found as a .gz, or, every other round, maybe still plain.
          if (compress && round % 2 === 0) await until('the rotated files compressed', () => compressedAll(dir))
          follow.letGo()
          await until(`round ${round}`, () => follow.seen.length === next, 5000).catch(() => undefined)
          assert.deepEqual(follow.seen, lines(0, next - 1), `compress ${compress}, round ${round}: ${rotations} rotations`)
        }
      } finally {
        await log.close()
        await follow.end()
      }
      assert.deepEqual(follow.warnings, [])
    }
  })

  it('follows rotations that come while it opens the files, the files moving and gzipped under it, each line once and in order', async () => {
    const {path, maxFile, lineWriter, follow} = await followingTwoLines('moving-json.log')
    const write = lineWriter.write
    let restore: (() => void) | undefined
    try {
      // Each of the follow's next six opens of the live file or of `.1` comes just after a rotation
      // that gzipped the file rotated: the names it has looked at moved on, and a file it opened
      // under one name may have another by now.
      let rotations = 6
      restore = beforeReaderOpens((name) => {
        if ((name !== path && name !== `${path}.1`) || rotations === 0) return
        rotations--
        moveLiveAway(path, maxFile)
        write(2)
        gzipFirst(path)
      })
      moveLiveAway(path, maxFile)
      write(2)
      await until('the rotations', () => rotations === 0)
    } catch (error) {
      restore?.()
      await follow.end()
      throw error
    }
    await expectEveryLineOnce(follow, lineWriter, restore)
  })

  it('follows a rotation whose next live file comes late, and rotates away at once', async () => {
    await expectLateLiveFollowed('late-live-json.log', 300)
  })

  it('follows a rotation whose next live file comes only after the walk gave up waiting for it (2 s), without skipping what was rotated meanwhile', async () => {
    await expectLateLiveFollowed('stalled-live-json.log', 2300)
  })

  it('follows a rotation caught halfway, its `.1` emptied and not yet filled, without skipping the file coming there', async () => {
    const {path, maxFile, lineWriter, follow} = await followingTwoLines('halfway-json.log')
    const write = lineWriter.write
    let restore: (() => void) | undefined
    try {
      // The follow finds the file it read rotated to `.1`, and opens the live one after it. Just
      // then a second rotation moves that file up to `.2`, and is held before the live file becomes
      // `.1`: the walk, which finds the file it read at `.2`, looks under `.1` while it is empty, and
      // the rotation ends as it looks under `.1.gz`, a new live file after it.
      let step: 'live' | 'gz' | 'done' = 'live'
      restore = beforeReaderOpens((name) => {
        if (step === 'live' && name === path) {
          step = 'gz'
          moveRotatedUp(path, maxFile)
        } else if (step === 'gz' && name === `${path}.1.gz`) {
          step = 'done'
          renameSync(path, `${path}.1`)
          write(2)
        }
      })
      moveLiveAway(path, maxFile)
      write(2)
      await until('the halfway rotation', () => step === 'done')
    } catch (error) {
      restore?.()
      await follow.end()
      throw error
    }
    await expectEveryLineOnce(follow, lineWriter, restore)
  })

  it('follows a live file removed by hand to its end, then the files after it, each line once, warning only once the file before it left the log', async () => {
    for (const compress of [false, true]) {
      const path = join(newDir(), 'removed-live-json.log')
      const log = await openJsonFileLog(path, {maxSize: 240, maxFile: 6, ...(compress ? {compress: true} : {})})
      const write = (): void => log.write('stdout', Buffer.from(`line ${next++}\n`))
      /** The logger writes on into the removed file until its next rotation, which makes a new live file and leaves the removed one's place empty. */
      const writeUntilLive = (): void => {
        while (!existsSync(path)) write()
      }
      let next = writeRotating(log, path, 0, 2)
      const follow = heldFollow(path, 6)
      let restore: (() => void) | undefined
      try {
        await until('the backlog', () => follow.seen.length === next)
        rmSync(path)
        write()
        await until('a line written into the removed file', () => follow.seen.length === next)
        writeUntilLive()
        // The place of the removed file, `.1`, stays empty: a follow that waited there (as for a
        // rotation under way) let a fast logger rotate the file before it out of the log meanwhile.
        // (A look there opens `.1`, then `.1.gz`; the logger's compression opens `.1` too.)
        let looks = 0
        restore = beforeReaderOpens((name) => {
          if (name === `${path}.1.gz` && ++looks === 2) next = writeRotating(log, path, next, 5)
        })
        write()
        await until('a line of the next live file', () => follow.seen.at(-1) === `line ${next - 1}\n`, 3000).catch(() => undefined)
        restore()
        assert.deepEqual(follow.seen, lines(0, next - 1), `compress ${compress}: after a removal`)
        // The live file removed while the follow is held, then `rotations` more rotations before it goes on.
        const removedWhileHeld = async (rotations: number, what: string) => {
          await follow.hold(next + 1, write)
          rmSync(path)
          write()
          writeUntilLive()
          next = writeRotating(log, path, next, rotations)
          follow.letGo()
          write()
          await until('a line of the live file', () => follow.seen.length === next, 3000).catch(() => undefined)
          assert.deepEqual(follow.seen, lines(0, next - 1), `compress ${compress}: after a removal ${what}`)
        }
        // Again, held while the removed file rotates and the next one too: two empty places, one above the other.
        await removedWhileHeld(1, 'held')
        // Five: the empty place reaches the top of the log. The fifth rotation, plain, finds nothing
        // to drop: the file after the one removed comes right after the file before. Compressed, it
        // drops the oldest file first, the file before: the follow, which cannot tell what came after
        // it, warns (though nothing was lost here).
        await removedWhileHeld(4, 'carried to the top')
      } finally {
        restore?.()
        await log.close()
        await follow.end()
      }
      assert.deepEqual(follow.warnings, compress ? ['file rotations were missed while following logs; some log messages have been skipped over'] : [])
    }
  })

  it('reads the files rotated while no live file comes (a logger held up), and warns only of lines it could not read', async () => {
    for (const maxFile of [3, 4, 2]) {
      const path = join(newDir(), `held-logger-${maxFile}-json.log`)
      const lineWriter = numberedLines(path)
      lineWriter.write(2)
      const follow = heldFollow(path, maxFile)
      /** Waits for the follow to read the files rotated while no live file comes; with max-file 2 the file it read is out of the log already, and it cannot tell which comes next. */
      const rotatedRead = async (): Promise<void> => {
        if (maxFile > 2) await until('the files rotated meanwhile', () => follow.seen.length === lineWriter.next(), 2000).catch(() => undefined)
        else await new Promise((resolve) => setTimeout(resolve, 400))
      }
      try {
        await until('the first lines', () => follow.seen.length === 2)
        // Between two of its looks the file it reads rotates, the next one too; the logger is then
        // held up before it makes the next live file.
        await follow.hold(3, () => lineWriter.write(1))
        moveLiveAway(path, maxFile)
        lineWriter.write(2)
        moveLiveAway(path, maxFile)
        follow.letGo()
        await rotatedRead()
        // Held up again after one more file, which the follow, at the last file it read, did not see live.
        lineWriter.write(2)
        moveLiveAway(path, maxFile)
        await rotatedRead()
        // The logger goes on, and rotates once more: with max-file 3 the file last read leaves the log.
        lineWriter.write(2)
        moveLiveAway(path, maxFile)
        lineWriter.write(2)
        await until('the last lines', () => follow.seen.at(-1) === 'line 10\n', 3000).catch(() => undefined)
      } finally {
        await follow.end()
      }
      if (maxFile > 2) {
        assert.deepEqual(follow.seen, lines(0, 10), `max-file ${maxFile}`)
        assert.deepEqual(follow.warnings, [], `max-file ${maxFile}`)
      } else {
        // The files rotated while no live file came went before the follow could place them.
        assert.deepEqual(follow.seen, [...lines(0, 2), ...lines(7, 10)])
        assert.deepEqual(follow.warnings, ['file rotations were missed while following logs; some log messages have been skipped over'])
      }
    }
  })

  it('warns when the file it was reading fell off the end of the rotated ones, and goes on with the oldest kept', async () => {
    const dir = newDir()
    const path = join(dir, 'lapped-json.log')
    await lappedFollow(path, {compress: true}, async (log, follow) => {
      // A second name keeps what the file being read holds once rotated out of the log.
      linkSync(path, join(dir, 'lapped-file'))
      const next = writeRotating(log, path, 2, 5)
      await until('the rotated files compressed', () => compressedAll(dir))
      const lapped = loggedIn(join(dir, 'lapped-file'))
      const kept = (await read(path, {maxFile: 3})).all
      assert.ok(lapped.length > 2 && kept.length < next - lapped.length)
      follow.letGo()
      await until('the kept lines', () => follow.seen.at(-1) === `line ${next - 1}\n`)
      log.write('stdout', Buffer.from(`line ${next}\n`))
      await until('a line after', () => follow.seen.at(-1) === `line ${next}\n`)
      assert.deepEqual(follow.seen, [...lapped, ...kept, `line ${next}\n`])
    })
  })

  it('warns when the file it was reading went out of the log and no rotated file is left to read', async () => {
    const path = join(newDir(), 'emptied-json.log')
    await lappedFollow(path, {}, async (log, follow) => {
      const next = writeRotating(log, path, 2, 4)
      // As a scan that the rotations outran finds none: the files between are lost all the same.
      for (const index of [1, 2]) rmSync(`${path}.${index}`)
      const live = loggedIn(path)
      follow.letGo()
      await until('the live file\'s lines', () => follow.seen.at(-1) === `line ${next - 1}\n`)
      assert.deepEqual(follow.seen.slice(-live.length), live)
    })
  })

  it('does not wait for a live or rotated file removed by hand long after the last rotation', async () => {
    const path = join(newDir(), 'live-removed-json.log')
    const log = await openJsonFileLog(path, {maxSize: 240, maxFile: 5})
    writeRotating(log, path, 0, 4)
    await log.close()
    const linesOf = (indexes: number[]) => indexes.flatMap((index) => loggedIn(`${path}.${index}`))
    const [all, withoutSecond] = [linesOf([4, 3, 2, 1]), linesOf([4, 3, 1])]
    // Past the patience a rotation under way is given, counted from the last rotation's rename.
    await new Promise((resolve) => setTimeout(resolve, 2100))
    rmSync(path)
    for (const [kept, what] of [[all, 'live file'], [withoutSecond, 'live file and .2']] as const) {
      if (what !== 'live file') rmSync(`${path}.2`)
      const started = Date.now()
      assert.deepEqual((await read(path, {maxFile: 5})).all, kept)
      assert.ok(Date.now() - started < 400, `${Date.now() - started} ms for a log whose ${what} was removed`)
    }
  })

  it('reads on past rotated files removed by hand without waiting for each', async () => {
    const dir = newDir()
    const path = join(dir, 'holes-json.log')
    const log = await openJsonFileLog(path, {maxSize: 240, maxFile: 10})
    const next = writeRotating(log, path, 0, 6)
    await log.close()
    const files = [6, 5, 4, 3, 2, 1].map((index) => `${path}.${index}`)
    for (const removed of [files[1]!, files[3]!]) rmSync(removed)
    const kept = [...files.filter(existsSync), path].flatMap(loggedIn)
    const started = Date.now()
    assert.deepEqual((await read(path, {maxFile: 10})).all, kept)
    // A hole is waited for as a rotation under way empties a name for a moment, once per read: a wait for each took 2 s a hole.
    assert.ok(Date.now() - started < 1500, `${Date.now() - started} ms for a log with two holes`)
    assert.equal(kept.at(-1), `line ${next - 1}\n`)
  })

  it('reads a log no logger writes any more without waiting for the names found empty, rotated files or the live one removed by hand', async () => {
    const path = join(newDir(), 'settled-json.log')
    const log = await openJsonFileLog(path, {maxSize: 240, maxFile: 10})
    writeRotating(log, path, 0, 6)
    await log.close()
    const files = [6, 5, 4, 3, 2, 1].map((index) => `${path}.${index}`)
    for (const removed of [files[1]!, files[3]!, path]) rmSync(removed)
    const kept = files.filter(existsSync).flatMap(loggedIn)
    let asked = 0
    const started = Date.now()
    const {all} = await read(path, {maxFile: 10, writerGone: async () => (asked++, true)})
    // Asked at the first name found empty: a logger that writes on would fill it in a moment (0.5 s
    // for the holes in all, 2 s for the live file).
    assert.ok(Date.now() - started < 300, `${Date.now() - started} ms`)
    assert.equal(asked, 1)
    assert.deepEqual(all, kept)
  })

  it('reads a rotation held up halfway for longer than a hole is waited for, the file then moved into the hole neither skipped nor read twice', async () => {
    const path = join(newDir(), 'held-json.log')
    const log = await openJsonFileLog(path, {maxSize: 240, maxFile: 6})
    let next = writeRotating(log, path, 0, 5)
    await log.close()
    const [, ...kept] = [5, 4, 3, 2, 1].map((index) => loggedIn(`${path}.${index}`))
    const live = loggedIn(path)
    // The rotation's first steps, then held: `.3` stays empty past the walk's patience for holes.
    rmSync(`${path}.5`)
    renameSync(`${path}.4`, `${path}.5`)
    renameSync(`${path}.3`, `${path}.4`)
    // It goes on as the walk, past the hole, opens `.2`: what the walk opens there is the file after
    // the one that comes into the hole.
    let holeLookedAt = false
    let resumed = false
    const newLive = [`line ${next++}\n`]
    const restore = beforeReaderOpens((name) => {
      if (name === `${path}.3`) holeLookedAt = true
      if (name !== `${path}.2` || !holeLookedAt || resumed) return
      resumed = true
      renameSync(`${path}.2`, `${path}.3`)
      renameSync(`${path}.1`, `${path}.2`)
      renameSync(path, `${path}.1`)
      writeFileSync(path, entry({log: newLive[0]!}))
    })
    try {
      const {all} = await read(path, {maxFile: 6})
      assert.ok(resumed)
      assert.deepEqual(all, [...kept.flat(), ...live, ...newLive])
    } finally {
      restore()
    }
  })

  it('follows a log that appears only later, and one started over by max-file 1 or truncated by hand', async () => {
    const path = join(newDir(), 'late-json.log')
    const seen: string[] = []
    const controller = new AbortController()
    const following = readLogs(path, {follow: true, signal: controller.signal}, {stdout: (text) => seen.push(text), stderr: () => undefined})
    const log = await openJsonFileLog(path, {maxSize: 160})
    try {
      await new Promise((resolve) => setTimeout(resolve, 100))
      log.write('stdout', Buffer.from('first\n'))
      await until('the new file', () => seen.length === 1)
      log.write('stdout', Buffer.from('second\n'))
      await until('second', () => seen.length === 2)
      // Does not fit beside the other two: a new file starts with it, longer than what was read.
      log.write('stdout', Buffer.from(`third ${'x'.repeat(100)}\n`))
      await until('the new file', () => seen.length === 3)
      await log.close()
      // `truncate -s 0` of a docker user who wants the space back.
      writeFileSync(path, '')
      await new Promise((resolve) => setTimeout(resolve, 400))
      appendFileSync(path, entry({log: 'fourth\n'}))
      await until('the truncated file', () => seen.length === 4)
    } finally {
      controller.abort()
      await following
    }
    assert.deepEqual(seen, ['first\n', 'second\n', `third ${'x'.repeat(100)}\n`, 'fourth\n'])
  })

  it('stops following at --until, and does not follow an --until in the past', async () => {
    const path = join(newDir(), 'until.log')
    writeFileSync(path, entry({log: 'old\n'}))
    const started = Date.now()
    const past = await read(path, {follow: true, until: BigInt(Date.UTC(2026, 0, 1, 0, 0, 30)) * 1_000_000n, shouldStop: async () => false})
    assert.deepEqual(past.all, ['old\n'])
    const soon = BigInt(Date.now() + 600) * 1_000_000n
    const seen: string[] = []
    const following = readLogs(path, {follow: true, until: soon, shouldStop: async () => false}, {stdout: (text) => seen.push(text), stderr: () => undefined})
    await new Promise((resolve) => setTimeout(resolve, 100))
    appendFileSync(path, entry({log: 'now\n', time: new Date().toISOString()}))
    await following
    assert.ok(Date.now() - started < 3000, 'ended once --until passed')
    assert.deepEqual(seen, ['old\n', 'now\n'])
  })

  it('wakes at once for a change noticed while it was not waiting, without waiting for its poll', async () => {
    const dir = newDir()
    const path = join(dir, 'noticed.log')
    writeFileSync(path, entry({log: 'first\n'}))
    const seen: string[] = []
    const controller = new AbortController()
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve))
    // The follow's poll never fires: only the change notice can wake it.
    mock.timers.enable({apis: ['setTimeout']})
    try {
      let asked = 0
      const following = readLogs(
        path,
        {
          follow: true,
          signal: controller.signal,
          shouldStop: async () => {
            if (++asked > 1) return false
            // Written, and its notice delivered, after the follow's last look and before it waits.
            const noticed = new Promise<void>((resolve) => {
              const watcher = watch(dir, () => {
                watcher.close()
                resolve()
              })
            })
            appendFileSync(path, entry({log: 'second\n'}))
            await noticed
            await nextTurn()
            return false
          },
        },
        {stdout: (text) => void seen.push(...linesOf(text)), stderr: () => undefined},
      )
      const deadline = Date.now() + 3000
      while (seen.length < 2 && Date.now() < deadline) await nextTurn()
      controller.abort()
      await following
    } finally {
      mock.timers.reset()
    }
    assert.deepEqual(seen, ['first\n', 'second\n'])
  })

  it('asks shouldStop only while nothing new comes, and reads what arrived before stopping', async () => {
    const path = join(newDir(), 'stop.log')
    writeFileSync(path, '')
    let asked = 0
    const seen: string[] = []
    const following = readLogs(
      path,
      {
        follow: true,
        shouldStop: async () => {
          asked++
          if (asked === 2) appendFileSync(path, entry({log: 'last words\n'}))
          return asked >= 2
        },
      },
      {stdout: (text) => seen.push(text), stderr: () => undefined},
    )
    await following
    assert.equal(asked, 2)
    assert.deepEqual(seen, ['last words\n'])
  })
})

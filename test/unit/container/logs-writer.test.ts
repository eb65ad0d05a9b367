/** The json-file writer: docker's entries, line splitting, the 16 KiB pieces, escaping, timestamps and rotation (plain or gzipped). */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {gunzipSync} from 'node:zlib'
import {logTimestamp, MAX_LINE_PIECE, openJsonFileLog} from '../../../src/container/logs/json-file.ts'
import type {LogStream} from '../../../src/container/logs/json-file.ts'

interface Entry {
  log: string
  stream: string
  time: string
}

const dir = mkdtempSync(join(tmpdir(), 'nerd-logs-writer-'))
after(() => rmSync(dir, {recursive: true, force: true}))
let files = 0

/** A gzipped rotated file: docker's `lastTime` from its header's extra field, and its content. */
function rotatedFile(path: string): {lastTime: string; text: string} {
  const bytes = readFileSync(path)
  assert.deepEqual([...bytes.subarray(0, 4)], [0x1f, 0x8b, 8, 4], `${path}: gzip with an extra field`)
  const extra = bytes.subarray(12, 12 + bytes.readUInt16LE(10))
  return {lastTime: (JSON.parse(extra.toString()) as {lastTime: string}).lastTime, text: gunzipSync(bytes).toString()}
}

/** docker's rotated file: it reached max-size with its last entry, and not before it. */
function assertRotatedAtMaxSize(text: string, maxSize: number, file: string): void {
  const size = Buffer.byteLength(text)
  const lastEntry = Buffer.byteLength(text.slice(text.lastIndexOf('\n', text.length - 2) + 1))
  assert.ok(size >= maxSize && size - lastEntry < maxSize, `${file}: ${size} bytes, its last entry ${lastEntry}, for max-size ${maxSize}`)
}

function entriesOf(path: string): Entry[] {
  const text = readFileSync(path, 'utf8')
  assert.ok(text === '' || text.endsWith('\n'), 'every entry ends with a newline')
  return text === '' ? [] : text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as Entry)
}

/** Writes the chunks to a new log, closes it and returns its entries as [stream, log] pairs. */
async function logged(chunks: [LogStream, string | Buffer][]): Promise<[string, string][]> {
  const path = join(dir, `log-${++files}.log`)
  const log = await openJsonFileLog(path)
  for (const [stream, chunk] of chunks) log.write(stream, typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  await log.close()
  return entriesOf(path).map((entry) => [entry.stream, entry.log])
}

describe('json-file writer', () => {
  it('writes one entry per line of a chunk, keeping the newline', async () => {
    assert.deepEqual(await logged([['stdout', 'a\nb\n\nc\n']]), [
      ['stdout', 'a\n'],
      ['stdout', 'b\n'],
      ['stdout', '\n'],
      ['stdout', 'c\n'],
    ])
  })

  it('holds an unfinished line per stream until its newline, and logs the rest as is at close', async () => {
    assert.deepEqual(
      await logged([
        ['stdout', 'out-'],
        ['stderr', 'err-'],
        ['stdout', 'one\nout-'],
        ['stderr', 'one\n'],
        ['stdout', 'two'],
      ]),
      [
        ['stdout', 'out-one\n'],
        ['stderr', 'err-one\n'],
        ['stdout', 'out-two'],
      ],
    )
  })

  it('accepts a Uint8Array that is not a Buffer', async () => {
    const bytes = new Uint8Array([0, 0, 0x68, 0x69, 0x0a]).subarray(2)
    assert.deepEqual(await logged([['stdout', bytes as Buffer]]), [['stdout', 'hi\n']])
  })

  it('logs a line of 16 KiB or more in 16 KiB pieces without newline, as docker does', async () => {
    assert.equal(MAX_LINE_PIECE, 16384)
    const exact = await logged([['stdout', `${'a'.repeat(16384)}\n`]])
    assert.deepEqual(exact, [
      ['stdout', 'a'.repeat(16384)],
      ['stdout', '\n'],
    ])
    const under = await logged([['stdout', `${'b'.repeat(16383)}\n`]])
    assert.deepEqual(under, [['stdout', `${'b'.repeat(16383)}\n`]])
    const long = await logged([['stderr', `${'c'.repeat(40000)}\nnext\n`]])
    assert.deepEqual(long, [
      ['stderr', 'c'.repeat(16384)],
      ['stderr', 'c'.repeat(16384)],
      ['stderr', `${'c'.repeat(40000 - 2 * 16384)}\n`],
      ['stderr', 'next\n'],
    ])
    // Across chunks: the piece is logged once 16 KiB have gathered, the remainder waits for its newline.
    const gathered = await logged([
      ['stdout', 'd'.repeat(10000)],
      ['stdout', 'd'.repeat(10000)],
      ['stdout', 'd\n'],
    ])
    assert.deepEqual(gathered, [
      ['stdout', 'd'.repeat(16384)],
      ['stdout', `${'d'.repeat(20001 - 16384)}\n`],
    ])
  })

  it('stamps every piece of a long line with its first piece\'s time, as docker\'s copier, and a line left unfinished with when it was read', async () => {
    const path = join(dir, 'piece-times.log')
    const log = await openJsonFileLog(path)
    const pause = (): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, 30))
    log.write('stdout', Buffer.from('z'.repeat(MAX_LINE_PIECE * 2 + 100)))
    await pause()
    log.write('stdout', Buffer.from('END\nnext\n'))
    await pause()
    log.write('stderr', Buffer.from('unfinished'))
    await pause()
    const closing = Date.now()
    await log.close()
    const entries = entriesOf(path)
    assert.deepEqual(
      entries.map((entry) => entry.log.length),
      [MAX_LINE_PIECE, MAX_LINE_PIECE, 104, 5, 10],
    )
    const [first, second, last, next, unfinished] = entries.map((entry) => Date.parse(entry.time))
    assert.equal(entries[1]!.time, entries[0]!.time)
    assert.equal(entries[2]!.time, entries[0]!.time, 'the piece with the newline, written later')
    assert.ok(next! >= first! + 25 && second === first && last === first, 'the next line, its own time')
    assert.ok(unfinished! >= next! + 25 && unfinished! <= closing - 25, 'the unfinished line: when it was read, not at close')
  })

  it('escapes as docker does and keeps UTF-8 cut between chunks whole', async () => {
    const path = join(dir, 'escape.log')
    const log = await openJsonFileLog(path)
    const snowman = Buffer.from('☃')
    log.write('stdout', Buffer.concat([Buffer.from('a "q" \\ <b>&\t\x01 '), snowman.subarray(0, 1)]))
    log.write('stdout', Buffer.concat([snowman.subarray(1), Buffer.from(' \u2028\n')]))
    log.write('stderr', Buffer.from([0x62, 0xff, 0xc3, 0x28, 0x0a]))
    await log.close()
    const raw = readFileSync(path, 'utf8')
    assert.ok(raw.startsWith('{"log":"a \\"q\\" \\\\ \\u003cb\\u003e\\u0026\\u0009\\u0001 ☃ \\u2028\\n","stream":"stdout","time":"'), raw)
    assert.deepEqual(
      entriesOf(path).map((entry) => entry.log),
      ['a "q" \\ <b>&\t\x01 ☃ \u2028\n', 'b\ufffd\ufffd(\n'],
    )
  })

  it('escapes binary output byte for byte as docker does: runs of NULs, every control byte, invalid UTF-8, line separators', async () => {
    const path = join(dir, 'binary.log')
    const log = await openJsonFileLog(path)
    const u = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`
    const controls = Array.from({length: 0x20}, (_, byte) => byte).filter((byte) => byte !== 0x0a)
    // Each line, and the `log` texts of its entries as written to the file.
    const lines: [Buffer, string[]][] = [
      // A whole piece of NULs, then the rest of the line; runs about as long as the one a fill takes in text.
      [Buffer.concat([Buffer.alloc(20000), Buffer.from('\n')]), [u(0).repeat(16384), `${u(0).repeat(3616)}\\n`]],
      [Buffer.from('a\0\0\0\0\0\0\0b\0\0\0\0\0\0\0\0c\x01\x01\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\n'), [`a${u(0).repeat(7)}b${u(0).repeat(8)}c${u(1).repeat(2)}${u(0x1f).repeat(9)}\\n`]],
      [Buffer.from([...controls, 0x7f, 0x0a]), [`${controls.map((byte) => (byte === 0x0d ? '\\r' : u(byte))).join('')}\x7f\\n`]],
      [Buffer.from('<<>>&&""\\\\\r\r\n'), [`${u(0x3c).repeat(2)}${u(0x3e).repeat(2)}${u(0x26).repeat(2)}\\"\\"\\\\\\\\\\r\\r\\n`]],
      // A lone continuation byte, an overlong '/', a surrogate, past U+10FFFF, 0xF5 and 0xFF: each byte is U+FFFD; a 4-byte emoji and U+2027 stay.
      [Buffer.from([0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xf5, 0xff, 0xf0, 0x9f, 0x98, 0x80, 0xe2, 0x80, 0xa7, 0x0a]), [`${u(0xfffd).repeat(12)}\u{1f600}\u2027\\n`]],
      [Buffer.from('x\u2028y\u2029\u2028z\n'), [`x${u(0x2028)}y${u(0x2029)}${u(0x2028)}z\\n`]],
      // Plain runs long enough to be copied natively, with specials between; a sequence the newline cuts short.
      [Buffer.concat([Buffer.from(`${'p'.repeat(100)}<${'q'.repeat(33)}\t${'r'.repeat(32)}é`), Buffer.from([0xe2, 0x82, 0x0a])]), [`${'p'.repeat(100)}${u(0x3c)}${'q'.repeat(33)}${u(9)}${'r'.repeat(32)}é${u(0xfffd).repeat(2)}\\n`]],
    ]
    for (const [bytes] of lines) log.write('stdout', bytes)
    await log.close()
    const texts = readFileSync(path)
      .toString('latin1')
      .split('\n')
      .slice(0, -1)
      .map((entry) => /^\{"log":"(.*)","stream":"stdout","time":"[^"]+"\}$/.exec(entry)?.[1] ?? entry)
    const expected = lines.flatMap(([, logged]) => logged.map((text) => Buffer.from(text).toString('latin1')))
    assert.equal(texts.length, expected.length)
    for (const [index, text] of texts.entries()) {
      // Not deepEqual: its diff of 96 KiB of escapes would bury the byte that differs.
      const differs = [...text].findIndex((character, at) => character !== expected[index]![at])
      assert.ok(text === expected[index], `entry ${index} differs at ${differs}: ${JSON.stringify(text.slice(Math.max(0, differs - 20), differs + 40))}`)
    }
  })

  it('stamps entries with RFC 3339 nanosecond UTC times that follow the wall clock and never go back', async () => {
    const path = join(dir, 'times.log')
    const log = await openJsonFileLog(path)
    const before = Date.now()
    for (let index = 0; index < 50; index++) log.write('stdout', Buffer.from(`${index}\n`))
    await log.close()
    const after = Date.now()
    const times = entriesOf(path).map((entry) => entry.time)
    for (const time of times) {
      assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z$/)
      const millis = Date.parse(time)
      assert.ok(millis >= before - 1 && millis <= after + 1, `${time} within the write`)
    }
    const nanoseconds = times.map((time) => BigInt(Date.parse(time.replace(/\.\d+/, ''))) * 1_000_000n + BigInt((/\.(\d+)/.exec(time)?.[1] ?? '').padEnd(9, '0')))
    assert.deepEqual([...nanoseconds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), nanoseconds)
    assert.equal(logTimestamp(1_700_000_001_000_000_042n), '2023-11-14T22:13:21.000000042Z')
    // Go's RFC3339Nano, as docker's writer: no trailing zeros, no dot without a fraction.
    assert.equal(logTimestamp(1_700_000_001_704_414_660n), '2023-11-14T22:13:21.70441466Z')
    assert.equal(logTimestamp(1_700_000_001_000_000_000n), '2023-11-14T22:13:21Z')
  })

  it('rotates before an entry once the file has reached max-size, as docker, keeping max-file - 1 rotated files', async () => {
    const path = join(dir, 'rotate.log')
    const log = await openJsonFileLog(path, {maxSize: 300, maxFile: 3})
    const lines = Array.from({length: 60}, (_, index) => `line ${index}\n`)
    // Several lines per chunk, so that a rotation falls inside a chunk.
    for (let index = 0; index < lines.length; index += 3) log.write('stdout', Buffer.from(lines.slice(index, index + 3).join('')))
    await log.close()
    assert.ok(!existsSync(`${path}.3`))
    for (const file of [`${path}.1`, `${path}.2`]) assertRotatedAtMaxSize(readFileSync(file, 'utf8'), 300, file)
    assert.ok(statSync(path).size - Buffer.byteLength(JSON.stringify(entriesOf(path).at(-1))) - 1 < 300)
    const kept = [`${path}.2`, `${path}.1`, path].flatMap((file) => entriesOf(file).map((entry) => entry.log))
    assert.ok(kept.length >= 6 && kept.length < lines.length)
    assert.deepEqual(kept, lines.slice(lines.length - kept.length), 'the newest lines, in order, none lost between the kept files')
  })

  it('with max-file 1 replaces the file with a new one, which a follower can tell by its inode', async () => {
    const path = join(dir, 'single.log')
    const log = await openJsonFileLog(path, {maxSize: 200})
    const inode = statSync(path).ino
    // Held open as a follower holds it: its inode cannot be reused for the new file.
    const follower = openSync(path, 'r')
    for (let index = 0; index < 30; index++) log.write('stdout', Buffer.from(`line ${index}\n`))
    await log.close()
    closeSync(follower)
    assert.ok(!existsSync(`${path}.1`))
    assert.notEqual(statSync(path).ino, inode)
    assert.ok(entriesOf(path).length < 30)
    assert.equal(entriesOf(path).at(-1)?.log, 'line 29\n')
  })

  it('appends to an existing log and counts what it holds toward max-size', async () => {
    const old = `${JSON.stringify({log: 'old\n', stream: 'stdout', time: '2020-01-01T00:00:00.000000000Z'})}\n`
    for (const [maxSize, rotated] of [
      [old.length * 3, true],
      [old.length * 3 + 1, false],
    ] as const) {
      const path = join(dir, `existing-${maxSize}.log`)
      writeFileSync(path, old.repeat(3))
      const log = await openJsonFileLog(path, {maxSize, maxFile: 2})
      log.write('stdout', Buffer.from('new\n'))
      await log.close()
      assert.equal(existsSync(`${path}.1`), rotated, `max-size ${maxSize}`)
      const kept = [...(rotated ? entriesOf(`${path}.1`) : []), ...entriesOf(path)]
      assert.deepEqual(kept.map((entry) => entry.log), ['old\n', 'old\n', 'old\n', 'new\n'])
      if (rotated) assert.deepEqual(entriesOf(path).map((entry) => entry.log), ['new\n'])
    }
  })

  it('writes the attributes as docker does, between stream and time, keys sorted and HTML characters escaped', async () => {
    const path = join(dir, `log-${++files}.log`)
    const log = await openJsonFileLog(path, {attrs: {tier: 'web', app: 'a<b>&c'}})
    log.write('stderr', Buffer.from('hi\n'))
    await log.close()
    assert.match(readFileSync(path, 'utf8'), /^\{"log":"hi\\n","stream":"stderr","attrs":\{"app":"a\\u003cb\\u003e\\u0026c","tier":"web"\},"time":"[^"]+"\}\n$/)
  })

  it('with compress, gzips the rotated files behind the writer: docker\'s names and header, the live file plain, nothing lost between them', async () => {
    const logDir = mkdtempSync(join(dir, 'compress-'))
    const path = join(logDir, 'x-json.log')
    const log = await openJsonFileLog(path, {maxSize: 300, maxFile: 3, compress: true})
    const lines = Array.from({length: 60}, (_, index) => `line ${index}\n`)
    for (let index = 0; index < lines.length; index += 3) {
      log.write('stdout', Buffer.from(lines.slice(index, index + 3).join('')))
      // Time for a compression to start before the next rotations.
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    await log.close()
    assert.deepEqual(readdirSync(logDir).sort(), ['x-json.log', 'x-json.log.1.gz', 'x-json.log.2.gz'])
    const kept: string[] = []
    for (const file of [`${path}.2.gz`, `${path}.1.gz`]) {
      const {lastTime, text} = rotatedFile(file)
      assertRotatedAtMaxSize(text, 300, file)
      const entries = text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as Entry)
      assert.ok(lastTime >= entries.at(-1)!.time, `${file}: the header's lastTime ${lastTime} is not before its last entry`)
      kept.push(...entries.map((entry) => entry.log))
      assert.equal(statSync(file).mode & 0o777 & ~0o022, 0o640 & ~0o022)
    }
    kept.push(...entriesOf(path).map((entry) => entry.log))
    assert.ok(kept.length >= 6 && kept.length < lines.length)
    assert.deepEqual(kept, lines.slice(lines.length - kept.length), 'the newest lines, in order, none lost between the kept files')
  })

  it('with compress, keeps every rotated file under one name and in its place, whenever the rotations come', async () => {
    // A burst rotates many times before any compression starts (only the files kept are
    // compressed); pauses let rotations come while one is being compressed, which moves it on.
    for (const pause of [0, 1, 5]) {
      const logDir = mkdtempSync(join(dir, 'compress-'))
      const path = join(logDir, 'x-json.log')
      const log = await openJsonFileLog(path, {maxSize: 200, maxFile: 4, compress: true})
      const lines = Array.from({length: 80}, (_, index) => `line ${index}\n`)
      for (const [index, line] of lines.entries()) {
        log.write('stdout', Buffer.from(line))
        if (pause > 0 && index % 2 === 0) await new Promise((resolve) => setTimeout(resolve, pause))
      }
      await log.close()
      assert.deepEqual(readdirSync(logDir).sort(), ['x-json.log', 'x-json.log.1.gz', 'x-json.log.2.gz', 'x-json.log.3.gz'], `pause ${pause}`)
      const kept = [`${path}.3.gz`, `${path}.2.gz`, `${path}.1.gz`].flatMap((file) => rotatedFile(file).text.slice(0, -1).split('\n').map((line) => (JSON.parse(line) as Entry).log))
      kept.push(...entriesOf(path).map((entry) => entry.log))
      assert.deepEqual(kept, lines.slice(lines.length - kept.length), `pause ${pause}: the newest lines, in order`)
    }
  })

  it('loads node:zlib only once it compresses a rotated file', () => {
    const script = [
      `import {openJsonFileLog} from ${JSON.stringify(join(import.meta.dirname, '../../../src/container/logs/json-file.ts'))}`,
      'const zlib = () => process.moduleLoadList.includes("NativeModule zlib")',
      `const log = await openJsonFileLog(${JSON.stringify(join(dir, 'lazy-json.log'))}, {maxSize: 100, maxFile: 2, compress: true})`,
      'log.write("stdout", Buffer.from("short\\n"))',
      'log.write("stdout", Buffer.from("x".repeat(100) + "\\n"))',
      'const before = zlib()',
      'log.write("stdout", Buffer.from("rotates\\n"))',
      'await log.close()',
      'console.log(before, zlib())',
    ].join('\n')
    assert.equal(execFileSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8'}), 'false true\n')
  })

  it('drops what it cannot write (a full disk), tells the first failure once, naming the file, and never throws', async () => {
    const failures: string[] = []
    const log = await openJsonFileLog('/dev/full', {onWriteFailure: (error) => failures.push(`${(error as NodeJS.ErrnoException).code} ${error.message}`)})
    log.write('stdout', Buffer.from('one\n'))
    log.write('stderr', Buffer.from(`${'x'.repeat(MAX_LINE_PIECE * 2)}\ntwo\nunfinished`))
    await log.close()
    assert.deepEqual(failures, ['ENOSPC write /dev/full: no space left on device'])
  })

  it('creates the file at open, readable by its group only', async () => {
    const path = join(dir, 'mode.log')
    const log = await openJsonFileLog(path)
    assert.equal(statSync(path).size, 0)
    assert.equal(statSync(path).mode & 0o777 & ~0o022, 0o640 & ~0o022)
    await log.close()
  })
})

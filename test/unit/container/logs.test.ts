import assert from 'node:assert/strict'
import {mkdtemp, readFile, rm, appendFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {loggerUri, logTimestamp, openJsonFileLog, parseLogOptions, parseLogTime, readLogs} from '../../../src/container/logs/index.ts'

let dir: string
const entries = async (path: string) => (await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as {log: string; stream: string; time: string})

describe('json-file logs', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nerd-logs-'))
  })
  after(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('parses docker log options', () => {
    // docker reads json-file sizes in decimal units (go-units FromHumanSize)
    assert.deepEqual(parseLogOptions({'max-size': '10k', 'max-file': '3'}), {maxSize: 10000, maxFile: 3})
    assert.deepEqual(parseLogOptions({'max-size': '1m'}), {maxSize: 1000 * 1000})
    assert.throws(() => parseLogOptions({mode: 'x'}), /unknown log opt 'mode' for json-file log driver/)
    assert.throws(() => parseLogOptions({'max-file': '0'}), /max-file cannot be less than 1/)
  })

  it('writes one entry per line, holding partial lines until their newline', async () => {
    const path = join(dir, 'a.log')
    const log = await openJsonFileLog(path)
    log.write('stdout', Buffer.from('one\ntw'))
    log.write('stderr', Buffer.from('err\n'))
    log.write('stdout', Buffer.from('o\nrest'))
    await log.close()
    const written = await entries(path)
    assert.deepEqual(written.map((entry) => [entry.stream, entry.log]), [['stdout', 'one\n'], ['stderr', 'err\n'], ['stdout', 'two\n'], ['stdout', 'rest']])
    assert.match(written[0]!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/)
  })

  it('rotates at max-size keeping max-file files', async () => {
    const path = join(dir, 'r.log')
    const log = await openJsonFileLog(path, {maxSize: 200, maxFile: 2})
    for (let index = 0; index < 20; index++) log.write('stdout', Buffer.from(`line ${index}\n`))
    await log.close()
    const live = await entries(path)
    const rotated = await entries(`${path}.1`)
    assert.equal(live.at(-1)?.log, 'line 19\n')
    assert.ok(rotated.length > 0 && rotated.length < 20)
    const collected: string[] = []
    await readLogs(path, {maxFile: 2}, {stdout: (text) => collected.push(text), stderr: () => undefined})
    assert.deepEqual(collected, [...rotated, ...live].map((entry) => entry.log))
    const tail: string[] = []
    await readLogs(path, {maxFile: 2, tail: 2, timestamps: true}, {stdout: (text) => tail.push(text), stderr: () => undefined})
    assert.deepEqual(tail.map((text) => text.replace(/^\S+ /, '')), ['line 18\n', 'line 19\n'])
  })

  it('follows appended entries until told to stop, and filters by time', async () => {
    const path = join(dir, 'f.log')
    const log = await openJsonFileLog(path)
    log.write('stdout', Buffer.from('first\n'))
    let stop = false
    const seen: string[] = []
    const following = readLogs(path, {follow: true, shouldStop: async () => stop}, {stdout: (text) => seen.push(text), stderr: () => undefined})
    await new Promise((resolve) => setTimeout(resolve, 300))
    log.write('stdout', Buffer.from('second\n'))
    await new Promise((resolve) => setTimeout(resolve, 500))
    stop = true
    await following
    await log.close()
    assert.deepEqual(seen, ['first\n', 'second\n'])
    await appendFile(path, `${JSON.stringify({log: 'old\n', stream: 'stdout', time: '2001-01-01T00:00:00.000000000Z'})}\n`)
    const recent: string[] = []
    await readLogs(path, {since: new Date('2020-01-01')}, {stdout: (text) => recent.push(text), stderr: () => undefined})
    assert.deepEqual(recent, ['first\n', 'second\n'])
  })

  it('parses docker --since/--until values', () => {
    const now = new Date('2026-01-01T12:00:00Z')
    assert.equal(parseLogTime('10m', now).toISOString(), '2026-01-01T11:50:00.000Z')
    assert.equal(parseLogTime('1h30m', now).toISOString(), '2026-01-01T10:30:00.000Z')
    assert.equal(parseLogTime('1700000000', now).toISOString(), '2023-11-14T22:13:20.000Z')
    assert.equal(parseLogTime('2026-01-01', now).toISOString(), '2026-01-01T00:00:00.000Z')
    assert.equal(parseLogTime('2026-01-01T10:00:00+02:00', now).toISOString(), '2026-01-01T08:00:00.000Z')
    assert.throws(() => parseLogTime('yesterday', now), /failed to parse value as time or duration: "yesterday"/)
  })

  it('builds the binary:// URI the shim runs the logger with, and nanosecond timestamps', () => {
    assert.equal(loggerUri('/usr/bin/node', '/opt/nerd/dist/logger.js', '/var/lib/nerd'), 'binary:///usr/bin/node?%2Fopt%2Fnerd%2Fdist%2Flogger.js=%2Fvar%2Flib%2Fnerd')
    assert.equal(logTimestamp(1_700_000_001_500_000_000n), '2023-11-14T22:13:21.500000000Z')
  })
})

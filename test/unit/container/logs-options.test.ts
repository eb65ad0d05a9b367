/** docker's json-file --log-opt values, --since/--until values, and the binary:// URI of the logger. */
import assert from 'node:assert/strict'
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, readlinkSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {checkLogConfig, parseLogOptions} from '../../../src/container/logs/json-file.ts'
import {initProcessExit, loggerUri, seenOutByStopper} from '../../../src/container/logs/logger.ts'
import {markThisProcess} from '../../../src/container/process-mark.ts'
import {processEnded, processStartTime, recordedInitProcess, recordInitProcess} from '../../../src/container/host-process.ts'
import {parseLogTime, parseLogTimeNanoseconds} from '../../../src/container/logs/read.ts'
import {containerPaths} from '../../../src/container/store.ts'

describe('json-file log options', () => {
  it('reads max-size as docker\'s json-file driver (go-units FromHumanSize: decimal units), and refuses in its words', () => {
    const maxSize = (value: string): number | undefined => parseLogOptions({'max-size': value}).maxSize
    for (const [value, size] of [
      ['1024', 1024],
      ['10k', 10_000],
      ['10K', 10_000],
      ['10kb', 10_000],
      ['10MiB', 10_000_000],
      ['1.5m', 1_500_000],
      ['2 m', 2_000_000],
      ['1e3', 1000],
      ['.5k', 500],
      ['1g', 1_000_000_000],
    ] as const) {
      assert.equal(maxSize(value), size, value)
    }
    for (const [value, message] of [
      ['10ib', "invalid suffix: 'ib'"],
      ['10x', "invalid suffix: 'x'"],
      ['1..5k', 'strconv.ParseFloat: parsing "1..5": invalid syntax'],
      ['m', "invalid size: 'm'"],
      ['-1m', "invalid size: '-1m'"],
      ['0', 'max-size must be a positive number'],
    ]) {
      assert.throws(() => maxSize(value!), {message}, value)
    }
  })

  it('reads max-file as strconv.Atoi, and compress, as docker\'s driver starts (its names are checked at create)', () => {
    assert.deepEqual(parseLogOptions({}), {})
    assert.deepEqual(parseLogOptions({'max-size': '10m', 'max-file': '3'}), {maxSize: 10_000_000, maxFile: 3})
    // docker accepts max-file alone (it only matters once max-size rotates).
    assert.deepEqual(parseLogOptions({'max-file': '2'}), {maxFile: 2})
    assert.throws(() => parseLogOptions({'max-file': '0'}), {message: 'max-file cannot be less than 1'})
    assert.throws(() => parseLogOptions({'max-file': 'x'}), {message: 'strconv.Atoi: parsing "x": invalid syntax'})
    assert.throws(() => parseLogOptions({'max-file': '99999999999999999999'}), {message: 'strconv.Atoi: parsing "99999999999999999999": value out of range'})
    assert.deepEqual(parseLogOptions({mode: 'non-blocking', 'max-buffer-size': '4m', 'max-file': '2', labels: 'a,b', 'labels-regex': '(', tag: '{{.Name}}', compress: 'false'}), {maxFile: 2})
  })

  it('checks the driver and the options\' names at create, as docker\'s ValidateLogOpts', () => {
    checkLogConfig('json-file', {mode: 'non-blocking', 'max-buffer-size': '4m', 'max-size': 'x', labels: 'a', 'labels-regex': '(', env: 'A', 'env-regex': 'B', tag: 't', compress: 'no', 'max-file': 'x'})
    checkLogConfig('none', {colour: 'red'})
    assert.throws(() => checkLogConfig('json-file', {mode: 'fast'}), {message: 'logger: logging mode not supported: fast'})
    assert.throws(() => checkLogConfig('json-file', {'max-buffer-size': '4m'}), {message: "logger: max-buffer-size option is only supported with 'mode=non-blocking'"})
    assert.throws(() => checkLogConfig('json-file', {mode: 'non-blocking', 'max-buffer-size': 'lots'}), {message: "error parsing option max-buffer-size: invalid size: 'lots'"})
    assert.throws(() => checkLogConfig('json-file', {colour: 'red'}), {message: "unknown log opt 'colour' for json-file log driver"})
    assert.throws(() => checkLogConfig('local', {colour: 'red'}), {message: "logger: no log driver named 'local' is registered"})
  })

  it('takes compress as docker does: a Go boolean, true only with max-size and a max-file of 2 or more', () => {
    for (const value of ['true', '1', 't', 'TRUE', 'True']) {
      assert.deepEqual(parseLogOptions({compress: value, 'max-size': '1k', 'max-file': '2'}), {compress: true, maxSize: 1000, maxFile: 2})
    }
    for (const value of ['false', '0', 'f', 'F', 'FALSE']) assert.deepEqual(parseLogOptions({compress: value}), {})
    for (const value of ['yes', 'on', '', 'true ']) {
      assert.throws(() => parseLogOptions({compress: value, 'max-size': '1k', 'max-file': '2'}), {message: `strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`})
    }
    const refused = 'compress cannot be true when max-file is less than 2 or max-size is not set'
    for (const config of [{}, {'max-size': '1k'}, {'max-size': '1k', 'max-file': '1'}, {'max-file': '3'}]) {
      assert.throws(() => parseLogOptions({...config, compress: 'true'}), {message: refused}, JSON.stringify(config))
    }
  })
})

describe('--since and --until values', () => {
  const now = new Date('2026-11-23T12:00:00.000Z')
  const iso = (value: string): string => parseLogTime(value, now).toISOString()

  it('reads Go durations as that long before now, to the whole second as docker\'s Unix()', () => {
    assert.equal(iso('10m'), '2026-11-23T11:50:00.000Z')
    assert.equal(iso('1h30m'), '2026-11-23T10:30:00.000Z')
    assert.equal(iso('1.5h'), '2026-11-23T10:30:00.000Z')
    assert.equal(iso('2s'), '2026-11-23T11:59:58.000Z')
    assert.equal(iso('250ms'), '2026-11-23T11:59:59.000Z')
    assert.equal(iso('1m0.5s'), '2026-11-23T11:58:59.000Z')
    assert.equal(iso('-5m'), '2026-11-23T12:05:00.000Z')
    assert.equal(parseLogTime('1s', new Date('2026-11-23T12:00:00.700Z')).toISOString(), '2026-11-23T11:59:59.000Z')
  })

  it('reads Unix timestamps with an optional fraction, signed as Go\'s ParseInt takes them; 0 is the epoch', () => {
    assert.equal(iso('1700000000'), '2023-11-14T22:13:20.000Z')
    assert.equal(iso('+1700000000'), '2023-11-14T22:13:20.000Z')
    assert.equal(parseLogTimeNanoseconds('1700000000.1234567891', now), 1700000000123456789n)
    assert.equal(iso('1700000000.25'), '2023-11-14T22:13:20.250Z')
    assert.equal(iso('1700000000.123456789'), '2023-11-14T22:13:20.123Z')
    assert.equal(iso('0'), '1970-01-01T00:00:00.000Z')
  })

  it('reads RFC 3339 dates and times, with a zone or in local time as docker does', () => {
    assert.equal(iso('2026-01-02T03:04:05Z'), '2026-01-02T03:04:05.000Z')
    assert.equal(iso('2026-01-02T03:04:05.123456789Z'), '2026-01-02T03:04:05.123Z')
    assert.equal(iso('2026-01-02T03:04:05+02:00'), '2026-01-02T01:04:05.000Z')
    assert.equal(iso('2026-01-02T03:04:05-07:30'), '2026-01-02T10:34:05.000Z')
    assert.equal(iso('2026-01-02T03:04Z'), '2026-01-02T03:04:00.000Z')
    assert.equal(iso('2026-01-02Z'), '2026-01-02T00:00:00.000Z')
    const zone = process.env.TZ
    try {
      process.env.TZ = 'Asia/Kolkata'
      assert.equal(iso('2026-01-02'), '2026-01-01T18:30:00.000Z')
      assert.equal(iso('2026-01-02T03'), '2026-01-01T21:30:00.000Z')
      assert.equal(iso('2026-01-02T03:04:05.5'), '2026-01-01T21:34:05.500Z')
    } finally {
      if (zone === undefined) delete process.env.TZ
      else process.env.TZ = zone
    }
  })

  it('keeps nanoseconds, as docker compares entry times', () => {
    assert.equal(parseLogTimeNanoseconds('2026-11-24T05:15:41.936819526Z', now), 1795497341936819526n)
    assert.equal(parseLogTimeNanoseconds('1795497341.936819526', now), 1795497341936819526n)
    assert.equal(parseLogTimeNanoseconds('1795497341.5', now), 1795497341500000000n)
  })

  it('refuses a value with a - in the words of Go\'s time.Parse, as docker\'s GetTimestamp', () => {
    for (const [invalid, message] of [
      ['2026-13-01', 'parsing time "2026-13-01": month out of range'],
      ['2026-02-30', 'parsing time "2026-02-30": day out of range'],
      ['2026-01-02T24:00:00Z', 'parsing time "2026-01-02T24:00:00Z": hour out of range'],
      ['2026-11-26 00:49:16', 'parsing time "2026-11-26 00:49:16": extra text: " 00:49:16"'],
      ['-1', 'parsing time "-1" as "2006-01-02": cannot parse "-1" as "2006"'],
      ['2026-11-26T00:49:16.5+0100', 'parsing time "2026-11-26T00:49:16.5+0100" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "+0100" as "Z07:00"'],
      // The layout goes by the colons, one taken for an offset's when the value names no Z.
      ['2026-11-26T00:49:16+0100', 'parsing time "2026-11-26T00:49:16+0100" as "2006-01-02T15:04Z07:00": cannot parse ":16+0100" as "Z07:00"'],
      ['1h-5m', 'parsing time "1h-5m" as "2006-01-02": cannot parse "1h-5m" as "2006"'],
      ['2026-11', 'parsing time "2026-11" as "2006-01-02": cannot parse "" as "-"'],
      ['2026-1-02', 'parsing time "2026-1-02" as "2006-01-02": cannot parse "1-02" as "01"'],
      ['2026-01-02T03:04:05.5-25:00', 'parsing time "2026-01-02T03:04:05.5-25:00": time zone offset hour out of range'],
      ['2026-01-02T3:04Z\u00e9', 'parsing time "2026-01-02T3:04Z\\xc3\\xa9": extra text: "\\xc3\\xa9"'],
    ]) {
      assert.throws(() => parseLogTime(invalid!, now), {message: message!}, invalid)
    }
    // Go's hour takes one digit.
    assert.equal(iso('2026-01-02T3:04Z'), '2026-01-02T03:04:00.000Z')
  })

  it('refuses anything else with docker message', () => {
    for (const invalid of ['yesterday', '10', '1+2', '1.5.5', '1795654156.', '', '99999999999999999999']) {
      if (invalid === '10') {
        // A bare number is a Unix timestamp, not a duration without unit.
        assert.equal(iso(invalid), '1970-01-01T00:00:10.000Z')
        continue
      }
      assert.throws(() => parseLogTime(invalid, now), {message: `failed to parse value as time or duration: "${invalid}"`})
    }
  })
})

describe('the logger URI', () => {
  it('without rm is binary://<node>?<logger script>=<data root>, percent-encoded so containerd reads back the same paths', () => {
    assert.equal(loggerUri('/usr/bin/node', '/opt/nerd/dist/logger.js', '/var/lib/nerd', undefined), 'binary:///usr/bin/node?%2Fopt%2Fnerd%2Fdist%2Flogger.js=%2Fvar%2Flib%2Fnerd')
    const node = '/home/me/my node+v24/bin/node'
    const script = '/srv/a&b;c?d=e%f/dist/logger.js'
    const dataRoot = '/tmp/nerd data+#1'
    const uri = loggerUri(node, script, dataRoot, undefined)
    assert.doesNotMatch(uri.slice('binary://'.length), /[ +&;#]|\?.*\?/)
    // containerd parses it with Go's url.Parse: the path unescaped, the query as form values ('+' is a space).
    const parsed = new URL(uri)
    assert.equal(parsed.protocol, 'binary:')
    assert.equal(decodeURIComponent(parsed.pathname), node)
    assert.deepEqual([...parsed.searchParams], [[script, dataRoot]])
  })

  it('runs a shell prelude that takes the start mark, holds the stdin FIFO and closes fd 5 before node starts', async () => {
    const root = await mkdtemp(join(tmpdir(), 'nerd-logger-uri-'))
    try {
      const dataRoot = join(root, "data root's +&;%")
      const paths = containerPaths(dataRoot, 'ns', 'c1')
      await mkdir(paths.dir, {recursive: true})
      const fakeNode = join(root, 'fake node')
      const out = join(root, 'out')
      // Records its arguments and which of fds 5 and 6 it got.
      await writeFile(fakeNode, '#!/bin/sh\n{ printf "%s\\n" "$@"; [ -e /proc/self/fd/5 ] && echo fd5; [ -e /proc/self/fd/6 ] && echo fd6; } > "$OUT"; exit 0\n', {mode: 0o755})
      const uri = loggerUri(fakeNode, '/opt/nerd/dist/logger.js', dataRoot, '/bin/rm')
      assert.doesNotMatch(uri.slice('binary://'.length), /[ +&;#]|\?.*\?/)
      const parsed = new URL(uri)
      assert.equal(parsed.pathname, '/bin/sh')
      // As the shim runs it: each query key and value an argument, fds 3 to 5 pipes, no PATH.
      const runPrelude = async (): Promise<string[]> => {
        const shell = spawn('/bin/sh', [...parsed.searchParams].flat(), {
          env: {CONTAINER_ID: 'c1', CONTAINER_NAMESPACE: 'ns', OUT: out},
          stdio: ['ignore', 'ignore', 'inherit', 'pipe', 'pipe', 'pipe'],
        })
        assert.equal(await new Promise((resolve) => shell.on('exit', resolve)), 0)
        return (await readFile(out, 'utf8')).trimEnd().split('\n')
      }
      await writeFile(paths.startMark, '')
      execFileSync('mkfifo', [paths.stdin])
      assert.deepEqual(await runPrelude(), ['--single-threaded', '/opt/nerd/dist/logger.js', dataRoot, 'requested', '6', 'fd6'])
      assert.equal(existsSync(paths.startMark), false)
      await rm(paths.stdin)
      assert.deepEqual(await runPrelude(), ['--single-threaded', '/opt/nerd/dist/logger.js', dataRoot, 'unrequested'])
    } finally {
      await rm(root, {recursive: true, force: true})
    }
  })
})

describe('the logger\'s watch of its task\'s init process', () => {
  const watchFor = async (file: string, since: number, ms: number): Promise<number | undefined> => {
    const watching = new AbortController()
    const timer = setTimeout(() => watching.abort(), ms)
    try {
      return await initProcessExit(file, since, watching.signal)
    } finally {
      clearTimeout(timer)
    }
  }

  it('takes the record of a process started no earlier than the logger, and resolves with its pid when it exits', async () => {
    const root = await mkdtemp(join(tmpdir(), 'nerd-init-pid-'))
    const init = spawn('sleep', ['30'], {stdio: 'ignore'})
    try {
      const file = join(root, 'init.pid')
      await recordInitProcess(file, init.pid!)
      const startTime = Number(processStartTime(init.pid!))
      // An earlier task's record: its process started before this logger.
      assert.equal(await watchFor(file, startTime + 1, 700), undefined)
      // This task's: still running, then killed.
      assert.equal(await watchFor(file, startTime, 700), undefined)
      const exited = watchFor(file, startTime, 10_000)
      init.kill('SIGKILL')
      assert.equal(await exited, init.pid)
    } finally {
      init.kill('SIGKILL')
      await rm(root, {recursive: true, force: true})
    }
  })

  it('sees a recorded pid now given to a later process as its process gone, and a record being written as none', async () => {
    const root = await mkdtemp(join(tmpdir(), 'nerd-init-pid-'))
    try {
      const file = join(root, 'init.pid')
      const ownStart = Number(processStartTime('self'))
      await writeFile(file, `${process.pid} ${ownStart + 1}`)
      assert.equal(await watchFor(file, ownStart, 5000), process.pid)
      await writeFile(file, `${process.pid} `)
      assert.equal(recordedInitProcess(file), undefined)
      assert.equal(await watchFor(file, 0, 700), undefined)
    } finally {
      await rm(root, {recursive: true, force: true})
    }
  })

  it('sees a process that exits into a zombie (its parent not reaping it) as gone, though its pid stays taken', async () => {
    const root = await mkdtemp(join(tmpdir(), 'nerd-init-pid-'))
    // The shell becomes `sleep 30` (exec), which never waits for its child: the child, once exited, stays a zombie.
    const parent = spawn('/bin/sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 30'], {stdio: ['ignore', 'pipe', 'ignore']})
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (data: Buffer) => resolve(data.toString()))))
      const file = join(root, 'init.pid')
      await recordInitProcess(file, pid)
      const started = Date.now()
      assert.equal(await watchFor(file, 0, 10_000), pid)
      assert.equal(processEnded(pid), true)
      // Gone from /proc only with its parent: a look by signal 0 alone would wait for that.
      process.kill(pid, 0)
      assert.ok(Date.now() - started < 3000)
    } finally {
      parent.kill('SIGKILL')
      await rm(root, {recursive: true, force: true})
    }
  })
})

describe('the logger and a stop that sees the process out itself', () => {
  it('waits for its own end while the stopping nerd lives, and leaves the exit to a handler when that nerd is gone or done', async () => {
    const root = await mkdtemp(join(tmpdir(), 'nerd-stopping-'))
    try {
      const mark = join(root, 'stopping')
      const never = new Promise<void>(() => undefined)
      // No stop under way.
      assert.equal(await seenOutByStopper(mark, never), false)
      // A live nerd's stop: the task's deletion ends the logger.
      await markThisProcess(mark)
      let endLogger = (): void => undefined
      const ended = new Promise<void>((resolve) => (endLogger = resolve))
      const waiting = seenOutByStopper(mark, ended)
      setTimeout(endLogger, 400)
      assert.equal(await waiting, true)
      // The stop finished without deleting the task (the mark went first).
      const finished = seenOutByStopper(mark, never)
      setTimeout(() => void rm(mark), 400)
      assert.equal(await finished, false)
      // A nerd that died mid-stop: a process that has ended, as owner.ts names it.
      const dead = spawn('true')
      await new Promise((resolve) => dead.on('exit', resolve))
      const namespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1]
      await writeFile(mark, `${namespace}-${dead.pid}-1`)
      assert.equal(await seenOutByStopper(mark, never), false)
    } finally {
      await rm(root, {recursive: true, force: true})
    }
  })
})

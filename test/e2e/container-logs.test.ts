/**
 * Logs and restart policies end to end: the shim-run json-file logger, `logs` with -f/--tail/-t/
 * --since, rotation (plain or gzipped), `attach` (the live output from the container's attach
 * socket), `--restart` (a killed process comes back, RestartCount counts it, on-failure stops at its
 * limit), and `run -d --rm`.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, linkSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {gunzipSync} from 'node:zlib'
import {before, describe, it} from 'node:test'
import {inspectContainer as inspect, loggerOf, nerdOk, pids, remainsOf, shimOf, taskStatus, until} from '../helpers/containers.ts'
import {ctr, fileDataRoot, fileNamespace, loadTestImage, nerd, nerdCommandLine, nerdEntry, nerdGlobals, startNerd} from '../helpers/e2e.ts'

const IMG = 'docker.io/nerd-test/busybox:latest'

/**
 * Waits for the container's log to show the `ready` its command prints once its traps are set: a
 * signal sent before then would find no handler, and the process, its namespace's init, ignores it.
 */
async function trapsSet(name: string): Promise<void> {
  await until(`${name}'s traps to be set`, async () => ((await nerdOk(['logs', name])).includes('ready\n') ? true : undefined))
}

describe('logs and restart policies', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
  })

  it('logs shows a detached container output in docker json-file format, with --tail, -t and -f', async () => {
    await nerdOk(['run', '-d', '--name', 'talker', IMG, 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo line $i; echo err $i >&2; sleep 0.2; done'])
    await until('three lines', async () => ((await nerd(['logs', 'talker'])).stdout.split('\n').length > 4 ? true : undefined))
    const record = await inspect('talker')
    const entries = readFileSync(record.LogPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as {log: string; stream: string; time: string})
    const first = entries.find((entry) => entry.stream === 'stdout')!
    assert.deepEqual(entries.find((entry) => entry.stream === 'stderr')?.log, 'err 1\n')
    assert.equal(first.log, 'line 1\n')
    assert.equal(first.stream, 'stdout')
    assert.match(first.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z$/)

    const logs = await nerd(['logs', 'talker'])
    assert.match(logs.stdout, /^line 1\nline 2\n/)
    assert.match(logs.stderr, /^err 1\nerr 2\n/)
    const tail = await nerd(['logs', '--tail', '2', 'talker'])
    assert.equal(tail.stdout.split('\n').length + tail.stderr.split('\n').length - 2, 2)
    // What Go's Atoi cannot read is everything, as docker's daemon takes it.
    for (const unread of ['abc', '1.5', '']) {
      const all = await nerd(['logs', '--tail', unread, 'talker'])
      assert.equal(all.code, 0, all.stderr)
      assert.match(all.stdout, /^line 1\nline 2\n/)
    }
    const stamped = await nerd(['logs', '-t', '--tail', '1', 'talker'])
    assert.match(stamped.stdout + stamped.stderr, /^\d{4}-\d\d-\d\dT[\d:.]+Z (line|err) \d+\n$/)
    assert.equal((await nerdOk(['logs', '--since', '2099-01-01T00:00:00Z', 'talker'])), '')
    // An until of 0 is none, as docker's daemon takes it.
    assert.match(await nerdOk(['logs', '--until', '0', 'talker']), /^line 1\nline 2\n/)

    // -f keeps printing new lines until stopped.
    const globals = nerdGlobals()
    const follower = spawn(process.execPath, [nerdEntry, ...globals, 'logs', '-f', '--tail', '0', 'talker'], {stdio: ['ignore', 'pipe', 'ignore']})
    let followed = ''
    follower.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()))
    await until('followed lines', async () => (followed.split('\n').length > 3 ? true : undefined))
    follower.kill()
    assert.match(followed, /^line \d+\nline \d+\n/)
    await nerdOk(['rm', '-f', 'talker'])
  })

  // Bursts of 20 lines, about two rotations each at max-size 1k, once logs -f has started. The
  // files kept let a follow starved of CPU for half a second (a loaded machine) go on without a
  // gap, as it must: one further behind is warned of lines missed (a warning the test shows).
  const rotating = ['--log-opt', 'max-size=1k', '--log-opt', 'max-file=10']
  for (const [name, options] of [
    ['bursts', rotating],
    ['zipped-bursts', [...rotating, '--log-opt', 'compress=true']],
  ] as const) {
    it(`logs -f loses no line of a log rotated several times between two of its reads (${name})`, async () => {
      const script = 'echo ready; while [ ! -e /go ]; do sleep 0.05; done; i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo "line $i"; if [ $((i % 20)) = 0 ]; then sleep 0.1; fi; done'
      const expected = ['ready', ...Array.from({length: 400}, (_, index) => `line ${index + 1}`), '']
      await nerdOk(['run', '-d', '--name', name, '--network', 'none', ...options, IMG, 'sh', '-c', script])
      const follower = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'logs', '-f', name], {stdio: ['ignore', 'pipe', 'pipe']})
      const output = {stdout: '', stderr: ''}
      follower.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()))
      follower.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()))
      const ended = new Promise<number | null>((resolve) => follower.on('close', resolve))
      const timer = setTimeout(() => follower.kill('SIGKILL'), 30_000)
      try {
        await until(`logs -f of ${name} started`, async () => (output.stdout.startsWith('ready\n') ? true : undefined))
        await nerdOk(['exec', name, 'touch', '/go'])
        // It ends by itself once the container has exited.
        assert.equal(await ended, 0, output.stderr)
      } finally {
        clearTimeout(timer)
        await nerd(['rm', '-f', name])
      }
      const lines = output.stdout.split('\n')
      const missing = expected.filter((line) => !lines.includes(line))
      assert.deepEqual(lines, expected, `${name}: ${lines.length - 2} lines; missing: ${missing[0]} to ${missing.at(-1)} (${missing.length}); stderr: ${output.stderr}`)
      assert.equal(output.stderr, '')
    })
  }

  it('logs and logs -f into a pipe whose reader quits end by SIGPIPE, silently, as docker\'s CLI (status 141 in a shell)', async () => {
    await nerdOk(['run', '-d', '--name', 'piped-logs', IMG, 'sh', '-c', 'seq 1 200000; sleep 600'])
    await until('the output logged', async () => ((await nerdOk(['logs', '--tail', '1', 'piped-logs'])) === '200000\n' ? true : undefined))
    for (const args of [['logs', 'piped-logs'], ['logs', '-f', 'piped-logs']]) {
      const {stdout, stderr} = await promisify(execFile)('bash', ['-c', `${nerdCommandLine(args)} | head -n 1; echo "status \${PIPESTATUS[0]}"`], {timeout: 20_000})
      assert.deepEqual([stdout, stderr], ['1\nstatus 141\n', ''], args.join(' '))
    }
    await nerdOk(['rm', '-f', 'piped-logs'])
  })

  it('logs -f ends when the container is removed', async () => {
    await nerdOk(['run', '-d', '--name', 'brief', IMG, 'sh', '-c', 'echo hello; sleep 600'])
    const following = startNerd(['logs', '-f', 'brief'])
    let followed = ''
    following.child.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()))
    // Under way once it shows the output: a removal before its start would leave it nothing to follow.
    await until('the follow to show the output', async () => (followed === 'hello\n' ? true : undefined))
    await nerdOk(['rm', '-f', 'brief'])
    assert.equal(await following.ended, 0)
    assert.equal(followed, 'hello\n')
  })

  it('logs -f of a container nothing restarts ends with it, its last line in, at once when it has exited (as docker\'s); it follows a policy\'s restart', async () => {
    await nerdOk(['run', '--name', 'finished', '--network', 'none', IMG, 'sh', '-c', 'echo one; echo two >&2'])
    // Timed against a plain logs, which costs the same start: only the follow's own wait shows.
    const timed = async (args: string[]) => {
      const started = Date.now()
      const result = await nerd(args)
      assert.deepEqual([result.code, result.stdout, result.stderr], [0, 'one\n', 'two\n'])
      return Date.now() - started
    }
    let plain = Infinity
    let follow = Infinity
    for (let round = 0; round < 3; round++) {
      plain = Math.min(plain, await timed(['logs', 'finished']))
      follow = Math.min(follow, await timed(['logs', '-f', 'finished']))
    }
    assert.ok(follow - plain < 700, `logs -f took ${follow} ms, logs ${plain} ms`)
    // A running one nothing restarts (on-failure, after a success): the follow ends with it, its
    // last output in (written by the logger up to the task's deletion). About 0.7 s after the exit
    // here on a loaded machine, against 1.5 s and more before; not timed, as the deletion's time is the machine's.
    await nerdOk(['run', '-d', '--name', 'ending', '--network', 'none', '--restart', 'on-failure:3', IMG, 'sh', '-c', 'sleep 1; echo last'])
    const result = await nerd(['logs', '-f', 'ending'])
    assert.deepEqual([result.code, result.stdout], [0, 'last\n'], result.stderr)
    // One its policy restarts is followed through the restart, to the end of its last retry.
    await nerdOk(['run', '-d', '--name', 'retried', '--network', 'none', '--restart', 'on-failure:1', IMG, 'sh', '-c', 'sleep 1; echo run; exit 1'])
    const retried = await nerd(['logs', '-f', 'retried'])
    assert.deepEqual([retried.code, retried.stdout], [0, 'run\nrun\n'], retried.stderr)
    await nerdOk(['rm', 'finished', 'ending', 'retried'])
  })

  it('logs -f follows a container through every restart by hand, as through a policy\'s, and ends at its stop', async () => {
    // Its process, as a namespace's init, ignores the stop signal and is killed after the stop's
    // second: the follow looks at the container (shouldStop) while the restart's stop has it
    // exited, before its start.
    await nerdOk(['run', '-d', '--name', 'restarted', '--network', 'none', IMG, 'sh', '-c', 'echo start; i=0; while true; do i=$((i+1)); echo t$i; sleep 0.3; done'])
    const following = startNerd(['logs', '-f', 'restarted'])
    let followed = ''
    following.child.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()))
    let ended: unknown
    void following.ended.then((code) => (ended = code))
    const starts = (): number => followed.split('\n').filter((line) => line === 'start').length
    for (let round = 1; round <= 5; round++) {
      await until(`the follow to show start ${round}`, async () => (starts() === round && followed.endsWith('t2\n') ? true : undefined))
      await nerdOk(['restart', '-t', '1', 'restarted'])
      await until(`the follow to show the restart ${round}`, async () => (starts() === round + 1 || ended !== undefined ? true : undefined))
      assert.equal(ended, undefined, `the follow ended at restart ${round}: ${JSON.stringify(followed.slice(-40))}`)
    }
    await nerdOk(['stop', '-t', '1', 'restarted'])
    assert.equal(await following.ended, 0)
    assert.equal(starts(), 6)
    await nerdOk(['rm', 'restarted'])
  })

  it('logs right after a container shows exited holds its unfinished last line, as docker\'s (whose daemon closes the logger first)', async () => {
    for (let round = 0; round < 6; round++) {
      const id = (await nerdOk(['run', '-d', '--network', 'none', IMG, 'sh', '-c', 'echo a; printf lastnonl'])).trim()
      // Looked at without a pause: the line comes within a few hundred ms of the exit.
      const deadline = Date.now() + 30_000
      while ((await nerdOk(['inspect', '-f', '{{.State.Status}}', id])) !== 'exited\n') assert.ok(Date.now() < deadline, 'the container to show exited')
      assert.equal(await nerdOk(['logs', id]), 'a\nlastnonl', `round ${round}`)
      await nerdOk(['rm', id])
    }
  })

  it('logs -f of a container whose logger is held up past the exit (a loaded machine) waits for the log to be whole: every line, then the end', async () => {
    const script = 'while [ ! -e /go ]; do sleep 0.05; done; i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo "line $i"; done'
    const expected = [...Array.from({length: 3000}, (_, index) => `line ${index + 1}`), '']
    const id = (await nerdOk(['run', '-d', '--name', 'held', '--network', 'none', IMG, 'sh', '-c', script])).trim()
    const logger = await loggerOf(id)
    const follower = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'logs', '-f', 'held'], {stdio: ['ignore', 'pipe', 'pipe']})
    const output = {stdout: '', stderr: ''}
    follower.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()))
    follower.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()))
    let code: number | null | undefined
    const ended = new Promise<number | null>((resolve) => follower.on('close', (exit) => resolve((code = exit))))
    const timer = setTimeout(() => follower.kill('SIGKILL'), 60_000)
    try {
      // Held from before the output (30 kB, which the pipe holds) to well after the exit: the
      // container's lines are all in the pipe, none in the log, and the task's deletion waits for
      // the logger (which starts the exit handler once it sees the exit).
      process.kill(logger, 'SIGSTOP')
      try {
        await nerdOk(['exec', 'held', 'touch', '/go'])
        await until('the process to exit', async () => ((await taskStatus(id)) === 'STOPPED' ? true : undefined))
        // Longer than the follow waited for the log to be whole before it ended anyway (5 s).
        await new Promise((resolve) => setTimeout(resolve, 7000))
        assert.equal(code, undefined, `the follow ended while the logger was held: ${output.stdout.split('\n').length - 1} lines; stderr: ${output.stderr}`)
      } finally {
        process.kill(logger, 'SIGCONT')
      }
      // It ends by itself once the log is whole.
      assert.equal(await ended, 0, output.stderr)
    } finally {
      clearTimeout(timer)
    }
    const lines = output.stdout.split('\n')
    assert.deepEqual([lines.length, lines.at(-2)], [expected.length, expected.at(-2)], output.stderr)
    assert.deepEqual(lines, expected)
    assert.equal(output.stderr, '')
    await nerdOk(['rm', 'held'])
  })

  it('logs -f of a container whose logger was killed before it wrote the output ends at once, and warns that the log may miss its end', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'cut', '--network', 'none', IMG, 'sh', '-c', 'while [ ! -e /go ]; do sleep 0.05; done; echo lost'])).trim()
    const logger = await loggerOf(id)
    process.kill(logger, 'SIGSTOP')
    await nerdOk(['exec', 'cut', 'touch', '/go'])
    await until('the process to exit', async () => ((await taskStatus(id)) === 'STOPPED' ? true : undefined))
    // Its last line still in the pipe: nothing will write it.
    process.kill(logger, 'SIGKILL')
    const result = await nerd(['logs', '-f', 'cut'], {timeoutMs: 30_000})
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', "WARNING: the container's logger ended before it had written all of the container's output: the log may miss its end\n"])
    await nerdOk(['rm', '-f', 'cut'])
  })

  it('logs -f of a container whose process and logger went with a reboot (its run began before the boot) ends without a warning, as docker\'s', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'rebooted', '--network', 'none', IMG, 'sh', '-c', 'echo before; sleep 300'])).trim()
    await until('the line to be logged', async () => ((await nerdOk(['logs', 'rebooted'])) === 'before\n' ? true : undefined))
    // The reboot as the container's files see it: the logger, the shim and the process gone, the run begun before the boot.
    process.kill(await loggerOf(id), 'SIGKILL')
    const stateFile = join(fileDataRoot(), 'containers', fileNamespace(), id, 'state.json')
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1])
    writeFileSync(stateFile, JSON.stringify({...JSON.parse(readFileSync(stateFile, 'utf8')), StartedAt: new Date((bootSeconds - 60) * 1000).toISOString()}))
    process.kill(await shimOf(id), 'SIGKILL')
    await until('the task to go', async () => ((await taskStatus(id)) === undefined ? true : undefined))
    const result = await nerd(['logs', '-f', 'rebooted'], {timeoutMs: 30_000})
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, 'before\n', ''])
    await nerdOk(['rm', '-f', 'rebooted'])
  })

  it('logs -f of a container never started returns at once, as docker does', async () => {
    await nerdOk(['create', '--name', 'unstarted', '--network', 'none', IMG, 'echo', 'hi'])
    const started = Date.now()
    // A follow that waited for the container would never end (killed at the timeout).
    const result = await nerd(['logs', '-f', 'unstarted'], {timeoutMs: 30_000})
    assert.deepEqual([result.code, result.stdout], [0, ''], result.stderr)
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`)
    await nerdOk(['rm', 'unstarted'])
  })

  it('writes the labels, variables and tag the log options name as attrs, which logs --details shows, and takes docker\'s generic options', async () => {
    await nerdOk([
      'run', '--name', 'detailed', '--network', 'none', '--label', 'app=shop', '--label', 'com.x.team=blue', '-e', 'TIER=front',
      '--log-opt', 'mode=non-blocking', '--log-opt', 'max-buffer-size=4m', '--log-opt', 'labels=app', '--log-opt', 'labels-regex=^com\\.',
      '--log-opt', 'env=TIER', '--log-opt', 'tag={{.Name}}', IMG, 'echo', 'hi',
    ])
    const [entry] = readFileSync((await inspect('detailed')).LogPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    assert.deepEqual(Object.keys(entry!), ['log', 'stream', 'attrs', 'time'])
    assert.deepEqual(entry!.attrs, {TIER: 'front', app: 'shop', 'com.x.team': 'blue', tag: 'detailed'})
    assert.equal(await nerdOk(['logs', '--details', 'detailed']), 'TIER=front,app=shop,com.x.team=blue,tag=detailed hi\n')
    await nerdOk(['rm', 'detailed'])
    const refused = await nerd(['run', '--rm', '--network', 'none', '--log-opt', 'max-buffer-size=4m', IMG, 'true'])
    assert.deepEqual([refused.code, refused.stderr], [125, "Error: logger: max-buffer-size option is only supported with 'mode=non-blocking'\n"])
  })

  it('a tag template docker\'s logger cannot work out fails each start, not the create, in docker\'s words: run 125, start 1', async () => {
    const refusal = (reason: string) => `Error: failed to create task for container: failed to initialize logging driver: template: log-tag:1${reason}\n`
    const bogus = refusal(':2: executing "log-tag" at <.Bogus>: can\'t evaluate field Bogus in type *logger.Info')
    const run = await nerd(['run', '-d', '--name', 'tagged', '--network', 'none', '--log-opt', 'tag={{.Bogus}}', IMG, 'echo', 'hi'])
    assert.deepEqual([run.code, run.stdout, run.stderr], [125, '', bogus])
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'tagged']), 'created 128\n')
    const started = await nerd(['start', 'tagged'])
    assert.deepEqual([started.code, started.stderr], [1, `${bogus}Error: failed to start containers: tagged\n`])
    await nerdOk(['rm', 'tagged'])
    const unparsed = await nerd(['run', '--rm', '--name', 'untagged', '--network', 'none', '--log-opt', 'tag={{.ID', IMG, 'true'])
    assert.deepEqual([unparsed.code, unparsed.stderr], [125, refusal(': unclosed action')])
    assert.equal((await nerd(['inspect', 'untagged'])).code, 1, '--rm removes it')
  })

  it('log option values docker\'s driver reads as it starts: create takes them, each start fails in docker\'s words; an unknown driver is refused at create', async () => {
    const refusal = (reason: string) => `Error: failed to create task for container: failed to initialize logging driver: ${reason}\n`
    const created = await nerd(['create', '--name', 'badfile', '--network', 'none', '--log-opt', 'max-file=x', IMG, 'true'])
    assert.equal(created.code, 0, created.stderr)
    const started = await nerd(['start', 'badfile'])
    assert.deepEqual([started.code, started.stderr], [1, `${refusal('strconv.Atoi: parsing "x": invalid syntax')}Error: failed to start containers: badfile\n`])
    await nerdOk(['rm', 'badfile'])
    for (const [option, reason] of [
      ['max-size=10ib', "invalid suffix: 'ib'"],
      ['env-regex=^F(?=O)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
    ]) {
      const run = await nerd(['run', '--rm', '--network', 'none', '--log-opt', option!, IMG, 'true'])
      assert.deepEqual([run.code, run.stderr], [125, refusal(reason!)], option)
    }
    const unknown = await nerd(['run', '--rm', '--network', 'none', '--log-driver', 'bogus', IMG, 'true'])
    assert.deepEqual([unknown.code, unknown.stderr], [125, "Error: logger: no log driver named 'bogus' is registered\n"])
    const uncreated = await nerd(['create', '--network', 'none', '--log-driver', 'bogus', IMG, 'true'])
    assert.deepEqual([uncreated.code, uncreated.stderr], [1, "Error: logger: no log driver named 'bogus' is registered\n"])
  })

  it('rotates the log at max-size keeping max-file files', async () => {
    await nerdOk(['run', '-d', '--name', 'rotating', '--log-opt', 'max-size=2k', '--log-opt', 'max-file=2', IMG, 'sh', '-c', 'for i in $(seq 1 400); do echo line-$i; done; sleep 600'])
    const record = await inspect('rotating')
    await until('the last line', async () => ((await nerd(['logs', '--tail', '1', 'rotating'])).stdout === 'line-400\n' ? true : undefined))
    assert.ok(readFileSync(`${record.LogPath}.1`, 'utf8').length > 0)
    const all = (await nerdOk(['logs', 'rotating'])).trim().split('\n')
    assert.ok(all.length < 400, `only what max-file keeps: ${all.length} lines`)
    assert.equal(all.at(-1), 'line-400')
    await nerdOk(['rm', '-f', 'rotating'])
  })

  it('logs of a stopped container whose log files were removed by hand shows what is left without waiting for them: no logger writes the log', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'trimmed', '--network', 'none', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=5', IMG, 'sh', '-c', 'for i in $(seq 1 60); do echo line-$i; done'])).trim()
    await until('the task to go', async () => ((await ctr(['tasks', 'ls', '-q'])).stdout.includes(id) ? undefined : true))
    const {LogPath: path} = (await inspect('trimmed')) as {LogPath: string}
    for (const removed of [path, `${path}.2`]) rmSync(removed)
    const kept = [4, 3, 1].flatMap((index) => readFileSync(`${path}.${index}`, 'utf8').trimEnd().split('\n').map((line) => (JSON.parse(line) as {log: string}).log.trimEnd()))
    const started = Date.now()
    const shown = await nerdOk(['logs', 'trimmed'])
    const elapsed = Date.now() - started
    // A logger that writes on would fill a name found empty in a moment: waited for 0.5 s, 2 s for the live file.
    assert.ok(elapsed < 2000, `${elapsed} ms`)
    assert.deepEqual(shown.trimEnd().split('\n'), kept)
    await nerdOk(['rm', 'trimmed'])
  })

  it('logs -f of a stopped container nothing restarts, whose log files were removed by hand, returns as soon as logs does: no logger writes the log', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'trimmed-f', '--network', 'none', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=5', IMG, 'sh', '-c', 'for i in $(seq 1 60); do echo line-$i; done'])).trim()
    await until('the task to go', async () => ((await ctr(['tasks', 'ls', '-q'])).stdout.includes(id) ? undefined : true))
    const {LogPath: path} = (await inspect('trimmed-f')) as {LogPath: string}
    const logged = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => (JSON.parse(line) as {log: string}).log) : [])
    // Timed against a plain logs, which costs the same start: only the follow's own wait shows.
    const timed = async (args: string[], expected: string) => {
      const started = Date.now()
      const result = await nerd(args, {timeoutMs: 30_000})
      assert.deepEqual([result.code, result.stdout, result.stderr], [0, expected, ''])
      return Date.now() - started
    }
    // A rotated file removed (a hole, waited for 0.5 s), then the live file too (waited for 2 s).
    for (const removed of [[`${path}.2`], [path, `${path}.1`]]) {
      for (const file of removed) rmSync(file)
      const kept = [4, 3, 2, 1].flatMap((index) => logged(`${path}.${index}`)).concat(logged(path)).join('')
      let plain = Infinity
      let follow = Infinity
      for (let round = 0; round < 3; round++) {
        plain = Math.min(plain, await timed(['logs', 'trimmed-f'], kept))
        follow = Math.min(follow, await timed(['logs', '-f', 'trimmed-f'], kept))
      }
      assert.ok(follow - plain < 400, `${removed.map((file) => basename(file)).join(', ')} removed: logs -f took ${follow} ms, logs ${plain} ms`)
    }
    await nerdOk(['rm', 'trimmed-f'])
  })

  it('with compress=true gzips the rotated files, which logs reads as the plain ones, and rm removes them', async () => {
    const options = ['--log-opt', 'max-size=1k', '--log-opt', 'max-file=3', '--log-opt', 'compress=true']
    await nerdOk(['run', '-d', '--name', 'zipped', ...options, IMG, 'sh', '-c', 'for i in $(seq 1 300); do echo line-$i; done; sleep 600'])
    const record = await inspect('zipped')
    assert.deepEqual(record.HostConfig.LogConfig, {Type: 'json-file', Config: {'max-size': '1k', 'max-file': '3', compress: 'true'}})
    const {LogPath: path} = record as {LogPath: string}
    const logFiles = (): string[] => readdirSync(dirname(path)).filter((name) => name.startsWith(basename(path))).sort()
    await until('the last line', async () => ((await nerd(['logs', '--tail', '1', 'zipped'])).stdout === 'line-300\n' ? true : undefined))
    await until('the rotated files compressed', async () => (logFiles().join() === [basename(path), `${basename(path)}.1.gz`, `${basename(path)}.2.gz`].join() ? true : undefined))
    // Each a gzip of docker's JSON lines; together with the live file, the newest lines with none missing.
    const kept = [`${path}.2.gz`, `${path}.1.gz`].flatMap((file) => gunzipSync(readFileSync(file)).toString().trimEnd().split('\n'))
    kept.push(...readFileSync(path, 'utf8').trimEnd().split('\n'))
    const logged = kept.map((line) => (JSON.parse(line) as {log: string}).log.trimEnd())
    assert.ok(logged.length > 20 && logged.length < 300, `${logged.length} lines kept`)
    const newest = Array.from({length: logged.length}, (_, index) => `line-${300 - logged.length + 1 + index}`)
    assert.deepEqual(logged, newest)
    assert.deepEqual((await nerdOk(['logs', 'zipped'])).trimEnd().split('\n'), newest)
    assert.deepEqual((await nerdOk(['logs', '--tail', '20', 'zipped'])).trimEnd().split('\n'), newest.slice(-20))
    const stamped = (await nerdOk(['logs', '-t', '--tail', String(logged.length - 2), 'zipped'])).trimEnd().split('\n')
    assert.deepEqual(stamped.map((line) => line.replace(/^\d{4}-\d\d-\d\dT[\d:.]{18}Z /, '')), newest.slice(2))
    await nerdOk(['rm', '-f', 'zipped'])
    assert.equal(existsSync(dirname(path)), false)
    // docker's rule: only rotated files are compressed, so some must be made and kept.
    const refused = await nerd(['run', '--rm', '--network', 'none', '--log-opt', 'compress=true', '--log-opt', 'max-size=1k', IMG, 'true'])
    const refusal = (reason: string) => `Error: failed to create task for container: failed to initialize logging driver: ${reason}\n`
    assert.deepEqual([refused.code, refused.stderr], [125, refusal('compress cannot be true when max-file is less than 2 or max-size is not set')])
    const invalid = await nerd(['run', '--rm', '--network', 'none', ...options.slice(0, -1), 'compress=yes', IMG, 'true'])
    assert.deepEqual([invalid.code, invalid.stderr], [125, refusal('strconv.ParseBool: parsing "yes": invalid syntax')])
  })

  it('--restart=always brings back a process killed with SIGKILL and counts it', async () => {
    await nerdOk(['run', '-d', '--name', 'phoenix', '--restart=always', IMG, 'sleep', '600'])
    const before = await inspect('phoenix')
    process.kill(before.State.Pid, 'SIGKILL')
    const after = await until('a new process', async () => {
      const state = await inspect('phoenix')
      return state.State.Status === 'running' && state.State.Pid > 0 && state.State.Pid !== before.State.Pid ? state : undefined
    })
    assert.equal(after.RestartCount, 1)
    assert.equal(after.HostConfig.RestartPolicy.Name, 'always')
    // Running again, as docker's SetRunning has it: exit code 0, and the time the last run ended.
    assert.deepEqual([after.State.ExitCode, after.State.OOMKilled], [0, false])
    assert.notEqual(after.State.FinishedAt, '0001-01-01T00:00:00Z')
    // An explicit stop is not undone by the policy.
    await nerdOk(['stop', '-t', '0', 'phoenix'])
    await new Promise((resolve) => setTimeout(resolve, 1500))
    assert.equal((await inspect('phoenix')).State.Status, 'exited')
    await nerdOk(['rm', 'phoenix'])
  })

  it('kill with any signal ends the restart policy when no stop signal is configured, else only with that signal or SIGKILL, but for unless-stopped, as docker\'s', async () => {
    // The process is its namespace's init: it ends on HUP only with a handler.
    const endsOnHangUp = ['sh', '-c', 'trap "exit 3" HUP; echo ready; sleep 600 & wait']
    const names = ['hung-up', 'hung-up-usr1', 'hung-up-unless']
    await nerdOk(['run', '-d', '--name', 'hung-up', '--restart=always', IMG, ...endsOnHangUp])
    await nerdOk(['run', '-d', '--name', 'hung-up-usr1', '--restart=always', '--stop-signal', 'USR1', IMG, ...endsOnHangUp])
    // docker's kill of any signal is a manual stop, which unless-stopped heeds.
    await nerdOk(['run', '-d', '--name', 'hung-up-unless', '--restart=unless-stopped', '--stop-signal', 'USR1', IMG, ...endsOnHangUp])
    const before = await inspect('hung-up-usr1')
    for (const name of names) await trapsSet(name)
    for (const name of names) await nerdOk(['kill', '-s', 'HUP', name])
    const restarted = await until('the one with a stop signal to come back', async () => {
      const state = await inspect('hung-up-usr1')
      return state.State.Status === 'running' && state.State.Pid !== before.State.Pid ? state : undefined
    })
    assert.equal(restarted.RestartCount, 1)
    for (const name of ['hung-up', 'hung-up-unless']) await until(`${name} to end`, async () => ((await inspect(name)).State.Status === 'exited' ? true : undefined))
    // Left down: no restart follows.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    for (const name of ['hung-up', 'hung-up-unless']) {
      const ended = await inspect(name)
      assert.deepEqual([ended.State.Status, ended.State.ExitCode, ended.RestartCount], ['exited', 3, 0], name)
    }
    await nerdOk(['rm', '-f', ...names])
  })

  it('a process that handles the signal of a kill (a reload) runs on: containerd\'s restart monitor is not told to stop it, and its next exit is not restarted', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'reloading', '--restart=always', IMG, 'sh', '-c', 'trap "echo reloaded" HUP; echo ready; while true; do sleep 0.2; done'])).trim()
    const before = await inspect('reloading')
    await trapsSet('reloading')
    assert.equal(await nerdOk(['kill', '-s', 'HUP', 'reloading']), 'reloading\n')
    await until('the reload', async () => ((await nerdOk(['logs', 'reloading'])) === 'ready\nreloaded\n' ? true : undefined))
    const labels = JSON.parse((await ctr(['containers', 'info', id])).stdout).Labels as Record<string, string>
    assert.equal(labels['containerd.io/restart.status'], undefined, 'the monitor would kill a container labelled stopped')
    // One whole interval of containerd's restart monitor (10 s).
    await new Promise((resolve) => setTimeout(resolve, 11_000))
    const after = await inspect('reloading')
    assert.deepEqual([after.State.Status, after.State.Pid], ['running', before.State.Pid])
    // docker's ExitOnNext: the exit that comes later is the end.
    await promisify(execFile)('kill', ['-9', String(before.State.Pid)])
    await until('the exit to be seen', async () => ((await inspect('reloading')).State.Status === 'exited' ? true : undefined))
    await new Promise((resolve) => setTimeout(resolve, 1500))
    assert.deepEqual([(await inspect('reloading')).State.Status, (await inspect('reloading')).RestartCount], ['exited', 0])
    await nerdOk(['rm', 'reloading'])
  })

  it('stop of an always container gives the process its grace period: containerd\'s restart monitor is not told to kill it meanwhile', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'graceful', '--restart=always', IMG, 'sh', '-c', 'trap "sleep 5; exit 12" TERM; echo ready; while true; do sleep 0.2; done'])).trim()
    await trapsSet('graceful')
    const stopping = nerd(['stop', '-t', '30', 'graceful'])
    // Within the process's 5 s of grace.
    await until('the stop to begin', async () => ((await inspect('graceful')).State.Status === 'running' && JSON.parse((await ctr(['containers', 'info', id])).stdout).Labels['containerd.io/restart.status'] === undefined ? true : undefined))
    assert.equal((await stopping).code, 0)
    const stopped = await inspect('graceful')
    assert.deepEqual([stopped.State.Status, stopped.State.ExitCode, stopped.RestartCount], ['exited', 12, 0])
    await nerdOk(['rm', 'graceful'])
  })

  it('a stop cut short by ctrl-C is finished as docker\'s daemon finishes one: the process is killed when the time is up', async () => {
    // sleep as the namespace's init ignores SIGTERM.
    const id = (await nerdOk(['run', '-d', '--name', 'interrupted', IMG, 'sleep', '600'])).trim()
    const stop = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'stop', '-t', '3', 'interrupted'], {stdio: ['ignore', 'pipe', 'ignore']})
    let printed = ''
    stop.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()))
    const stopped = new Promise<NodeJS.Signals | null>((resolve) => stop.on('close', (_code, signal) => resolve(signal)))
    await until('the stop to begin', async () => (existsSync(join(fileDataRoot(), 'containers', fileNamespace(), id, 'stopping')) ? true : undefined), 15_000)
    stop.kill('SIGINT')
    // It ends of the signal, as a tool stopped by ctrl-C does, and names no container: docker's CLI names only those stopped.
    assert.equal(await stopped, 'SIGINT')
    assert.equal(printed, '')
    assert.equal((await inspect('interrupted')).State.Status, 'running')
    const ended = await until('the process to be killed', async () => {
      const state = (await inspect('interrupted')).State
      return state.Status === 'exited' ? state : undefined
    }, 15_000)
    assert.equal(ended.ExitCode, 137)
    // The exit is recorded before the task is deleted: inspect can show it a moment before the deletion.
    await until('the task to be deleted', async () => (new RegExp(id).test((await ctr(['tasks', 'ls', '-q'])).stdout) ? undefined : true), 15_000)
    await nerdOk(['rm', 'interrupted'])
  })

  it('kill with a signal that ends the policy resumes a paused container so that the signal can take effect, as docker\'s', async () => {
    await nerdOk(['run', '-d', '--name', 'paused-kill', IMG, 'sh', '-c', 'trap "exit 9" TERM; echo ready; while true; do sleep 0.2; done'])
    await trapsSet('paused-kill')
    await nerdOk(['pause', 'paused-kill'])
    await nerdOk(['kill', '-s', 'TERM', 'paused-kill'])
    const ended = await until('the exit', async () => {
      const state = (await inspect('paused-kill')).State
      return state.Status === 'exited' ? state : undefined
    }, 10_000)
    assert.equal(ended.ExitCode, 9)
    await nerdOk(['rm', 'paused-kill'])
  })

  it('--restart=on-failure:2 restarts a failing process twice, then leaves it exited; start and restart count anew', async () => {
    await nerdOk(['run', '-d', '--name', 'flaky', '--restart=on-failure:2', IMG, 'sh', '-c', 'echo attempt; exit 3'])
    const retriesEnded = () => until('the retries to end', async () => {
      const current = await inspect('flaky')
      return current.RestartCount === 2 && current.State.Status === 'exited' ? current : undefined
    })
    const state = await retriesEnded()
    assert.equal(state.State.ExitCode, 3)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    assert.equal((await inspect('flaky')).RestartCount, 2)
    assert.equal((await nerdOk(['logs', 'flaky'])), 'attempt\nattempt\nattempt\n')
    // A user's start, as docker's, counts the restarts since itself: the policy tries twice more.
    for (const [command, runs] of [['start', 6], ['restart', 9]] as const) {
      await nerdOk([command, 'flaky'])
      let logged = ''
      await until(`the runs after ${command}`, async () => ((logged = await nerdOk(['logs', 'flaky'])).split('\n').length === runs + 1 ? true : undefined)).catch((error: Error) => {
        throw new Error(`${error.message}; the log: ${JSON.stringify(logged)}`)
      })
      await retriesEnded()
    }
    await nerdOk(['rm', 'flaky'])
  })

  it('an exit handler started for a process that a restart has replaced leaves the new process alone', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'replaced', '--restart=on-failure', IMG, 'sleep', '600'])).trim()
    const {Pid: pid} = (await inspect('replaced')).State
    // A handler that starts late names the process it watched end; this one names another than the task's.
    const handler = spawn(process.execPath, [fileURLToPath(new URL('../../dist/task-exit.js', import.meta.url)), fileDataRoot(), fileNamespace(), id, String(pid + 1)], {stdio: 'ignore'})
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        handler.kill('SIGKILL')
        resolve(null)
      }, 10_000)
      handler.once('exit', (exitCode) => {
        clearTimeout(timer)
        resolve(exitCode)
      })
    })
    assert.equal(code, 0, 'the handler waited for the exit of a process not its own')
    const after = await inspect('replaced')
    assert.deepEqual([after.State.Status, after.State.Pid, after.RestartCount], ['running', pid, 0])
    await nerdOk(['rm', '-f', 'replaced'])
  })

  it('a container waiting out the back-off before a restart is restarting, as in docker, until stopped', async () => {
    await nerdOk(['run', '-d', '--name', 'backoff', '--restart=on-failure:20', IMG, 'sh', '-c', 'exit 2'])
    // The back-off doubles from 100 ms, so later waits last seconds.
    await until('ps to list it as restarting', async () => {
      const listed = await nerdOk(['ps', '-a', '--filter', 'status=restarting', '--format', '{{.Names}} {{.Status}}'])
      return /^backoff Restarting \(2\) .* ago\n$/.test(listed) ? true : undefined
    }, 20_000)
    const state = await until('inspect to show it restarting', async () => {
      const current = await inspect('backoff')
      return current.State.Status === 'restarting' ? current.State : undefined
    }, 20_000)
    assert.equal(state.Restarting, true)
    assert.equal(state.Running, true, 'docker counts a restarting container as running')
    assert.equal(state.ExitCode, 2)
    await nerdOk(['stop', 'backoff'])
    const stopped = await inspect('backoff')
    assert.equal(stopped.State.Status, 'exited')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const later = await inspect('backoff')
    assert.deepEqual([later.State.Status, later.RestartCount], ['exited', stopped.RestartCount])
    await nerdOk(['rm', 'backoff'])
  })

  it('a container waiting out its back-off refuses pause and top as docker\'s, wait waits for its next exit, and kill cancels the restart', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'crashing', '--restart=on-failure', IMG, 'sh', '-c', 'exit 1'])).trim()
    // Back-offs of 6.4 s and more (doubling from 100 ms): time for the commands, on a loaded machine too.
    let last = ''
    const restartingAfter = (count: number) => until(`a back-off after ${count} restarts`, async () => {
      const current = await inspect('crashing')
      last = `${current.State.Status}, RestartCount ${current.RestartCount}`
      return current.State.Status === 'restarting' && current.RestartCount >= count ? current.RestartCount as number : undefined
    }, 45_000).catch(async (error: Error) => {
      // What a stalled restart chain leaves to see: the task, and whether an exit handler runs.
      const task = await taskStatus(id)
      const handlers = await promisify(execFile)('pgrep', ['-fa', `task-exit.js .* ${id}`]).then(({stdout}) => stdout.trim(), () => 'none')
      throw new Error(`${error.message} (last seen: ${last}; task: ${task ?? 'none'}; exit handlers: ${handlers})`)
    })
    const count = await restartingAfter(6)
    const restarting = `Error: Container ${id} is restarting, wait until the container is running\n`
    for (const command of [['pause'], ['top']]) {
      const refused = await nerd([...command, 'crashing'])
      assert.deepEqual([refused.code, refused.stderr], [1, restarting], command.join(' '))
    }
    // start changes nothing, as docker's "not modified": the restart is still the policy's, counted.
    assert.equal(await nerdOk(['start', 'crashing']), 'crashing\n')
    const afterStart = await inspect('crashing')
    assert.deepEqual([afterStart.State.Status, afterStart.RestartCount], ['restarting', count])
    // docker's wait waits for the process the restart starts to end.
    assert.equal(await nerdOk(['wait', 'crashing']), '1\n')
    assert.ok((await inspect('crashing')).RestartCount > count, 'wait returned before the restart')
    await restartingAfter(count + 1)
    assert.equal(await nerdOk(['kill', 'crashing']), 'crashing\n')
    const killed = await inspect('crashing')
    assert.deepEqual([killed.State.Status, killed.State.ExitCode, killed.State.Restarting], ['exited', 1, false])
    // Its last task goes, as a stop's would; and it stays down once its exit handler's wait is over.
    assert.doesNotMatch((await ctr(['tasks', 'ls', '-q'])).stdout, new RegExp(id))
    await until('the exit handler to end', async () => ((await pids(`task-exit.js .* ${id}`)).length === 0 ? true : undefined), 70_000)
    const later = await inspect('crashing')
    assert.deepEqual([later.State.Status, later.RestartCount], ['exited', killed.RestartCount])
    await nerdOk(['rm', 'crashing'])
  })

  it('an always container\'s back-off is not cut short by containerd\'s restart monitor: it is unlabelled while it waits', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'looping', '--restart=always', IMG, 'sh', '-c', 'sleep 0.3; exit 1'])).trim()
    const statusLabel = async (): Promise<string | undefined> => JSON.parse((await ctr(['containers', 'info', id])).stdout).Labels['containerd.io/restart.status']
    // Once the waits last a second or more: found restarting without the label the monitor goes by.
    await until('a back-off without the monitor\'s label', async () => {
      const current = await inspect('looping')
      // Bounds for a loaded machine: each look takes two commands, and must fall in a back-off.
      return current.RestartCount >= 4 && current.State.Status === 'restarting' && (await statusLabel()) === undefined ? true : undefined
    }, 60_000)
    // The restart labels it again for the monitor (a containerd restart brings it back).
    await until('the next restart, labelled', async () => ((await inspect('looping')).State.Status === 'running' && (await statusLabel()) === 'running' ? true : undefined), 60_000)
    await nerdOk(['rm', '-f', 'looping'])
  })

  it('attach streams a background container\'s output from now on and exits with its code', async () => {
    // Ticks until told to end: the attach is under way once it shows one, however slow the machine.
    await nerdOk(['run', '-d', '--name', 'attached', IMG, 'sh', '-c', 'echo before; while [ ! -e /go ]; do echo tick; sleep 0.2; done; echo after; echo late-err >&2; exit 7'])
    await until('the first line', async () => ((await nerd(['logs', 'attached'])).stdout.startsWith('before\n') ? true : undefined))
    const attaching = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'attach', 'attached'], {stdio: ['ignore', 'pipe', 'pipe']})
    const ended = new Promise<number | null>((resolve) => attaching.on('close', resolve))
    let stdout = ''
    let stderr = ''
    attaching.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    attaching.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    await until('the attach to show a tick', async () => (stdout.includes('tick\n') ? true : undefined))
    await nerdOk(['exec', 'attached', 'touch', '/go'])
    assert.equal(await ended, 7, stderr)
    assert.match(stdout, /^(?:tick\n)+after\n$/)
    assert.equal(stderr, 'late-err\n')
    const stopped = await nerd(['attach', 'attached'])
    assert.equal(stopped.code, 1)
    assert.equal(stopped.stderr, 'Error: You cannot attach to a stopped container, start it first\n')
    await nerdOk(['rm', 'attached'])
  })

  it('attach gives the live output byte for byte, whatever the log: binary through a rotating log, and with --log-driver none', async () => {
    // The logger's socket: the payload comes once attach shows it is there (`waiting`).
    const script = 'until [ -e /tmp/go ]; do echo waiting; sleep 0.2; done; printf "\\377\\000"; head -c 2000000 /dev/urandom >/tmp/b; cat /tmp/b; md5sum </tmp/b >&2; exit 5'
    await nerdOk(['run', '-d', '--name', 'binary', '--log-opt', 'max-size=10k', '--log-opt', 'max-file=2', IMG, 'sh', '-c', script])
    const attach = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'attach', 'binary'], {stdio: ['ignore', 'pipe', 'pipe']})
    const [stdout, stderr]: Buffer[][] = [[], []]
    attach.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    attach.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    const exited = new Promise((resolve) => attach.once('close', resolve))
    await until('attach to show the output', async () => (Buffer.concat(stdout).includes('waiting\n') ? true : undefined))
    await nerdOk(['exec', 'binary', 'touch', '/tmp/go'])
    assert.equal(await exited, 5, Buffer.concat(stderr).toString())
    const output = Buffer.concat(stdout)
    const payload = output.subarray(output.lastIndexOf('waiting\n') + 'waiting\n'.length)
    assert.deepEqual([...payload.subarray(0, 2)], [0xff, 0x00])
    assert.equal(`${createHash('md5').update(payload.subarray(2)).digest('hex')}  -\n`, Buffer.concat(stderr).toString())
    await nerdOk(['rm', 'binary'])

    // nerd's drain serves a `-di` container's socket; its output answers attach's input, so none is missed.
    await nerdOk(['run', '-di', '--name', 'unlogged', '--log-driver', 'none', IMG, 'sh', '-c', 'read word; echo "got $word"; echo err >&2; exit 3'])
    const unlogged = await nerd(['attach', 'unlogged'], {input: 'it\n'})
    assert.deepEqual([unlogged.code, unlogged.stdout, unlogged.stderr], [3, 'got it\n', 'err\n'])
    await nerdOk(['rm', 'unlogged'])
  })

  it('attach keeps up with a container writing at full speed: every byte, and its exit code', async (t) => {
    // 50 MB in one burst, read by the test as fast as it comes: the logger broadcast faster than
    // attach read, and let it go a few MB in.
    const script = 'until [ -e /tmp/go ]; do echo waiting; sleep 0.2; done; head -c 50000000 /dev/zero; exit 9'
    await nerdOk(['run', '-d', '--name', 'burst', IMG, 'sh', '-c', script])
    const attach = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'attach', 'burst'], {stdio: ['ignore', 'pipe', 'pipe']})
    // A failed assertion must not leave it blocked on its output.
    t.after(() => attach.kill('SIGKILL'))
    let zeros = 0
    let shown = ''
    let stderr = ''
    attach.stdout.on('data', (chunk: Buffer) => {
      zeros += countZeros(chunk)
      shown += chunk.toString('latin1').replaceAll('\0', '')
    })
    attach.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise((resolve) => attach.once('close', resolve))
    await until('attach to show the output', async () => (shown.includes('waiting\n') ? true : undefined))
    await nerdOk(['exec', 'burst', 'touch', '/tmp/go'])
    assert.equal(await exited, 9, stderr)
    assert.equal(zeros, 50_000_000)
    await nerdOk(['rm', 'burst'])
  })

  /**
   * Starts the flood of a container waiting for /tmp/go and returns its log's size once the stalled
   * attach holds it up: the log has grown by more than its "waiting" lines (the flood began; on a
   * slow machine a kill right after the exec could come before it) and then stops growing.
   */
  const floodUntilHeld = async (name: string): Promise<number> => {
    const logSize = async (): Promise<number> => statSync((await inspect(name)).LogPath).size
    const before = await logSize()
    await nerdOk(['exec', name, 'touch', '/tmp/go'])
    let size = before
    await until('the flood to be held up', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const now = await logSize()
      if (now === size && now - before > 64 * 1024) return true
      size = now
      return undefined
    })
    return size
  }

  it('an attach that stops reading holds the container up, as docker\'s, and then gets every byte; its log stays complete', async (t) => {
    const script = 'until [ -e /tmp/go ]; do echo waiting; sleep 0.2; done; head -c 20000000 /dev/zero; echo written >&2; exit 4'
    await nerdOk(['run', '-d', '--name', 'flood', IMG, 'sh', '-c', script])
    const attach = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'attach', 'flood'], {stdio: ['ignore', 'pipe', 'pipe']})
    t.after(() => attach.kill('SIGKILL'))
    let shown = ''
    let stderr = ''
    let zeros = 0
    const onData = (chunk: Buffer): void => {
      zeros += countZeros(chunk)
      shown += chunk.toString('latin1').replaceAll('\0', '')
    }
    attach.stdout.on('data', onData)
    attach.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise((resolve) => attach.once('close', resolve))
    await until('attach to show the output', async () => (shown.includes('waiting\n') ? true : undefined))
    // From here nobody reads what attach writes: the container writes what the pipes and sockets
    // on the way hold, and waits.
    attach.stdout.pause()
    const size = await floodUntilHeld('flood')
    assert.equal((await inspect('flood')).State.Status, 'running')
    assert.equal((await nerd(['logs', '--tail', '1', 'flood'])).stderr, '')
    // Of 20 MB, what the pipes, socket buffers and reads on the way hold went by: a few hundred KiB,
    // 670 KiB seen on a loaded machine. Each zero byte is logged as \u0000 (6 bytes): the whole flood
    // would be some 120 MB of log, what the buffers hold about 4 MB.
    assert.ok(size < 15_000_000, `${size} bytes of log while attach was stalled`)
    attach.stdout.resume()
    assert.equal(await exited, 4, stderr)
    assert.equal(stderr, 'written\n')
    assert.equal(zeros, 20_000_000)
    const logged = await nerd(['logs', 'flood'])
    assert.deepEqual([logged.stdout.replaceAll('waiting\n', '').length, logged.stderr], [20_000_000, 'written\n'])
    await nerdOk(['rm', 'flood'])
  })

  it('an attach cut off from the output (it did not read the rest within a second of the end) fails with an error, not the container\'s exit code', async (t) => {
    const script = 'until [ -e /tmp/go ]; do echo waiting; sleep 0.2; done; head -c 20000000 /dev/zero; exit 3'
    await nerdOk(['run', '-d', '--name', 'stalled', IMG, 'sh', '-c', script])
    const dir = join(fileDataRoot(), 'containers', fileNamespace(), (await inspect('stalled')).Id)
    const attach = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'attach', 'stalled'], {stdio: ['ignore', 'pipe', 'pipe']})
    t.after(() => attach.kill('SIGKILL'))
    let shown = ''
    let stderr = ''
    attach.stdout.on('data', (chunk: Buffer) => (shown += chunk.toString('latin1')))
    attach.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise((resolve) => attach.once('close', resolve))
    await until('attach to show the output', async () => (shown.includes('waiting\n') ? true : undefined))
    attach.stdout.pause()
    await floodUntilHeld('stalled')
    // Held up by the stalled attach, the container is killed: the logger reads the rest into the
    // log and ends (the socket's name goes first), leaving attach a second to read what it has queued.
    await nerdOk(['kill', 'stalled'])
    await until('the logger to end', async () => (existsSync(join(dir, 'attach.sock')) ? undefined : true))
    await new Promise((resolve) => setTimeout(resolve, 3000))
    attach.stdout.resume()
    assert.equal(await exited, 1, stderr)
    assert.equal(stderr, 'Error: the attach to stalled was cut off: some of its output did not reach it\n')
    await nerdOk(['rm', 'stalled'])
  })

  it('an attach whose connection a server closed before taking it up (a reader handing over) goes on with the next server', async (t) => {
    await nerdOk(['run', '-d', '--name', 'handed', IMG, 'sh', '-c', 'while [ ! -e /tmp/stop ]; do echo tick; sleep 0.2; done; exit 7'])
    const dir = join(fileDataRoot(), 'containers', fileNamespace(), (await inspect('handed')).Id)
    // The logger's socket is kept under a second name while a server that never accepts takes its
    // place: attach's connection waits in that server's backlog until it is killed.
    linkSync(join(dir, 'attach.sock'), join(dir, 'kept.sock'))
    const fakeName = `unserving-${process.pid}.sock`
    const unserving = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(fakeName)}, () => process.stdout.write('ready'))`], {cwd: dir, stdio: ['ignore', 'pipe', 'inherit']})
    t.after(() => unserving.kill('SIGKILL'))
    await new Promise((resolve) => unserving.stdout.once('data', resolve))
    renameSync(join(dir, fakeName), join(dir, 'attach.sock'))
    unserving.kill('SIGSTOP')
    const attach = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'attach', 'handed'], {stdio: ['ignore', 'pipe', 'pipe']})
    t.after(() => attach.kill('SIGKILL'))
    let shown = ''
    let stderr = ''
    attach.stdout.on('data', (chunk: Buffer) => (shown += chunk.toString()))
    attach.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise((resolve) => attach.once('close', resolve))
    await until('attach to wait in the backlog', async () => {
      const {stdout} = await promisify(execFile)('ss', ['-xlH'])
      return stdout.split('\n').some((line) => line.includes(fakeName) && /^\S+\s+\S+\s+[1-9]/.test(line)) ? true : undefined
    })
    renameSync(join(dir, 'kept.sock'), join(dir, 'attach.sock'))
    unserving.kill('SIGKILL')
    await until('attach to show the output', async () => {
      if (attach.exitCode !== null) throw new Error(`attach ended (${attach.exitCode}): ${stderr}`)
      return shown.includes('tick\n') ? true : undefined
    })
    await nerdOk(['exec', 'handed', 'touch', '/tmp/stop'])
    assert.equal(await exited, 7, stderr)
    assert.equal(stderr, '')
    await nerdOk(['rm', 'handed'])
  })

  it('attach refuses a paused container and a restarting one, as docker\'s', async () => {
    await nerdOk(['run', '-d', '--name', 'held', IMG, 'sleep', '600'])
    await nerdOk(['pause', 'held'])
    const paused = await nerd(['attach', 'held'])
    assert.deepEqual([paused.code, paused.stderr], [1, 'Error: You cannot attach to a paused container, unpause it first\n'])
    await nerdOk(['rm', '-f', 'held'])
    await nerdOk(['run', '-d', '--name', 'bouncing', '--restart', 'always', IMG, 'sh', '-c', 'sleep 0.3; exit 1'])
    // An attach that finds it running lasts until its exit, and the next one tries again.
    await until('attach to find it restarting', async () => {
      const restarting = await nerd(['attach', 'bouncing'])
      return restarting.stderr === 'Error: You cannot attach to a restarting container, wait until it is running\n' ? restarting.code : undefined
    }).then((code) => assert.equal(code, 1))
    await nerdOk(['rm', '-f', 'bouncing'])
  })

  it('run -dit keeps a shell running in the background; attach types into its terminal, again after a detach and a restart', async () => {
    await nerdOk(['run', '-dit', '--name', 'shell', IMG, 'sh'])
    const typeInto = async (command: string, expected: RegExp): Promise<void> => {
      // On a pseudo-terminal (util-linux script), as docker's attach wants for a container's terminal.
      const attach = spawn('script', ['--quiet', '--command', nerdCommandLine(['attach', 'shell']), '/dev/null'], {stdio: ['pipe', 'ignore', 'ignore']})
      try {
        await new Promise((resolve) => setTimeout(resolve, 500))
        attach.stdin.write(`${command}\n`)
        await until(`${command} to run`, async () => (expected.test((await nerd(['logs', 'shell'])).stdout) ? true : undefined), 15_000)
      } finally {
        attach.kill('SIGKILL')
      }
    }
    await typeInto('echo first-$((6*7))', /^first-42\r?$/m)
    await typeInto('echo second-$((2*3))', /^second-6\r?$/m)
    assert.equal((await inspect('shell')).State.Status, 'running')
    await nerdOk(['restart', '-t', '0', 'shell'])
    await typeInto('echo third', /^third\r?$/m)
    // The terminal's output reaches the log with its carriage returns, as docker's does.
    assert.match((await nerd(['logs', 'shell'])).stdout, /third\r\n/)
    await nerdOk(['rm', '-f', 'shell'])
  })

  it("logs of a foreground run --rm shows its output while it runs, as docker's", async () => {
    const running = nerd(['run', '--rm', '--name', 'fg-rm-logged', '--network', 'none', IMG, 'sh', '-c', 'echo started; sleep 4'])
    assert.equal(await until('the output in the log', async () => {
      const logs = await nerd(['logs', 'fg-rm-logged'])
      return logs.stdout === '' ? undefined : logs.stdout
    }), 'started\n')
    assert.deepEqual(await running.then((result) => [result.code, result.stdout]), [0, 'started\n'])
  })

  it('run -d --rm removes the container once it exits', async () => {
    const id = (await nerdOk(['run', '-d', '--rm', IMG, 'sh', '-c', 'sleep 1'])).trim()
    assert.match(id, /^[0-9a-f]{64}$/)
    await until('the container to go', async () => ((await nerd(['inspect', id])).code === 1 ? true : undefined))
    assert.doesNotMatch((await ctr(['containers', 'ls', '-q'])).stdout, new RegExp(id))
  })

  it('restart of a foreground run --rm from elsewhere keeps the container, running, as docker\'s: the session does not remove it', async () => {
    const session = nerd(['run', '--rm', '--name', 'restarted-session', IMG, 'sh', '-c', 'trap "exit 9" TERM; echo start; while true; do sleep 0.2; done'])
    await until('the session to start, its trap set', async () => ((await nerd(['logs', 'restarted-session'])).stdout === 'start\n' ? true : undefined))
    assert.equal(await nerdOk(['restart', '-t', '5', 'restarted-session']), 'restarted-session\n')
    assert.equal((await session).code, 9)
    const after = await inspect('restarted-session')
    assert.equal(after.State.Status, 'running')
    assert.equal(existsSync(join(fileDataRoot(), 'containers', fileNamespace(), after.Id, 'restarting')), false)
    await nerdOk(['rm', '-f', 'restarted-session'])
    assert.deepEqual(await remainsOf(after.Id), {tasks: [], containers: [], snapshots: [], directories: []})
  })

  it('once wait returns, the log holds all the output, an unfinished last line too, as docker\'s', async () => {
    for (let round = 0; round < 3; round++) {
      const id = (await nerdOk(['run', '-d', '--network', 'none', IMG, 'sh', '-c', 'seq 1 2000; printf tail'])).trim()
      assert.equal(await nerdOk(['wait', id]), '0\n')
      const logged = await nerdOk(['logs', id])
      assert.ok(logged.endsWith('1999\n2000\ntail'), `round ${round}: ${JSON.stringify(logged.slice(-20))}`)
      await nerdOk(['rm', id])
    }
  })

  it('run -d --rm: stop removes the container as docker\'s daemon does, restart keeps it running', async () => {
    const stopped = (await nerdOk(['run', '-d', '--rm', '--name', 'stopped-rm', IMG, 'sleep', '600'])).trim()
    assert.equal(await nerdOk(['stop', '-t', '0', 'stopped-rm']), 'stopped-rm\n')
    assert.equal((await nerd(['inspect', stopped])).code, 1, 'still there after stop')
    assert.deepEqual(await remainsOf(stopped), {tasks: [], containers: [], snapshots: [], directories: []})
    await nerdOk(['run', '-d', '--rm', '--name', 'restarted-rm', IMG, 'sleep', '600'])
    assert.equal(await nerdOk(['restart', '-t', '0', 'restarted-rm']), 'restarted-rm\n')
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'restarted-rm']), 'running\n')
    await nerdOk(['rm', '-f', 'restarted-rm'])
  })

  it('nothing of an exited detached container runs on: its task goes (shim and logger with it), and the log keeps an unfinished last line', async () => {
    for (const logDriver of ['json-file', 'none']) {
      const id = (await nerdOk(['run', '-d', '--network', 'none', '--log-driver', logDriver, IMG, 'sh', '-c', 'echo full; printf partial'])).trim()
      await until(`the task of a container logging to ${logDriver} to go`, async () => ((await ctr(['tasks', 'ls', '-q'])).stdout.includes(id) ? undefined : true))
      const state = (await inspect(id)).State
      assert.deepEqual([state.Status, state.ExitCode], ['exited', 0])
      if (logDriver === 'json-file') assert.equal(await nerdOk(['logs', id]), 'full\npartial')
      await nerdOk(['rm', id])
    }
  })

  it('refuses --rm with a restart policy, unknown log drivers, and options for the none driver, with exit code 125', async () => {
    const conflicting = await nerd(['run', '--rm', '--restart=always', IMG, 'true'])
    assert.equal(conflicting.code, 125)
    assert.equal(conflicting.stderr, 'Error: conflicting options: cannot specify both --restart and --rm\n')
    // The conflict and the policy's syntax are docker's CLI's refusals, 125 for create too; the policy's
    // name and count its daemon's, which create reports with 1.
    for (const [flags, code] of [[['--rm', '--restart=always'], 125], [['--restart=on-failure:x'], 125], [['--restart=bogus'], 1], [['--restart=always:3'], 1]] as const) {
      assert.equal((await nerd(['create', ...flags, IMG, 'true'])).code, code, flags.join(' '))
      assert.equal((await nerd(['run', ...flags, IMG, 'true'])).code, 125, flags.join(' '))
    }
    const driver = await nerd(['run', '--log-driver', 'syslog', IMG, 'true'])
    assert.equal(driver.code, 125)
    assert.equal(driver.stderr, "Error: logger: no log driver named 'syslog' is registered\n")
    // docker's CLI refuses options for the none driver as it parses the flags (parseLoggingOpts): 125 for create too.
    for (const command of ['create', 'run']) {
      const none = await nerd([command, '--log-driver', 'none', '--log-opt', 'a=b', IMG, 'true'])
      assert.deepEqual([none.code, none.stderr], [125, 'Error: invalid logging opts for driver none\n'], command)
    }
  })
})

function countZeros(chunk: Buffer): number {
  let zeros = 0
  for (const byte of chunk) if (byte === 0) zeros++
  return zeros
}

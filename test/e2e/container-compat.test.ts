/**
 * docker behaviours of the container commands that scripts lean on, each found different once: the
 * no-ops that succeed (start of a running container, rm -f of a missing one), flag spellings,
 * arguments after the container, inspect across object kinds, and one-line errors with docker's exit codes.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, readlink, rm, writeFile} from 'node:fs/promises'
import {availableParallelism, constants, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {inspectContainer, nerdOk, removeAllContainers, until} from '../helpers/containers.ts'
import {ctr, fileDataRoot, fileNamespace, loadTestImage, nerd, nerdCommandLine, nerdEntry, testEnvironment} from '../helpers/e2e.ts'
import {ownerTag} from '../../src/owner.ts'

const IMG = 'nerd-test/busybox'
const containersDir = join(fileDataRoot(), 'containers', fileNamespace())

/** A nerd run's exit code and text output, to compare whole. */
async function outcome(args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  const {code, stdout, stderr} = await nerd(args)
  return {code, stdout, stderr}
}

/** A nerd started in the background (through sh, as a user's shell runs it): its output so far, its exit code, and a way to signal it. */
function startedNerd(args: string[]): {pid: number; output: () => string; errors: () => string; ended: Promise<number | null>; kill: (signal: NodeJS.Signals) => void} {
  const child = spawn('sh', ['-c', `exec ${nerdCommandLine(args)}`], {stdio: ['ignore', 'pipe', 'pipe']})
  let [output, errors] = ['', '']
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  return {pid: child.pid!, output: () => output, errors: () => errors, ended: new Promise((resolve) => child.once('close', resolve)), kill: (signal) => child.kill(signal)}
}

/** Whether the nerd running as `pid` (past sh's exec) has a handler for `signal`: its SigCgt mask in /proc. */
function catches(pid: number, signal: NodeJS.Signals): boolean {
  const mask = /^SigCgt:\s+([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  const isNerd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(nerdEntry)
  return isNerd && mask !== undefined && ((BigInt(`0x${mask}`) >> BigInt(constants.signals[signal] - 1)) & 1n) === 1n
}

/**
 * Waits for a look of containerd's restart monitor (every 10 s it starts the tasks it finds stopped
 * under its label), and returns as it is seen: a ctr container of its own namespace, labelled for
 * the monitor, is killed, and started again by the monitor's next look.
 */
async function restartMonitorLook(): Promise<void> {
  const namespace = `${fileNamespace()}-monitor`
  const probe = 'monitor-probe'
  const pidOf = async () => (await ctr(['tasks', 'ls'], {namespace})).stdout.split('\n').find((line) => line.startsWith(`${probe} `))?.split(/\s+/).slice(1).join(' ')
  await loadTestImage('nerd-test/busybox:latest', namespace)
  // Labelled once it runs: a look of the monitor between ctr's task create and start would take the created task for a stopped one.
  const started = await ctr(['run', '-d', `docker.io/${IMG}:latest`, probe, 'sleep', '600'], {namespace})
  assert.equal(started.code, 0, started.stderr)
  try {
    await ctr(['containers', 'label', probe, 'containerd.io/restart.status=running'], {namespace})
    const first = await pidOf()
    assert.match(first ?? '', / RUNNING$/)
    await ctr(['tasks', 'kill', '-s', 'SIGKILL', probe], {namespace})
    await until("containerd's restart monitor to start its probe again", async () => {
      const now = await pidOf()
      return now !== undefined && now !== first && now.endsWith(' RUNNING') ? true : undefined
    }, 25_000)
  } finally {
    await ctr(['containers', 'label', probe, 'containerd.io/restart.status='], {namespace})
    await ctr(['tasks', 'kill', '-s', 'SIGKILL', probe], {namespace})
    await until('the probe to stop', async () => ((await pidOf())?.endsWith(' RUNNING') ? undefined : true))
    await ctr(['tasks', 'delete', probe], {namespace})
    await ctr(['containers', 'delete', probe], {namespace})
  }
}

describe('docker behaviours of the container commands', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
    await nerdOk(['run', '-d', '--name', 'web', IMG, 'sleep', '600'])
  })

  after(async () => {
    await removeAllContainers()
    await nerd(['network', 'rm', 'compat-net'])
    await nerd(['volume', 'rm', 'compat-vol'])
  })

  it('start of a running container and rm -f of a missing one succeed', async () => {
    assert.deepEqual(await outcome(['start', 'web']), {code: 0, stdout: 'web\n', stderr: ''})
    // Those that fail are named again at the end, as docker's start names them.
    assert.deepEqual(await outcome(['start', 'nope', 'web', 'nope2']), {
      code: 1,
      stdout: 'web\n',
      stderr: 'Error: No such container: nope\nError: No such container: nope2\nError: failed to start containers: nope, nope2\n',
    })
    const missing = 'Error: No such container: nosuch\n'
    assert.deepEqual(await outcome(['rm', '-f', 'nosuch']), {code: 0, stdout: '', stderr: missing})
    await nerdOk(['create', '--name', 'made', IMG, 'true'])
    assert.deepEqual(await outcome(['rm', '-f', 'nosuch', 'made']), {code: 0, stdout: 'made\n', stderr: missing})
    // Without -f a missing container is still an error.
    assert.deepEqual(await outcome(['rm', 'nosuch']), {code: 1, stdout: '', stderr: missing})
  })

  it('start -a and -ai of a running container attach to it and exit with its code, as docker\'s', async () => {
    for (const flags of [['-a'], ['-ai']]) {
      // It ends once told to, after the attach shows its output (which it does from its connection on).
      const id = (await nerdOk(['run', '-d', '-i', '--network', 'none', IMG, 'sh', '-c', 'until [ -e /tmp/go ]; do echo waiting; sleep 0.2; done; echo fin; exit 8'])).trim()
      const started = startedNerd(['start', ...flags, id])
      await until('the attach to show the output', async () => (started.output().includes('waiting\n') ? true : undefined))
      await nerdOk(['exec', id, 'touch', '/tmp/go'])
      const code = await started.ended
      assert.deepEqual([code, started.output().replace(/^(waiting\n)+/, ''), started.errors()], [8, 'fin\n', ''], flags.join(' '))
      await nerdOk(['rm', id])
    }
  })

  it('stop and restart take --timeout (docker 25) and the deprecated --time, with pflag\'s warning, not both; a bad signal fails with 1, in docker\'s daemon\'s words, and leaves the container running', async () => {
    await nerdOk(['run', '-d', '--name', 'stoppable', IMG, 'sleep', '600'])
    assert.equal(await nerdOk(['restart', '--timeout', '1', 'stoppable']), 'stoppable\n')
    for (const [command, prefix] of [[['kill', '-s', 'BOGUS'], 'cannot kill container: stoppable: '], [['stop', '-s', 'BOGUS'], 'cannot stop container: stoppable: '], [['restart', '-s', 'BOGUS'], 'Cannot restart container stoppable: ']] as const) {
      const result = await nerd([...command, 'stoppable'])
      assert.deepEqual([result.code, result.stderr], [1, `Error: ${prefix}invalid signal: BOGUS\n`], command.join(' '))
    }
    // kill's daemon reads the signal before it looks the container up, and refuses a number Linux has no signal for.
    // Real-time signals by the names of moby/sys/signal's table only (RTMIN+1..15, RTMAX-14..-1).
    for (const [signal, reason] of [['BOGUS', 'invalid signal: BOGUS'], ['RTMIN+20', 'invalid signal: RTMIN+20'], ['RTMAX-0', 'invalid signal: RTMAX-0'], ['32', 'the linux daemon does not support signal 32'], ['99', 'the linux daemon does not support signal 99'], ['-1', 'the linux daemon does not support signal -1']]) {
      const result = await nerd(['kill', '-s', signal!, 'nosuch'])
      assert.deepEqual([result.code, result.stderr], [1, `Error: cannot kill container: nosuch: ${reason}\n`], signal)
    }
    assert.deepEqual(await outcome(['kill', 'nosuch']), {code: 1, stdout: '', stderr: 'Error: cannot kill container: nosuch: No such container: nosuch\n'})
    assert.deepEqual(await outcome(['run', '--rm', '--stop-signal', 'RTMIN+20', IMG, 'true']), {code: 125, stdout: '', stderr: 'Error: invalid signal: RTMIN+20\n'})
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'stoppable']), 'running\n')
    // A number Linux has no signal for: kill refuses it as docker's daemon; stop sends it, and kills 2 s after the refusal.
    const unknown = await nerd(['kill', '-s', '99', 'stoppable'])
    assert.deepEqual([unknown.code, unknown.stderr], [1, 'Error: cannot kill container: stoppable: the linux daemon does not support signal 99\n'])
    await nerdOk(['run', '-d', '--name', 'odd-signal', '--stop-signal', '99', IMG, 'sleep', '600'])
    const started = Date.now()
    assert.equal(await nerdOk(['stop', 'odd-signal']), 'odd-signal\n')
    assert.ok(Date.now() - started < 8000, 'the stop waited out the 10 s timeout')
    assert.equal(await nerdOk(['inspect', '-f', '{{.Config.StopSignal}} {{.State.ExitCode}}', 'odd-signal']), '99 137\n')
    await nerdOk(['rm', 'odd-signal'])
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'stoppable']), 'running\n')
    // --time is docker's deprecated flag, apart from --timeout: pflag's warning, and both are refused.
    const deprecated = 'Flag --time has been deprecated, use --timeout instead\n'
    for (const command of ['stop', 'restart']) {
      assert.deepEqual(await outcome([command, '--time', '1', '--timeout', '1', 'stoppable']), {code: 1, stdout: '', stderr: `${deprecated}Error: conflicting options: cannot specify both --timeout and --time\n`}, command)
    }
    // pflag warns each time it sets the flag; the last value counts.
    const timed = Date.now()
    assert.deepEqual(await outcome(['stop', '--time', '60', '--time=1', 'stoppable']), {code: 0, stdout: 'stoppable\n', stderr: deprecated.repeat(2)})
    assert.ok(Date.now() - timed < 30_000, 'the stop waited the first --time')
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'stoppable']), 'exited\n')
    // A stopped container's stop changes nothing and its restart starts it: docker's daemon reads the signal only to stop one that runs.
    assert.deepEqual(await outcome(['stop', '-s', 'BOGUS', 'stoppable']), {code: 0, stdout: 'stoppable\n', stderr: ''})
    assert.deepEqual(await outcome(['restart', '-s', 'BOGUS', 'stoppable']), {code: 0, stdout: 'stoppable\n', stderr: ''})
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'stoppable']), 'running\n')
    // The kill of a stopped one names it as typed (an ID prefix here).
    const id = (await nerdOk(['inspect', '-f', '{{.Id}}', 'stoppable'])).trim()
    await nerdOk(['stop', '-t', '0', 'stoppable'])
    assert.deepEqual(await outcome(['kill', id.slice(0, 6)]), {code: 1, stdout: '', stderr: `Error: cannot kill container: ${id.slice(0, 6)}: container ${id} is not running\n`})
  })

  it('start of a paused container is refused in docker\'s daemon\'s words; start -a in its attach\'s; rm of a running or paused one too', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'paused-start', IMG, 'sleep', '600'])).trim()
    assert.deepEqual(await outcome(['rm', '/paused-start/']), {code: 1, stdout: '', stderr: 'Error: cannot remove container "paused-start": container is running: stop the container before removing or force remove\n'})
    await nerdOk(['pause', 'paused-start'])
    assert.deepEqual(await outcome(['start', 'paused-start']), {code: 1, stdout: '', stderr: 'Error: cannot start a paused container, try unpause instead\nError: failed to start containers: paused-start\n'})
    assert.deepEqual(await outcome(['start', '-a', 'paused-start']), {code: 1, stdout: '', stderr: `Error: container ${id} is paused, unpause the container before attach\n`})
    assert.deepEqual(await outcome(['rm', id.slice(0, 8)]), {code: 1, stdout: '', stderr: `Error: cannot remove container "${id.slice(0, 8)}": container is paused and must be unpaused first\n`})
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'paused-start']), 'paused\n')
    await nerdOk(['rm', '-f', 'paused-start'])
  })

  it('a container named with spaces around it is the one without them; an empty name is refused, as docker\'s client does', async () => {
    await nerdOk(['create', '--name', 'spaced', IMG, 'true'])
    assert.deepEqual(await outcome(['pause', ' spaced ']), {code: 1, stdout: '', stderr: `Error: container ${await nerdOk(['inspect', '-f', '{{.Id}}', 'spaced']).then((id) => id.trim())} is not running\n`})
    const empty = 'Error: invalid container name or ID: value is empty\n'
    for (const command of ['stop', 'kill', 'pause', 'wait', 'top', 'rm']) assert.deepEqual(await outcome([command, ' ']), {code: 1, stdout: '', stderr: empty}, command)
    assert.deepEqual(await outcome(['start', '']), {code: 1, stdout: '', stderr: `${empty}Error: failed to start containers: \n`})
    assert.deepEqual(await outcome(['exec', ' ', 'true']), {code: 125, stdout: '', stderr: empty})
    assert.deepEqual(await outcome(['rm', '/']), {code: 1, stdout: '', stderr: 'Error: container name cannot be empty\n'})
    assert.deepEqual(await outcome(['container', 'inspect', ' ']), {code: 1, stdout: '[]\n', stderr: empty})
    assert.deepEqual(await outcome(['stats', '--no-stream', '']), {code: 1, stdout: '', stderr: empty})
    assert.equal(await nerdOk(['container', 'inspect', '-f', '{{.Name}}', ' spaced ']), '/spaced\n')
    assert.equal(await nerdOk(['inspect', '-f', '{{.Name}}', ' spaced ']), '/spaced\n')
    assert.deepEqual(await outcome(['inspect', '--type', 'container', ' ']), {code: 1, stdout: '[]\n', stderr: empty})
    assert.equal(await nerdOk(['stats', '--no-stream', '--format', '{{.Container}} {{.Name}}', ' spaced ']), ' spaced  spaced\n')
    // Each command prints the name as typed, as docker's CLI does.
    assert.equal(await nerdOk(['start', ' spaced ']), ' spaced \n')
    assert.equal(await nerdOk(['stop', '-t', '0', ' spaced ']), ' spaced \n')
    assert.equal((await nerdOk(['rm', ' spaced '])), ' spaced \n')
  })

  it("stop waits out a time past Node's longest timer (24.8 days: -t 2147484, --stop-timeout), as docker's daemon does, also once cut short: nothing kills the container at once", async () => {
    await nerdOk(['run', '-d', '--name', 'patient', IMG, 'sleep', '600'])
    await nerdOk(['run', '-d', '--name', 'patient-configured', '--stop-timeout', '99999999999', IMG, 'sleep', '600'])
    const stillRunning = async (name: string, when: string) => {
      await new Promise((resolve) => setTimeout(resolve, 1500))
      assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', name]), 'running\n', `${name} ${when}`)
    }
    for (const [name, args] of [['patient', ['stop', '-t', '2147484', 'patient']], ['patient-configured', ['stop', 'patient-configured']]] as const) {
      // sleep, the container's first process, takes no SIGTERM: the stop waits for its time to be up.
      const stop = startedNerd([...args])
      await stillRunning(name, 'while its stop waits')
      // Cut short, the stop leaves the kill at the time's end to the exit handler.
      stop.kill('SIGINT')
      await stop.ended
      await stillRunning(name, 'once its stop was cut short')
      assert.doesNotMatch(stop.errors(), /TimeoutOverflowWarning/)
    }
    await nerdOk(['rm', '-f', 'patient', 'patient-configured'])
  })

  it('top passes what follows the container to ps, and lists a paused container too', async () => {
    const [titles, process] = (await nerdOk(['top', 'web', '-o', 'pid,comm'])).trim().split('\n')
    // docker's top pads its columns to at least 20 characters.
    assert.match(titles!, /^PID {17}COMMAND$/)
    assert.match(process!, /^\d+ +sleep$/)
    assert.equal(process!.indexOf('sleep'), 20)
    // docker's client joins the arguments with spaces and its daemon splits them at spaces: one argument with both is the same.
    assert.equal(await nerdOk(['top', 'web', '-o pid,comm']), await nerdOk(['top', 'web', '-o', 'pid,comm']))
    assert.deepEqual(await outcome(['top', 'web', '-o', 'user=PID,pid']), {code: 1, stdout: '', stderr: 'Error: specifying "user=PID,pid" is not allowed\n'})
    await nerdOk(['pause', 'web'])
    try {
      assert.match(await nerdOk(['top', 'web']), /sleep 600/)
    } finally {
      await nerdOk(['unpause', 'web'])
    }
    // Options ps refuses: the first line of what ps said, in docker's words.
    const psSaid = await promisify(execFile)('ps', ['--bogus']).then(() => assert.fail('ps took --bogus'), (error: {stderr: string}) => error.stderr.split('\n')[0])
    assert.deepEqual(await outcome(['top', 'web', '--bogus']), {code: 1, stdout: '', stderr: `Error: ps: ${psSaid}\n`})
  })

  it('top lists a container whose shim does not answer containerd in time (UNKNOWN) while its process lives', async () => {
    await nerdOk(['run', '-d', '--name', 'unanswering', '--network', 'none', IMG, 'sleep', '600'])
    const {Id: id} = await inspectContainer('unanswering')
    const {stdout} = await promisify(execFile)('pgrep', ['-f', `containerd-shim-runc-v2 -namespace ${fileNamespace()} -id ${id}`])
    const shim = Number(stdout.trim())
    // containerd gives up on the stopped shim's state after 2 s (UNKNOWN); the listing of the processes waits for it to go on.
    process.kill(shim, 'SIGSTOP')
    let listed: ReturnType<typeof nerd>
    try {
      listed = nerd(['top', 'unanswering'])
      await new Promise((resolve) => setTimeout(resolve, 4000))
    } finally {
      process.kill(shim, 'SIGCONT')
    }
    const {code, stdout: table, stderr} = await listed
    assert.equal(code, 0, stderr)
    assert.match(table, /sleep 600/)
    await nerdOk(['rm', '-f', 'unanswering'])
  })

  it('kill -s \'\' sends docker\'s default signal, SIGKILL', async () => {
    await nerdOk(['run', '-d', '--name', 'default-killed', IMG, 'sleep', '600'])
    assert.equal(await nerdOk(['kill', '-s', '', 'default-killed']), 'default-killed\n')
    assert.equal(await nerdOk(['wait', 'default-killed']), '137\n')
    await nerdOk(['rm', 'default-killed'])
  })

  it('wait of several containers prints each code as its container ends, and the failures after them all, as docker\'s', async () => {
    await nerdOk(['run', '-d', '--name', 'waited-3', IMG, 'sh', '-c', 'exit 3'])
    await nerdOk(['run', '-d', '--name', 'waited-4', IMG, 'sh', '-c', 'exit 4'])
    const both = await promisify(execFile)('sh', ['-c', `${nerdCommandLine(['wait', 'waited-3', 'nosuch', 'waited-4'])} 2>&1; echo "exit $?"`])
    assert.equal(both.stdout, '3\n4\nError: No such container: nosuch\nexit 1\n')
    await nerdOk(['rm', 'waited-3', 'waited-4'])
  })

  it('a process the OOM killer ends shows OOMKilled, as docker\'s, attached or restarting by policy; a kill is none', async () => {
    const hog = ['--memory', '8m', IMG, 'sh', '-c', 'x=a; while true; do x=$x$x; done']
    const state = '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}'
    const attached = await nerd(['run', '--name', 'hog', ...hog])
    assert.equal(attached.code, 137, attached.stderr)
    assert.equal(await nerdOk(['inspect', '-f', state, 'hog']), 'exited 137 true\n')
    await nerdOk(['run', '-d', '--name', 'hog-restarted', '--restart', 'on-failure:1', ...hog])
    await until('the retry to end', async () => ((await nerdOk(['inspect', '-f', `{{.RestartCount}} ${state}`, 'hog-restarted'])) === '1 exited 137 true\n' ? true : undefined))
    await nerdOk(['run', '-d', '--name', 'killed', '--memory', '8m', IMG, 'sleep', '600'])
    await nerdOk(['kill', 'killed'])
    await until('the kill to be seen', async () => ((await nerdOk(['inspect', '-f', state, 'killed'])) === 'exited 137 false\n' ? true : undefined))
    await nerdOk(['rm', 'hog', 'hog-restarted', 'killed'])
  })

  it('a process that ends at once started before it finished: StartedAt is taken before the task is made, as docker\'s startupTime', async () => {
    const nanoseconds = (time: string) => BigInt(Date.parse(`${time.slice(0, 19)}Z`)) * 1_000_000n + BigInt((/\.(\d+)/.exec(time)?.[1] ?? '').padEnd(9, '0'))
    for (let run = 0; run < 5; run++) {
      const id = (await nerdOk(['run', '-d', '--network', 'none', IMG, 'true'])).trim()
      await nerdOk(['wait', id])
      const {StartedAt, FinishedAt} = (await inspectContainer(id)).State
      assert.ok(nanoseconds(StartedAt) <= nanoseconds(FinishedAt), `started ${StartedAt}, finished ${FinishedAt}`)
      await nerdOk(['rm', id])
    }
  })

  it('a restart by policy that fails to start leaves the container as its last run ended, with the start\'s error, as docker\'s monitor', async () => {
    await nerdOk(['run', '-d', '--name', 'restart-fails', '--network', 'none', '--restart', 'on-failure:3', IMG, 'sh', '-c', 'rm /bin/sh; exit 1'])
    const state = await until('the restart to fail', async () => {
      const {State, RestartCount} = await inspectContainer('restart-fails')
      return State.Status === 'exited' && State.Error !== '' ? {State, RestartCount} : undefined
    }, 20_000)
    assert.deepEqual([state.State.ExitCode, state.RestartCount], [1, 1])
    assert.match(state.State.Error, /sh/)
    await nerdOk(['rm', 'restart-fails'])
  })

  it('a container started again shows exit code 0 and when its last run ended, as docker\'s', async () => {
    await nerdOk(['run', '-d', '--name', 'again', IMG, 'sleep', '600'])
    await nerdOk(['kill', 'again'])
    const ended = await until('the kill to be seen', async () => {
      const [status, finishedAt] = (await nerdOk(['inspect', '-f', '{{.State.Status}} {{.State.FinishedAt}}', 'again'])).trim().split(' ')
      return status === 'exited' ? finishedAt : undefined
    })
    await nerdOk(['start', 'again'])
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.FinishedAt}}', 'again']), `running 0 ${ended}\n`)
    // Its times to the nanosecond, RFC 3339 with trailing zeros dropped, as docker's.
    const nanoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{4,9}Z$/
    for (const time of (await nerdOk(['inspect', '-f', '{{.Created}} {{.State.StartedAt}} {{.State.FinishedAt}}', 'again'])).trim().split(' ')) assert.match(time, nanoTime)
    await nerdOk(['rm', '-f', 'again'])
  })

  it('container ps lists as ps does; a wrong number of arguments gets docker\'s words', async () => {
    assert.equal(await nerdOk(['container', 'ps', '--format', '{{.Names}}', '-f', 'name=^web$']), 'web\n')
    // docker's ps runs the template on a struct: a misspelt field is an error, not <no value> per line,
    // found before listing (so also with no rows), in docker's words.
    const misspelt = await outcome(['ps', '--format', '{{.Nmaes}}', '-f', 'name=nomatch'])
    assert.deepEqual(misspelt, {code: 1, stdout: '', stderr: 'Error: failed to execute template: template: :1:2: executing "" at <.Nmaes>: can\'t evaluate field Nmaes in type *formatter.ContainerContext\n'})
    assert.deepEqual(await outcome(['ps', '--format', '{{.ID']), {code: 1, stdout: '', stderr: 'Error: failed to parse template: template: :1: unclosed action\n'})
    // The pass over the empty row: a struct has no len, and its Platform is a nil *formatter.Platform.
    assert.deepEqual(await outcome(['ps', '--format', '{{len .}}']), {code: 1, stdout: '', stderr: 'Error: failed to execute template: template: :1:2: executing "" at <len .>: error calling len: len of type formatter.ContainerContext\n'})
    assert.deepEqual(await outcome(['ps', '--format', '{{.Platform.OS}}']), {code: 1, stdout: '', stderr: 'Error: failed to execute template: template: :1:11: executing "" at <.Platform.OS>: nil pointer evaluating *formatter.Platform.OS\n'})
    assert.equal(await nerdOk(['ps', '--format', '{{if .Platform}}{{.Platform.OS}}{{end}}', '-f', 'name=^web$']), 'linux\n')
    assert.deepEqual(await outcome(['logs', 'web', 'extra']), {code: 1, stdout: '', stderr: 'nerd: \'nerd logs\' requires 1 argument\nRun \'nerd logs --help\' for more information\n'})
    assert.deepEqual(await outcome(['images', 'a', 'b']), {code: 1, stdout: '', stderr: 'nerd: \'nerd images\' requires at most 1 argument\nRun \'nerd images --help\' for more information\n'})
    // docker's CLI checks the number only: another protocol is a port nothing publishes.
    const port = await nerd(['port', 'web', '80/xyz'])
    assert.deepEqual([port.code, port.stderr], [1, "Error: No public port '80/xyz' published for web\n"])
  })

  it('ps formats as docker: -q over --format with a warning, .Size unless --size=false, local times, config.json\'s psFormat', async () => {
    const web = ['-f', 'name=^web$']
    const id = (await nerdOk(['ps', '-q', ...web])).trim()
    const quiet = await outcome(['ps', '-q', '--format', '{{.Names}}', ...web])
    assert.deepEqual(quiet, {code: 0, stdout: `${id}\n`, stderr: 'WARNING: Ignoring custom format, because both --format and --quiet are set.\n'})
    assert.match(await nerdOk(['ps', '--format', '{{.Size}}', ...web]), /^\d.*B \(virtual \d.*B\)\n$/)
    assert.equal(await nerdOk(['ps', '--size=false', '--format', '{{.Size}}', ...web]), '0B\n')
    // docker's ps runs the template once before listing: {{json .}} reads .Size, so sizes are computed.
    assert.match(JSON.parse(await nerdOk(['ps', '--format', '{{json .}}', ...web])).Size, /virtual/)
    assert.match(await nerdOk(['ps', '--format', '{{.CreatedAt}}', ...web], {env: {TZ: 'Asia/Tokyo'}}), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0900 JST\n$/)
    const dockerConfig = await mkdtemp(join(tmpdir(), 'nerd-docker-config-'))
    try {
      await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({psFormat: 'P {{.Names}}'}))
      const env = {DOCKER_CONFIG: dockerConfig}
      assert.equal(await nerdOk(['ps', ...web], {env}), 'P web\n')
      assert.equal(await nerdOk(['ps', '--format', '{{.State}}', ...web], {env}), 'running\n')
      assert.equal(await nerdOk(['ps', '-q', ...web], {env}), `${id}\n`)
      // A malformed config.json: docker's warning with Go's JSON error, and the command goes on.
      await writeFile(join(dockerConfig, 'config.json'), '{bad')
      const malformed = await nerd(['ps', '-q', ...web], {env})
      assert.deepEqual({code: malformed.code, stdout: malformed.stdout, stderr: malformed.stderr}, {code: 0, stdout: `${id}\n`, stderr: `WARNING: Error parsing config file (${join(dockerConfig, 'config.json')}): invalid character 'b' looking for beginning of object key string\n`})
    } finally {
      await rm(dockerConfig, {recursive: true, force: true})
    }
  })

  it('inspect looks a name up as a container, image, network or volume, and reports each one missing after the others', async () => {
    await nerdOk(['volume', 'create', 'compat-vol'])
    const result = await nerd(['inspect', '-f', '{{.Name}}', 'nosuch', 'UPPER', '/web', 'compat-vol', 'bridge'])
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '/web\ncompat-vol\nbridge\n')
    assert.equal(result.stderr, 'Error: No such object: nosuch\nError: No such object: UPPER\n')
    assert.equal(await nerdOk(['inspect', '--type', 'volume', '-f', '{{.Driver}}', 'compat-vol']), 'local\n')
    assert.equal((await nerd(['inspect', '--type', 'network', 'compat-vol'])).stderr, 'Error: No such network: compat-vol\n')
    // The image's size is the unpacked size `images` shows.
    const bytes = Number(await nerdOk(['inspect', '-f', '{{.Size}}', IMG]))
    const shown = (await nerdOk(['images', '--format', '{{.Size}}', IMG])).trim()
    assert.equal(shown, `${(bytes / 1e6).toFixed(2)}MB`)
  })

  it('inspect -f runs on docker\'s Go types first, then on the JSON where a missing key is an error, one error per object', async () => {
    await nerdOk(['volume', 'create', 'typed-vol'])
    await nerdOk(['create', '--name', 'fresh', IMG, 'true'])
    const id = await nerdOk(['inspect', '-f', '{{.Id}}', 'web'])
    assert.equal(await nerdOk(['inspect', '-f', '{{.ID}}', 'web']), id)
    assert.equal(await nerdOk(['image', 'inspect', '-f', '{{.ID}}', IMG]), await nerdOk(['image', 'inspect', '-f', '{{.Id}}', IMG]))
    assert.equal(await nerdOk(['network', 'inspect', '-f', '{{.ID}}', 'bridge']), await nerdOk(['network', 'inspect', '-f', '{{.Id}}', 'bridge']))
    assert.equal(await nerdOk(['inspect', '-f', '{{.HostConfig.NanoCPUs}} {{.HostConfig.CPUShares}} {{.HostConfig.DNS}}', 'web']), '0 0 []\n')
    assert.equal(await nerdOk(['inspect', '-f', '{{.HostConfig.NanoCpus}} {{.HostConfig.Dns}}', 'web']), '0 []\n')
    // Go's nil slices, maps and pointers; a Go map's missing key stays <no value>.
    const nils = '{{.HostConfig.Binds}} {{.Config.Entrypoint}} {{.Config.Volumes}} {{.ExecIDs}} {{.HostConfig.CapAdd}} {{.State.Health}} {{.SizeRw}} {{.Config.Labels.nope}}'
    assert.equal(await nerdOk(['inspect', '-f', nils, 'fresh']), '[] [] map[] [] [] <nil> <nil> <no value>\n')
    assert.equal(await nerdOk(['inspect', '-f', '{{json .Config.Entrypoint}}', 'fresh']), 'null\n')
    assert.deepEqual(await outcome(['inspect', '-f', '{{.State.Health.Status}}', 'web']), {
      code: 1,
      stdout: '\n',
      stderr: 'Error: template parsing error: template: :1:8: executing "" at <.State.Health.Status>: map has no entry for key "Health"\n',
    })
    // Each object gets its line or its error, in the order of the names, missing ones too.
    assert.deepEqual(await outcome(['inspect', '-f', '{{.Name}}{{if eq .Name "/web"}}{{index .Config.Env 9}}{{end}}', 'web', 'nosuch', 'fresh']), {
      code: 1,
      stdout: '/fresh\n',
      stderr:
        'Error: template parsing error: template: :1:33: executing "" at <index .Config.Env 9>: error calling index: index out of range: 9\n' +
        'Error: No such object: nosuch\n',
    })
    assert.deepEqual(await outcome(['inspect', '-f', '{{.State.Status}}', 'web', 'typed-vol']), {
      code: 1,
      stdout: 'running\n',
      stderr: 'Error: template parsing error: template: :1:8: executing "" at <.State.Status>: map has no entry for key "State"\n',
    })
    // docker 28's volume inspect has no JSON to fall back on: it fails on the Go value.
    assert.deepEqual(await outcome(['volume', 'inspect', '-f', '{{.Id}}', 'typed-vol']), {
      code: 1,
      stdout: '\n',
      stderr: 'Error: template parsing error: template: :1:2: executing "" at <.Id>: can\'t evaluate field Id in type volume.Volume\n',
    })
    await nerdOk(['rm', 'fresh'])
  })

  it('inspect shows docker\'s masked and read-only paths and the image\'s snapshotter; --size on an image and a wrong --type get docker\'s words', async () => {
    await nerdOk(['create', '--name', 'privileged', '--privileged', IMG, 'true'])
    await nerdOk(['create', '--name', 'unconfined', '--security-opt', 'systempaths=unconfined', IMG, 'true'])
    const paths = '{{json .HostConfig.MaskedPaths}} {{json .HostConfig.ReadonlyPaths}}'
    assert.equal(
      await nerdOk(['inspect', '-f', paths, 'web', 'privileged', 'unconfined']),
      '["/proc/asound","/proc/acpi","/proc/interrupts","/proc/kcore","/proc/keys","/proc/latency_stats","/proc/timer_list","/proc/timer_stats","/proc/sched_debug","/proc/scsi","/sys/firmware","/sys/devices/virtual/powercap"] ' +
        '["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]\nnull null\n[] []\n',
    )
    await nerdOk(['rm', 'privileged', 'unconfined'])
    const snapshotter = (await nerdOk(['inspect', '-f', '{{.GraphDriver.Name}}', 'web'])).trim()
    assert.equal(await nerdOk(['image', 'inspect', '-f', '{{json .GraphDriver}}', IMG]), `{"Data":null,"Name":"${snapshotter}"}\n`)
    const sized = await outcome(['inspect', '-s', '-f', '{{.Os}}', IMG])
    assert.deepEqual(sized, {code: 0, stdout: 'linux\n', stderr: 'WARNING: --size ignored for image\n'})
    // docker's --type values (inspect.go allTypes), and its daemon's answers for the swarm objects and plugins nerd never has.
    const types = '"config", "container", "image", "network", "node", "plugin", "secret", "service", "task", "volume"'
    assert.deepEqual(await outcome(['inspect', '--type', 'bogus', 'web']), {code: 1, stdout: '', stderr: `Error: unknown type: "bogus": must be one of ${types}\n`})
    assert.deepEqual(await outcome(['inspect', '--type', '', 'web']), {code: 1, stdout: '', stderr: `Error: type is empty: must be one of ${types}\n`})
    const noSwarm = 'Error: This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.\n'
    for (const type of ['config', 'service']) assert.deepEqual(await outcome(['inspect', '--type', type, 'web']), {code: 1, stdout: '[]\n', stderr: noSwarm}, type)
    assert.deepEqual(await outcome(['inspect', '--type', 'plugin', 'web']), {code: 1, stdout: '[]\n', stderr: 'Error: plugin "web" not found\n'})
  })

  it('ps -f network= takes a network ID or ID prefix; stats shows the name typed as .Container, or the full ID without one', async () => {
    await nerdOk(['network', 'create', 'compat-net'])
    await nerdOk(['run', '-d', '--name', 'netted', '--network', 'compat-net', IMG, 'sleep', '600'])
    const id = (await nerdOk(['network', 'inspect', '-f', '{{.Id}}', 'compat-net'])).trim()
    for (const value of [id, id.slice(0, 12), 'compat-net']) {
      assert.equal(await nerdOk(['ps', '-f', `network=${value}`, '--format', '{{.Names}}']), 'netted\n', value)
    }
    assert.equal(await nerdOk(['stats', '--no-stream', '--format', '{{.Container}} {{.Name}}', 'netted']), 'netted netted\n')
    const fullId = (await nerdOk(['inspect', '-f', '{{.Id}}', 'netted'])).trim()
    assert.match(await nerdOk(['stats', '--no-stream', '--format', '{{.Container}} {{.ID}} {{.Name}}']), new RegExp(`^${fullId} ${fullId.slice(0, 12)} netted$`, 'm'))
    await nerdOk(['rm', '-f', 'netted'])
  })

  it('a container\'s size counts the bytes of the files it wrote, and a ps template showing .Size gets it without -s', async () => {
    await nerdOk(['run', '-d', '--name', 'sized', IMG, 'sleep', '600'])
    const size = () => nerdOk(['ps', '-f', 'name=sized', '--format', '{{.Size}}'])
    assert.match(await size(), /^0B \(virtual [\d.]+MB\)\n$/)
    await nerdOk(['exec', 'sized', 'sh', '-c', 'head -c 1000 /dev/zero > /written && ln /written /linked && mkdir -p /a/b'])
    assert.match(await size(), /^1kB \(virtual [\d.]+MB\)\n$/)
    assert.equal(await nerdOk(['inspect', '-s', '-f', '{{.SizeRw}}', 'sized']), '1000\n')
    await nerdOk(['rm', '-f', 'sized'])
  })

  it("the size of a container whose snapshot is gone is docker's snapshot error, not a missing container; the generic inspect without --type passes over it, as docker's", async () => {
    await nerdOk(['create', '--name', 'unsnapshotted', IMG, 'true'])
    const {Id, Driver} = await inspectContainer('unsnapshotted')
    const removed = await ctr(['snapshots', '--snapshotter', Driver, 'rm', Id])
    assert.equal(removed.code, 0, removed.stderr)
    const gone = {code: 1, stdout: '[]\n', stderr: `Error: rw layer snapshot not found for container ${Id}\n`}
    assert.deepEqual(await outcome(['container', 'inspect', '-s', 'unsnapshotted']), gone)
    assert.deepEqual(await outcome(['inspect', '--type', 'container', '-s', 'unsnapshotted']), gone)
    assert.deepEqual(await outcome(['inspect', '-s', 'unsnapshotted']), {code: 1, stdout: '[]\n', stderr: 'Error: No such object: unsnapshotted\n'})
    assert.equal(await nerdOk(['inspect', '-f', '{{.Name}}', 'unsnapshotted']), '/unsnapshotted\n')
    await nerdOk(['rm', '-f', 'unsnapshotted'])
  })

  it('ps filters on published host ports and exposed container ports and folds runs of ports as docker does', async () => {
    await nerdOk(['run', '-d', '--name', 'published', '-p', '127.0.0.1::80', '--expose', '7005', IMG, 'sleep', '600'])
    await nerdOk(['run', '-d', '--name', 'exposed', '--expose', '7000-7002', IMG, 'sleep', '600'])
    const names = (filter: string) => nerdOk(['ps', '-f', filter, '--format', '{{.Names}}'])
    const hostPort = (await nerdOk(['port', 'published', '80'])).trim().split(':').at(-1)
    assert.equal(await names(`publish=${hostPort}`), 'published\n')
    assert.equal(await names(`publish=${hostPort}/udp`), '')
    assert.equal(await names('publish=80'), '')
    assert.equal(await names('expose=7001'), 'exposed\n')
    assert.equal(await names('expose=79-80/tcp'), 'published\n')
    assert.equal(await nerdOk(['ps', '-f', 'name=exposed', '--format', '{{.Ports}}']), '7000-7002/tcp\n')
    assert.match(await nerdOk(['ps', '-f', 'name=published', '--format', '{{.Ports}}']), /^7005\/tcp, 127\.0\.0\.1:\d+->80\/tcp\n$/)
    // Inspect templates print Go structs in field order, and JSON has Go's map keys sorted.
    assert.equal(await nerdOk(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'published']), `{"7005/tcp":null,"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"${hostPort}"}]}\n`)
    assert.equal(
      await nerdOk(['inspect', '-f', '{{.NetworkSettings.Ports}} {{.HostConfig.RestartPolicy}} {{.HostConfig.PortBindings}}', 'published']),
      `map[7005/tcp:[] 80/tcp:[{127.0.0.1 ${hostPort}}]] {no 0} map[80/tcp:[{127.0.0.1 }]]\n`,
    )
    assert.match(await nerdOk(['inspect', '-f', '{{.State}}', 'published']), /^\{running true false false false false \d+ 0  \S+ 0001-01-01T00:00:00Z <nil>\}\n$/)
    const bad = await outcome(['ps', '-f', 'publish=127.0.0.1:80'])
    assert.deepEqual(bad, {code: 1, stdout: '', stderr: "Error: filter for 'publish' should not contain ':': 127.0.0.1:80\n"})
    await nerdOk(['rm', '-f', 'published', 'exposed'])
  })

  it('boolean flags take docker\'s =false and =true, long and short', async () => {
    assert.deepEqual(await outcome(['run', '--rm', '--tty=false', '--privileged=false', '--init=False', '-d=false', '-i=0', IMG, 'echo', 'hi']), {code: 0, stdout: 'hi\n', stderr: ''})
    assert.equal(await nerdOk(['run', '--rm=false', '--name', 'kept', IMG, 'true']), '')
    assert.equal(await nerdOk(['ps', '-a', '-f', 'name=kept', '--format', '{{.Names}}']), 'kept\n')
    await nerdOk(['rm', 'kept'])
    const bad = await outcome(['run', '--rm=maybe', IMG, 'true'])
    assert.equal(bad.code, 125)
    assert.equal(bad.stderr, 'invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax\nRun \'nerd run --help\' for more information\n')
  })

  it('the last of a repeated flag wins, as with docker\'s parser: values and booleans, alone or in a group', async () => {
    assert.deepEqual(await outcome(['run', '--rm', '-dw', '/tmp', '-w', '/etc', '--detach=false', IMG, 'pwd']), {code: 0, stdout: '/etc\n', stderr: ''})
    assert.equal(await nerdOk(['ps', '-a', '--format', '{{.ID}}', '-f', 'name=^web$', '--format', '{{.Names}}']), 'web\n')
  })

  it('a label given without a value is a label with an empty value, which filters and prune find by its key', async () => {
    const id = (await nerdOk(['create', '--name', 'bare-label', '--label', 'bare-label-test', IMG, 'true'])).trim()
    assert.equal(await nerdOk(['inspect', '-f', '{{json .Config.Labels}}', 'bare-label']), '{"bare-label-test":""}\n')
    assert.equal(await nerdOk(['ps', '-a', '-q', '--no-trunc', '-f', 'label=bare-label-test']), `${id}\n`)
    assert.equal(await nerdOk(['container', 'prune', '-f', '--filter', 'label=bare-label-test']), `Deleted Containers:\n${id}\n\nTotal reclaimed space: 0B\n`)
  })

  it('escapes HTML in the JSON of listing rows (json.Marshal\'s) and not in inspect\'s (the daemon\'s) nor the json function\'s, as docker', async () => {
    await nerdOk(['create', '--name', 'html-label', '--label', 'page=<a>&b', IMG, 'true'])
    try {
      assert.match(await nerdOk(['inspect', 'html-label']), /^ {16}"page": "<a>&b"$/m)
      assert.match(await nerdOk(['inspect', '--format', 'json', 'html-label']), /"page":"<a>&b"/)
      assert.equal(await nerdOk(['inspect', '-f', '{{json .Config.Labels}}', 'html-label']), '{"page":"<a>&b"}\n')
      for (const format of ['json', '{{json .}}']) {
        assert.equal(JSON.parse(await nerdOk(['ps', '-a', '--format', format, '-f', 'name=html-label'])).Labels, 'page=<a>&b')
        assert.match(await nerdOk(['ps', '-a', '--format', format, '-f', 'name=html-label']), /"Labels":"page=\\u003ca\\u003e\\u0026b"/, format)
      }
      assert.equal(await nerdOk(['ps', '-a', '--format', '{{json .Labels}}', '-f', 'name=html-label']), '"page=<a>&b"\n')
    } finally {
      await nerdOk(['rm', 'html-label'])
    }
  })

  it('refuses an --env-file or --label-file that never ends (/dev/zero) at once, instead of reading it into memory', async () => {
    for (const flag of ['--env-file', '--label-file']) {
      assert.deepEqual(await outcome(['create', flag, '/dev/zero', IMG, 'true']), {code: 125, stdout: '', stderr: 'Error: open /dev/zero: file too large (over 64 MiB)\n'})
    }
  })

  it('keeps a label bigger than containerd takes (4 KiB) as docker keeps every label: inspect shows it and ps filters on it', async () => {
    const big = 'x'.repeat(5000)
    const id = (await nerdOk(['create', '--label', `big=${big}`, '--label', 'small=1', IMG, 'true'])).trim()
    assert.equal((await inspectContainer(id)).Config.Labels.big, big)
    assert.equal((await nerdOk(['ps', '-aq', '--no-trunc', '--filter', `label=big=${big}`])).trim(), id)
    await nerdOk(['rm', id])
  })

  it('--help after the image or container is the container\'s command\'s, as in docker', async () => {
    assert.deepEqual(await outcome(['run', '--rm', IMG, 'echo', '--help']), {code: 0, stdout: '--help\n', stderr: ''})
    assert.equal(await nerdOk(['exec', 'web', 'echo', 'x', '--help']), 'x --help\n')
    assert.equal((await outcome(['run', '--rm', IMG, '--help'])).code, 127)
    assert.match(await nerdOk(['run', '--help']), /^Create and run a new container/)
  })

  it('--kernel-memory is ignored without a word as docker 28\'s daemon ignores it; --gpus fails as docker\'s daemon without a GPU driver', async () => {
    assert.deepEqual(await outcome(['run', '--rm', '--kernel-memory', '10m', '--userns', 'host', IMG, 'echo', 'hi']), {code: 0, stdout: 'hi\n', stderr: ''})
    assert.deepEqual(await outcome(['run', '--rm', '--gpus', 'all', IMG, 'true']), {code: 125, stdout: '', stderr: 'Error: could not select device driver "" with capabilities: [[gpu]]\n'})
  })

  it("--gpus values docker's CLI cannot read are refused as it reads the flag; a well-formed one as its daemon without the driver asked for", async () => {
    const refused = (value: string, reason: string) => ({code: 125, stdout: '', stderr: `invalid argument ${JSON.stringify(value)} for "--gpus" flag: ${reason}\nRun 'nerd run --help' for more information\n`})
    assert.deepEqual(await outcome(['run', '--rm', '--gpus', 'count=x', IMG, 'true']), refused('count=x', 'invalid count (x): value must be either "all" or an integer: invalid syntax'))
    assert.deepEqual(await outcome(['run', '--rm', '--gpus', 'foo=1', IMG, 'true']), refused('foo=1', "unexpected key 'foo' in 'foo=1'"))
    assert.deepEqual(await outcome(['run', '--rm', '--gpus', '1,count=2', IMG, 'true']), refused('1,count=2', "gpu request key 'count' can be specified only once"))
    assert.deepEqual(await outcome(['run', '--rm', '--gpus', 'driver=nvidia,capabilities=compute', '--gpus', 'all', IMG, 'true']), {
      code: 125,
      stdout: '',
      stderr: 'Error: could not select device driver "nvidia" with capabilities: [[compute gpu]]\n',
    })
  })

  it("-v and --storage-opt values docker's CLI refuses itself get its words, before nerd's own refusals; --use-api-socket is refused, not unknown", async () => {
    const containers = await nerdOk(['ps', '-aq'])
    const refused = (stderr: string, code = 125) => ({code, stdout: '', stderr: `Error: ${stderr}\n`})
    assert.deepEqual(await outcome(['run', '--rm', '-v', ':/x', IMG, 'true']), refused('invalid spec: :/x: empty section between colons'))
    assert.deepEqual(await outcome(['create', '-v', '/a:/b:ro:x', IMG, 'true']), refused('invalid spec: /a:/b:ro:x: too many colons'))
    assert.deepEqual(await outcome(['run', '--rm', '-v', '', IMG, 'true']), refused('invalid empty volume spec'))
    assert.deepEqual(await outcome(['create', '--storage-opt', 'size', IMG, 'true']), refused('invalid storage option'))
    assert.deepEqual(await outcome(['run', '--rm', '--storage-opt', 'size=1G', IMG, 'true']), refused("--storage-opt is supported only for overlay over xfs with 'pquota' mount option"))
    const noSocket = '--use-api-socket is not supported: nerd has no Docker API socket to mount'
    assert.deepEqual(await outcome(['run', '--rm', '--use-api-socket', IMG, 'true']), refused(noSocket))
    assert.deepEqual(await outcome(['create', '--use-api-socket', IMG, 'true']), refused(noSocket, 1))
    assert.equal(await nerdOk(['ps', '-aq']), containers)
  })

  it("run -d -a is docker's runContainer refusal, exit 1, after its flags' own; --health-retries is a Go int", async () => {
    assert.deepEqual(await outcome(['run', '-d', '-a', 'stdout', IMG, 'true']), {code: 1, stdout: '', stderr: 'Error: conflicting options: cannot specify both --attach and --detach\n'})
    assert.equal((await nerd(['run', '-d', '-a', 'stdout', '--memory', 'bogus', IMG, 'true'])).code, 125)
    const id = (await nerdOk(['create', '--health-cmd', 'true', '--health-retries', '99999999999', IMG, 'true'])).trim()
    assert.equal(await nerdOk(['inspect', '-f', '{{json .Config.Healthcheck.Retries}}', id]), '99999999999\n')
    await nerdOk(['rm', id])
  })

  it('refusals before the process starts are in docker 28\'s words: no command, capabilities, CPUs, an env file that is a directory, the platform', async () => {
    const refused = (stderr: string) => ({code: 125, stdout: '', stderr: `Error: ${stderr}\n`})
    assert.deepEqual(await outcome(['run', '--rm', '--entrypoint', '', IMG]), refused('no command specified'))
    assert.deepEqual(await outcome(['run', '--rm', '--cap-add', 'fly', IMG, 'true']), refused('invalid CapAdd: unknown capability: "CAP_FLY"'))
    assert.deepEqual(await outcome(['run', '--rm', '--cap-drop', 'fly', IMG, 'true']), refused('invalid CapDrop: unknown capability: "CAP_FLY"'))
    assert.deepEqual(await outcome(['run', '--rm', '--cpus', '1000', IMG, 'true']), refused(`range of CPUs is from 0.01 to ${availableParallelism()}.00, as there are only ${availableParallelism()} CPUs available`))
    const directory = tmpdir()
    assert.deepEqual(await outcome(['run', '--rm', '--env-file', directory, IMG, 'true']), refused(`invalid env file (${directory}): read ${directory}: is a directory`))
    assert.deepEqual(await outcome(['run', '--rm', '--platform', 'bogus', IMG, 'true']), refused('error parsing specified platform: "bogus": unknown operating system or architecture: invalid argument'))
  })

  it('sizes are go-units\': one past int64 is refused at create in docker\'s daemon\'s words, as its CLI reads it negative; 9e18 is a size', async () => {
    const containers = await nerdOk(['ps', '-aq'])
    for (const [flag, refusal] of [['--memory', 'Minimum memory limit allowed is 6MB'], ['--shm-size', 'SHM size can not be less than 0']]) {
      assert.deepEqual(await outcome(['run', '--rm', flag, '99999999999999999999999', IMG, 'true']), {code: 125, stdout: '', stderr: `Error: ${refusal}\n`})
      assert.deepEqual(await outcome(['create', flag, '1e23', IMG, 'true']), {code: 1, stdout: '', stderr: `Error: ${refusal}\n`})
    }
    assert.equal(await nerdOk(['ps', '-aq']), containers)
    await nerdOk(['create', '--name', 'huge-memory', '--memory', '9e18', '--memory-swap', '-1', IMG, 'true'])
    assert.equal(await nerdOk(['inspect', '-f', '{{json .HostConfig.Memory}}', 'huge-memory']), '9000000000000000000\n')
    await nerdOk(['rm', 'huge-memory'])
  })

  it('rename trims the names and prefixes what refuses the new one, as docker\'s; rm takes a name between slashes, and neither takes an empty one', async () => {
    await nerdOk(['create', '--name', 'renamed-from', IMG, 'true'])
    assert.deepEqual(await outcome(['rename', ' renamed-from ', ' renamed-to ']), {code: 0, stdout: '', stderr: ''})
    const refused = (reason: string) => ({code: 1, stdout: '', stderr: `Error: ${reason}\nError: failed to rename container named renamed-to\n`})
    assert.deepEqual(await outcome(['rename', 'renamed-to', 'web']), refused(`Error when allocating new name: Conflict. The container name "/web" is already in use by container "${(await inspectContainer('web')).Id}". You have to remove (or rename) that container to be able to reuse that name.`))
    assert.deepEqual(await outcome(['rename', 'renamed-to', 'a b']), refused('Error when allocating new name: Invalid container name (/a b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed'))
    assert.deepEqual(await outcome(['rename', 'renamed-to', 'renamed-to']), refused('Renaming a container with the same name as its current name'))
    for (const names of [['renamed-to', ''], ['renamed-to', ' '], ['', 'x']]) {
      assert.deepEqual(await outcome(['rename', ...names]), {code: 1, stdout: '', stderr: 'Error: Neither old nor new names may be empty\n'})
    }
    assert.deepEqual(await outcome(['rm', '', '/', '/renamed-to/']), {code: 1, stdout: '/renamed-to/\n', stderr: 'Error: container name cannot be empty\nError: container name cannot be empty\n'})
    assert.equal((await nerd(['inspect', 'renamed-to'])).code, 1)
  })

  it('--disable-content-trust is taken as docker\'s default; asking for content trust fails; --net-alias is --network-alias', async () => {
    assert.deepEqual(await outcome(['run', '--rm', '--disable-content-trust', IMG, 'echo', 'hi']), {code: 0, stdout: 'hi\n', stderr: ''})
    const refused = 'Error: nerd does not verify Docker Content Trust signatures: --disable-content-trust=false is not supported\n'
    assert.deepEqual(await outcome(['run', '--rm', '--disable-content-trust=false', IMG, 'true']), {code: 125, stdout: '', stderr: refused})
    assert.deepEqual(await outcome(['pull', '--disable-content-trust=false', IMG]), {code: 1, stdout: '', stderr: refused})
    await nerdOk(['network', 'create', 'compat-alias-net'])
    try {
      await nerdOk(['run', '-d', '--name', 'aliased', '--network', 'compat-alias-net', '--net-alias', 'svc', IMG, 'sleep', '600'])
      // nerdOk fails unless the ping reaches the alias.
      await nerdOk(['run', '--rm', '--network', 'compat-alias-net', IMG, 'ping', '-c1', '-W10', 'svc'])
    } finally {
      await nerd(['rm', '-f', 'aliased'])
      await nerd(['network', 'rm', 'compat-alias-net'])
    }
  })

  it('run -a shows only the streams named; create fails with 1 where run fails with 125', async () => {
    const script = ['sh', '-c', 'echo out; echo err >&2']
    assert.deepEqual(await outcome(['run', '--rm', '-a', 'stdout', IMG, ...script]), {code: 0, stdout: 'out\n', stderr: ''})
    assert.deepEqual(await outcome(['run', '--rm', '-a', 'stderr', IMG, ...script]), {code: 0, stdout: '', stderr: 'err\n'})
    for (const args of [['--name', 'web'], ['-w', 'relative']]) {
      assert.equal((await nerd(['create', ...args, IMG])).code, 1, args.join(' '))
      assert.equal((await nerd(['run', '--rm', ...args, IMG])).code, 125, args.join(' '))
    }
  })

  it('an exec that cannot start exits as docker\'s daemon records it (setExitCodeFromError): 127 for what is not found or not a directory (with its hint), 126 for what cannot run, else 128; an unknown -u user or bad --detach-keys 125 (docker\'s exec create refuses them); exec -u gets that user\'s HOME and --privileged the host\'s capabilities', async () => {
    const notADirectory = /not a directory: unknown: Are you trying to mount a directory onto a file \(or vice-versa\)\? Check if the specified host path exists and is the expected type\n$/
    const refusals = [
      [['web', 'nosuchcmd'], 127, /nosuchcmd.*: unknown\n$/],
      [['-w', '/nonexistent', 'web', 'pwd'], 127, /no such file or directory: unknown\n$/],
      [['-w', '/etc/passwd', 'web', 'pwd'], 127, notADirectory],
      [['web', '/etc/passwd/x'], 127, notADirectory],
      [['web', '/etc/passwd'], 126, /permission denied: unknown\n$/],
      [['-w', 'etc', 'web', 'pwd'], 128, /Cwd must be an absolute path: unknown\n$/],
    ] as const
    for (const [args, code, tail] of refusals) {
      const result = await nerd(['exec', ...args])
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, /^Error: OCI runtime exec failed: .*\n$/)
      assert.match(result.stderr, tail)
    }
    // docker's daemon looks the user up, then the detach keys, as it creates the exec: failures before
    // the process, 125. Its CLI looks for the container first.
    const noUser = {code: 125, stdout: '', stderr: 'Error: unable to find user nosuchuser: no matching entries in passwd file\n'}
    assert.deepEqual(await outcome(['exec', '-u', 'nosuchuser', 'web', 'id']), noUser)
    assert.deepEqual(await outcome(['exec', '-u', 'nosuchuser', '--detach-keys', 'foo', 'web', 'id']), noUser)
    assert.deepEqual(await outcome(['exec', '--detach-keys', 'foo', 'web', 'true']), {code: 125, stdout: '', stderr: 'Error: Invalid escape keys (foo) provided\n'})
    // As moby/term's ToBytes: DEL is a key (127), its ctrl- names lower case only.
    assert.deepEqual(await outcome(['exec', '--detach-keys', 'ctrl-A', 'web', 'true']), {code: 125, stdout: '', stderr: 'Error: Invalid escape keys (ctrl-A) provided\n'})
    assert.deepEqual(await outcome(['exec', '--detach-keys', 'ctrl-p,DEL', 'web', 'true']), {code: 0, stdout: '', stderr: ''})
    assert.deepEqual(await outcome(['exec', '--detach-keys', 'foo', 'nosuch', 'true']), {code: 125, stdout: '', stderr: 'Error: No such container: nosuch\n'})
    // exec -u runs with that user's HOME, unless one is given.
    assert.equal(await nerdOk(['exec', '-u', 'app', 'web', 'sh', '-c', 'echo $HOME']), '/home/app\n')
    assert.equal(await nerdOk(['exec', '-u', 'app', '-e', 'HOME=/tmp', 'web', 'sh', '-c', 'echo $HOME']), '/tmp\n')
    const privileged = await nerdOk(['exec', '--privileged', 'web', 'grep', 'CapEff', '/proc/self/status'])
    const host = /^CapBnd:\s*([0-9a-f]+)$/m.exec(await readFile('/proc/self/status', 'utf8'))![1]
    assert.equal(privileged, `CapEff:\t${host}\n`)
  })

  it("exec -u keeps the container's --group-add groups, as docker's daemon adds them to the exec's user", async () => {
    const id = (await nerdOk(['run', '-d', '--network', 'none', '--group-add', '3000', '--group-add', 'app', IMG, 'sleep', '600'])).trim()
    assert.equal(await nerdOk(['exec', '-u', 'nobody', id, 'id', '-G']), '65534 1000 3000\n')
    assert.equal(await nerdOk(['exec', '-u', '1234', id, 'id', '-G']), '0 1000 3000\n')
    await nerdOk(['rm', '-f', id])
  })

  it('exec -dt and -dit start the process on a terminal in the background and print nothing; -t sets TERM=xterm unless the container has a TERM; the environment is docker\'s daemon\'s for the exec', async () => {
    for (const flags of ['-dt', '-dit']) {
      assert.deepEqual(await outcome(['exec', flags, 'web', 'sh', '-c', `tty > /tmp/tty${flags}; sleep 600`]), {code: 0, stdout: '', stderr: ''}, flags)
      const tty = await until(`exec ${flags} to run`, async () => (await nerd(['exec', 'web', 'cat', `/tmp/tty${flags}`])).stdout || undefined)
      assert.match(tty, /^\/dev\/pts\/\d+\n$/, flags)
    }
    assert.equal(await nerdOk(['exec', '-t', 'web', 'sh', '-c', 'echo $TERM']), 'xterm\r\n')
    assert.equal(await nerdOk(['exec', 'web', 'sh', '-c', 'echo $TERM']), '\n')
    assert.equal(await nerdOk(['exec', '-t', '-e', 'TERM=vt100', 'web', 'sh', '-c', 'echo $TERM']), 'vt100\r\n')
    await nerdOk(['run', '-d', '--name', 'termed', '-e', 'TERM=screen', IMG, 'sleep', '600'])
    assert.equal(await nerdOk(['exec', '-t', 'termed', 'sh', '-c', 'echo $TERM']), 'screen\r\n')
    // A bare -e NAME that nerd has no value for unsets the container's NAME (docker's ReplaceOrAppendEnvValues); one nerd has replaces it.
    assert.equal(await nerdOk(['exec', '-e', 'TERM', 'termed', 'sh', '-c', 'echo ${TERM-unset}'], {env: {TERM: undefined}}), 'unset\n')
    assert.equal(await nerdOk(['exec', '-e', 'TERM', 'termed', 'sh', '-c', 'echo $TERM'], {env: {TERM: 'host'}}), 'host\n')
    // Made again as docker's daemon makes an exec's (CreateDaemonEnvironment): PATH, HOSTNAME, TERM for
    // the exec's own -t only (not the run's), the container's variables, the exec's; then runc's HOME.
    await nerdOk(['run', '-dt', '--name', 'tty-env', '--network', 'none', '-h', 'envhost', '-e', 'PATH=/bin:/usr/bin', '-e', 'MINE=1', IMG, 'sleep', '600'])
    const lines = (...entries: string[]) => entries.map((entry) => `${entry}\n`).join('')
    const container = ['PATH=/bin:/usr/bin', 'HOSTNAME=envhost']
    assert.equal(await nerdOk(['exec', 'tty-env', 'env']), lines(...container, 'MINE=1', 'HOME=/root'))
    assert.equal(await nerdOk(['exec', '-e', 'FOO=bar', '-e', 'MINE=2', 'tty-env', 'env']), lines(...container, 'MINE=2', 'FOO=bar', 'HOME=/root'))
    assert.equal(await nerdOk(['exec', '-u', 'app', '-e', 'FOO=bar', 'tty-env', 'env']), lines(...container, 'MINE=1', 'FOO=bar', 'HOME=/home/app'))
    assert.equal(await nerdOk(['exec', '-t', 'tty-env', 'env']), lines(...container, 'TERM=xterm', 'MINE=1', 'HOME=/root').replaceAll('\n', '\r\n'))
    await nerdOk(['rm', '-f', 'tty-env'])
  })

  it('a container in its restart back-off is never shown created, and exec refuses it in docker\'s words', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'looping', '--restart', 'always', IMG, 'sh', '-c', 'sleep 0.3; exit 1'])).trim()
    const statuses = new Set<string>()
    const execErrors = new Set<string>()
    const deadline = Date.now() + 5000
    // Several samplers at once, to catch the moments a restart creates and starts the new task.
    const sample = async (): Promise<void> => {
      while (Date.now() < deadline) {
        statuses.add((await nerdOk(['inspect', '-f', '{{.State.Status}}', 'looping'])).trim())
        const exec = await nerd(['exec', 'looping', 'true'])
        if (exec.stderr) execErrors.add(`${exec.code} ${exec.stderr.replace(id, '<id>')}`)
      }
    }
    await Promise.all([sample(), sample(), sample()])
    assert.deepEqual([...statuses].filter((status) => status !== 'running' && status !== 'restarting'), [])
    const restarting = '125 Error: Container <id> is restarting, wait until the container is running\n'
    assert.deepEqual([...execErrors].filter((error) => error !== restarting), [])
    // Once the back-off lasts a second or more, an exec surely meets one (one that ran meanwhile tries
    // again, as one the container's exit killed, 137, as docker's).
    await until('a long back-off', async () => ((await inspectContainer('looping')).RestartCount >= 5 ? true : undefined))
    const refused = await until('an exec during a back-off', async () => {
      const exec = await outcome(['exec', 'looping', 'true'])
      return exec.code === 0 || (exec.code === 137 && exec.stderr === '') ? undefined : exec
    })
    assert.deepEqual(refused, {code: 125, stdout: '', stderr: `Error: Container ${id} is restarting, wait until the container is running\n`})
  })

  it("a restarting container shows the count it runs again with, and how its last run ended; a running one its own StartedAt, as docker's handleContainerExit and SetRunning", async () => {
    // on-failure: containerd's restart monitor has no part in it.
    await nerdOk(['run', '-d', '--name', 'counted', '--restart', 'on-failure', '--network', 'none', IMG, 'sh', '-c', 'sleep 1; exit 7'])
    const lines: string[] = []
    const deadline = Date.now() + 8000
    const sample = async (): Promise<void> => {
      while (Date.now() < deadline) lines.push((await nerdOk(['inspect', '-f', '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}} {{.State.StartedAt}} {{.State.FinishedAt}}', 'counted'])).trim())
    }
    await Promise.all([sample(), sample()])
    const samples = lines.map((line) => {
      const [status, count, code, startedAt, finishedAt] = line.split(' ') as [string, string, string, string, string]
      return {line, status, count: Number(count), code: Number(code), started: Date.parse(startedAt), startedAt, finished: Date.parse(finishedAt)}
    })
    const countOfRun = new Map(samples.filter((one) => one.status === 'running').map((one) => [one.startedAt, one.count]))
    const restarting = samples.filter((one) => one.status === 'restarting')
    assert.ok(restarting.length > 0, lines.join('\n'))
    for (const one of restarting) {
      assert.deepEqual([one.code, one.finished > one.started], [7, true], one.line)
      if (countOfRun.has(one.startedAt)) assert.equal(one.count, countOfRun.get(one.startedAt)! + 1, one.line)
    }
    for (const one of samples.filter((one) => one.status === 'running')) assert.ok(one.started >= one.finished, one.line)
    // A stop in the back-off (the exit handler's, which has counted the restart) calls the restart off and leaves the count, as docker's.
    const id = (await inspectContainer('counted')).Id
    const due = await until('a back-off', async () => {
      const state = JSON.parse(await readFile(join(containersDir, id, 'state.json'), 'utf8'))
      return state.RestartDueAt > Date.now() + 500 ? (state.RestartCount as number) : undefined
    }, 15_000)
    assert.equal((await inspectContainer('counted')).RestartCount, due)
    await nerdOk(['stop', 'counted'])
    assert.deepEqual([(await inspectContainer('counted')).State.Status, (await inspectContainer('counted')).RestartCount], ['exited', due])
    await nerdOk(['rm', 'counted'])
  })

  it('rm -f and restart call off a restart still due: the exit handler waiting out the back-off ends at once, and the policy starts over with a short back-off, as docker\'s ResetRestartManager', async () => {
    const handlers = async (id: string): Promise<number[]> => {
      const {stdout} = await promisify(execFile)('pgrep', ['-f', `task-exit.js .* ${id}`]).catch(() => ({stdout: ''}))
      return stdout.split('\n').filter(Boolean).map(Number)
    }
    const state = async (id: string): Promise<Record<string, any>> => JSON.parse(await readFile(join(containersDir, id, 'state.json'), 'utf8'))
    // Crash loops, until each has a handler with more than 8 s of a back-off (12.8 s) to wait out.
    const ids = await Promise.all(['loop-removed', 'loop-restarted'].map(async (name) => (await nerdOk(['run', '-d', '--name', name, '--restart', 'always', '--network', 'none', IMG, 'true'])).trim()))
    const waiting = await Promise.all(
      ids.map((id) =>
        until(
          'a handler in a long back-off',
          async () => {
            const current = await state(id).catch(() => undefined)
            if (current?.RestartDelay !== 12_800 || current.RestartDueAt - Date.now() < 8000) return undefined
            const [handler, ...others] = await handlers(id)
            return handler !== undefined && others.length === 0 ? handler : undefined
          },
          60_000,
        ),
      ),
    )
    const [removed, restarted] = ids as [string, string]
    const [removedHandler, restartedHandler] = waiting as [number, number]
    // At once, not after the more than 8 s of back-off left: 5 s for a loaded machine.
    const ended = (pid: number): Promise<true> => until(`handler ${pid} to end`, async () => (existsSync(`/proc/${pid}`) ? undefined : true), 5000)

    await nerdOk(['rm', '-f', removed])
    await ended(removedHandler)
    assert.deepEqual(await handlers(removed), [])

    await nerdOk(['restart', '-t', '0', restarted])
    await ended(restartedHandler)
    // Backing off 0.1 s, 0.2 s... again: not after the old handler's 12.8 s, nor at containerd's monitor's
    // 10 s ticks (of which 9 s hold one at most, where two restarts are awaited).
    await until('restarts by policy after the restart', async () => ((await inspectContainer(restarted)).RestartCount >= 2 ? true : undefined), 9000)
    await nerdOk(['rm', '-f', restarted])
  })

  it("containerd's restart monitor does not start an exited always container ahead of its exit handler's back-off: the label goes first", async () => {
    // It fails once, when told to, then runs on.
    const id = (await nerdOk(['run', '-d', '--restart', 'always', '--network', 'none', IMG, 'sh', '-c', '[ -f /ran ] && sleep 600; touch /ran; until [ -e /tmp/go ]; do sleep 0.1; done; exit 3'])).trim()
    const pid = Number(await nerdOk(['inspect', '-f', '{{.State.Pid}}', id]))
    const monitored = async () => JSON.parse((await ctr(['containers', 'info', id])).stdout).Labels['containerd.io/restart.status']
    const task = async () => (await ctr(['tasks', 'ls'])).stdout.split('\n').find((line) => line.startsWith(id))?.split(/\s+/).slice(1).join(' ')
    // The exit handler held up (this process holds its mark, as a slow handler would), past a tick of the monitor's.
    const mark = join(containersDir, id, 'exit-handler')
    await writeFile(mark, ownerTag())
    try {
      // It exits just after a look of the monitor's: a look in the moment between the exit and the
      // exit handler's taking the label off (its start, a few hundred ms and more on a loaded
      // machine) starts it, as the handler cannot go first then.
      await restartMonitorLook()
      await writeFile(`/proc/${pid}/root/tmp/go`, '')
      await until('the exit', async () => ((await task()) === `${pid} STOPPED` ? true : undefined), 10_000)
      await new Promise((resolve) => setTimeout(resolve, 12_000))
      assert.equal(await monitored(), undefined)
      assert.equal(await task(), `${pid} STOPPED`)
    } finally {
      await rm(mark, {force: true})
    }
    // The handler carries on: the restart by policy, after its back-off.
    await until('the restart by policy', async () => ((await inspectContainer(id)).RestartCount === 1 ? true : undefined), 10_000)
    await until("the monitor's label back on the process that runs", async () => ((await monitored()) === 'running' ? true : undefined), 15_000)
    await nerdOk(['rm', '-f', id])
  })

  it("a paused container stays paused whatever its restart policy: containerd's restart monitor leaves it alone until the unpause", async () => {
    const id = (await nerdOk(['run', '-d', '--restart', 'always', '--network', 'none', IMG, 'sleep', '1000'])).trim()
    const pid = Number(await nerdOk(['inspect', '-f', '{{.State.Pid}}', id]))
    const monitored = async () => JSON.parse((await ctr(['containers', 'info', id])).stdout).Labels['containerd.io/restart.status']
    await nerdOk(['pause', id])
    assert.equal(await monitored(), undefined)
    // Past the monitor's 10 s tick, which killed a labelled paused task and started a new one.
    await new Promise((resolve) => setTimeout(resolve, 12_000))
    assert.equal((await nerdOk(['inspect', '-f', '{{.State.Status}} {{.State.Pid}} {{.RestartCount}}', id])).trim(), `paused ${pid} 0`)
    await nerdOk(['unpause', id])
    assert.equal(await monitored(), 'running')
    await nerdOk(['rm', '-f', id])
  })

  it('run -di keeps the container\'s stdin open for a later attach, across a restart too', async () => {
    await nerdOk(['run', '-d', '-i', '--name', 'reader', IMG, 'sh', '-c', 'while read line; do echo "got $line"; [ "$line" = last ] && exit 3; done'])
    await new Promise((resolve) => setTimeout(resolve, 1000))
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'reader']), 'running\n')
    const attached = await nerd(['attach', 'reader'], {input: 'first\nlast\n'})
    assert.deepEqual([attached.code, attached.stdout], [3, 'got first\ngot last\n'], attached.stderr)
    assert.equal(await nerdOk(['logs', 'reader']), 'got first\ngot last\n')
    assert.equal(await nerdOk(['start', 'reader']), 'reader\n')
    await new Promise((resolve) => setTimeout(resolve, 1000))
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'reader']), 'running\n')
    await nerdOk(['rm', '-f', 'reader'])
  })

  it('a run (or attach) passing signals on whose reader goes away (| head -1) fails at once with docker\'s error, other sessions (exec, --sig-proxy=false) die of SIGPIPE silently, as docker\'s CLI; the container finishes: its log complete, --rm applied', async () => {
    // nerd's status, and what it says on stderr.
    const pipedToHead = async (args: string[]): Promise<string> =>
      (await promisify(execFile)('bash', ['-c', `${nerdCommandLine(args)} | head -n 1; echo "status \${PIPESTATUS[0]}"`], {timeout: 20_000})).stdout
    const brokenPipe = 'Error: write /dev/stdout: broken pipe\n'
    const longOutput = 'seq 1 200000; echo finished'
    assert.equal(await pipedToHead(['run', '--rm', '--name', 'headed-rm', IMG, 'sh', '-c', `${longOutput} 2>&1`]), '1\nstatus 1\n')
    await until('the container to be removed', async () => ((await nerdOk(['ps', '-aq', '--filter', 'name=headed-rm'])) === '' ? true : undefined))
    const run = await promisify(execFile)('bash', ['-c', `${nerdCommandLine(['run', '--name', 'headed', IMG, 'sh', '-c', longOutput])} | head -n 1; echo "status \${PIPESTATUS[0]}"`], {timeout: 20_000})
    assert.deepEqual([run.stdout, run.stderr], ['1\nstatus 1\n', brokenPipe])
    const state = await until('the container to end', async () => {
      const inspected = JSON.parse(await nerdOk(['inspect', 'headed']))[0].State
      return inspected.Status === 'exited' ? inspected : undefined
    })
    assert.equal(state.ExitCode, 0)
    assert.equal(await nerdOk(['logs', '--tail', '2', 'headed']), '200000\nfinished\n')

    await nerdOk(['run', '-d', '--name', 'headed-attach', IMG, 'sh', '-c', 'while :; do seq 1 1000; sleep 0.1; done'])
    const attach = await promisify(execFile)('bash', ['-c', `${nerdCommandLine(['attach', 'headed-attach'])} | head -n 1 >/dev/null; echo "status \${PIPESTATUS[0]}"`], {timeout: 20_000})
    assert.deepEqual([attach.stdout, attach.stderr], ['status 1\n', brokenPipe])
    assert.equal((await inspectContainer('headed-attach')).State.Status, 'running')

    // Passing no signal on, docker's CLI leaves SIGPIPE to Go's runtime, which kills it at the write (status 141).
    const quiet = async (args: string[]): Promise<string[]> => {
      const piped = await promisify(execFile)('bash', ['-c', `${nerdCommandLine(args)} | head -n 1; echo "status \${PIPESTATUS[0]}"`], {timeout: 20_000})
      return [piped.stdout, piped.stderr]
    }
    assert.deepEqual(await quiet(['exec', 'headed-attach', 'sh', '-c', 'seq 1 200000; touch /exec-finished']), ['1\nstatus 141\n', ''])
    await until('the exec to finish', async () => ((await nerd(['exec', 'headed-attach', 'test', '-e', '/exec-finished'])).code === 0 ? true : undefined))
    const [attached, attachedErrors] = await quiet(['attach', '--sig-proxy=false', 'headed-attach'])
    assert.deepEqual([attached.split('\n').at(-2), attachedErrors], ['status 141', ''])
    assert.equal((await inspectContainer('headed-attach')).State.Status, 'running')
    await nerdOk(['rm', '-f', 'headed-attach'])
    assert.deepEqual(await quiet(['run', '--sig-proxy=false', '--name', 'headed-quiet', IMG, 'sh', '-c', longOutput]), ['1\nstatus 141\n', ''])
    await until('the quiet one to end', async () => ((await inspectContainer('headed-quiet')).State.Status === 'exited' ? true : undefined))
    assert.equal(await nerdOk(['logs', '--tail', '2', 'headed-quiet']), '200000\nfinished\n')
    await nerdOk(['rm', 'headed-quiet'])
  })

  it('a run and an attach without a terminal forward every signal they can catch, SIGWINCH too (docker\'s ForwardAllSignals)', async () => {
    const trapping = "trap 'echo got; exit 9' WINCH; echo ready; while :; do sleep 0.1; done"
    const forwarded = async (args: string[]): Promise<{code: number | null; output: string}> => {
      const session = spawn('sh', ['-c', `exec ${nerdCommandLine(args)}`], {stdio: ['ignore', 'pipe', 'ignore']})
      let output = ''
      session.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const ended = new Promise<number | null>((resolve) => session.once('close', resolve))
      if (args[0] === 'run') await until('the trap to be set', async () => (output.includes('ready') ? true : undefined))
      // attach shows output from its connection on, and forwards once it handles the signals (a
      // SIGWINCH before then is ignored, its default).
      else await until('attach to forward signals', async () => (catches(session.pid!, 'SIGWINCH') ? true : undefined))
      session.kill('SIGWINCH')
      return {code: await ended, output}
    }
    const run = await forwarded(['run', '--rm', '--name', 'winched', IMG, 'sh', '-c', trapping])
    assert.deepEqual([run.code, run.output], [9, 'ready\ngot\n'])
    await nerdOk(['run', '-d', '--name', 'winched-later', IMG, 'sh', '-c', trapping])
    const attached = await forwarded(['attach', 'winched-later'])
    assert.deepEqual([attached.code, attached.output], [9, 'got\n'])
    await nerdOk(['rm', 'winched-later'])
  })

  it('a run (with -t too) and an attach forwarding signals end at the third SIGINT or SIGTERM, which the container may ignore, as docker\'s CLI: its words, status 1, the container running on', async () => {
    const forcedOut = async (args: string[], name: string): Promise<void> => {
      const session = startedNerd(args)
      // SIGWINCH is caught only once nerd forwards signals.
      await until('nerd to forward signals', async () => (catches(session.pid, 'SIGWINCH') ? true : undefined))
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGINT'] as const) {
        await new Promise((resolve) => setTimeout(resolve, 300))
        session.kill(signal)
      }
      const code = await Promise.race([session.ended, new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000))])
      if (code === 'still running') session.kill('SIGKILL')
      assert.deepEqual([code, session.errors()], [1, '\ngot 3 SIGTERM/SIGINTs, forcefully exiting\n'], args.join(' '))
      // sleep, the container's first process, ignores both signals.
      assert.equal((await inspectContainer(name)).State.Status, 'running', name)
    }
    await forcedOut(['run', '--rm', '--name', 'forced', IMG, 'sleep', '600'], 'forced')
    await forcedOut(['run', '-t', '--rm', '--name', 'forced-tty', IMG, 'sleep', '600'], 'forced-tty')
    await nerdOk(['run', '-d', '--name', 'forced-attach', IMG, 'sleep', '600'])
    await forcedOut(['attach', 'forced-attach'], 'forced-attach')
    await nerdOk(['rm', '-f', 'forced', 'forced-tty', 'forced-attach'])
  })

  it('exec passes no signal to its process, as docker\'s: SIGINT or SIGTERM ends the exec quietly with status 0 and the process goes on, its output no longer shown', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const marker = `/tmp/exec-${signal}`
      const session = startedNerd(['exec', 'web', 'sh', '-c', `trap "echo got; exit 3" TERM INT; echo ready; sleep 2; echo done > ${marker}; echo later`])
      await until('the exec to run', async () => (session.output().includes('ready') ? true : undefined))
      session.kill(signal)
      assert.deepEqual([await session.ended, session.output(), session.errors()], [0, 'ready\n', ''], signal)
      // The process was not signalled: it goes on to its end.
      assert.equal(await until('the exec to finish', async () => (await nerd(['exec', 'web', 'cat', marker])).stdout || undefined), 'done\n', signal)
    }
  })

  it('a run -t passes on a SIGHUP that no closed terminal sent (nerd has none), as docker\'s, and goes on to the container\'s end, --rm removing it', async () => {
    // A closed terminal's hang-up: container-tty.test.ts. It ends once told to, after the hang-up.
    const session = startedNerd(['run', '-t', '--rm', '--name', 'hangup', IMG, 'sh', '-c', 'trap "echo hung up" HUP; echo ready; until [ -e /tmp/go ]; do sleep 0.1; done; echo done'])
    await until('the trap to be set', async () => (session.output().includes('ready') ? true : undefined))
    session.kill('SIGHUP')
    await until('the hang-up to reach the container', async () => (session.output().includes('hung up') ? true : undefined))
    await nerdOk(['exec', 'hangup', 'touch', '/tmp/go'])
    assert.deepEqual([await session.ended, session.output(), session.errors()], [0, 'ready\r\nhung up\r\ndone\r\n', ''])
    assert.equal(await nerdOk(['ps', '-aq', '--filter', 'name=hangup']), '')
  })

  it('a foreground run whose nerd is SIGKILLed is seen out by the next command: --rm removes it at its exit, its name is free, a kept one has no task left', async () => {
    const killedRun = async (args: string[]): Promise<void> => {
      const session = spawn('sh', ['-c', `exec ${nerdCommandLine(['run', ...args])}`], {stdio: 'ignore'})
      const ended = new Promise<unknown>((resolve) => session.once('exit', resolve))
      const name = args[args.indexOf('--name') + 1]!
      await until('the container to run', async () => ((await nerdOk(['ps', '-q', '--filter', `name=${name}`])) === '' ? undefined : true))
      session.kill('SIGKILL')
      await ended
    }
    // Running when the next command lists it: it runs on, and goes when it ends (once told to).
    await killedRun(['--rm', '--name', 'killed-running', IMG, 'sh', '-c', 'until [ -e /tmp/go ]; do sleep 0.1; done'])
    assert.match(await nerdOk(['ps', '--format', '{{.Names}} {{.Status}}', '--filter', 'name=killed-running']), /^killed-running Up /)
    await nerdOk(['exec', 'killed-running', 'touch', '/tmp/go'])
    await until('the container to be removed', async () => ((await nerdOk(['ps', '-aq', '--filter', 'name=killed-running'])) === '' ? true : undefined))
    // Exited before any command looked: its name is free for the next run, as docker's daemon would have removed it.
    await killedRun(['--rm', '--name', 'killed-exited', IMG, 'sleep', '1'])
    // Its exit seen through ctr, which no nerd command would count as a look.
    const exitedId = (await ctr(['containers', 'ls', '-q', 'labels."nerd/name"==killed-exited'])).stdout.trim()
    assert.match(exitedId, /^[0-9a-f]{64}$/)
    await until('its process to exit', async () => ((await ctr(['tasks', 'ls'])).stdout.split('\n').some((line) => line.startsWith(`${exitedId} `) && line.includes('RUNNING')) ? undefined : true))
    assert.equal(await nerdOk(['run', '--rm', '--name', 'killed-exited', IMG, 'echo', 'again']), 'again\n')
    assert.equal(await nerdOk(['ps', '-aq', '--filter', 'name=killed-exited']), '')
    // Without --rm it stays, exited, and nothing of its task runs on.
    await killedRun(['--name', 'killed-kept', IMG, 'sh', '-c', 'sleep 1; exit 3'])
    await nerdOk(['ps', '-a'])
    const state = await until('the container to end', async () => {
      const inspected = JSON.parse(await nerdOk(['inspect', 'killed-kept']))[0].State
      return inspected.Status === 'exited' ? inspected : undefined
    })
    assert.equal(state.ExitCode, 3)
    const id = (await nerdOk(['inspect', '--format', '{{.Id}}', 'killed-kept'])).trim()
    await until('its task to be deleted', async () => ((await ctr(['tasks', 'ls', '-q'])).stdout.includes(id) ? undefined : true))
    await nerdOk(['rm', 'killed-kept'])
  })

  it('container prune goes on past a container it cannot remove, says so, and lists what it removed', async () => {
    const stuck = (await nerdOk(['create', '--name', 'prune-stuck', '--label', 'prune-past=1', IMG, 'true'])).trim()
    const pruned = (await nerdOk(['create', '--name', 'prune-past', '--label', 'prune-past=1', IMG, 'true'])).trim()
    // A mount in its state directory: the directory cannot be removed.
    const busy = join(fileDataRoot(), 'containers', fileNamespace(), stuck, 'busy')
    await promisify(execFile)('mkdir', ['-p', busy])
    await promisify(execFile)('mount', ['-t', 'tmpfs', 'tmpfs', busy])
    try {
      const result = await outcome(['container', 'prune', '-f', '--filter', 'label=prune-past=1'])
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, new RegExp(`^Deleted Containers:\n${pruned}\n`))
      assert.match(result.stderr, new RegExp(`^WARNING: failed to prune container ${stuck}: .*\n$`))
    } finally {
      await promisify(execFile)('umount', [busy])
    }
    await nerdOk(['rm', '-f', stuck])
  })

  it('start -a of a container created with --rm removes it at its exit, as docker\'s daemon does', async () => {
    await nerdOk(['create', '--rm', '--name', 'started-rm', IMG, 'sh', '-c', 'echo hi; exit 4'])
    assert.deepEqual(await outcome(['start', '-a', 'started-rm']), {code: 4, stdout: 'hi\n', stderr: ''})
    assert.equal(await nerdOk(['ps', '-aq', '--filter', 'name=started-rm']), '')
  })

  it('a container joining another\'s namespaces starts again after that one restarted, and fails with 1 while it is stopped', async () => {
    await nerdOk(['run', '-d', '--name', 'owner', IMG, 'sleep', '600'])
    await nerdOk(['run', '-d', '--name', 'joiner', '--network', 'container:owner', '--pid', 'container:owner', IMG, 'sleep', '600'])
    await nerdOk(['restart', '-t', '0', 'owner'])
    assert.equal(await nerdOk(['restart', '-t', '0', 'joiner']), 'joiner\n')
    const pidOf = async (name: string): Promise<number> => JSON.parse(await nerdOk(['inspect', name]))[0].State.Pid
    const [owner, joiner] = [await pidOf('owner'), await pidOf('joiner')]
    for (const type of ['net', 'pid']) assert.equal(await readlink(`/proc/${joiner}/ns/${type}`), await readlink(`/proc/${owner}/ns/${type}`), type)
    await nerdOk(['stop', '-t', '0', 'owner'])
    // docker's daemon names the container restarted as given, then why its start failed.
    const refused = 'Error: Cannot restart container joiner: cannot join network namespace of a non running container: container owner is exited\n'
    assert.deepEqual(await outcome(['restart', '-t', '0', 'joiner']), {code: 1, stdout: '', stderr: refused})
    // docker's CLI restarts the others, and says each failure, with no closing line.
    const bystander = (await nerdOk(['run', '-d', '--name', 'bystander', IMG, 'sleep', '600'])).trim()
    assert.deepEqual(await outcome(['restart', '-t', '0', 'joiner', bystander.slice(0, 12), 'nosuch']), {
      code: 1,
      stdout: `${bystander.slice(0, 12)}\n`,
      stderr: `${refused}Error: No such container: nosuch\n`,
    })
    await nerdOk(['rm', '-f', 'joiner', 'owner', 'bystander'])
  })

  it('create and run record the container whose namespaces they join by its full ID, as docker\'s daemon: renamed, it is still the one each start joins', async () => {
    const ownerId = (await nerdOk(['run', '-d', '--name', 'named-owner', '--ipc', 'shareable', IMG, 'sleep', '600'])).trim()
    await nerdOk(['create', '--name', 'id-joiner', '--network', 'container:named-owner', '--pid', `container:${ownerId.slice(0, 12)}`, '--ipc', 'container:named-owner', IMG, 'sleep', '600'])
    await nerdOk(['run', '-d', '--name', 'id-runner', '--network', 'container:named-owner', '--pid', 'container:named-owner', '--ipc', `container:${ownerId}`, IMG, 'sleep', '600'])
    const modes = '{{.HostConfig.NetworkMode}} {{.HostConfig.PidMode}} {{.HostConfig.IpcMode}}'
    for (const name of ['id-joiner', 'id-runner']) assert.equal(await nerdOk(['inspect', '-f', modes, name]), `container:${ownerId} container:${ownerId} container:${ownerId}\n`, name)
    await nerdOk(['rename', 'named-owner', 'renamed-owner'])
    assert.equal(await nerdOk(['start', 'id-joiner']), 'id-joiner\n')
    assert.equal(await nerdOk(['restart', '-t', '0', 'id-runner']), 'id-runner\n')
    const pidOf = async (name: string): Promise<number> => JSON.parse(await nerdOk(['inspect', name]))[0].State.Pid
    const owner = await pidOf('renamed-owner')
    for (const name of ['id-joiner', 'id-runner']) {
      const joiner = await pidOf(name)
      for (const type of ['net', 'pid', 'ipc']) assert.equal(await readlink(`/proc/${joiner}/ns/${type}`), await readlink(`/proc/${owner}/ns/${type}`), `${name} ${type}`)
    }
    // Its refusals name it as docker's do: the network's by its name now, the others' by its ID.
    await nerdOk(['stop', '-t', '0', 'renamed-owner'])
    assert.deepEqual(await outcome(['restart', '-t', '0', 'id-joiner']), {
      code: 1,
      stdout: '',
      stderr: 'Error: Cannot restart container id-joiner: cannot join network namespace of a non running container: container renamed-owner is exited\n',
    })
    await nerdOk(['create', '--name', 'ipc-id-joiner', '--ipc', 'container:renamed-owner', IMG, 'true'])
    assert.deepEqual(await outcome(['start', 'ipc-id-joiner']), {
      code: 1,
      stdout: '',
      stderr: `Error: failed to join IPC namespace: container ${ownerId} is not running\nError: failed to start containers: ipc-id-joiner\n`,
    })
    // A joiner an older nerd created names the container as it was given: looked up by that name still.
    await nerdOk(['start', 'renamed-owner'])
    const record = join(containersDir, (await nerdOk(['inspect', '-f', '{{.Id}}', 'id-joiner'])).trim(), 'config.json')
    const recorded = JSON.parse(await readFile(record, 'utf8'))
    for (const mode of ['NetworkMode', 'PidMode', 'IpcMode']) recorded.HostConfig[mode] = 'container:renamed-owner'
    await writeFile(record, JSON.stringify(recorded))
    assert.equal(await nerdOk(['restart', '-t', '0', 'id-joiner']), 'id-joiner\n')
    const [renamedOwner, oldJoiner] = [await pidOf('renamed-owner'), await pidOf('id-joiner')]
    for (const type of ['net', 'pid', 'ipc']) assert.equal(await readlink(`/proc/${oldJoiner}/ns/${type}`), await readlink(`/proc/${renamedOwner}/ns/${type}`), type)
    await nerdOk(['rm', '-f', 'id-joiner', 'id-runner', 'ipc-id-joiner', 'renamed-owner'])
  })

  it('create joins the namespaces of a container not started yet, as docker\'s; started after it, the joiner is in its namespaces with what a joiner made while it runs gets', async () => {
    await nerdOk(['create', '--name', 'late-owner', '--ipc', 'shareable', IMG, 'sleep', '600'])
    const joins = ['--network', 'container:late-owner', '--pid', 'container:late-owner', '--ipc', 'container:late-owner']
    await nerdOk(['create', '--name', 'early-joiner', ...joins, IMG, 'sleep', '600'])
    assert.deepEqual(await outcome(['start', 'early-joiner']), {
      code: 1,
      stdout: '',
      stderr: 'Error: cannot join network namespace of a non running container: container late-owner is created\nError: failed to start containers: early-joiner\n',
    })
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'early-joiner']), 'created\n')
    await nerdOk(['start', 'late-owner'])
    await nerdOk(['exec', 'late-owner', 'sh', '-c', 'echo shared > /dev/shm/marker'])
    assert.equal(await nerdOk(['start', 'early-joiner']), 'early-joiner\n')
    const pidOf = async (name: string): Promise<number> => JSON.parse(await nerdOk(['inspect', name]))[0].State.Pid
    const [owner, joiner] = [await pidOf('late-owner'), await pidOf('early-joiner')]
    for (const type of ['net', 'pid', 'ipc']) assert.equal(await readlink(`/proc/${joiner}/ns/${type}`), await readlink(`/proc/${owner}/ns/${type}`), type)
    const seen = 'readlink /proc/self/ns/net /proc/self/ns/ipc; hostname; echo $HOSTNAME; cat /etc/hosts /etc/resolv.conf /dev/shm/marker'
    const madeWhileRunning = await nerdOk(['run', '--rm', ...joins, IMG, 'sh', '-c', seen])
    assert.match(madeWhileRunning, /\nshared\n$/)
    assert.equal(await nerdOk(['exec', 'early-joiner', 'sh', '-c', seen]), madeWhileRunning)
    // A paused container still runs, to docker: its namespaces can be joined.
    await nerdOk(['pause', 'late-owner'])
    assert.equal(await nerdOk(['run', '--rm', '--network', 'container:late-owner', IMG, 'readlink', '/proc/self/ns/net']), `${await readlink(`/proc/${owner}/ns/net`)}\n`)
    await nerdOk(['unpause', 'late-owner'])
    await nerdOk(['rm', '-f', 'early-joiner', 'late-owner'])
  })

  it('start and run of a container joining one that does not run fail in docker\'s words for each namespace and leave it created, to start once that one runs', async () => {
    const ownerId = (await nerdOk(['run', '-d', '--name', 'stopped-owner', '--ipc', 'shareable', IMG, 'sleep', '600'])).trim()
    await nerdOk(['run', '--name', 'ran-joiner', '--network', 'container:stopped-owner', IMG, 'true'])
    await nerdOk(['stop', '-t', '0', 'stopped-owner'])
    for (const [type, name] of [['pid', 'pid-joiner'], ['ipc', 'ipc-joiner']]) {
      await nerdOk(['create', '--name', name!, `--${type}`, 'container:stopped-owner', IMG, 'sleep', '600'])
      assert.deepEqual(await outcome(['start', name!]), {
        code: 1,
        stdout: '',
        stderr: `Error: failed to join ${type!.toUpperCase()} namespace: container ${ownerId} is not running\nError: failed to start containers: ${name}\n`,
      })
    }
    const refused = 'Error: cannot join network namespace of a non running container: container stopped-owner is exited\n'
    // As docker's run, whose start fails after the create: the container stays, but for --rm.
    assert.deepEqual(await outcome(['run', '-d', '--name', 'run-joiner', '--network', 'container:stopped-owner', IMG, 'sleep', '600']), {code: 125, stdout: '', stderr: refused})
    assert.deepEqual(await outcome(['run', '--rm', '--name', 'run-rm-joiner', '--network', 'container:stopped-owner', IMG, 'true']), {code: 125, stdout: '', stderr: refused})
    assert.equal((await nerd(['inspect', 'run-rm-joiner'])).code, 1, 'run --rm left its container behind')
    // docker's daemon records its exitUnknown for a failed start of a container whose code was 0; its
    // list still says Created of one never started, and the code of one that ran.
    assert.deepEqual(await outcome(['start', 'ran-joiner']), {code: 1, stdout: '', stderr: `${refused}Error: failed to start containers: ran-joiner\n`})
    const joiners = ['pid-joiner', 'ipc-joiner', 'run-joiner']
    for (const name of joiners) {
      assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name]), 'created 128\n', name)
      assert.equal(await nerdOk(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.Status}}']), 'Created\n', name)
    }
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'ran-joiner']), 'exited 128\n')
    assert.match(await nerdOk(['ps', '-a', '--filter', 'name=^ran-joiner$', '--format', '{{.Status}}']), /^Exited \(128\) .* ago\n$/)
    await nerdOk(['start', 'stopped-owner'])
    assert.equal(await nerdOk(['start', ...joiners]), `${joiners.join('\n')}\n`)
    for (const name of joiners) assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}', name]), 'running 0 \n', name)
    const pidOf = async (name: string): Promise<number> => JSON.parse(await nerdOk(['inspect', name]))[0].State.Pid
    const owner = await pidOf('stopped-owner')
    for (const [name, type] of [['pid-joiner', 'pid'], ['ipc-joiner', 'ipc'], ['run-joiner', 'net']]) {
      assert.equal(await readlink(`/proc/${await pidOf(name!)}/ns/${type}`), await readlink(`/proc/${owner}/ns/${type}`), name)
    }
    await nerdOk(['rm', '-f', ...joiners, 'ran-joiner', 'stopped-owner'])
    assert.deepEqual(await outcome(['create', '--network', 'container:stopped-owner', IMG, 'true']), {code: 1, stdout: '', stderr: 'Error: No such container: stopped-owner\n'})
  })

  it('--ipc container:X of an X whose IPC is private (the default) or none is created, and its start refused after X\'s running in docker\'s words', async () => {
    const privateId = (await nerdOk(['create', '--name', 'private-ipc', IMG, 'sleep', '600'])).trim()
    const noneId = (await nerdOk(['run', '-d', '--name', 'no-ipc', '--ipc', 'none', IMG, 'sleep', '600'])).trim()
    await nerdOk(['create', '--name', 'private-joiner', '--ipc', 'container:private-ipc', IMG, 'sleep', '600'])
    const refusedStart = (reason: string) => ({code: 1, stdout: '', stderr: `Error: failed to join IPC namespace: ${reason}\nError: failed to start containers: private-joiner\n`})
    assert.deepEqual(await outcome(['start', 'private-joiner']), refusedStart(`container ${privateId} is not running`))
    await nerdOk(['start', 'private-ipc'])
    const nonShareable = (id: string) => `container ${id}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`
    assert.deepEqual(await outcome(['start', 'private-joiner']), refusedStart(nonShareable(privateId)))
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}', 'private-joiner']), `created 128 failed to join IPC namespace: ${nonShareable(privateId)}\n`)
    // As docker's run, whose start fails after the create: the container stays, but for --rm.
    const refusedRun = {code: 125, stdout: '', stderr: `Error: failed to join IPC namespace: ${nonShareable(noneId)}\n`}
    assert.deepEqual(await outcome(['run', '-d', '--name', 'none-joiner', '--ipc', 'container:no-ipc', IMG, 'sleep', '600']), refusedRun)
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'none-joiner']), 'created\n')
    assert.deepEqual(await outcome(['run', '--rm', '--name', 'none-rm-joiner', '--ipc', 'container:no-ipc', IMG, 'true']), refusedRun)
    assert.equal((await nerd(['inspect', 'none-rm-joiner'])).code, 1, 'run --rm left its container behind')
    await nerdOk(['rm', '-f', 'private-joiner', 'none-joiner', 'private-ipc', 'no-ipc'])
  })

  it('start of a container joining one since removed says which namespace it failed to join, as docker\'s daemon: IPC\'s and PID\'s, not the network\'s', async () => {
    const ownerId = (await nerdOk(['create', '--name', 'removed-owner', '--ipc', 'shareable', IMG, 'sleep', '600'])).trim()
    for (const type of ['network', 'ipc', 'pid']) await nerdOk(['create', '--name', `${type}-orphan`, `--${type}`, 'container:removed-owner', IMG, 'sleep', '600'])
    await nerdOk(['rm', 'removed-owner'])
    for (const [type, prefix] of [['network', ''], ['ipc', 'failed to join IPC namespace: '], ['pid', 'failed to join PID namespace: ']]) {
      assert.deepEqual(await outcome(['start', `${type}-orphan`]), {
        code: 1,
        stdout: '',
        stderr: `Error: ${prefix}No such container: ${ownerId}\nError: failed to start containers: ${type}-orphan\n`,
      })
      assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', `${type}-orphan`]), 'created 128\n', type)
    }
    await nerdOk(['rm', 'network-orphan', 'ipc-orphan', 'pid-orphan'])
  })

  it('run --platform of another platform than the local image\'s does not run that image: --pull never fails as docker\'s daemon does', async () => {
    const [host, other] = process.arch === 'x64' ? ['linux/amd64', 'linux/arm64'] : ['linux/arm64', 'linux/amd64']
    assert.equal(await nerdOk(['run', '--rm', '--platform', host, '--pull', 'never', IMG, 'echo', 'hi']), 'hi\n')
    assert.deepEqual(await outcome(['run', '--rm', '--platform', other, '--pull', 'never', IMG, 'echo', 'hi']), {
      code: 125,
      stdout: '',
      stderr: `Error: image with reference ${IMG} was found but its platform (${host}) does not match the specified platform (${other})\n`,
    })
  })

  it('limits a block device\'s rates and allows devices by cgroup rule, as docker\'s flags ask; bad values get docker\'s words', async (context) => {
    // What the container sees is cgroup v1's files.
    if (!statSync('/sys/fs/cgroup/devices', {throwIfNoEntry: false})) return context.skip('the host has no cgroup v1 devices controller')
    const rules = await nerdOk(['run', '--rm', '--device-cgroup-rule', 'c 42:* rm', IMG, 'cat', '/sys/fs/cgroup/devices/devices.list'])
    assert.match(rules, /^c 42:\* rm$/m)
    const invalid = await outcome(['run', '--rm', '--device-read-bps', 'sda:1mb', IMG, 'true'])
    const usage = "\nRun 'nerd run --help' for more information\n"
    assert.deepEqual([invalid.code, invalid.stderr], [125, `invalid argument "sda:1mb" for "--device-read-bps" flag: bad format for device path: sda:1mb${usage}`])
    const rule = await outcome(['run', '--rm', '--device-cgroup-rule', 'x 1:3 r', IMG, 'true'])
    assert.deepEqual([rule.code, rule.stderr], [125, `invalid argument "x 1:3 r" for "--device-cgroup-rule" flag: invalid device cgroup format 'x 1:3 r'${usage}`])
    const device = readdirSync('/dev').map((name) => `/dev/${name}`).find((path) => statSync(path, {throwIfNoEntry: false})?.isBlockDevice())
    if (!device) return context.skip('no block device on this machine')
    const {rdev} = statSync(device)
    const numbers = `${Math.floor(rdev / 256) & 0xfff}:${(rdev & 0xff) | ((rdev >> 12) & 0xfff00)}`
    const limits = await nerdOk(['run', '--rm', '--device-read-bps', `${device}:1mb`, '--device-write-iops', `${device}:100`, IMG, 'cat', '/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device', '/sys/fs/cgroup/blkio/blkio.throttle.write_iops_device'])
    assert.equal(limits, `${numbers} 1048576\n${numbers} 100\n`)
  })

  it('--blkio-weight and --blkio-weight-device are dropped with docker\'s warnings where the host\'s blkio cgroup has no file for them, kept where it has', async (context) => {
    // cgroup v1's files: a host without CFQ (or BFQ's own files only) has no blkio.weight_device, where runc's write failed the start.
    if (!statSync('/sys/fs/cgroup/blkio', {throwIfNoEntry: false})) return context.skip('the host has no cgroup v1 blkio controller')
    const device = readdirSync('/dev').map((name) => `/dev/${name}`).find((path) => statSync(path, {throwIfNoEntry: false})?.isBlockDevice())
    if (!device) return context.skip('no block device on this machine')
    const has = (file: string) => existsSync(`/sys/fs/cgroup/blkio/blkio.${file}`)
    const result = await outcome(['run', '--name', 'weighted', '--blkio-weight', '300', '--blkio-weight-device', `${device}:200`, IMG, 'true'])
    const warnings = [
      ...(has('weight') ? [] : ['WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\n']),
      ...(has('weight_device') ? [] : ['WARNING: Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.\n']),
    ]
    assert.deepEqual(result, {code: 0, stdout: '', stderr: warnings.join('')})
    const {Id, HostConfig} = await inspectContainer('weighted')
    assert.deepEqual([HostConfig.BlkioWeight, HostConfig.BlkioWeightDevice], [has('weight') ? 300 : 0, has('weight_device') ? [{Path: device, Weight: 200}] : []])
    // update checks its weight as docker's daemon does; its client prints the warnings on stdout after every name, without a prefix.
    const short = Id.slice(0, 12)
    const updateWarning = has('weight') ? '' : warnings[0]!.replace(/^WARNING: /, '').repeat(2)
    assert.deepEqual(await outcome(['update', '--blkio-weight', '400', 'weighted', short]), {code: 0, stdout: `weighted\n${short}\n${updateWarning}`, stderr: ''})
    assert.equal((await inspectContainer('weighted')).HostConfig.BlkioWeight, has('weight') ? 400 : 0)
    await nerdOk(['rm', 'weighted'])
  })

  it('a client call given an aborted signal is never made, so a process that closes its client exits at once', async () => {
    // grpc-js went on with a call cancelled before it had started it: a Tasks.Wait on a running
    // container kept the process alive until the container ended.
    const id = (await nerdOk(['inspect', '-f', '{{.Id}}', 'web'])).trim()
    const script = [
      `import {connect} from ${JSON.stringify(fileURLToPath(new URL('../../src/containerd/index.ts', import.meta.url)))}`,
      `const client = await connect({address: ${JSON.stringify(testEnvironment.address)}, namespace: ${JSON.stringify(fileNamespace())}})`,
      // On a connection in use, as a command's later calls are.
      `await client.namespaces.list()`,
      `const outcome = await client.tasks.wait(${JSON.stringify(id)}, {signal: AbortSignal.abort()}).then(() => 'waited', (error) => error.name)`,
      `client.close()`,
      `console.log(outcome)`,
    ].join('\n')
    const {stdout} = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {timeout: 10_000})
    assert.equal(stdout, 'AbortError\n')
  })

  it('a container whose config.json or state.json nerd cannot use is left out of ps and prune with a warning naming the file; inspect and logs fail on one line, start on its own then docker\'s closing one; rm -f removes it', async () => {
    const made = async (args: string[]) => (await nerdOk(args)).trim()
    const spoilt = {
      garbled: {id: await made(['create', '--name', 'spoilt-garbled', IMG, 'sleep', '600']), file: 'config.json', content: 'garbage{\n'},
      empty: {id: await made(['create', '--name', 'spoilt-empty', IMG, 'sleep', '600']), file: 'state.json', content: ''},
      truncated: {id: await made(['run', '-d', '--name', 'spoilt-truncated', IMG, 'sleep', '600']), file: 'state.json', content: '['},
      shape: {id: await made(['create', '--name', 'spoilt-shape', IMG, 'sleep', '600']), file: 'config.json', content: '{"Config": 5}'},
    }
    const fileOf = ({id, file}: {id: string; file: string}) => join(containersDir, id, file)
    for (const each of Object.values(spoilt)) await writeFile(fileOf(each), each.content)
    const problem = {
      garbled: `invalid container record ${fileOf(spoilt.garbled)}: Unexpected token 'g', "garbage{\\n" is not valid JSON`,
      empty: `invalid container state ${fileOf(spoilt.empty)}: the file is empty`,
      truncated: `invalid container state ${fileOf(spoilt.truncated)}: Unexpected end of JSON input`,
      shape: `invalid container record ${fileOf(spoilt.shape)}: Id is missing`,
    }
    await nerdOk(['create', '--name', 'spoilt-neighbour', '--label', 'spoilt-test=1', IMG, 'true'])

    const listed = await nerd(['ps', '-a', '--format', '{{.Names}}'])
    assert.equal(listed.code, 0, listed.stderr)
    assert.ok(listed.stdout.split('\n').includes('web') && listed.stdout.split('\n').includes('spoilt-neighbour'), listed.stdout)
    assert.doesNotMatch(listed.stdout, /spoilt-(garbled|empty|truncated|shape)/)
    const expected = Object.entries(spoilt).map(([key, {id}]) => `WARNING: left out container ${id.slice(0, 12)} (nerd rm -f removes it): ${problem[key as keyof typeof spoilt]}`)
    assert.deepEqual(listed.stderr.split('\n').filter(Boolean).sort(), expected.sort())
    // The others are pruned all the same.
    const pruned = await nerd(['container', 'prune', '-f', '--filter', 'label=spoilt-test'])
    assert.equal(pruned.code, 0, pruned.stderr)
    assert.match(pruned.stdout, /^Deleted Containers:\n[0-9a-f]{64}\n/)

    assert.deepEqual(await outcome(['inspect', 'spoilt-garbled']), {code: 1, stdout: '[]\n', stderr: `Error: ${problem.garbled}\n`})
    assert.deepEqual(await outcome(['start', 'spoilt-shape']), {code: 1, stdout: '', stderr: `Error: ${problem.shape}\nError: failed to start containers: spoilt-shape\n`})
    assert.deepEqual(await outcome(['logs', 'spoilt-shape']), {code: 1, stdout: '', stderr: `Error: ${problem.shape}\n`})
    assert.deepEqual(await outcome(['inspect', 'spoilt-empty']), {code: 1, stdout: '[]\n', stderr: `Error: ${problem.empty}\n`})

    // By name or ID, running or not: containerd's container, task and snapshot go, and nerd's files and name.
    assert.deepEqual(await outcome(['rm', '-f', 'spoilt-garbled', spoilt.empty.id, 'spoilt-truncated']), {code: 0, stdout: `spoilt-garbled\n${spoilt.empty.id}\nspoilt-truncated\n`, stderr: ''})
    assert.deepEqual(await outcome(['rm', 'spoilt-shape']), {code: 0, stdout: 'spoilt-shape\n', stderr: ''})
    const ids = Object.values(spoilt).map(({id}) => id)
    const [containers, tasks, snapshots] = await Promise.all([ctr(['containers', 'ls', '-q']), ctr(['tasks', 'ls', '-q']), ctr(['snapshots', 'ls'])])
    for (const id of ids) assert.ok(![containers.stdout, tasks.stdout, snapshots.stdout].some((listing) => listing.includes(id)), `${id} is left in containerd`)
    assert.deepEqual(readdirSync(containersDir).filter((entry) => ids.some((id) => entry.includes(id))), [])
    assert.deepEqual((await nerd(['ps', '-a'])).stderr, '')
    await nerdOk(['create', '--name', 'spoilt-garbled', IMG, 'true'])
    await nerdOk(['rm', 'spoilt-garbled'])
  })

  it('rm -f of the name a create killed before its record left removes the name with the rest, and a name whose container has nothing left at all', async () => {
    const namesDir = join(fileDataRoot(), 'names', fileNamespace())
    const halfMade = 'b'.repeat(64)
    const gone = 'c'.repeat(64)
    // What a create killed after it took its name leaves: its state directory, without a record, and the name.
    await mkdir(join(containersDir, halfMade), {recursive: true})
    await mkdir(namesDir, {recursive: true})
    await writeFile(join(namesDir, 'killed-create'), halfMade)
    // A name alone, which rm of such a create by an older nerd left.
    await writeFile(join(namesDir, 'killed-alone'), gone)
    assert.deepEqual(await outcome(['rm', '-f', 'killed-create', 'killed-alone']), {code: 0, stdout: 'killed-create\nkilled-alone\n', stderr: ''})
    assert.deepEqual(readdirSync(namesDir).filter((name) => name.startsWith('killed-')), [])
    assert.ok(!existsSync(join(containersDir, halfMade)))
    assert.deepEqual(await outcome(['rm', '-f', 'killed-alone']), {code: 0, stdout: '', stderr: 'Error: No such container: killed-alone\n'})
  })

  it('a container nerd has a record of and containerd has not (a create killed half-way) is listed by ps -a, holds its name until removed, and prune removes it', async () => {
    const kept = (await nerdOk(['create', '--name', 'unregistered-kept', IMG, 'true'])).trim()
    const pruned = (await nerdOk(['create', '--name', 'unregistered-pruned', '--label', 'unregistered-test=1', IMG, 'true'])).trim()
    for (const id of [kept, pruned]) assert.equal((await ctr(['containers', 'rm', id])).code, 0)
    assert.equal(await nerdOk(['ps', '-a', '--no-trunc', '--format', '{{.Names}} {{.ID}}', '--filter', 'name=unregistered-']), `unregistered-pruned ${pruned}\nunregistered-kept ${kept}\n`)
    const conflict = await nerd(['create', '--name', 'unregistered-kept', IMG, 'true'])
    assert.match(conflict.stderr, new RegExp(`already in use by container "${kept}"`))
    assert.match(await nerdOk(['container', 'prune', '-f', '--filter', 'label=unregistered-test=1']), new RegExp(`^Deleted Containers:\n${pruned}\n`))
    assert.equal(await nerdOk(['rm', 'unregistered-kept']), 'unregistered-kept\n')
    assert.equal(await nerdOk(['ps', '-aq', '--filter', 'name=unregistered-']), '')
    await nerdOk(['rm', (await nerdOk(['create', '--name', 'unregistered-kept', IMG, 'true'])).trim()])
  })

  it('ps -a sweeps the state directory a create killed before its record left, which nothing else lists', async () => {
    const halfMade = 'd'.repeat(64)
    await mkdir(join(containersDir, halfMade), {recursive: true})
    await writeFile(join(containersDir, halfMade, 'hostname'), 'half-made\n')
    assert.deepEqual((await nerd(['ps', '-a'])).stderr, '')
    assert.ok(!existsSync(join(containersDir, halfMade)), 'the state directory is left')
    assert.deepEqual(readdirSync(containersDir).filter((entry) => entry.includes(halfMade)), [])
  })

  it('a container whose removal was cut short after containerd\'s container went is dead, to ps, inspect and logs alike; the commands refuse it as docker\'s refuse a dead one, and rm and prune remove it', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'dead-ran', '-v', '/data', IMG, 'sh', '-c', 'echo hello; sleep 100'])).trim()
    const pruned = (await nerdOk(['create', '--name', 'dead-pruned', '--label', 'dead-test=1', IMG, 'true'])).trim()
    await until('its output to be logged', async () => ((await nerdOk(['logs', 'dead-ran'])) === 'hello\n' ? true : undefined))
    // What a killed rm -f had done: the process killed and its exit recorded, its task and containerd's container deleted.
    assert.equal((await ctr(['tasks', 'kill', '-s', 'SIGKILL', id])).code, 0)
    // Its exit handler records the exit and deletes the task.
    await until('its task to be deleted', async () => ((await ctr(['tasks', 'ls', '-q'])).stdout.includes(id) ? undefined : true))
    for (const container of [id, pruned]) assert.equal((await ctr(['containers', 'rm', container])).code, 0)

    assert.equal(await nerdOk(['ps', '-a', '--no-trunc', '--format', '{{.Names}} {{.ID}} {{.State}} {{.Status}}', '--filter', 'name=dead-']), `dead-pruned ${pruned} dead Dead\ndead-ran ${id} dead Dead\n`)
    assert.equal(await nerdOk(['ps', '-a', '-q', '--filter', 'status=dead', '--filter', 'name=dead-ran']), `${id.slice(0, 12)}\n`)
    const [inspected] = JSON.parse(await nerdOk(['inspect', 'dead-ran']))
    assert.equal(inspected.Id, id)
    assert.equal(inspected.Name, '/dead-ran')
    assert.deepEqual(inspected.Config.Cmd, ['sh', '-c', 'echo hello; sleep 100'])
    const {Status, Running, Paused, Restarting, Dead, Pid, ExitCode} = inspected.State
    assert.deepEqual({Status, Running, Paused, Restarting, Dead, Pid, ExitCode}, {Status: 'dead', Running: false, Paused: false, Restarting: false, Dead: true, Pid: 0, ExitCode: 137})
    assert.notEqual(inspected.State.FinishedAt, '0001-01-01T00:00:00Z')
    assert.deepEqual(await outcome(['logs', 'dead-ran']), {code: 0, stdout: 'hello\n', stderr: ''})
    // Nothing will write to it again: -f ends at once.
    assert.deepEqual(await outcome(['logs', '-f', 'dead-ran']), {code: 0, stdout: 'hello\n', stderr: ''})

    const refused = 'container is marked for removal and cannot be started'
    assert.deepEqual(await outcome(['start', 'dead-ran']), {code: 1, stdout: '', stderr: `Error: ${refused}\nError: failed to start containers: dead-ran\n`})
    assert.deepEqual(await outcome(['restart', 'dead-ran']), {code: 1, stdout: '', stderr: `Error: Cannot restart container dead-ran: ${refused}\n`})
    // docker's stop of a container not running changes nothing, and says its name.
    assert.deepEqual(await outcome(['stop', 'dead-ran']), {code: 0, stdout: 'dead-ran\n', stderr: ''})
    assert.deepEqual(await outcome(['kill', 'dead-ran']), {code: 1, stdout: '', stderr: `Error: cannot kill container: dead-ran: container ${id} is not running\n`})
    assert.deepEqual(await outcome(['pause', 'dead-ran']), {code: 1, stdout: '', stderr: `Error: container ${id} is not running\n`})
    assert.deepEqual(await outcome(['exec', 'dead-ran', 'true']), {code: 125, stdout: '', stderr: `Error: container ${id} is not running\n`})
    assert.deepEqual(await outcome(['attach', '--no-stdin', 'dead-ran']), {code: 1, stdout: '', stderr: 'Error: You cannot attach to a stopped container, start it first\n'})
    assert.deepEqual(await outcome(['export', 'dead-ran']), {code: 1, stdout: '', stderr: `Error: You cannot export container ${id} which is Dead\n`})
    assert.deepEqual(await outcome(['wait', 'dead-ran']), {code: 0, stdout: '137\n', stderr: ''})
    // What joins it or links to it needs it running; --volumes-from takes its volumes, as a stopped one's.
    assert.deepEqual(await outcome(['run', '--rm', '--network', 'container:dead-ran', IMG, 'true']), {
      code: 125,
      stdout: '',
      stderr: 'Error: cannot join network namespace of a non running container: container dead-ran is dead\n',
    })
    const [volume] = JSON.parse(await nerdOk(['inspect', '-f', '{{json .Mounts}}', 'dead-ran'])) as {Name: string}[]
    const taker = (await nerdOk(['create', '--volumes-from', 'dead-ran', IMG, 'true'])).trim()
    const taken = JSON.parse(await nerdOk(['inspect', '-f', '{{json .Mounts}}', taker])) as {Name: string; Destination: string}[]
    assert.deepEqual(taken.map((mount) => [mount.Name, mount.Destination]), [[volume!.Name, '/data']])
    await nerdOk(['rm', taker])
    await nerdOk(['create', '--name', 'dead-linker', '--link', 'dead-ran:friend', IMG, 'true'])
    assert.deepEqual(await outcome(['start', 'dead-linker']), {code: 1, stdout: '', stderr: 'Error: Cannot link to a non running container: /dead-ran AS /dead-linker/friend\nError: failed to start containers: dead-linker\n'})
    await nerdOk(['rm', 'dead-linker'])
    // As docker's stats shows a container not running: a row with nothing read.
    assert.deepEqual(await outcome(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}', 'dead-ran']), {code: 0, stdout: 'dead-ran 0.00% 0B / 0B 0\n', stderr: ''})
    // As docker's daemon renames a dead container.
    assert.deepEqual(await outcome(['rename', 'dead-ran', 'dead-renamed']), {code: 0, stdout: '', stderr: ''})
    assert.equal(await nerdOk(['inspect', '-f', '{{.Name}} {{.State.Status}}', 'dead-renamed']), '/dead-renamed dead\n')

    assert.match(await nerdOk(['container', 'prune', '-f', '--filter', 'label=dead-test=1']), new RegExp(`^Deleted Containers:\n${pruned}\n`))
    // Without -f: nothing runs. With -v, its anonymous volume goes with it.
    assert.deepEqual(await outcome(['rm', '-v', 'dead-renamed']), {code: 0, stdout: 'dead-renamed\n', stderr: ''})
    assert.deepEqual(await outcome(['volume', 'inspect', volume!.Name]), {code: 1, stdout: '[]\n', stderr: `Error: get ${volume!.Name}: no such volume\n`})
    assert.equal(await nerdOk(['ps', '-aq', '--filter', 'name=dead-']), '')
    for (const container of [id, pruned]) assert.ok(!existsSync(join(containersDir, container)), `${container}'s files are left`)
    assert.deepEqual(await outcome(['inspect', 'dead-ran']), {code: 1, stdout: '[]\n', stderr: 'Error: No such object: dead-ran\n'})
    await nerdOk(['rm', (await nerdOk(['create', '--name', 'dead-ran', IMG, 'true'])).trim()])
  })

  it('a container containerd has without nerd\'s state directory or config.json is listed by ps from containerd\'s record, and rm -f and prune remove it', async () => {
    const created = (await nerdOk(['create', '--name', 'remains-created', '--label', 'remains-test=1', IMG, 'sleep', '600'])).trim()
    const running = (await nerdOk(['run', '-d', '--name', 'remains-running', IMG, 'sleep', '600'])).trim()
    const pruned = (await nerdOk(['create', '--name', 'remains-pruned', '--label', 'remains-test=1', '--label', 'prune-me=1', IMG, 'true'])).trim()
    await rm(join(containersDir, created), {recursive: true})
    await rm(join(containersDir, pruned), {recursive: true})
    await rm(join(containersDir, running, 'config.json'))
    // Up for as long as its process has run.
    await new Promise((resolve) => setTimeout(resolve, 2000))

    const format = '{{.Names}} {{.ID}} {{.State}} {{.Command}} {{.Labels}} {{.Status}}'
    const listed = await nerd(['ps', '-a', '--no-trunc', '--format', format, '--filter', 'name=remains-'])
    assert.equal(listed.stderr, '')
    const lines = listed.stdout.split('\n').filter(Boolean).sort()
    assert.equal(lines.length, 3, listed.stdout)
    assert.equal(lines[0], `remains-created ${created} created "sleep 600" remains-test=1 Created`)
    assert.equal(lines[1], `remains-pruned ${pruned} created "true" prune-me=1,remains-test=1 Created`)
    assert.match(lines[2]!, new RegExp(`^remains-running ${running} running "sleep 600"  Up (?:[2-9]|[1-5]\\d) seconds$`))
    assert.equal(await nerdOk(['ps', '-q', '--filter', 'name=remains-']), `${running.slice(0, 12)}\n`)

    assert.match(await nerdOk(['container', 'prune', '-f', '--filter', 'label=prune-me=1']), new RegExp(`^Deleted Containers:\n${pruned}\n`))
    // A unique ID prefix, the name from containerd's label, the full ID.
    assert.deepEqual(await outcome(['rm', '-f', created.slice(0, 10), 'remains-running']), {code: 0, stdout: `${created.slice(0, 10)}\nremains-running\n`, stderr: ''})
    const [containers, tasks] = await Promise.all([ctr(['containers', 'ls', '-q']), ctr(['tasks', 'ls', '-q'])])
    for (const id of [created, running, pruned]) assert.ok(!containers.stdout.includes(id) && !tasks.stdout.includes(id), `${id} is left in containerd`)
    assert.equal(await nerdOk(['ps', '-aq', '--filter', 'name=remains-']), '')
    assert.deepEqual(await outcome(['rm', '-f', created]), {code: 0, stdout: '', stderr: `Error: No such container: ${created}\n`})
  })
})

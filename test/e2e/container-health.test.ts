/**
 * docker's health checks end to end: the --health-* flags, the monitor's probes in the running
 * container (starting, healthy, unhealthy, a timeout), what ps, its health filter and inspect show,
 * and the monitor ending with the container.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {inspectContainer, nerdOk, removeAllContainers, until} from '../helpers/containers.ts'
import {ctr, eventsSubscribed, loadTestImage, nerd, nerdEntry, nerdGlobals, testEnvironment} from '../helpers/e2e.ts'
import {buildImageArchive, busyboxRootfs, DEFAULT_PATH} from '../helpers/oci-image.ts'

const IMG = 'nerd-test/busybox'

const statusOf = async (name: string): Promise<string> => (await nerdOk(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Status}}'])).trim()

describe('health checks', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await removeAllContainers()
  })

  it("probes a running container: starting through its start period, then healthy, then unhealthy after the retries; a probe's exec ID is docker's 64 hex digits", async (context) => {
    const format = '{{.Action}} {{.Actor.Attributes.name}}{{with .Actor.Attributes.execID}} {{.}}{{end}}'
    const events = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'events', '--filter', 'event=health_status', '--filter', 'event=exec_die', '--format', format], {stdio: ['ignore', 'pipe', 'ignore']})
    // Whatever fails: a watcher left running would keep the test file from ending.
    context.after(() => events.kill())
    let eventLines = ''
    events.stdout.on('data', (chunk: Buffer) => (eventLines += chunk.toString()))
    await eventsSubscribed(events.pid!)
    await nerdOk(['run', '-d', '--name', 'checked', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '200ms', '--health-start-period', '5s', '--health-start-interval', '200ms', '--health-retries', '2', IMG, 'sh', '-c', 'sleep 3; touch /tmp/ok; sleep 600'])
    assert.match(await statusOf('checked'), /^Up .* \(health: starting\)$/)
    await until('it to be healthy', async () => (/\(healthy\)$/.test(await statusOf('checked')) ? true : undefined), 15_000)
    const document = await inspectContainer('checked')
    assert.deepEqual(document.Config.Healthcheck, {Test: ['CMD-SHELL', 'test -f /tmp/ok'], Interval: 200_000_000, StartPeriod: 5_000_000_000, StartInterval: 200_000_000, Retries: 2})
    await nerdOk(['exec', 'checked', 'rm', '/tmp/ok'])
    await until('it to be unhealthy', async () => ((await nerdOk(['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}}'])) === 'checked\n' ? true : undefined), 15_000)
    const health = (await inspectContainer('checked')).State.Health
    assert.equal(health.Status, 'unhealthy')
    assert.ok(health.FailingStreak >= 2, `failing streak ${health.FailingStreak}`)
    assert.ok(health.Log.length <= 5)
    assert.deepEqual(health.Log.at(-1).ExitCode, 1)
    // A probe's times are docker's time.Now(): to the nanosecond, as RFC3339Nano in JSON and as Go prints a time in templates.
    for (const time of health.Log.flatMap((probe: {Start: string; End: string}) => [probe.Start, probe.End])) assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,8}[1-9]Z$/)
    const printed = await nerdOk(['inspect', '--format', '{{range .State.Health.Log}}{{.Start}}|{{.End}}{{"\\n"}}{{end}}', 'checked'])
    const goTime = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3,8}[1-9] \+0000 UTC`
    for (const line of printed.trim().split('\n')) assert.match(line, new RegExp(`^${goTime}\\|${goTime}$`))
    assert.equal(await nerdOk(['ps', '--filter', 'health=healthy', '--format', '{{.Names}}']), '')
    const lines = (action: string) => eventLines.split('\n').filter((line) => line.startsWith(action))
    await until('the health events', async () => (lines('health_status').join('\n') === 'health_status: healthy checked\nhealth_status: unhealthy checked' ? true : undefined)).finally(() => events.kill())
    assert.ok(lines('exec_die').length >= 3, eventLines)
    for (const line of lines('exec_die')) assert.match(line, /^exec_die checked [0-9a-f]{64}$/)
    // The monitor ends with the container; the last state stays for inspect, as docker's.
    await nerdOk(['stop', '-t', '0', 'checked'])
    const id = document.Id as string
    await until('the monitor to end', async () => {
      const {stdout} = await promisify(execFile)('pgrep', ['-f', `health.js .* ${id}`]).catch(() => ({stdout: ''}))
      return stdout === '' ? true : undefined
    })
    assert.match(await statusOf('checked'), /^Exited \(137\) /)
    assert.equal((await inspectContainer('checked')).State.Health.Status, 'unhealthy')
  })

  it('does not probe a paused container, which is unhealthy until a probe after its unpause passes; a restart makes it starting again and keeps the last probes, as docker\'s', async () => {
    await nerdOk(['run', '-d', '--name', 'paused', '--health-cmd', 'true', '--health-interval', '1s', IMG, 'sleep', '600'])
    await until('it to be healthy', async () => (/\(healthy\)$/.test(await statusOf('paused')) ? true : undefined), 15_000)
    await nerdOk(['pause', 'paused'])
    assert.equal((await inspectContainer('paused')).State.Health.Status, 'unhealthy')
    assert.equal(await nerdOk(['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}}']), 'paused\n')
    // Three intervals paused.
    await new Promise((resolve) => setTimeout(resolve, 3500))
    const unpaused = new Date()
    await nerdOk(['unpause', 'paused'])
    const health = (await inspectContainer('paused')).State.Health
    // Unhealthy, unless a probe since the unpause passed.
    if (health.Status !== 'unhealthy') assert.ok(new Date(health.Log.at(-1).Start) >= unpaused, JSON.stringify(health))
    assert.deepEqual(health.Log.filter((probe: {ExitCode: number}) => probe.ExitCode !== 0), [])
    await until('a probe to make it healthy again', async () => ((await inspectContainer('paused')).State.Health.Status === 'healthy' ? true : undefined), 15_000)
    await nerdOk(['restart', '-t', '0', 'paused'])
    const restarted = (await inspectContainer('paused')).State.Health
    assert.deepEqual([restarted.Status, restarted.FailingStreak], ['starting', 0])
    // Those seen before, and any probe since.
    assert.deepEqual(restarted.Log.slice(0, health.Log.length), health.Log)
    await nerdOk(['rm', '-f', 'paused'])
  })

  it('throws away a probe a pause cut short, and probes again one interval after the unpause, as docker\'s pause stops the monitor', async () => {
    await nerdOk(['run', '-d', '--name', 'frozen', '--health-cmd', 'sleep 1.5', '--health-interval', '3s', IMG, 'sleep', '600'])
    await until('a probe to run', async () => ((await nerdOk(['top', 'frozen'])).includes('sleep 1.5') ? true : undefined), 15_000)
    const pausedAt = new Date()
    await nerdOk(['pause', 'frozen'])
    // Longer than the probe: one that ran on through the pause would have ended.
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const unpausedAt = new Date()
    await nerdOk(['unpause', 'frozen'])
    // Past the end of the frozen probe (1.5 s), within the interval before the next.
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const health = (await inspectContainer('frozen')).State.Health
    assert.equal(health.Status, 'unhealthy', JSON.stringify(health))
    assert.deepEqual(health.Log.filter((probe: {End: string}) => new Date(probe.End) > pausedAt), [])
    const healthy = await until('a probe to make it healthy again', async () => {
      const current = (await inspectContainer('frozen')).State.Health
      return current.Status === 'healthy' ? current : undefined
    }, 15_000)
    assert.ok(new Date(healthy.Log.at(-1).Start).getTime() >= unpausedAt.getTime() + 3000, JSON.stringify(healthy))
    await nerdOk(['rm', '-f', 'frozen'])
  })

  it('fails a probe that outlasts its timeout, and one that cannot run', async () => {
    await nerdOk(['run', '-d', '--name', 'slow', '--health-cmd', 'echo partial; sleep 5', '--health-timeout', '200ms', '--health-interval', '200ms', IMG, 'sleep', '600'])
    await nerdOk(['run', '-d', '--name', 'broken', '--health-interval', '200ms', '--health-cmd', 'exit 3', IMG, 'sleep', '600'])
    const lastProbe = async (name: string) => (await inspectContainer(name)).State.Health?.Log.at(-1)
    // With what it wrote before, as docker's: on a loaded machine a probe can time out before its
    // first write, so one that wrote is awaited; every one timed out.
    const probes = await until('a probe that wrote to time out', async () => {
      const log = (await inspectContainer('slow')).State.Health?.Log as {ExitCode: number; Output: string}[] | undefined
      return log?.some((probe) => probe.Output.endsWith('partial\n')) ? log : undefined
    }, 15_000)
    for (const probe of probes) assert.match(`${probe.ExitCode} ${probe.Output}`, /^-1 Health check exceeded timeout \(200ms\): (?:partial\n)?$/)
    const failed = await until('a probe to fail', lastProbe.bind(undefined, 'broken'), 15_000)
    assert.equal(failed.ExitCode, 3)
    await until('three failures to make it unhealthy', async () => ((await inspectContainer('broken')).State.Health.Status === 'unhealthy' ? true : undefined), 15_000)
  })

  it('waits intervals and timeouts past Node\'s timer limit (2^31 ms) in full; a stopped container is unhealthy, as docker\'s', async () => {
    // Probed at the start interval until healthy, then not for 1000 hours; the probe has 1000 hours to end.
    await nerdOk(['run', '-d', '--name', 'long', '--health-cmd', 'sleep 0.2', '--health-interval', '1000h', '--health-timeout', '1000h', '--health-start-period', '1m', '--health-start-interval', '300ms', IMG, 'sleep', '600'])
    await until('it to be healthy', async () => (/\(healthy\)$/.test(await statusOf('long')) ? true : undefined), 15_000)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const health = (await inspectContainer('long')).State.Health
    assert.deepEqual(health.Log.map((probe: {ExitCode: number}) => probe.ExitCode), [0])
    await nerdOk(['stop', '-t', '0', 'long'])
    assert.equal((await inspectContainer('long')).State.Health.Status, 'unhealthy')
    assert.equal(await nerdOk(['ps', '-a', '--filter', 'health=unhealthy', '--filter', 'name=long', '--format', '{{.Names}}']), 'long\n')
    await nerdOk(['rm', '-f', 'long'])
  })

  it('keeps the first 4096 bytes of a probe\'s output (stdout and stderr), with "..." when there was more, as docker\'s', async () => {
    await nerdOk(['run', '-d', '--name', 'chatty', '--health-cmd', 'echo err >&2; sleep 0.3; head -c 5000 /dev/zero | tr "\\0" a', '--health-interval', '300ms', IMG, 'sleep', '600'])
    // The two streams are kept in the order their output came, which a loaded machine may turn
    // around despite the pause between them (the stderr line then falls past the cut).
    const probes = await until('a probe whose stderr came first', async () => {
      const log = (await inspectContainer('chatty')).State.Health?.Log as {Output: string}[] | undefined
      return log?.some((probe) => probe.Output.startsWith('err\n')) ? log : undefined
    }, 15_000)
    assert.equal(probes.find((probe) => probe.Output.startsWith('err\n'))!.Output, `err\n${'a'.repeat(4092)}...`)
    for (const probe of probes) assert.match(probe.Output, /^(?:err\na{4092}|a{4096})\.\.\.$/)
    await nerdOk(['rm', '-f', 'chatty'])
  })

  it('a monitor stopped mid-probe kills and deletes the probe, leaving the container running; the next look restarts a monitor stopped or killed', async () => {
    await nerdOk(['run', '-d', '--name', 'watched', '--health-cmd', 'sleep 30', '--health-interval', '100ms', '--health-timeout', '60s', IMG, 'sleep', '600'])
    const {Id: id} = await inspectContainer('watched')
    const monitors = async (): Promise<string[]> => {
      const {stdout} = await promisify(execFile)('pgrep', ['-f', `health.js .* ${id}`]).catch(() => ({stdout: ''}))
      return stdout.split('\n').filter((line) => line !== '')
    }
    const processes = async (): Promise<number> => (await ctr(['tasks', 'ps', id])).stdout.trim().split('\n').length - 1
    await until('a probe to run', async () => ((await processes()) === 2 ? true : undefined), 15_000)
    const [first] = await monitors()
    process.kill(Number(first), 'SIGTERM')
    await until('the monitor to end', async () => ((await monitors()).length === 0 ? true : undefined))
    assert.equal(await processes(), 1)
    assert.match((await ctr(['tasks', 'ls'])).stdout, new RegExp(`${id}\\s+\\d+\\s+RUNNING`))
    // ps starts it again; killed outright, inspect does.
    assert.match(await statusOf('watched'), /^Up /)
    const [second] = await until('a monitor again', async () => ((await monitors()).length === 1 ? await monitors() : undefined))
    assert.notEqual(second, first)
    // Up (its mark written) once it probes.
    await until('it to probe', async () => ((await processes()) === 2 ? true : undefined), 15_000)
    process.kill(Number(second), 'SIGKILL')
    await until('the monitor to end', async () => ((await monitors()).length === 0 ? true : undefined))
    await inspectContainer('watched')
    await until('a monitor again', async () => ((await monitors()).length === 1 ? true : undefined))
    await nerdOk(['stop', '-t', '0', 'watched'])
    await until('the monitor to end with the container', async () => ((await monitors()).length === 0 ? true : undefined))
    await nerdOk(['rm', '-f', 'watched'])
  })

  it('takes the image\'s check (commit keeps the container\'s), which flags change field by field and --no-healthcheck turns off', async () => {
    await nerdOk(['create', '--name', 'template', '--health-cmd', 'true', '--health-interval', '300ms', '--health-retries', '4', IMG, 'sleep', '600'])
    await nerdOk(['commit', 'template', 'checked-image:1'])
    const imageCheck = {Test: ['CMD-SHELL', 'true'], Interval: 300_000_000, Retries: 4}
    assert.deepEqual(JSON.parse(await nerdOk(['image', 'inspect', '--format', '{{json .Config.Healthcheck}}', 'checked-image:1'])), imageCheck)
    // Templates see docker's typed HealthConfig, whose durations print as Go's time.Duration.
    assert.equal(await nerdOk(['image', 'inspect', '--format', '{{.Config.Healthcheck}} {{.Config.Healthcheck.Interval}}', 'checked-image:1']), '{[CMD-SHELL true] 300ms 0s 0s 0s 4} 300ms\n')
    await nerdOk(['create', '--name', 'inherits', '--health-retries', '9', '--health-timeout', '1m30s', '--health-start-period', '2s', 'checked-image:1'])
    assert.deepEqual((await inspectContainer('inherits')).Config.Healthcheck, {Test: ['CMD-SHELL', 'true'], Interval: 300_000_000, Timeout: 90_000_000_000, StartPeriod: 2_000_000_000, Retries: 9})
    assert.equal(await nerdOk(['inspect', '-f', '{{.Config.Healthcheck}} {{.Config.Healthcheck.Timeout}} {{json .Config.Healthcheck.Timeout}}', 'inherits']), '{[CMD-SHELL true] 300ms 1m30s 2s 0s 9} 1m30s 90000000000\n')
    await nerdOk(['run', '-d', '--name', 'inherits-running', 'checked-image:1'])
    await until('the image\'s probe to pass', async () => (/\(healthy\)$/.test(await statusOf('inherits-running')) ? true : undefined), 15_000)
    await nerdOk(['create', '--name', 'off', '--no-healthcheck', 'checked-image:1'])
    assert.deepEqual((await inspectContainer('off')).Config.Healthcheck.Test, ['NONE'])
    await nerdOk(['rm', '-f', 'template', 'inherits', 'inherits-running', 'off'])
    await nerdOk(['rmi', 'checked-image:1'])
  })

  it('runs the image\'s CMD-SHELL check under /bin/sh -c, not under the image\'s SHELL, which the container\'s config leaves out, as docker\'s merge', async () => {
    const archive = join(testEnvironment.root, 'shell-image.tar')
    const config = {Env: [DEFAULT_PATH], Cmd: ['sleep', '600'], Shell: ['/bin/echo'], Healthcheck: {Test: ['CMD-SHELL', 'exit 1'], Interval: 200_000_000, Retries: 1}}
    await buildImageArchive({name: 'e2e/shell:v1', images: [{layers: [{entries: await busyboxRootfs()}], config}]}, archive)
    await nerdOk(['load', '-q', '-i', archive])
    await nerdOk(['run', '-d', '--name', 'shelled', 'e2e/shell:v1'])
    // Under the image's /bin/echo the probe would print `exit 1` and pass.
    await until('it to be unhealthy', async () => (/\(unhealthy\)$/.test(await statusOf('shelled')) ? true : undefined), 15_000)
    assert.equal(await nerdOk(['inspect', '--format', '{{json .Config.Shell}}', 'shelled']), 'null\n')
    assert.equal(await nerdOk(['image', 'inspect', '--format', '{{json .Config.Shell}}', 'e2e/shell:v1']), '["/bin/echo"]\n')
    await nerdOk(['rm', '-f', 'shelled'])
    await nerdOk(['rmi', 'e2e/shell:v1'])
  })

  it('probes a task containerd\'s restart monitor started (no nerd), as its logger starts the monitor', async () => {
    await nerdOk(['run', '-d', '--name', 'monitored', '--restart', 'always', '--health-cmd', 'true', '--health-interval', '200ms', IMG, 'sleep', '600'])
    const {Id: id} = await inspectContainer('monitored')
    await nerdOk(['stop', '-t', '0', 'monitored'])
    // Marked to run again, as after a containerd restart: containerd's monitor starts the task on its
    // next round (every 10 s), with the container's logger and without nerd.
    const started = new Date()
    await ctr(['containers', 'label', id, 'containerd.io/restart.status=running'])
    const probed = await until('a probe of the task the monitor started', async () => {
      const log = (await inspectContainer('monitored')).State.Health?.Log ?? []
      return log.find((probe: {Start: string}) => new Date(probe.Start) > started)
    }, 30_000)
    assert.equal(probed.ExitCode, 0)
    await nerdOk(['rm', '-f', 'monitored'])
  })

  it('checks the flags as docker does, with 125', async () => {
    const cases: [string[], string, string?][] = [
      [['--no-healthcheck', '--health-retries', '2'], '--no-healthcheck conflicts with --health-* options'],
      [['--health-interval', '10us'], 'Interval in Healthcheck cannot be less than 1ms'],
      [['--health-timeout=-1s'], '--health-timeout cannot be negative'],
      [['--health-retries=-1'], '--health-retries cannot be negative'],
      // pflag's own error, in docker's CLI's words (no Error: prefix).
      [['--health-start-period', 'soon'], 'invalid argument "soon" for "--health-start-period" flag: time: invalid duration "soon"', ''],
    ]
    for (const [flags, message, prefix = 'Error: '] of cases) {
      const result = await nerd(['run', '--rm', ...flags, IMG, 'true'])
      assert.deepEqual([result.code, result.stderr.split('\n')[0]], [125, `${prefix}${message}`], flags.join(' '))
    }
    // The CLI's own refusals are 125 for create too; the daemon's (less than 1ms) are 1.
    for (const flags of [['--health-interval=-1s'], ['--no-healthcheck', '--health-cmd', 'true'], ['--restart', 'on-failure:x'], ['--security-opt', 'foo']]) {
      assert.equal((await nerd(['create', ...flags, IMG, 'true'])).code, 125, flags.join(' '))
    }
    // A restart policy's name is the daemon's to check (ValidateRestartPolicy), as the less than 1ms interval.
    for (const flags of [['--health-interval', '10us'], ['--restart', 'bogus']]) {
      assert.equal((await nerd(['create', ...flags, IMG, 'true'])).code, 1, flags.join(' '))
    }
    await nerdOk(['create', '--name', 'unchecked', '--no-healthcheck', IMG, 'true'])
    assert.deepEqual((await inspectContainer('unchecked')).Config.Healthcheck, {Test: ['NONE']})
    assert.equal(await nerdOk(['ps', '-a', '--filter', 'health=none', '--filter', 'name=unchecked', '--format', '{{.Names}}']), 'unchecked\n')
  })
})

/**
 * What becomes of containers when containerd itself goes down and comes back (a crash, an upgrade):
 * docker's daemon applies the restart policies and keeps the logs when it returns; nerd has no
 * daemon, so its loggers and exit handlers must outlast containerd. These tests kill a containerd of
 * their own (its root, state and socket in a temporary directory under the run's root), never the
 * one the other test files share.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import type {ChildProcess} from 'node:child_process'
import {mkdirSync, openSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {promisify} from 'node:util'
import {nerdOk, until} from '../helpers/containers.ts'
import {ctr, fileDataRoot, fileNamespace, nerd, nerdEntry, nerdGlobals, testEnvironment} from '../helpers/e2e.ts'
import {testImageArchive} from '../helpers/test-images.ts'

const IMG = 'nerd-test/busybox'

class PrivateContainerd {
  readonly dir = join(testEnvironment.root, `containerd-${fileNamespace()}`)
  readonly address = join(this.dir, 'containerd.sock')
  private daemon: ChildProcess | undefined

  async start(): Promise<void> {
    mkdirSync(this.dir, {recursive: true})
    const config = join(this.dir, 'config.toml')
    writeFileSync(
      config,
      [
        'version = 2',
        `root = "${this.dir}/root"`,
        `state = "${this.dir}/state"`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        `[grpc]\n  address = "${this.address}"`,
        `[ttrpc]\n  address = "${this.address}.ttrpc"`,
        '[debug]\n  address = ""',
        '[metrics]\n  address = ""',
        `[plugins."io.containerd.internal.v1.opt"]\n  path = "${this.dir}/opt"`,
      ].join('\n'),
    )
    const log = openSync(join(this.dir, 'containerd.log'), 'a')
    this.daemon = spawn('containerd', ['--config', config], {detached: true, stdio: ['ignore', log, log]})
    await until('containerd to answer', async () => ((await ctr(['version'], {address: this.address})).code === 0 ? true : undefined), 20_000)
  }

  /**
   * Ends the shims that name this containerd, and their containers: one that outlived the test's
   * removals and containerd (seen once, its container started as the test ended) would run on.
   */
  async endShims(): Promise<void> {
    const {stdout} = await promisify(execFile)('pgrep', ['-f', `containerd-shim-runc-v2 .*-address ${this.address}( |$)`]).catch(() => ({stdout: ''}))
    for (const shim of stdout.split('\n').filter(Boolean)) {
      await promisify(execFile)('pkill', ['-KILL', '-P', shim]).catch(() => undefined)
      try {
        process.kill(Number(shim), 'SIGKILL')
      } catch {
        // Ended meanwhile.
      }
    }
  }

  /** Ends it at once, as a crash does: its shims, and the containers, run on. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const daemon = this.daemon
    if (!daemon || daemon.exitCode !== null) return
    const exited = new Promise((resolve) => daemon.once('exit', resolve))
    daemon.kill(signal)
    await exited
  }
}

/** A container's health state, read from its file: a ps or inspect would start a monitor again in place of one gone. */
function healthState(id: string): Record<string, any> {
  return JSON.parse(readFileSync(join(fileDataRoot(), 'containers', fileNamespace(), id, 'health.json'), 'utf8'))
}

/** The pids of the health monitors of the container `id`. */
async function healthMonitors(id: string): Promise<string[]> {
  const {stdout} = await promisify(execFile)('pgrep', ['-f', `health.js .* ${id}`]).catch(() => ({stdout: ''}))
  return stdout.split('\n').filter(Boolean)
}

describe('containers across a containerd restart', () => {
  const containerd = new PrivateContainerd()
  const options = (): {address: string} => ({address: containerd.address})
  const inspect = async (name: string): Promise<Record<string, any>> => JSON.parse(await nerdOk(['inspect', name], options()))[0]

  before(async () => {
    await containerd.start()
    const imported = await ctr(['images', 'import', testImageArchive('nerd-test/busybox:latest')], options())
    assert.equal(imported.code, 0, imported.stderr)
  })

  after(async () => {
    const ids = (await nerd(['ps', '-aq'], options())).stdout.split('\n').filter(Boolean)
    if (ids.length > 0) await nerd(['rm', '-f', ...ids], options())
    await containerd.kill('SIGTERM')
    await containerd.endShims()
  })

  it('after containerd comes back: a policy restarts what exited meanwhile, running containers run on, logs are whole', async () => {
    await nerdOk(['run', '-d', '--name', 'always', '--network', 'none', '--restart', 'always', IMG, 'sleep', '600'], options())
    await nerdOk(['run', '-d', '--name', 'failing', '--network', 'none', '--restart', 'on-failure', IMG, 'sh', '-c', 'sleep 2; exit 2'], options())
    await nerdOk(['run', '-d', '--name', 'steady', '--network', 'none', IMG, 'sleep', '600'], options())
    await nerdOk(['run', '-d', '--name', 'talker', '--network', 'none', IMG, 'sh', '-c', 'for i in 1 2 3 4 5 6; do echo line$i; sleep 0.5; done'], options())
    const [always, steady] = [await inspect('always'), await inspect('steady')]

    await containerd.kill()
    process.kill(always.State.Pid, 'SIGKILL')
    // `failing` exits with 2 and `talker` finishes while containerd is down.
    await new Promise((resolve) => setTimeout(resolve, 4000))
    await containerd.start()

    const restarted = await until('the always container to come back', async () => {
      const current = await inspect('always')
      return current.State.Status === 'running' && current.State.Pid !== always.State.Pid ? current : undefined
    })
    assert.equal(restarted.RestartCount, 1)
    // on-failure, which containerd's own restart monitor does not know: nerd's exit handler waited for containerd.
    // Seen between runs: running, it shows exit code 0, as docker's.
    await until('the on-failure container to be restarted and to fail again', async () => {
      const current = await inspect('failing')
      return current.RestartCount >= 1 && current.State.ExitCode === 2 ? current : undefined
    })
    const stillSteady = await inspect('steady')
    assert.deepEqual([stillSteady.State.Status, stillSteady.State.Pid, stillSteady.RestartCount], ['running', steady.State.Pid, 0])
    assert.equal(await nerdOk(['logs', 'talker'], options()), 'line1\nline2\nline3\nline4\nline5\nline6\n')
    await until('the finished container to be exited', async () => ((await inspect('talker')).State.Status === 'exited' ? true : undefined))
  })

  it("a stop cut short by containerd's death is finished as docker's daemon finishes one: the process is killed at its deadline once containerd is back, and stays down whatever its policy", async () => {
    await nerdOk(['run', '-d', '--name', 'stubborn', '--network', 'none', '--restart', 'always', IMG, 'sh', '-c', 'trap "" TERM; while true; do sleep 1; done'], options())
    const {Id: id, State: {Pid: pid}} = await inspect('stubborn')
    const stopping = nerd(['stop', '-t', '3', 'stubborn'], options())
    // The stop signal is out (and ignored): the stop waits out its 3 s.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await containerd.kill()
    const stop = await stopping
    // As every command that finds containerd gone: no daemon's words around it (docker's CLI reports its daemon gone alike).
    assert.equal(stop.code, 1)
    assert.match(stop.stderr, /^Error: Cannot connect to containerd at .*\n$/)
    // So does a kill: its lookup needs no containerd, its signal does.
    const kill = await nerd(['kill', 'stubborn'], options())
    assert.equal(kill.code, 1)
    assert.match(kill.stderr, /^Error: Cannot connect to containerd at .*\n$/)
    await containerd.start()
    const stopped = await until('the process to be killed at its deadline', async () => {
      const current = await inspect('stubborn')
      return current.State.Status === 'exited' && !(await ctr(['tasks', 'ls', '-q'], options())).stdout.includes(id) ? current : undefined
    }, 15_000)
    assert.equal(stopped.State.ExitCode, 137)
    assert.throws(() => process.kill(pid, 0))
    // The explicit stop ends the policy, as docker's: not restarted, neither by nerd nor by containerd's restart monitor (its 10 s tick).
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const later = await inspect('stubborn')
    assert.deepEqual([later.State.Status, later.RestartCount], ['exited', 0])
    await nerdOk(['rm', 'stubborn'], options())
  })

  it('a health monitor rides out the restart: the same monitor goes on probing the container that ran on', async () => {
    await nerdOk(['run', '-d', '--name', 'checked', '--network', 'none', '--health-cmd', 'test ! -f /tmp/bad', '--health-interval', '300ms', '--health-retries', '2', IMG, 'sleep', '600'], options())
    const {Id: id, State: {Pid: pid}} = await inspect('checked')
    // Read from its files and processes: a ps or inspect would start a monitor again in place of one gone.
    const health = () => healthState(id)
    const monitors = () => healthMonitors(id)
    await until('it to be healthy', async () => (health().Status === 'healthy' ? true : undefined))
    const [monitor] = await monitors()
    assert.ok(monitor)

    await containerd.kill()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await containerd.start()
    // The check fails from now on: written into the container's root, with no nerd command.
    writeFileSync(`/proc/${pid}/root/tmp/bad`, '')
    const unhealthy = await until('probes after the restart to fail', async () => {
      const current = health()
      return current.Status === 'unhealthy' && current.FailingStreak >= 2 ? current : undefined
    })
    assert.equal(unhealthy.Log.at(-1).ExitCode, 1)
    assert.deepEqual(await monitors(), [monitor])
    await nerdOk(['rm', '-f', 'checked'], options())
    await until('the monitor to end with the container', async () => ((await monitors()).length === 0 ? true : undefined))
  })

  it('a health monitor that lost containerd ends when the container\'s process ends meanwhile, containerd or not', async () => {
    await nerdOk(['run', '-d', '--name', 'checked-out', '--network', 'none', '--health-cmd', 'true', '--health-interval', '300ms', IMG, 'sleep', '600'], options())
    const {Id: id, State: {Pid: pid}} = await inspect('checked-out')
    const health = () => healthState(id)
    const monitors = () => healthMonitors(id)
    await until('it to be healthy', async () => (health().Status === 'healthy' ? true : undefined))
    await containerd.kill()
    try {
      process.kill(pid, 'SIGKILL')
      await until('the monitor to end', async () => ((await monitors()).length === 0 ? true : undefined), 15_000)
      // As docker's, a container whose monitor stops with it is unhealthy.
      assert.equal(health().Status, 'unhealthy')
    } finally {
      await containerd.start()
    }
  })

  it('an attached run that loses containerd exits 125 as docker\'s, and hands the output on: the log has all of it, the exit handler sees the container out', async () => {
    const globals = nerdGlobals()
    globals[globals.indexOf('--address') + 1] = containerd.address
    const session = spawn(process.execPath, [nerdEntry, ...globals, 'run', '--name', 'attached', '--network', 'none', IMG, 'sh', '-c', 'for i in 1 2 3 4 5 6; do echo line$i; sleep 0.5; done; exit 7'], {stdio: ['ignore', 'pipe', 'pipe']})
    let [stdout, stderr] = ['', '']
    session.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    session.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const ended = new Promise<number | null>((resolve) => session.once('close', resolve))
    await until('the first line', async () => (stdout.startsWith('line1\n') ? true : undefined))
    await containerd.kill()
    assert.equal(await ended, 125)
    assert.match(stderr, /^Error: error waiting for container: Cannot connect to containerd at .*\n$/)
    await new Promise((resolve) => setTimeout(resolve, 3000))
    await containerd.start()
    const exited = await until('the container to be seen out', async () => {
      const current = await inspect('attached')
      return current.State.Status === 'exited' && !(await ctr(['tasks', 'ls', '-q'], options())).stdout.includes(current.Id) ? current : undefined
    })
    assert.equal(exited.State.ExitCode, 7)
    assert.equal(await nerdOk(['logs', 'attached'], options()), 'line1\nline2\nline3\nline4\nline5\nline6\n')
  })
})

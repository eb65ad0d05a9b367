/**
 * What becomes of a container when a process that sees it through dies (kill -9): its shim, its
 * logger, its exit handler, a `nerd stop` midway. docker's daemon does all of this in one process
 * that survives its clients; nerd's next look at the container must finish what was left undone.
 * Only processes of this file's containers are killed.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, utimesSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {inspectContainer, loggerOf, nerdOk, pids, publishablePort, removeAllContainers, shimOf, taskStatus, until} from '../helpers/containers.ts'
import {ctr, fileDataRoot, fileNamespace, loadTestImage, nerd, nerdEntry, nerdGlobals, startNerd} from '../helpers/e2e.ts'
import {deadOwnerTag} from '../helpers/owners.ts'

const IMG = 'nerd-test/busybox'

function kill(pid: number): void {
  process.kill(pid, 'SIGKILL')
}

/** The state directory of this file's container `id`. */
function stateDir(id: string): string {
  return join(fileDataRoot(), 'containers', fileNamespace(), id)
}

/**
 * Rewrites the container's state.json as a nerd from before ExitUnrecorded (9a3740f) wrote it: the
 * same keys but that one, `change` making any other difference. The text written.
 */
function writtenByOlderNerd(id: string, change: (state: Record<string, any>) => Record<string, any> = (state) => state): string {
  const file = join(stateDir(id), 'state.json')
  const {ExitUnrecorded: _, ...older} = JSON.parse(readFileSync(file, 'utf8'))
  const text = JSON.stringify(change(older), null, 2)
  writeFileSync(file, text)
  return text
}

/** Kills the container's logger, then its process: nothing sees that exit. */
async function exitUnseen(name: string): Promise<string> {
  const {Id: id, State: {Pid: pid}} = await inspectContainer(name)
  kill(await loggerOf(id))
  kill(pid)
  await until(`${name}'s task to stop`, async () => ((await taskStatus(id)) === 'STOPPED' ? true : undefined))
  return id
}

/** The padding of each of killedForegroundRun's stdout lines: 64 of them fill a pipe. */
const PAD = '0'.repeat(1000)

/**
 * A foreground `nerd run` of a counter writing a long line to stdout and a short one to stderr
 * about a thousand times a second, killed outright (SIGKILL) once it runs: nothing reads the
 * container's output then. nerd's own stdout is read to the end.
 */
async function killedForegroundRun(name: string): Promise<void> {
  const counter = `i=0; while true; do echo $i > /tmp/count; echo "line $i ${PAD}"; echo "err $i" >&2; i=$((i+1)); sleep 0.001; done`
  const run = startNerd(['run', '--name', name, '--network', 'none', IMG, 'sh', '-c', counter])
  run.child.stdout.resume()
  await until(`${name} to run`, async () => ((await nerd(['inspect', name])).code === 0 && (await inspectContainer(name)).State.Running ? true : undefined))
  await new Promise((resolve) => setTimeout(resolve, 500))
  run.child.kill('SIGKILL')
  assert.equal(await run.ended, 'SIGKILL')
}

/** The counter killedForegroundRun's container has reached (read again while it is being rewritten). */
async function countOf(name: string): Promise<number> {
  return until(`${name}'s count`, async () => {
    const text = (await nerdOk(['exec', name, 'cat', '/tmp/count'])).trim()
    return text === '' ? undefined : Number(text)
  })
}

/** The count of the last line of the stream in the container's log (of the last few entries). */
async function lastLogged(name: string, stream: 'stdout' | 'stderr'): Promise<number> {
  const logs = await nerd(['logs', '--tail', '10', name])
  assert.equal(logs.code, 0, logs.stderr)
  const counts = [...logs[stream].matchAll(/^(?:line|err) (\d+)/gm)].map((match) => Number(match[1]))
  return counts.at(-1) ?? -1
}

/** What an `attach` to the container shows of its output once it shows a whole line (it is then let go). */
async function attachedOutput(name: string): Promise<string> {
  const attach = startNerd(['attach', '--no-stdin', '--sig-proxy=false', name])
  let shown = ''
  attach.child.stdout.on('data', (chunk: Buffer) => (shown += chunk.toString()))
  try {
    return await until(`attach to show ${name}'s output`, async () => (new RegExp(`^line \\d+ ${PAD}$`, 'm').test(shown) ? shown : undefined), 10_000)
  } finally {
    attach.child.kill('SIGKILL')
    await attach.ended
  }
}

/** Waits until the container's counter, its log's stdout and its log's stderr are all past `count`. */
async function goesOnPast(name: string, count: number): Promise<void> {
  await until(`${name}'s counter to go on`, async () => ((await countOf(name)) > count + 500 ? true : undefined), 15_000)
  await until(`${name}'s log to go on`, async () => ((await lastLogged(name, 'stdout')) > count + 500 && (await lastLogged(name, 'stderr')) > count + 500 ? true : undefined), 15_000)
}

/** The file's text; undefined while it is not there. */
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/**
 * A `run -d --rm` of a one-second process, killed outright (SIGKILL) as soon as the container's
 * state says its process started, which is still within the start's hold of the container's
 * lock: the kill lands after Tasks.Start and before run returns. The container's ID once a kill
 * landed there (its lock left behind); undefined when the run was quicker.
 */
async function killedDetachedRemovedRun(name: string): Promise<string | undefined> {
  const containers = join(fileDataRoot(), 'containers', fileNamespace())
  const listed = (): string[] => (existsSync(containers) ? readdirSync(containers) : [])
  const before = new Set(listed())
  const run = startNerd(['run', '-d', '--rm', '--name', name, '--network', 'none', IMG, 'sleep', '1'])
  let id: string | undefined
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline && run.child.exitCode === null) {
    id ??= listed().find((entry) => /^[0-9a-f]{64}$/.test(entry) && !before.has(entry))
    const state = id === undefined ? undefined : readText(join(containers, id, 'state.json'))
    if (state?.includes('"StartedAt": "2')) {
      run.child.kill('SIGKILL')
      break
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  await run.ended
  return id !== undefined && existsSync(join(containers, `.${id}.lock`)) ? id : undefined
}

/**
 * A `nerd rm -f` of a running container sent `signal` while containerd deletes the task: once rm
 * has recorded the exit, which it does just before the Delete, `delayMs` into the 2 s that the
 * container's shim waits, before it deletes the process, for the output it still copies (a
 * foreground run's, stopped, reads none). On `network`, where a removal cut short leaves its
 endpoint. The container's ID, and how rm ended.
 */
async function signalledRemoval(name: string, network: string, signal: NodeJS.Signals, delayMs: number): Promise<{id: string; ended: unknown}> {
  const run = startNerd(['run', '--name', name, '--network', network, IMG, 'sh', '-c', `while true; do echo "line ${PAD}"; done`])
  run.child.stdout.resume()
  try {
    await until(`${name} to run`, async () => ((await nerd(['inspect', name])).code === 0 && (await inspectContainer(name)).State.Running ? true : undefined))
    run.child.kill('SIGSTOP')
    // Its output's pipes fill.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const {Id: id} = await inspectContainer(name)
    const remover = spawn(process.execPath, ['--', nerdEntry, ...nerdGlobals(), 'rm', '-f', name], {stdio: 'ignore', env: {...process.env, NERD_TOML: '/dev/null'}})
    const ended = new Promise((resolve) => remover.once('close', (code, killedBy) => resolve(killedBy ?? code)))
    const deadline = Date.now() + 30_000
    while (!readText(join(stateDir(id), 'state.json'))?.includes('"ExitCode": 137')) {
      assert.ok(Date.now() < deadline, `timed out waiting for rm to record ${name}'s exit`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs))
    remover.kill(signal)
    return {id, ended: await ended}
  } finally {
    run.child.kill('SIGKILL')
    await run.ended
  }
}

/** Waits until no shim of the container `id` runs. */
async function shimGone(id: string): Promise<void> {
  await until(`the shim of ${id} to end`, async () => ((await pids(`containerd-shim-runc-v2 -namespace ${fileNamespace()} -id ${id}`)).length === 0 ? true : undefined), 10_000)
}

describe('a container whose helper processes die', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await removeAllContainers()
  })

  it('kill -9 of its shim: the exit is recorded as containerd reports it (137) and the policy applied', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'shimless', '--restart=on-failure', '--network', 'none', IMG, 'sleep', '600'])).trim()
    kill(await shimOf(id))
    const restarted = await until('the policy to restart it', async () => {
      const current = await inspectContainer('shimless')
      return current.RestartCount === 1 && current.State.Status === 'running' ? current : undefined
    }, 20_000)
    assert.equal(restarted.State.ExitCode, 0)
    // The exit the restart followed: as `kill -9` of the shim ends a task (containerd's 128+SIGKILL).
    await nerdOk(['stop', '-t', '0', 'shimless'])
    const norestart = (await nerdOk(['run', '-d', '--name', 'shimless-no', '--network', 'none', IMG, 'sleep', '600'])).trim()
    kill(await shimOf(norestart))
    // Recorded in its state (until then a look shows the 255 of an exit nobody saw).
    const state = join(stateDir(norestart), 'state.json')
    await until('the exit to be recorded', async () => (JSON.parse(readFileSync(state, 'utf8')).ExitUnrecorded === undefined ? true : undefined), 20_000)
    const exited = await inspectContainer('shimless-no')
    assert.deepEqual([exited.State.Status, exited.State.ExitCode], ['exited', 137])
    assert.equal(await taskStatus(norestart), undefined)
  })

  it('an exit nobody saw (its logger killed) is seen out by the next look: recorded, its port freed, its policy applied; rm without -f refuses it meanwhile', async () => {
    const port = await publishablePort()
    await nerdOk(['run', '-d', '--name', 'unlogged', '-p', `${port}:80`, IMG, 'sleep', '600'])
    const id = await exitUnseen('unlogged')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await until('ps to show the exit', async () => (/^Exited \(137\) /.test(await nerdOk(['ps', '-a', '--filter', 'name=unlogged', '--format', '{{.Status}}'])) ? true : undefined), 10_000)
    await until('its task to be deleted', async () => ((await taskStatus(id)) === undefined ? true : undefined), 10_000)
    // Its host port is free again.
    await nerdOk(['run', '-d', '--name', 'unlogged-port', '-p', `${port}:80`, IMG, 'sleep', '600'])
    await nerdOk(['rm', '-f', 'unlogged-port', 'unlogged'])

    await nerdOk(['run', '-d', '--name', 'onfail', '--restart=on-failure', '--network', 'none', IMG, 'sh', '-c', 'sleep 2; exit 3'])
    await exitUnseen('onfail')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const refused = await nerd(['rm', 'onfail'])
    assert.equal(refused.code, 1)
    assert.equal(refused.stderr, 'Error: cannot remove container "onfail": container is restarting: stop the container before removing or force remove\n')
    await until('the policy to restart it', async () => {
      const current = await inspectContainer('onfail')
      return current.RestartCount >= 1 && current.State.Status === 'running' ? true : undefined
    }, 20_000)
    await nerdOk(['rm', '-f', 'onfail'])
  })

  it('an exit handler killed during the back-off: the next look carries out the restart', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'backoff', '--restart=on-failure', '--network', 'none', IMG, 'sh', '-c', 'sleep 0.2; exit 3'])).trim()
    const state = join(stateDir(id), 'state.json')
    // Waits of 1.6 s and more: time to kill the handler while it waits.
    const handler = await until('a handler waiting out a back-off of a second or more', async () => {
      const current = await inspectContainer('backoff')
      if (current.State.Status !== 'restarting' || current.RestartCount < 4) return undefined
      const [pid] = await pids(`task-exit.js .* ${id}`)
      if (pid === undefined) return undefined
      // Held still while looked at: `restarting` also covers the restart itself, which begins with
      // the stopped task's deletion. Its due time still to come, the task there: it waits.
      process.kill(pid, 'SIGSTOP')
      if ((await taskStatus(id)) === 'STOPPED' && JSON.parse(readFileSync(state, 'utf8')).RestartDueAt > Date.now()) return pid
      process.kill(pid, 'SIGCONT')
      return undefined
    }, 30_000)
    kill(handler)
    const count = (await inspectContainer('backoff')).RestartCount as number
    await until('a restart after the killed handler\'s', async () => ((await inspectContainer('backoff')).RestartCount > count ? true : undefined), 30_000).catch(async (error) => {
      throw new Error(`${error.message}: ${readFileSync(state, 'utf8')} ${await taskStatus(id)} ${await pids(`task-exit.js .* ${id}`)}`)
    })
    await nerdOk(['rm', '-f', 'backoff'])
  })

  it('an exit handler killed in its restart, between the task\'s creation and its start: the next look (start) carries the restart out, counted once', async () => {
    // On a network: the task's creation is followed by its attachment, before its start.
    const id = (await nerdOk(['run', '-d', '--name', 'unstarted', '--restart=on-failure', IMG, 'sleep', '600'])).trim()
    // Its process ends unseen and its task goes (the poststop hook detaches its networks, which the
    // restart then has no need to detach before its task's creation).
    await exitUnseen('unstarted')
    assert.equal((await ctr(['tasks', 'delete', id])).code, 0)
    // The container's network state lock held, as by a slow attach, kept fresh: the restart's task
    // is made, and its attachment waits.
    const lock = join(stateDir(id), 'network.json.lock')
    mkdirSync(lock)
    const fresh = setInterval(() => utimesSync(lock, new Date(), new Date()), 1000)
    try {
      // A look starts the handler of the exit nobody saw, which restarts it.
      await nerdOk(['inspect', 'unstarted'])
      const handlers = await until('the restart\'s task made, its handler waiting to attach it', async () => {
        if ((await taskStatus(id)) !== 'CREATED') return undefined
        const found = await pids(`task-exit.js .* ${id}`)
        return found.length > 0 ? found : undefined
      })
      for (const pid of handlers) kill(pid)
    } finally {
      clearInterval(fresh)
      rmSync(lock, {recursive: true})
    }
    assert.equal(await nerdOk(['start', 'unstarted']), 'unstarted\n')
    const restarted = await until('the restart carried out', async () => {
      const current = await inspectContainer('unstarted')
      return current.State.Status === 'running' ? current : undefined
    }, 20_000).catch(async (error) => {
      throw new Error(`${error.message}: ${readFileSync(join(stateDir(id), 'state.json'), 'utf8')} ${await taskStatus(id)}`)
    })
    assert.equal(restarted.RestartCount, 1)
    await nerdOk(['rm', '-f', 'unstarted'])
  })

  it('a container whose task went without its exit recorded (as after a reboot): exit 255 recorded, --rm applied, on-failure restarts it', async () => {
    const gone = async (name: string): Promise<string> => {
      const id = await exitUnseen(name)
      assert.equal((await ctr(['tasks', 'delete', id])).code, 0)
      return id
    }
    await nerdOk(['run', '-d', '--name', 'rebooted', '--network', 'none', IMG, 'sleep', '600'])
    await nerdOk(['run', '-d', '--name', 'rebooted-rm', '--rm', '--network', 'none', IMG, 'sleep', '600'])
    await nerdOk(['run', '-d', '--name', 'rebooted-onfail', '--restart=on-failure', '--network', 'none', IMG, 'sleep', '600'])
    const started = Date.now()
    for (const name of ['rebooted', 'rebooted-rm', 'rebooted-onfail']) await gone(name)
    const exited = await until('the exit to be recorded', async () => {
      const current = await inspectContainer('rebooted')
      return current.State.FinishedAt !== '0001-01-01T00:00:00Z' ? current : undefined
    })
    assert.equal(exited.State.ExitCode, 255)
    assert.match(await nerdOk(['ps', '-a', '--filter', 'name=^rebooted$', '--format', '{{.Status}}']), /^Exited \(255\) /)
    assert.ok(Date.parse(exited.State.FinishedAt) >= started - 1000, `FinishedAt ${exited.State.FinishedAt}`)
    await until('--rm to remove it', async () => ((await nerd(['inspect', 'rebooted-rm'])).code === 1 ? true : undefined))
    await until('the policy to restart it', async () => {
      const current = await inspectContainer('rebooted-onfail')
      return current.RestartCount === 1 && current.State.Status === 'running' ? true : undefined
    })
    await nerdOk(['rm', '-f', 'rebooted', 'rebooted-onfail'])
  })

  it("after a reboot (runs begun before the boot, their tasks gone): ps shows at once exited 255 or restarting, not the exit before, and the start after it sets RestartCount back to 0, as docker's daemon start", async () => {
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]) * 1000
    const names = {'booted-no': [], 'booted-onfail': ['--restart=on-failure'], 'booted-always': ['--restart=always']}
    const ids: Record<string, string> = {}
    for (const [name, flags] of Object.entries(names)) {
      ids[name] = (await nerdOk(['run', '-d', '--name', name, '--network', 'none', ...flags, IMG, 'sleep', '600'])).trim()
      // As a run begun before the last boot, after restarts, with an earlier exit in the state.
      const file = join(stateDir(ids[name]!), 'state.json')
      const state = JSON.parse(readFileSync(file, 'utf8'))
      writeFileSync(file, JSON.stringify({...state, StartedAt: new Date(boot - 60_000).toISOString(), FinishedAt: new Date(boot - 120_000).toISOString(), RestartCount: 3}))
    }
    const gone = async (name: string): Promise<void> => {
      await exitUnseen(name)
      assert.equal((await ctr(['tasks', 'delete', ids[name]!])).code, 0)
    }
    const monitorLabel = async (value: string): Promise<void> => assert.equal((await ctr(['containers', 'label', ids['booted-always']!, `containerd.io/restart.status=${value}`])).code, 0)

    // containerd's restart monitor starts the always one, as when containerd comes back up after the boot; nothing of nerd's looks meanwhile.
    await monitorLabel('')
    await gone('booted-always')
    await monitorLabel('running')
    await until('the monitor to start it', async () => ((await taskStatus(ids['booted-always']!)) === 'RUNNING' ? true : undefined), 20_000)
    const always = await until('its start recorded', async () => {
      const current = await inspectContainer('booted-always')
      return current.State.Running && Date.parse(current.State.StartedAt) > boot ? current : undefined
    })
    assert.equal(always.RestartCount, 0)

    await gone('booted-no')
    await gone('booted-onfail')
    const shown = await nerdOk(['ps', '-a', '--filter', 'name=booted-', '--format', '{{.Names}} {{.Status}}'])
    assert.match(shown, /^booted-no Exited \(255\) Less than a second ago$/m)
    assert.match(shown, /^booted-onfail Restarting \(255\) Less than a second ago$/m)
    const onFailure = await until('the policy to start it', async () => {
      const current = await inspectContainer('booted-onfail')
      return current.State.Status === 'running' ? current : undefined
    })
    assert.equal(onFailure.RestartCount, 0)
    const exited = await until('the exit to be recorded', async () => {
      const current = await inspectContainer('booted-no')
      return Date.parse(current.State.FinishedAt) > boot ? current : undefined
    })
    assert.deepEqual([exited.State.Status, exited.State.ExitCode, exited.RestartCount], ['exited', 255, 3])
    await nerdOk(['rm', '-f', ...Object.keys(names)])
  })

  it('a container an older nerd started (state.json without ExitUnrecorded, before 9a3740f), its exit unseen: seen out by the next look, its policy applied and its port freed; an exit that nerd recorded stays as it was', async () => {
    // A first run as be09292 left it (its start set FinishedAt to ''), on-failure.
    const onFailure = (await nerdOk(['run', '-d', '--name', 'older-onfail', '--restart=on-failure:3', '--network', 'none', IMG, 'sleep', '600'])).trim()
    // A later run as 2464dcc..9a3740f left it (its start kept the last run's FinishedAt), with a published port.
    const port = await publishablePort()
    const published = (await nerdOk(['run', '-d', '--name', 'older-port', '-p', `${port}:80`, IMG, 'sleep', '600'])).trim()
    await nerdOk(['restart', '-t', '0', 'older-port'])
    // A process that ended at once, recorded by that nerd after it had stamped its start (e4e3762): FinishedAt before StartedAt.
    const quick = (await nerdOk(['run', '-d', '--name', 'older-quick', '--network', 'none', IMG, 'true'])).trim()
    await until('its exit seen out', async () => ((await taskStatus(quick)) === undefined && (await inspectContainer('older-quick')).State.Status === 'exited' ? true : undefined))
    const quickState = writtenByOlderNerd(quick, (state) => ({...state, StartedAt: new Date(Date.parse(state.FinishedAt) + 30).toISOString()}))
    for (const id of [onFailure, published]) writtenByOlderNerd(id)
    assert.equal(JSON.parse(readFileSync(join(stateDir(onFailure), 'state.json'), 'utf8')).FinishedAt, '')

    await exitUnseen('older-onfail')
    await exitUnseen('older-port')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const firstLook = Date.now()
    await nerdOk(['ps', '-a'])
    await until('ps to show the exit', async () => (/^Exited \(137\) /.test(await nerdOk(['ps', '-a', '--filter', 'name=older-port', '--format', '{{.Status}}'])) ? true : undefined), 10_000)
    await until('its task to be deleted', async () => ((await taskStatus(published)) === undefined ? true : undefined), 10_000)
    await nerdOk(['run', '-d', '--name', 'older-port-again', '-p', `${port}:80`, IMG, 'sleep', '600'])
    await until('the policy to restart it', async () => {
      const current = await inspectContainer('older-onfail')
      return current.RestartCount === 1 && current.State.Status === 'running' ? true : undefined
    }, 20_000)
    // Looked at all along, the exit recorded is left as it was: an exit handler of one taken for
    // unseen would have recorded 255 within 4 s of the first look.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstLook + 5000 - Date.now())))
    assert.match(await nerdOk(['ps', '-a', '--filter', 'name=older-quick', '--format', '{{.Status}}']), /^Exited \(0\) /)
    assert.equal(readFileSync(join(stateDir(quick), 'state.json'), 'utf8'), quickState)
    await nerdOk(['rm', '-f', 'older-onfail', 'older-port', 'older-port-again', 'older-quick'])
  })

  it("a --restart=always container an older nerd started, whose install is gone (containerd's restart monitor cannot run the logger its label names), its exit unseen: restarted by the next look, with the current logger in the label", async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'older-always', '--restart=always', '--network', 'none', IMG, 'sleep', '600'])).trim()
    const loggerLabel = 'containerd.io/restart.loguri'
    const labels = async (): Promise<Record<string, string>> => JSON.parse((await ctr(['containers', 'info', id])).stdout).Labels
    const current = (await labels())[loggerLabel]
    assert.ok(current)
    writtenByOlderNerd(id)
    // What an older nerd (logs/logger.ts loggerUri without rm) put there, its node since moved away.
    const gone = `binary:///nonexistent/older-nerd/bin/node?${encodeURIComponent('/nonexistent/older-nerd/dist/logger.js')}=${encodeURIComponent(fileDataRoot())}`
    assert.equal((await ctr(['containers', 'label', id, `${loggerLabel}=${gone}`])).code, 0)
    await exitUnseen('older-always')
    // The monitor deletes the stopped task and fails to make one; nothing of nerd's looks meanwhile.
    await until('the monitor to delete its task', async () => ((await taskStatus(id)) === undefined ? true : undefined), 30_000)
    // Its exit as the first look shows it: gone unseen (docker's 255), not the state's Exited (0).
    assert.match(await nerdOk(['ps', '-a', '--filter', 'name=older-always', '--format', '{{.Status}}']), /^Restarting \(255\) /)
    await until('the policy to restart it', async () => {
      const restarted = await inspectContainer('older-always')
      return restarted.RestartCount === 1 && restarted.State.Status === 'running' ? true : undefined
    }, 20_000)
    assert.equal((await labels())[loggerLabel], current)
    await nerdOk(['rm', '-f', 'older-always'])
  })

  it('kill -9 of a foreground run: the next look (ps, or attach) hands its output to a drain: the process goes on, its output is logged and attach shows it', async () => {
    await killedForegroundRun('orphaned')
    // Nothing reads its output: it blocks on the full pipe (its count stays put for a second).
    const blocked = await until('it to block while nothing reads its output', async () => {
      const before = await countOf('orphaned')
      await new Promise((resolve) => setTimeout(resolve, 1000))
      return (await countOf('orphaned')) === before ? before : undefined
    }, 15_000)
    await nerdOk(['ps'])
    await goesOnPast('orphaned', blocked)
    assert.match(await attachedOutput('orphaned'), new RegExp(`^line \\d+ ${PAD}$`, 'm'))
    // The drain sees its exit out, as the session would have: the task is deleted once it is recorded.
    await nerdOk(['kill', 'orphaned'])
    assert.equal(await nerdOk(['wait', 'orphaned']), '137\n')
    assert.equal(await taskStatus((await inspectContainer('orphaned')).Id), undefined)

    // An attach that finds the session dead takes it over itself.
    await killedForegroundRun('orphaned-attach')
    const count = await countOf('orphaned-attach')
    await attachedOutput('orphaned-attach')
    await goesOnPast('orphaned-attach', count)
    await nerdOk(['rm', '-f', 'orphaned', 'orphaned-attach'])
  })

  it('kill -9 of `nerd start` between the task\'s creation and its start, of a container with a restart policy: the next start makes it (not "not modified")', async () => {
    // On a network: the task's creation is followed by its attachment, before its start.
    const id = (await nerdOk(['run', '-d', '--name', 'halfstarted', '--restart=on-failure', IMG, 'sleep', '600'])).trim()
    await nerdOk(['stop', '-t', '0', 'halfstarted'])
    // The container's network state lock held, as by a slow attach, kept fresh: the start's task is
    // made, and its attachment waits.
    const lock = join(stateDir(id), 'network.json.lock')
    mkdirSync(lock)
    const fresh = setInterval(() => utimesSync(lock, new Date(), new Date()), 1000)
    try {
      const starter = spawn(process.execPath, ['--', nerdEntry, ...nerdGlobals(), 'start', 'halfstarted'], {stdio: 'ignore'})
      await until('the start\'s task made, its attachment waiting', async () => ((await taskStatus(id)) === 'CREATED' ? true : undefined))
      starter.kill('SIGKILL')
      await new Promise((resolve) => starter.once('close', resolve))
    } finally {
      clearInterval(fresh)
      rmSync(lock, {recursive: true})
    }
    assert.equal(await nerdOk(['start', 'halfstarted']), 'halfstarted\n')
    const started = await inspectContainer('halfstarted')
    assert.deepEqual([started.State.Status, started.RestartCount], ['running', 0])
    await nerdOk(['rm', '-f', 'halfstarted'])
  })

  it("kill -9 of `nerd stop` midway: the next look hands the stop on, SIGKILL when its time is up (never for -t -1), as docker's daemon would; an rm -f's mark kills at once", async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    const ignoresTerm = ['sh', '-c', 'trap "" TERM; while true; do sleep 0.2; done']
    const id = (await nerdOk(['run', '-d', '--name', 'halfstopped', '--restart=always', '--network', 'none', IMG, ...ignoresTerm])).trim()
    const foreverId = (await nerdOk(['run', '-d', '--name', 'halfstopped-forever', '--network', 'none', IMG, ...ignoresTerm])).trim()
    const begun = Date.now()
    const stoppers = [['-t', '8', 'halfstopped'], ['-t', '-1', 'halfstopped-forever']].map((args) =>
      spawn(process.execPath, ['--', nerdEntry, ...nerdGlobals(), 'stop', ...args], {stdio: 'ignore', env: {...process.env, NERD_TOML: '/dev/null'}}),
    )
    // Their marks written (then they signal the processes and wait).
    for (const stopped of [id, foreverId]) await until('the stop to be under way', async () => (existsSync(join(stateDir(stopped), 'stopping')) ? true : undefined))
    await sleep(begun + 1000 - Date.now())
    for (const stopper of stoppers) stopper.kill('SIGKILL')
    await nerdOk(['inspect', 'halfstopped', 'halfstopped-forever'])
    await sleep(3000)
    const statuses = async () => (await Promise.all(['halfstopped', 'halfstopped-forever'].map(inspectContainer))).map((container) => container.State.Status)
    assert.deepEqual(await statuses(), ['running', 'running'], 'nothing is killed before its time')
    const stopped = await until('the stop to be finished', async () => {
      const current = await inspectContainer('halfstopped')
      return current.State.Status === 'exited' ? current : undefined
    }, begun + 12_000 - Date.now())
    assert.equal(stopped.State.ExitCode, 137)
    assert.ok(Date.parse(stopped.State.FinishedAt) >= begun + 8000, `killed ${Date.parse(stopped.State.FinishedAt) - begun} ms after the stop began, before its 8 s`)
    await sleep(1500)
    assert.deepEqual(await statuses(), ['exited', 'running'], 'its policy left it stopped; the stop with -t -1 never kills')
    await nerdOk(['rm', '-f', 'halfstopped', 'halfstopped-forever'])
    // What an rm -f killed before it killed the process leaves: a mark without a deadline, finished at once.
    const removedId = (await nerdOk(['run', '-d', '--name', 'halfremoved', '--network', 'none', IMG, ...ignoresTerm])).trim()
    writeFileSync(join(stateDir(removedId), 'stopping'), await deadOwnerTag())
    await nerdOk(['ps', '-a'])
    const killed = await until('the removal\'s kill', async () => {
      const current = await inspectContainer('halfremoved')
      return current.State.Status === 'exited' ? current : undefined
    }, 5000)
    assert.equal(killed.State.ExitCode, 137)
    await nerdOk(['rm', 'halfremoved'])
  })

  it("a stop's mark left by a nerd killed after the process ended (a stop's, an rm -f's) stops no later start of the container", async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'stalemark', '--network', 'none', IMG, 'sh', '-c', 'trap "touch /termed; sleep 1; exit 3" TERM; while true; do sleep 0.2; done'])).trim()
    const {State: {Pid: pid}} = await inspectContainer('stalemark')
    const stopper = spawn(process.execPath, ['--', nerdEntry, ...nerdGlobals(), 'stop', '-t', '60', 'stalemark'], {stdio: 'ignore', env: {...process.env, NERD_TOML: '/dev/null'}})
    await until('the stop signal to arrive', async () => (existsSync(`/proc/${pid}/root/termed`) ? true : undefined))
    stopper.kill('SIGKILL')
    /** Waits, looking through no nerd, until the exit handler has recorded the exit `code` and deleted the task. */
    const exitSeenOut = (code: number) =>
      until('the exit to be seen out', async () => {
        const state = JSON.parse(readFileSync(join(stateDir(id), 'state.json'), 'utf8'))
        return state.ExitCode === code && !state.ExitUnrecorded && (await taskStatus(id)) === undefined ? true : undefined
      }, 15_000)
    // Nothing looks through nerd until the process has ended by itself (a look would finish the stop with SIGKILL).
    await exitSeenOut(3)
    assert.ok(existsSync(join(stateDir(id), 'stopping')), "the killed stop's mark is left")
    const startsAndRuns = async (): Promise<void> => {
      await nerdOk(['start', 'stalemark'])
      const started = await inspectContainer('stalemark')
      await nerdOk(['ps', '-a'])
      await new Promise((resolve) => setTimeout(resolve, 1500))
      const later = await inspectContainer('stalemark')
      assert.deepEqual([later.State.Status, later.State.Pid], ['running', started.State.Pid])
    }
    await startsAndRuns()
    // What an rm -f killed after it recorded the exit leaves: the container exited, its mark naming a nerd gone.
    await nerdOk(['kill', 'stalemark'])
    await exitSeenOut(137)
    writeFileSync(join(stateDir(id), 'stopping'), await deadOwnerTag())
    await startsAndRuns()
    await nerdOk(['rm', '-f', 'stalemark'])
  })

  it('an exec leaves no process in the shim once it ends, as docker\'s daemon deletes it: exec -d\'s reaper deletes it, the next exec one whose nerd was killed', async () => {
    await nerdOk(['run', '-d', '--name', 'execs', '--network', 'none', IMG, 'sleep', '300'])
    const id = (await nerdOk(['inspect', '-f', '{{.Id}}', 'execs'])).trim()
    // The shim runs in the task's bundle, where it keeps a pid file for each exec not deleted.
    const bundle = readlinkSync(`/proc/${await shimOf(id)}/cwd`)
    const execsLeft = () => readdirSync(bundle).filter((name) => /^[0-9a-f]{64}\b/.test(name))
    for (let round = 0; round < 5; round++) await nerdOk(['exec', '-d', 'execs', 'true'])
    await nerdOk(['exec', '-d', 'execs', 'sleep', '3'])
    // inspect's ExecIDs, as docker's: the exec that runs, not those that ended (their reapers may not
    // have deleted them yet); none once it has ended too.
    const execIds = async (): Promise<string[] | null> => JSON.parse(await nerdOk(['inspect', '-f', '{{json .ExecIDs}}', 'execs'])) as string[] | null
    const running = await execIds()
    assert.equal(running?.length, 1, `one exec runs: ${JSON.stringify(running)}`)
    assert.match(running?.[0] ?? '', /^[0-9a-f]{64}$/)
    await until('the detached execs to be deleted', async () => (execsLeft().length === 0 ? true : undefined), 15_000)
    assert.equal(await execIds(), null)

    const killed = startNerd(['exec', 'execs', 'sleep', '1'])
    await until('the exec to start', async () => (execsLeft().length === 1 ? true : undefined))
    killed.child.kill('SIGKILL')
    await killed.ended
    // Its process ended (the container's own is left), which nothing saw: only an exec that ended can be deleted.
    await until('the exec\'s process to end', async () => ((await ctr(['tasks', 'ps', id])).stdout.trim().split('\n').length === 2 ? true : undefined))
    assert.equal(execsLeft().length, 1, 'the killed nerd left its exec')
    await nerdOk(['exec', 'execs', 'true'])
    assert.deepEqual(execsLeft(), [])
    await nerdOk(['rm', '-f', 'execs'])
  })

  it('an exec whose background child holds its output open ends 2 s after its process, as docker\'s daemon gives up on the output then; a reaper deletes the exec', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'exec-held', '--network', 'none', IMG, 'sleep', '300'])).trim()
    const bundle = readlinkSync(`/proc/${await shimOf(id)}/cwd`)
    const execsLeft = () => readdirSync(bundle).filter((name) => /^[0-9a-f]{64}\b/.test(name))
    const timed = async (command: string[]): Promise<{ms: number; code: number; stdout: string}> => {
      const start = Date.now()
      const {code, stdout} = await nerd(['exec', 'exec-held', ...command])
      return {ms: Date.now() - start, code, stdout}
    }
    // nerd's own start and end, measured apart.
    const plain = await timed(['true'])
    const held = await timed(['sh', '-c', 'sleep 8 & echo done'])
    assert.deepEqual([held.code, held.stdout], [0, 'done\n'])
    const waited = held.ms - plain.ms
    // containerd's deletion of the exec waits up to 2 s more for that output: not nerd's to wait for.
    assert.ok(waited >= 1500 && waited < 3200, `waited ${waited} ms after the process`)
    await until('the exec to be deleted', async () => (execsLeft().length === 0 ? true : undefined), 15_000)
    await nerdOk(['rm', '-f', 'exec-held'])
  })

  it('kill -9 of an attached exec: the next look (ps, or another exec) takes its output over, so the process goes on to its end and nothing of it is left', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'exec-orphan', '--network', 'none', IMG, 'sleep', '300'])).trim()
    const {State: {Pid: pid}} = await inspectContainer('exec-orphan')
    // Read from the host: an exec to read it would be the look that takes the exec over.
    const count = (): number => Number(readText(`/proc/${pid}/root/tmp/count`)?.trim() || 0)
    const bundle = readlinkSync(`/proc/${await shimOf(id)}/cwd`)
    const fifoDir = join(fileDataRoot(), 'fifo')
    for (const look of [['ps'], ['exec', 'exec-orphan', 'true']]) {
      // A few seconds of output, 64 lines of which fill a pipe.
      const last = 3000
      const writer = `i=0; while [ $i -lt ${last} ]; do i=$((i+1)); echo $i > /tmp/count; echo "line $i ${PAD}"; sleep 0.001; done`
      rmSync(`/proc/${pid}/root/tmp/count`, {force: true})
      const killed = startNerd(['exec', 'exec-orphan', 'sh', '-c', writer])
      killed.child.stdout.resume()
      const started = await until('the exec to write', async () => (count() > 100 ? count() : undefined))
      killed.child.kill('SIGKILL')
      assert.equal(await killed.ended, 'SIGKILL')
      // Nothing reads its output: it blocks once the pipes are full.
      const blocked = await until('the exec to block', async () => {
        const before = count()
        await new Promise((resolve) => setTimeout(resolve, 1000))
        return count() === before ? before : undefined
      }, 15_000)
      assert.ok(blocked < last, `blocked at ${blocked} (from ${started}), before its end`)
      await nerdOk(look)
      await until(`the exec to go on to its end after \`nerd ${look[0]}\``, async () => (count() === last ? true : undefined), 30_000)
      await until('nothing of the exec to be left', async () => {
        const left = {
          records: existsSync(join(stateDir(id), 'execs')) ? readdirSync(join(stateDir(id), 'execs')) : [],
          shim: readdirSync(bundle).filter((name) => name.startsWith('exec-')),
          fifos: existsSync(fifoDir) ? readdirSync(fifoDir) : [],
        }
        return Object.values(left).every((names) => names.length === 0) ? true : undefined
      }, 15_000)
    }
    await nerdOk(['rm', '-f', 'exec-orphan'])
  })

  it('kill -9 of `run -d --rm` after its process started: the container is removed once the process exits, as docker\'s daemon removes it', async () => {
    // A kill that lands once the start is done leaves nothing to take over: tried until one lands within it.
    let id: string | undefined
    for (let attempt = 0; attempt < 10 && id === undefined; attempt++) {
      id = await killedDetachedRemovedRun(`autorm${attempt}`)
      if (id === undefined) await until('the quicker run\'s container to go', async () => ((await nerd(['inspect', `autorm${attempt}`])).code !== 0 ? true : undefined))
    }
    assert.ok(id, 'a kill landed while the start held the container\'s lock')
    const killedAt = Date.now()
    // Its one second, then its exit handler: before the killed run's lock would go stale (10 s), with
    // all the room a loaded machine may need.
    await until('the container to be removed', async () => (!existsSync(stateDir(id!)) ? true : undefined), 15_000)
    assert.ok(Date.now() - killedAt < 9500, `removed ${Date.now() - killedAt} ms after the kill`)
    assert.notEqual((await nerd(['inspect', id!])).code, 0)
    assert.ok(!(await ctr(['containers', 'ls', '-q'])).stdout.includes(id!), 'containerd has no such container')
  })

  it('ctrl-c (SIGINT) of `rm -f` while containerd deletes the task: held back until the removal is done, as docker\'s daemon finishes one', async () => {
    await nerdOk(['network', 'create', 'interrupted'])
    for (const delayMs of [100, 1000]) {
      const {id, ended} = await signalledRemoval(`interrupted${delayMs}`, 'interrupted', 'SIGINT', delayMs)
      assert.equal(ended, 'SIGINT', 'rm died of the ctrl-c once done')
      assert.notEqual((await nerd(['inspect', id])).code, 0, 'the container is removed')
      await shimGone(id)
    }
    // No endpoint left behind.
    await nerdOk(['network', 'rm', 'interrupted'])
  })

  it('kill -9 of `rm -f` while containerd deletes the task (its Delete cancelled half-way, its shim left running): start and rm -f finish the deletion, and free its endpoint', async () => {
    await nerdOk(['network', 'create', 'halfremoved'])
    /** Kills rm -f midway, and checks that what containerd has left is the task deleted half-way. */
    const halfRemoved = async (name: string): Promise<string> => {
      const {id, ended} = await signalledRemoval(name, 'halfremoved', 'SIGKILL', 300)
      assert.equal(ended, 'SIGKILL')
      assert.equal((await inspectContainer(name)).State.Status, 'exited')
      assert.equal(await taskStatus(id), undefined, 'containerd lists no task')
      assert.ok((await pids(`containerd-shim-runc-v2 -namespace ${fileNamespace()} -id ${id}`)).length > 0, 'its shim runs on')
      return id
    }
    const started = await halfRemoved('halfremoved1')
    await nerdOk(['start', 'halfremoved1'])
    assert.equal((await inspectContainer('halfremoved1')).State.Status, 'running')
    await nerdOk(['rm', '-f', 'halfremoved1'])
    await shimGone(started)
    const removed = await halfRemoved('halfremoved2')
    await nerdOk(['rm', '-f', 'halfremoved2'])
    await shimGone(removed)
    await nerdOk(['network', 'rm', 'halfremoved'])
  })
})

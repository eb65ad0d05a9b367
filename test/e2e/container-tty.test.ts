/**
 * Interactive terminals end to end: `run -it`, `attach` and `exec -it` driven through a real
 * pseudo-terminal (tmux, or util-linux script), window size, detach keys, hang-ups, and exec's exit
 * codes.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {promisify} from 'node:util'
import {nerdOk, until} from '../helpers/containers.ts'
import {loadTestImage, nerd, nerdCommandLine, nerdEntry} from '../helpers/e2e.ts'

const IMG = 'docker.io/nerd-test/busybox:latest'
const run = promisify(execFile)
const session = `nerd-tty-${process.pid}`

async function tmux(...args: string[]): Promise<string> {
  return (await run('tmux', args)).stdout
}

async function screenShows(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const screen = await tmux('capture-pane', '-p', '-t', session).catch(() => '')
    if (pattern.test(screen)) return screen
    if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}:\n${screen}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * Runs nerd in the pane, then prints `<marker>-<its exit
 * code>`. The pane's shell ignores ctrl-c, so that it outlives a nerd that ctrl-c ends (Node sets
 * its signals back to their defaults when it starts).
 */
async function paneRuns(args: string[], marker: string, env: Record<string, string> = {}): Promise<void> {
  const assignments = Object.entries(env).map(([name, value]) => `${name}='${value}' `).join('')
  await tmux('respawn-pane', '-k', '-t', session, `trap '' INT; ${assignments}${nerdCommandLine(args)}; echo ${marker}-$?; sleep 600`)
}

/** Types a command line into the pane that only a shell receiving it answers (`ready-<n>`), and waits for the answer. */
async function shellAnswers(n: number): Promise<void> {
  await tmux('send-keys', '-t', session, `echo ready-$((${n - 1}+1))`, 'Enter')
  await screenShows(new RegExp(`^ready-${n}\\s*$`, 'm'))
}

async function inspectState(name: string): Promise<string> {
  const result = await nerd(['inspect', '--format', '{{.State.Status}}', name])
  return result.stdout.trim()
}

/** The nerd that `script` (`pid`) runs, past its shell: the descendant whose command line names nerd's entry. */
function nerdUnder(pid: number): number | undefined {
  try {
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)) {
      if (readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').includes(nerdEntry)) return child
      const below = nerdUnder(child)
      if (below !== undefined) return below
    }
  } catch {
    // It ended meanwhile.
  }
  return undefined
}

/** Whether the process `pid` has ended (a zombie too). */
function processEnded(pid: number): boolean {
  return !existsSync(`/proc/${pid}`) || /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
}

/** nerd run in `script`'s terminal: what the terminal shows, its end, and nerd's pid once the container shows `ready`. */
async function readyOnTerminal(args: string[]): Promise<{terminal: ReturnType<typeof spawn>; shown: () => string; ended: Promise<number | null>; pid: number}> {
  const terminal = spawn('script', ['--quiet', '--return', '--command', nerdCommandLine(args), '/dev/null'], {stdio: ['pipe', 'pipe', 'ignore']})
  let shown = ''
  terminal.stdout!.on('data', (chunk: Buffer) => (shown += chunk.toString()))
  const closed = new Promise<number | null>((resolve) => terminal.once('close', resolve))
  await until('the container to be ready', async () => (shown.includes('ready') ? true : undefined))
  const pid = await until('nerd to show', async () => nerdUnder(terminal.pid!))
  return {terminal, shown: () => shown, ended: closed, pid}
}

describe('terminals', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
    // Each test runs its commands in the session's pane (respawn-pane), of this size.
    await tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '40', 'sleep 600')
  })

  after(async () => {
    await tmux('kill-session', '-t', session).catch(() => undefined)
    await nerd(['rm', '-f', 'tty1', 'exec1'])
  })

  it('run -it sees the window size, and ctrl-p ctrl-q detaches leaving the container running', async () => {
    // `; sleep 600` keeps the pane (and its output) after nerd exits.
    await tmux('respawn-pane', '-k', '-t', session, `${nerdCommandLine(['run', '-it', '--name', 'tty1', IMG, 'sh'])}; echo NERD-EXITED-$?; sleep 600`)
    await screenShows(/^\/ # ?$/m)
    await tmux('send-keys', '-t', session, 'stty size', 'Enter')
    await screenShows(/^40 100\s*$/m)
    await tmux('send-keys', '-t', session, 'C-p', 'C-q')
    await screenShows(/NERD-EXITED-0/)
    assert.equal(await inspectState('tty1'), 'running')
  })

  it('after a detach the output goes on into the log, so the container never blocks on it', async () => {
    // The output begins once told to, after the detach.
    const script = 'echo started; until [ -e /tmp/go ]; do sleep 0.1; done; i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done; echo finished; sleep 600'
    await tmux('respawn-pane', '-k', '-t', session, `${nerdCommandLine(['run', '-it', '--name', 'tty2', IMG, 'sh', '-c', script])}; echo DETACHED-$?; sleep 600`)
    // Attached (its terminal raw) once the output shows: keys typed before could meet the terminal's
    // own handling (ctrl-q is its XON).
    await screenShows(/^started\s*$/m)
    await tmux('send-keys', '-t', session, 'C-p', 'C-q')
    await screenShows(/DETACHED-0/)
    await nerdOk(['exec', 'tty2', 'touch', '/tmp/go'])
    const deadline = Date.now() + 20_000
    let logs = ''
    while (!logs.includes('finished') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 300))
      logs = (await nerd(['logs', '--tail', '2', 'tty2'])).stdout
    }
    assert.match(logs, /line 2999\r?\nfinished/)
    await nerd(['rm', '-f', 'tty2'])
  })

  it('attach takes up a run -it session after its detach, its prompt redrawn and its input reaching the shell; attach and exec -it detach as docker\'s: "read escape sequence", exit 1', async () => {
    await tmux('respawn-pane', '-k', '-t', session, `${nerdCommandLine(['run', '-it', '--name', 'tty3', IMG, 'sh'])}; echo RUN-EXITED-$?; sleep 600`)
    await screenShows(/^\/ # ?$/m)
    await tmux('send-keys', '-t', session, 'C-p', 'C-q')
    await screenShows(/RUN-EXITED-0/)
    // On a cleared screen, the shell's prompt shows before any key: the terminal's size is the same
    // as run's, and attach first makes it one larger (docker's resizeTTY), so the shell redraws it.
    await tmux('respawn-pane', '-k', '-t', session, `printf '\\033[H\\033[2J'; ${nerdCommandLine(['attach', 'tty3'])}; echo ATTACH-EXITED-$?; sleep 600`)
    await screenShows(/^\/ # ?$/m, 5000)
    await tmux('send-keys', '-t', session, 'echo again-$((6*7))', 'Enter')
    await screenShows(/^again-42\s*$/m)
    await tmux('send-keys', '-t', session, 'C-p', 'C-q')
    assert.match(await screenShows(/ATTACH-EXITED-1/), /read escape sequence\s*$/m)
    await tmux('respawn-pane', '-k', '-t', session, `${nerdCommandLine(['exec', '-it', 'tty3', 'sh'])}; echo EXEC-EXITED-$?; sleep 600`)
    await screenShows(/^\/ # ?$/m)
    await tmux('send-keys', '-t', session, 'C-p', 'C-q')
    assert.match(await screenShows(/EXEC-EXITED-1/), /read escape sequence\s*$/m)
    assert.equal(await inspectState('tty3'), 'running')
    await nerd(['rm', '-f', 'tty3'])
  })

  it('a hang-up (the terminal closed) leaves the shell of run -it and start -ai running, for attach to take up again', async () => {
    await nerd(['create', '-it', '--name', 'hup2', IMG, 'sh'])
    const sessions = {hup1: ['run', '-it', '--name', 'hup1', IMG, 'sh'], hup2: ['start', '-ai', 'hup2']}
    for (const [name, args] of Object.entries(sessions)) {
      const terminal = spawn('script', ['--quiet', '--command', nerdCommandLine(args), '/dev/null'], {stdio: ['pipe', 'ignore', 'ignore']})
      await until(`${name} to run`, async () => ((await inspectState(name)) === 'running' ? true : undefined))
      await new Promise((resolve) => setTimeout(resolve, 1000))
      // The terminal's end: its master side closes.
      terminal.kill('SIGKILL')
      await new Promise((resolve) => setTimeout(resolve, 2000))
      assert.equal(await inspectState(name), 'running', `${name}'s shell outlives its terminal`)
      const reattached = spawn('script', ['--quiet', '--return', '--command', nerdCommandLine(['attach', name]), '/dev/null'], {stdio: ['pipe', 'pipe', 'ignore']})
      let shown = ''
      reattached.stdout.on('data', (chunk: Buffer) => (shown += chunk.toString()))
      const ended = new Promise((resolve) => reattached.once('close', resolve))
      await new Promise((resolve) => setTimeout(resolve, 1000))
      reattached.stdin.write('exit 4\n')
      assert.equal(await ended, 4, `attach to ${name} showed: ${shown}`)
    }
    await nerd(['rm', '-f', 'hup1', 'hup2'])
  })

  it('run -t passes signals on with a terminal too, as docker\'s since 20.10: SIGTERM reaches the container and nerd ends with its status; start -a of a terminal\'s container does not (docker\'s keeps that check), and lets go of it', async () => {
    const trapping = 'trap "echo got; exit 5" TERM; echo ready; while :; do sleep 0.1; done'
    const run = await readyOnTerminal(['run', '-t', '--rm', '--name', 'termed', IMG, 'sh', '-c', trapping])
    process.kill(run.pid, 'SIGTERM')
    assert.deepEqual([await run.ended, /^got\r?$/m.test(run.shown())], [5, true], run.shown())
    await nerd(['create', '-t', '--name', 'termed-start', IMG, 'sh', '-c', trapping])
    const start = await readyOnTerminal(['start', '-a', 'termed-start'])
    process.kill(start.pid, 'SIGTERM')
    assert.deepEqual([await start.ended, /^got\r?$/m.test(start.shown())], [143, false], start.shown())
    assert.equal(await inspectState('termed-start'), 'running')
    await nerd(['rm', '-f', 'termed-start'])
  })

  it('a hang-up of run -t\'s terminal (closed) reaches the container, as docker\'s, and nerd lets go of it: the container runs on, and --rm removes it at its end', async () => {
    const run = await readyOnTerminal(['run', '-t', '--rm', '--name', 'hup3', IMG, 'sh', '-c', 'trap "touch /tmp/hung-up" HUP; echo ready; until [ -e /tmp/go ]; do sleep 0.1; done'])
    // The terminal's end: its master side closes.
    run.terminal.kill('SIGKILL')
    await until('nerd to let go', async () => (processEnded(run.pid) ? true : undefined), 10_000)
    assert.equal(await inspectState('hup3'), 'running')
    assert.equal((await nerd(['exec', 'hup3', 'ls', '/tmp/hung-up'])).code, 0, 'the container got the hang-up')
    await nerd(['exec', 'hup3', 'touch', '/tmp/go'])
    await until('the container to be removed', async () => ((await nerd(['ps', '-aq', '--filter', 'name=hup3'])).stdout === '' ? true : undefined))
  })

  it('the terminal gets the container\'s line ends as they are (docker\'s raw mode clears OPOST: no \\r\\r\\n), and is set back as it was', async () => {
    const commandLine = `${nerdCommandLine(['run', '-it', '--rm', IMG, 'sh', '-c', 'echo one; echo two'])}; stty -a`
    const {stdout} = await run('script', ['--quiet', '--return', '--command', commandLine, '/dev/null'], {encoding: 'latin1'})
    assert.match(stdout, /one\r\ntwo\r\n/)
    assert.doesNotMatch(stdout, /\r\r\n/)
    assert.match(stdout, /[ \n]opost /, 'OPOST is on again')
  })

  it('stats on a terminal redraws its table in place, live', async () => {
    await nerd(['run', '-d', '--name', 'statted', IMG, 'sleep', '600'])
    await tmux('respawn-pane', '-k', '-t', session, `${nerdCommandLine(['stats', 'statted'])}; sleep 600`)
    const first = await screenShows(/^CONTAINER ID\s+NAME\s+CPU %[^\n]*\n[0-9a-f]{12}\s+statted\s/m)
    // One table at a time: the screen is cleared before each redraw.
    assert.equal(first.match(/CONTAINER ID/g)?.length, 1)
    await new Promise((resolve) => setTimeout(resolve, 2500))
    const later = await tmux('capture-pane', '-p', '-t', session)
    assert.equal(later.match(/CONTAINER ID/g)?.length, 1)
    assert.match(later, /statted/)
    // The next test's respawn-pane ends it (a ctrl-c here would end the pane's shell, and the session with it).
    await nerd(['rm', '-f', 'statted'])
  })

  it('attach to a container without a terminal leaves nerd\'s as it was: the output\'s lines as they come, and ctrl-c forwarded as a signal (docker\'s sig-proxy), or ending the attach with --sig-proxy=false', async () => {
    const loop = 'trap "echo got INT; exit 42" INT; i=0; while true; do i=$((i+1)); echo line $i; sleep 1; done'
    await nerd(['run', '-d', '--name', 'plain1', IMG, 'sh', '-c', loop])
    await paneRuns(['attach', 'plain1'], 'ATTACH-EXITED')
    // In raw mode each line would start where the last one ended.
    await screenShows(/^line \d+\s*\nline \d+\s*$/m)
    await tmux('send-keys', '-t', session, 'C-c')
    assert.match(await screenShows(/ATTACH-EXITED-\d+/), /got INT\s*\nATTACH-EXITED-42\s*$/m)
    await nerd(['run', '-d', '--name', 'plain2', IMG, 'sh', '-c', loop])
    await paneRuns(['attach', '--sig-proxy=false', 'plain2'], 'UNPROXIED-EXITED')
    await screenShows(/^line \d+\s*\nline \d+\s*$/m)
    await tmux('send-keys', '-t', session, 'C-c')
    await screenShows(/UNPROXIED-EXITED-130/)
    assert.equal(await inspectState('plain2'), 'running')
    await nerd(['rm', '-f', 'plain1', 'plain2'])
  })

  it('attach to a -di container sends the lines typed into a terminal as they are, echoed there and ending in \\n', async () => {
    await nerd(['run', '-di', '--name', 'plain3', IMG, 'sh'])
    await paneRuns(['attach', 'plain3'], 'ATTACH-EXITED')
    await shellAnswers(42)
    await tmux('send-keys', '-t', session, 'exit 5', 'Enter')
    assert.match(await screenShows(/ATTACH-EXITED-5/), /^exit 5\s*$/m)
    await nerd(['rm', '-f', 'plain3'])
  })

  it('attach --no-stdin to a terminal\'s container does not read nerd\'s: what is typed is echoed there, and ctrl-c ends the attach, leaving the container running', async () => {
    await nerd(['run', '-dit', '--name', 'unread1', IMG, 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done'])
    await paneRuns(['attach', '--no-stdin', 'unread1'], 'ATTACH-EXITED')
    // Its output shows the attach under way, nerd's input set up before.
    await screenShows(/^tick \d+/m)
    await tmux('send-keys', '-t', session, 'typed-here')
    await screenShows(/typed-here/)
    await tmux('send-keys', '-t', session, 'C-c')
    await screenShows(/ATTACH-EXITED-130/)
    assert.equal(await inspectState('unread1'), 'running')
    await nerd(['rm', '-f', 'unread1'])
  })

  it('the detachKeys of docker\'s config.json are those of run, attach, exec and start unless --detach-keys gives others; an empty --detach-keys gives none', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'nerd-tty-config-'))
    const emptyConfigDir = mkdtempSync(join(tmpdir(), 'nerd-tty-config-'))
    try {
      writeFileSync(join(configDir, 'config.json'), JSON.stringify({detachKeys: 'ctrl-a,x'}))
      const configured = {DOCKER_CONFIG: configDir}
      await nerd(['create', '-it', '--name', 'keys2', IMG, 'sh'])
      const sessions: [string[], Record<string, string>, string, string[], number][] = [
        [['run', '-it', '--name', 'keys1', IMG, 'sh'], configured, 'RUN-EXITED', ['C-a', 'x'], 0],
        [['attach', 'keys1'], configured, 'ATTACH-EXITED', ['C-a', 'x'], 1],
        [['attach', '--detach-keys=', 'keys1'], configured, 'EMPTY-EXITED', ['C-a', 'x'], 1],
        [['attach', '--detach-keys=ctrl-p,ctrl-q', 'keys1'], configured, 'FLAG-EXITED', ['C-p', 'C-q'], 1],
        [['exec', '-it', 'keys1', 'sh'], configured, 'EXEC-EXITED', ['C-a', 'x'], 1],
        [['start', '-ai', 'keys2'], configured, 'START-EXITED', ['C-a', 'x'], 0],
        [['attach', '--detach-keys=', 'keys1'], {DOCKER_CONFIG: emptyConfigDir}, 'DEFAULT-EXITED', ['C-p', 'C-q'], 1],
      ]
      for (const [n, [args, env, marker, keys, code]] of sessions.entries()) {
        await paneRuns(args, marker, env)
        await shellAnswers(n + 1)
        await tmux('send-keys', '-t', session, ...keys)
        await screenShows(new RegExp(`${marker}-${code}\\s*$`, 'm'))
      }
      assert.equal(await inspectState('keys1'), 'running')
      assert.equal(await inspectState('keys2'), 'running')
    } finally {
      rmSync(configDir, {recursive: true, force: true})
      rmSync(emptyConfigDir, {recursive: true, force: true})
      await nerd(['rm', '-f', 'keys1', 'keys2'])
    }
  })

  it('exec runs in the running container and propagates its exit code', async () => {
    await nerd(['run', '-d', '--name', 'exec1', IMG, 'sleep', '600'])
    const listed = await nerd(['exec', 'exec1', 'ls', '/'])
    assert.equal(listed.code, 0, listed.stderr)
    assert.match(listed.stdout, /^bin$/m)
    const failed = await nerd(['exec', 'exec1', 'sh', '-c', 'exit 7'])
    assert.equal(failed.code, 7)
    // docker's daemon (>= 28) gives an exec whose command is not found 127.
    const missing = await nerd(['exec', 'exec1', 'nosuchbin'])
    assert.equal(missing.code, 127, missing.stderr)
    const asApp = await nerd(['exec', '-u', 'app', '-w', '/tmp', '-e', 'X=1', 'exec1', 'sh', '-c', 'id -u; pwd; echo $X'])
    assert.equal(asApp.stdout, '1000\n/tmp\n1\n')
    const piped = await nerd(['exec', '-i', 'exec1', 'cat'], {input: 'through stdin\n'})
    assert.equal(piped.stdout, 'through stdin\n')
  })

  it('exec -it gets a terminal of the right size', async () => {
    await tmux('respawn-pane', '-k', '-t', session, `${nerdCommandLine(['exec', '-it', 'exec1', 'sh', '-c', 'stty size; tty; exit 4'])}; echo EXEC-EXITED-$?; sleep 600`)
    const screen = await screenShows(/EXEC-EXITED-4/)
    assert.match(screen, /^40 100\s*$/m)
    assert.match(screen, /^\/dev\/pts\/\d+\s*$/m)
  })
})

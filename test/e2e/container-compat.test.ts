/**
 * docker behaviours of the container commands that scripts lean on, each found different once: the
 * no-ops that succeed (start of a running container, rm -f of a missing one), flag spellings,
 * arguments after the container, inspect across object kinds, and one-line errors with docker's exit codes.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {readdirSync, statSync} from 'node:fs'
import {readFile, readlink} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {nerdOk, removeAllContainers, until} from '../helpers/containers.ts'
import {ctr, fileNamespace, loadTestImage, nerd, nerdCommandLine, testEnvironment} from '../helpers/e2e.ts'

const IMG = 'nerd-test/busybox'

/** A nerd run's exit code and text output, to compare whole. */
async function outcome(args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  const {code, stdout, stderr} = await nerd(args)
  return {code, stdout, stderr}
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
    const missing = 'Error: No such container: nosuch\n'
    assert.deepEqual(await outcome(['rm', '-f', 'nosuch']), {code: 0, stdout: '', stderr: missing})
    await nerdOk(['create', '--name', 'made', IMG, 'true'])
    assert.deepEqual(await outcome(['rm', '-f', 'nosuch', 'made']), {code: 0, stdout: 'made\n', stderr: missing})
    // Without -f a missing container is still an error.
    assert.deepEqual(await outcome(['rm', 'nosuch']), {code: 1, stdout: '', stderr: missing})
  })

  it('stop and restart take --timeout (docker 25) and --time; a bad signal fails with 1 and leaves the container running', async () => {
    await nerdOk(['run', '-d', '--name', 'stoppable', IMG, 'sleep', '600'])
    assert.equal(await nerdOk(['restart', '--timeout', '1', 'stoppable']), 'stoppable\n')
    for (const command of [['kill', '-s', 'BOGUS'], ['stop', '-s', 'BOGUS']]) {
      const result = await nerd([...command, 'stoppable'])
      assert.deepEqual([result.code, result.stderr], [1, 'Error: Invalid signal: BOGUS\n'], command.join(' '))
    }
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'stoppable']), 'running\n')
    assert.equal(await nerdOk(['stop', '--time', '1', 'stoppable']), 'stoppable\n')
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'stoppable']), 'exited\n')
  })

  it('top passes what follows the container to ps, and lists a paused container too', async () => {
    const [titles, process] = (await nerdOk(['top', 'web', '-o', 'pid,comm'])).trim().split('\n')
    assert.match(titles!, /^PID\s+COMMAND$/)
    assert.match(process!, /^\d+\s+sleep$/)
    await nerdOk(['pause', 'web'])
    try {
      assert.match(await nerdOk(['top', 'web']), /sleep 600/)
    } finally {
      await nerdOk(['unpause', 'web'])
    }
  })

  it('container ps lists as ps does; a wrong number of arguments gets docker\'s words', async () => {
    assert.equal(await nerdOk(['container', 'ps', '--format', '{{.Names}}', '-f', 'name=^web$']), 'web\n')
    // docker's ps runs the template on a struct: a misspelt field is an error, not <no value> per line.
    const misspelt = await outcome(['ps', '--format', '{{.Nmaes}}'])
    assert.deepEqual(misspelt, {code: 1, stdout: '', stderr: 'Error: template parsing error: template: :1:2: executing "" at <.Nmaes>: can\'t evaluate field Nmaes in type *formatter.ContainerContext\n'})
    assert.deepEqual(await outcome(['logs', 'web', 'extra']), {code: 1, stdout: '', stderr: '"nerd logs" requires exactly 1 argument.\nSee \'nerd logs --help\'.\n'})
    assert.deepEqual(await outcome(['images', 'a', 'b']), {code: 1, stdout: '', stderr: '"nerd images" requires at most 1 argument.\nSee \'nerd images --help\'.\n'})
    const port = await nerd(['port', 'web', '80/xyz'])
    assert.deepEqual([port.code, port.stderr], [1, 'Error: invalid port "80/xyz": PRIVATE_PORT[/PROTO] such as 80/tcp\n'])
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

  it('ps filters on published and exposed container ports and folds runs of ports as docker does', async () => {
    await nerdOk(['run', '-d', '--name', 'published', '-p', '127.0.0.1::80', IMG, 'sleep', '600'])
    await nerdOk(['run', '-d', '--name', 'exposed', '--expose', '7000-7002', IMG, 'sleep', '600'])
    const names = (filter: string) => nerdOk(['ps', '-f', filter, '--format', '{{.Names}}'])
    assert.equal(await names('publish=80'), 'published\n')
    assert.equal(await names('publish=80/udp'), '')
    assert.equal(await names('expose=7001'), 'exposed\n')
    assert.equal(await names('expose=79-80/tcp'), 'published\n')
    assert.equal(await nerdOk(['ps', '-f', 'name=exposed', '--format', '{{.Ports}}']), '7000-7002/tcp\n')
    assert.match(await nerdOk(['ps', '-f', 'name=published', '--format', '{{.Ports}}']), /^127\.0\.0\.1:\d+->80\/tcp\n$/)
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
    assert.equal(bad.stderr, 'invalid argument "maybe" for "--rm" flag: "maybe" is not a boolean (true or false)\nSee \'nerd run --help\'.\n')
  })

  it('--kernel-memory is ignored with docker\'s warning; --gpus fails as docker\'s daemon without a GPU driver', async () => {
    assert.deepEqual(await outcome(['run', '--rm', '--kernel-memory', '10m', '--userns', 'host', IMG, 'echo', 'hi']), {code: 0, stdout: 'hi\n', stderr: 'WARNING: Specifying a kernel memory limit is deprecated and will be removed in a future release.\n'})
    assert.deepEqual(await outcome(['run', '--rm', '--gpus', 'all', IMG, 'true']), {code: 125, stdout: '', stderr: 'Error: could not select device driver "" with capabilities: [[gpu]]\n'})
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
      await nerdOk(['run', '--rm', '--network', 'compat-alias-net', IMG, 'ping', '-c1', '-W2', 'svc'])
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

  it('an exec that cannot start exits 126, as docker\'s; exec -u gets that user\'s HOME and --privileged the host\'s capabilities', async () => {
    for (const args of [['nosuchcmd'], ['-w', '/nonexistent', 'pwd']]) {
      const result = await nerd(['exec', ...(args[0] === '-w' ? args.slice(0, 2) : []), 'web', ...(args[0] === '-w' ? args.slice(2) : args)])
      assert.equal(result.code, 126, result.stderr)
      assert.match(result.stderr, /^Error: OCI runtime exec failed: .*\n$/)
    }
    // exec -u runs with that user's HOME, unless one is given.
    assert.equal(await nerdOk(['exec', '-u', 'app', 'web', 'sh', '-c', 'echo $HOME']), '/home/app\n')
    assert.equal(await nerdOk(['exec', '-u', 'app', '-e', 'HOME=/tmp', 'web', 'sh', '-c', 'echo $HOME']), '/tmp\n')
    const privileged = await nerdOk(['exec', '--privileged', 'web', 'grep', 'CapEff', '/proc/self/status'])
    const host = /^CapBnd:\s*([0-9a-f]+)$/m.exec(await readFile('/proc/self/status', 'utf8'))![1]
    assert.equal(privileged, `CapEff:\t${host}\n`)
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

  it('a run whose reader goes away (| head -1) ends at once and leaves the container to finish: its log complete, --rm applied', async () => {
    const pipedToHead = async (args: string[]): Promise<string> =>
      (await promisify(execFile)('sh', ['-c', `${nerdCommandLine(args)} | head -n 1`], {timeout: 20_000})).stdout
    const longOutput = 'seq 1 200000; echo finished'
    assert.equal(await pipedToHead(['run', '--rm', '--name', 'headed-rm', IMG, 'sh', '-c', longOutput]), '1\n')
    await until('the container to be removed', async () => ((await nerdOk(['ps', '-aq', '--filter', 'name=headed-rm'])) === '' ? true : undefined))
    assert.equal(await pipedToHead(['run', '--name', 'headed', IMG, 'sh', '-c', longOutput]), '1\n')
    const state = await until('the container to end', async () => {
      const inspected = JSON.parse(await nerdOk(['inspect', 'headed']))[0].State
      return inspected.Status === 'exited' ? inspected : undefined
    })
    assert.equal(state.ExitCode, 0)
    assert.equal(await nerdOk(['logs', '--tail', '2', 'headed']), '200000\nfinished\n')
  })

  it('a run and an attach without a terminal forward every signal they can catch, SIGWINCH too (docker\'s ForwardAllSignals)', async () => {
    const trapping = "trap 'echo got; exit 9' WINCH; echo ready; while :; do sleep 0.1; done"
    const forwarded = async (args: string[]): Promise<{code: number | null; output: string}> => {
      const session = spawn('sh', ['-c', `exec ${nerdCommandLine(args)}`], {stdio: ['ignore', 'pipe', 'ignore']})
      let output = ''
      session.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const ended = new Promise<number | null>((resolve) => session.once('close', resolve))
      if (args[0] === 'run') await until('the trap to be set', async () => (output.includes('ready') ? true : undefined))
      // attach shows output from its connection on, and forwards from its start.
      else await new Promise((resolve) => setTimeout(resolve, 2000))
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

  it('a terminal session whose nerd gets SIGHUP (a closed terminal) lets go: nerd ends as killed by it, the container finishes and --rm removes it', async () => {
    const session = spawn('sh', ['-c', `exec ${nerdCommandLine(['run', '-t', '--rm', '--name', 'hangup', IMG, 'sh', '-c', 'sleep 2; echo done'])}`], {stdio: 'ignore'})
    const ended = new Promise<number | null>((resolve) => session.once('exit', (code) => resolve(code)))
    await until('the container to run', async () => ((await nerdOk(['ps', '-q', '--filter', 'name=hangup'])) === '' ? undefined : true))
    session.kill('SIGHUP')
    assert.equal(await ended, 129)
    assert.match(await nerdOk(['ps', '--format', '{{.Names}} {{.Status}}', '--filter', 'name=hangup']), /^hangup Up /, 'the container runs on')
    await until('the container to be removed', async () => ((await nerdOk(['ps', '-aq', '--filter', 'name=hangup'])) === '' ? true : undefined))
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
    // Running when the next command lists it: it runs on, and goes when it ends.
    await killedRun(['--rm', '--name', 'killed-running', IMG, 'sleep', '2'])
    assert.match(await nerdOk(['ps', '--format', '{{.Names}} {{.Status}}', '--filter', 'name=killed-running']), /^killed-running Up /)
    await until('the container to be removed', async () => ((await nerdOk(['ps', '-aq', '--filter', 'name=killed-running'])) === '' ? true : undefined))
    // Exited before any command looked: its name is free for the next run, as docker's daemon would have removed it.
    await killedRun(['--rm', '--name', 'killed-exited', IMG, 'sleep', '1'])
    await new Promise((resolve) => setTimeout(resolve, 2000))
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
    assert.deepEqual(await outcome(['restart', '-t', '0', 'joiner']), {code: 1, stdout: '', stderr: 'Error: cannot join the namespaces of container owner: it is not running\n'})
    await nerdOk(['rm', '-f', 'joiner', 'owner'])
  })

  it('run --platform of another platform than the local image\'s does not run that image: --pull never fails as docker\'s daemon does', async () => {
    const [host, other] = process.arch === 'x64' ? ['linux/amd64', 'linux/arm64'] : ['linux/arm64', 'linux/amd64']
    assert.equal(await nerdOk(['run', '--rm', '--platform', host, '--pull', 'never', IMG, 'echo', 'hi']), 'hi\n')
    assert.deepEqual(await outcome(['run', '--rm', '--platform', other, '--pull', 'never', IMG, 'echo', 'hi']), {
      code: 125,
      stdout: '',
      stderr: `Error: image with reference ${IMG} was found but does not match the specified platform: wanted ${other}, actual: ${host}\n`,
    })
  })

  it('limits a block device\'s rates and allows devices by cgroup rule, as docker\'s flags ask; bad values get docker\'s words', async (context) => {
    // What the container sees is cgroup v1's files.
    if (!statSync('/sys/fs/cgroup/devices', {throwIfNoEntry: false})) return context.skip('the host has no cgroup v1 devices controller')
    const rules = await nerdOk(['run', '--rm', '--device-cgroup-rule', 'c 42:* rm', IMG, 'cat', '/sys/fs/cgroup/devices/devices.list'])
    assert.match(rules, /^c 42:\* rm$/m)
    const invalid = await outcome(['run', '--rm', '--device-read-bps', 'sda:1mb', IMG, 'true'])
    const usage = "\nSee 'nerd run --help'.\n"
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
})

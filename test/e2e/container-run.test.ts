/**
 * run/create and the container lifecycle end to end against the test containerd: exit codes,
 * streams, stdin, detached containers through stop/start/inspect/rm, names under concurrency, and
 * the run flags checked from inside the container.
 */
import assert from 'node:assert/strict'
import {existsSync, readdirSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {inspectContainer as inspect, nerdOk, until} from '../helpers/containers.ts'
import {ctr, fileDataRoot, loadTestImage, nerd, startNerd} from '../helpers/e2e.ts'
import {buildImageArchive, busyboxRootfs, DEFAULT_PATH, file} from '../helpers/oci-image.ts'

const IMG = 'docker.io/nerd-test/busybox:latest'
let workDir: string

describe('run and the container lifecycle', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
    workDir = await mkdtemp(join(tmpdir(), 'nerd-run-'))
  })

  after(async () => {
    await rm(workDir, {recursive: true, force: true})
  })

  it('passes the command as typed, even words that are also nerd flags given before the image', async () => {
    assert.equal(await nerdOk(['run', '--rm', '-e', 'A=1', IMG, 'sh', '-c', 'printf "%s|" "$@"', 'sh', '-e', 'A=1', '-e']), '-e|A=1|-e|')
    await nerdOk(['run', '-d', '--name', 'argv', IMG, 'sleep', '60'])
    assert.equal(await nerdOk(['exec', '-e', 'X=1', 'argv', 'sh', '-c', 'printf "%s|" "$X" "$@"', 'sh', '-e', 'X=1']), '1|-e|X=1|')
    await nerdOk(['rm', '-f', 'argv'])
  })

  it('takes a flag\'s value whatever it looks like, as pflag does: what follows `=`, or the next word (a flag\'s name, --help)', async () => {
    await nerdOk(['create', '--name', 'dashed', '--hostname=-ab', '--domainname=-a', '--label=-ab', '-l=-ac', '-e=-a=1', '-e', '--rm=2', '--entrypoint', '--rm', IMG])
    const {Config: config} = await inspect('dashed')
    assert.deepEqual([config.Hostname, config.Domainname, config.Labels, config.Entrypoint, config.Env.slice(0, 2)], ['-ab', '-a', {'-ab': '', '-ac': ''}, ['--rm'], ['-a=1', '--rm=2']])
    await nerdOk(['rm', 'dashed'])
    // Values docker's daemon refuses, as nerd does (no help for `-w --help`).
    const named = await nerd(['run', '--rm', '--name', '--rm', IMG, 'true'])
    assert.deepEqual([named.code, named.stdout, named.stderr], [125, '', 'Error: Invalid container name (--rm), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed\n'])
    const workdir = await nerd(['run', '--rm', '-w', '--help', IMG, 'pwd'])
    assert.deepEqual([workdir.code, workdir.stdout, workdir.stderr], [125, '', "Error: the working directory '--help' is invalid, it needs to be an absolute path\n"])
    // A negative number is short flags to pflag before the image; after it, the container's.
    const negative = await nerd(['run', '--rm', '-1', IMG, 'true'])
    assert.deepEqual([negative.code, negative.stderr], [125, "unknown shorthand flag: '1' in -1\nRun 'nerd run --help' for more information\n"])
    assert.equal(await nerdOk(['run', '--rm', IMG, 'echo', '-1']), '-1\n')
  })

  it('run prints both streams and exits with the container code', async () => {
    const result = await nerd(['run', '--rm', IMG, 'sh', '-c', 'echo out; echo err >&2; exit 3'])
    assert.equal(result.code, 3, result.stderr)
    assert.equal(result.stdout, 'out\n')
    assert.equal(result.stderr, 'err\n')
  })

  it('reads the image\'s manifest and config from nerd\'s cache only when their bytes match their digests', async () => {
    const cacheDir = join(fileDataRoot(), 'cache', 'manifests')
    await nerdOk(['run', '--rm', IMG, 'true'])
    const [entryName] = readdirSync(cacheDir)
    assert.ok(entryName, 'the run kept the manifest it read')
    const entryPath = join(cacheDir, entryName)
    const entry = JSON.parse(await readFile(entryPath, 'utf8')) as {manifest: string; config: string}
    const config = JSON.parse(entry.config) as {config: {Env: string[]}}
    assert.ok(config.config.Env.some((variable) => variable.startsWith('PATH=')))
    // A config changed under the same name would set the container's environment, if it were used.
    config.config.Env = ['PATH=/bin', 'FORGED=1']
    await writeFile(entryPath, JSON.stringify({manifest: entry.manifest, config: JSON.stringify(config)}))
    const env = await nerdOk(['run', '--rm', IMG, 'env'])
    assert.doesNotMatch(env, /FORGED/)
    assert.equal(JSON.parse(await readFile(entryPath, 'utf8')).config, entry.config, 'the entry is written again from containerd')
  })

  it('a terminal for a container\'s input needs one on nerd\'s: -it from a pipe is refused before anything is made, as docker refuses it', async () => {
    const before = await nerdOk(['ps', '-aq'])
    for (const args of [['run', '--rm', '-it', IMG, 'true'], ['run', '--name', 'tty-refused', '-i', '-t', IMG, 'true']]) {
      const refused = await nerd(args, {input: 'typed\n'})
      assert.equal(refused.code, 1, refused.stderr)
      assert.equal(refused.stderr, 'Error: the input device is not a TTY\n')
    }
    assert.equal(await nerdOk(['ps', '-aq']), before, 'no container was made')
    // A terminal without input attached, or input without a terminal, is fine.
    assert.equal((await nerd(['run', '--rm', '-t', IMG, 'echo', 'tty only'])).stdout, 'tty only\r\n')
    assert.equal((await nerd(['run', '--rm', '-i', IMG, 'cat'], {input: 'piped\n'})).stdout, 'piped\n')

    await nerdOk(['run', '-dit', '--name', 'tty-held', IMG, 'sh'])
    try {
      for (const args of [['exec', '-it', 'tty-held', 'true'], ['attach', 'tty-held']]) {
        const refused = await nerd(args, {input: ''})
        assert.equal(refused.code, 1, `${args.join(' ')}: ${refused.stderr}`)
        assert.equal(refused.stderr, 'Error: the input device is not a TTY\n')
      }
      // As docker's, exec looks the container up first: a missing one is the error.
      assert.deepEqual(await nerd(['exec', '-it', 'nosuch', 'true'], {input: ''}).then(({code, stderr}) => [code, stderr]), [125, 'Error: No such container: nosuch\n'])
      assert.equal((await nerd(['exec', '-t', 'tty-held', 'echo', 'exec tty'])).stdout, 'exec tty\r\n')
      await nerdOk(['stop', '-t', '0', 'tty-held'])
      const started = await nerd(['start', '-ai', 'tty-held'], {input: ''})
      assert.equal(started.code, 1, started.stderr)
      assert.equal(started.stderr, 'Error: the input device is not a TTY\n')
      assert.match((await inspect('tty-held')).State.Status, /^exited$/, 'the refused start left it stopped')
    } finally {
      await nerd(['rm', '-f', 'tty-held'])
    }
  })

  it('a missing command exits 127 and a non-executable one 126 (exec -d too); start fails to start it with 1, as docker', async () => {
    const missing = await nerd(['run', '--rm', IMG, 'nosuchcmd'])
    assert.equal(missing.code, 127, missing.stderr)
    assert.match(missing.stderr, /nosuchcmd/)
    const notExecutable = await nerd(['run', '--rm', '--entrypoint', '/etc/passwd', IMG])
    assert.equal(notExecutable.code, 126, notExecutable.stderr)
    // start, attached or not, fails with 1, as docker's (only run maps the failure to 126/127).
    await nerdOk(['create', '--name', 'cannot-run', IMG, 'nosuchcmd'])
    try {
      const attached = await nerd(['start', '-a', 'cannot-run'])
      assert.equal(attached.code, 1, attached.stderr)
      assert.match(attached.stderr, /^Error: .*nosuchcmd.*\n$/)
      // As docker's, the state keeps the code a start that could not run the command gets.
      assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'cannot-run']), 'created 127\n')
      const detached = await nerd(['start', 'cannot-run'])
      assert.equal(detached.code, 1, detached.stderr)
      assert.match(detached.stderr, /^Error: .*nosuchcmd.*\nError: failed to start containers: cannot-run\n$/)
      // exec's: 127 attached and with -d (docker's CLI exits 1 for -d, returning the start's error as
      // is; nerd keeps the rule of run, create and exec: 126/127 when the command cannot run).
      await nerdOk(['run', '-d', '--name', 'can-exec', IMG, 'sleep', '60'])
      const missingExec = await nerd(['exec', 'can-exec', 'nosuchcmd'])
      assert.equal(missingExec.code, 127, missingExec.stderr)
      const detachedExec = await nerd(['exec', '-d', 'can-exec', 'nosuchcmd'])
      assert.deepEqual([detachedExec.code, detachedExec.stderr.split('\n').length], [127, 2], detachedExec.stderr)
      assert.match(detachedExec.stderr, /^Error: .*nosuchcmd.*\n$/)
      assert.equal(detachedExec.stderr, missingExec.stderr)
    } finally {
      await nerd(['rm', '-f', 'cannot-run', 'can-exec'])
    }
  })

  it("records a start the runtime refused as docker's daemon: a file bound onto a directory is 127 with its hint, whatever the last run's code; the text has libcontainerd's prefix, and run exits 125", async () => {
    const hint = ': Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type'
    const onFile = join(workDir, 'a-file')
    await writeFile(onFile, 'x')
    const bound = join(workDir, 'bound-then-file')
    await mkdir(bound)
    try {
      const run = await nerd(['run', '--name', 'file-on-dir', '--network', 'none', '-v', `${onFile}:/etc`, IMG, 'true'])
      assert.equal(run.code, 125, run.stderr)
      assert.match(run.stderr, /^Error: failed to create task for container: failed to create shim task: OCI runtime create failed: .*: not a directory: unknown: Are you trying/)
      assert.ok(run.stderr.endsWith(`${hint}\n`), run.stderr)
      const {State} = await inspect('file-on-dir')
      assert.deepEqual([State.Status, State.ExitCode, `Error: ${State.Error}\n`], ['created', 127, run.stderr])
      // A run that ended with 9, then a start the runtime refuses: 127, not the last run's 9.
      await nerdOk(['create', '--name', 'ran-then-file', '--network', 'none', '--mount', `type=bind,src=${bound},dst=/mnt/bound`, IMG, 'sh', '-c', 'exit 9'])
      assert.equal((await nerd(['start', '-a', 'ran-then-file'])).code, 9)
      await rm(bound, {recursive: true})
      await writeFile(bound, 'now a file')
      const start = await nerd(['start', '-a', 'ran-then-file'])
      assert.equal(start.code, 1, start.stderr)
      assert.match(start.stderr, /^Error: failed to create task for container: .*not a directory: unknown: Are you trying to mount/)
      const ran = (await inspect('ran-then-file')).State
      assert.deepEqual([ran.Status, ran.ExitCode], ['exited', 127])
      assert.ok(ran.Error.endsWith(hint), ran.Error)
    } finally {
      await nerd(['rm', '-f', 'file-on-dir', 'ran-then-file'])
    }
  })

  it('a failure before the process starts exits 125 with one line', async () => {
    const result = await nerd(['run', '--rm', 'docker.io/nerd-test/nosuchimage:latest', 'true'], {env: {}})
    assert.equal(result.code, 125)
    assert.equal(result.stderr.trim().split('\n').at(-1)?.startsWith('Error: '), true, result.stderr)
  })

  it('--cgroup-manager none, nerdctl\'s for rootless, is refused by run (125) and create (1) with nerdctl\'s words, nothing made', async () => {
    for (const [command, code] of [[['run', '--rm'], 125], [['create'], 1]] as const) {
      const result = await nerd(['--cgroup-manager', 'none', ...command, '--name', 'no-cgroup', IMG, 'true'])
      assert.deepEqual([result.code, result.stderr], [code, 'Error: cgroup-manager "none" is only supported for rootless\n'])
    }
    assert.equal((await nerd(['inspect', 'no-cgroup'])).code, 1, 'no container made')
  })

  it('a missing --env-file fails run and exec with 125 and docker\'s words, as does exec -e =x, and leaves no FIFOs', async () => {
    const missing = join(workDir, 'no-such.env')
    const run = await nerd(['run', '--rm', '--env-file', missing, IMG, 'true'])
    assert.equal(run.code, 125, run.stderr)
    assert.equal(run.stderr, `Error: open ${missing}: no such file or directory\n`)
    await nerdOk(['run', '-d', '--name', 'env-exec', IMG, 'sleep', '60'])
    const fifoDir = join(fileDataRoot(), 'fifo')
    const fifosBefore = existsSync(fifoDir) ? readdirSync(fifoDir).length : 0
    const exec = await nerd(['exec', '--env-file', missing, 'env-exec', 'true'])
    assert.equal(exec.code, 125, exec.stderr)
    assert.equal(exec.stderr, `Error: open ${missing}: no such file or directory\n`)
    assert.equal(existsSync(fifoDir) ? readdirSync(fifoDir).length : 0, fifosBefore)
    // -e is checked as run's (docker's ValidateEnv): pflag's words, 125.
    const unnamed = await nerd(['exec', '-e', '=x', 'env-exec', 'true'])
    assert.deepEqual(
      {code: unnamed.code, stderr: unnamed.stderr},
      {code: 125, stderr: 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x\nRun \'nerd exec --help\' for more information\n'},
    )
    assert.equal(existsSync(fifoDir) ? readdirSync(fifoDir).length : 0, fifosBefore)
    await nerdOk(['rm', '-f', 'env-exec'])
  })

  it('an --env-file or --label-file that is not UTF-8 is refused with docker\'s words, exit 125, before anything is made', async () => {
    const utf16 = join(workDir, 'utf16.env')
    await writeFile(utf16, Buffer.from('\uFEFFA=1\n', 'utf16le'))
    const latin1 = join(workDir, 'latin1.labels')
    await writeFile(latin1, Buffer.from('lab=\xff\n', 'latin1'))
    const before = await nerdOk(['ps', '-aq'])
    for (const command of [['run', '--rm'], ['create']]) {
      const env = await nerd([...command, '--env-file', utf16, IMG, 'true'])
      assert.equal(env.code, 125, env.stderr)
      assert.equal(env.stderr, `Error: invalid env file (${utf16}): invalid utf8 bytes at line 1: [255 254 65 0 61 0 49 0]\n`)
      const labels = await nerd([...command, '--label-file', latin1, IMG, 'true'])
      assert.equal(labels.code, 125, labels.stderr)
      assert.equal(labels.stderr, `Error: invalid env file (${latin1}): invalid utf8 bytes at line 1: [108 97 98 61 255]\n`)
    }
    assert.equal(await nerdOk(['ps', '-aq']), before)
  })

  it('an --env-file or --label-file line of 64 KiB or more is refused as docker\'s bufio.Scanner refuses it, exit 125, before anything is made', async () => {
    const big = join(workDir, 'big.env')
    await writeFile(big, `A=1\nBIG=${'x'.repeat(100_000)}\n`)
    const before = await nerdOk(['ps', '-aq'])
    for (const command of [['run', '--rm'], ['create']]) {
      for (const flag of ['--env-file', '--label-file']) {
        const result = await nerd([...command, flag, big, IMG, 'true'])
        assert.deepEqual([result.code, result.stdout, result.stderr], [125, '', `Error: invalid env file (${big}): bufio.Scanner: token too long\n`], `${command[0]} ${flag}`)
      }
    }
    assert.equal(await nerdOk(['ps', '-aq']), before)
  })

  it('-e NAME and an --env-file\'s bare NAME take the user\'s NAME, never a variable nerd sets for itself (its entry\'s, --config\'s DOCKER_CONFIG)', async () => {
    const names = ['NODE_DISABLE_COMPILE_CACHE', 'NO_COLOR', 'DOCKER_CONFIG', 'MINE']
    const bare = join(workDir, 'bare.env')
    await writeFile(bare, `${names.join('\n')}\n`)
    const show = ['sh', '-c', names.map((name) => `echo ${name}=\${${name}-unset}`).join(';')]
    const config = join(workDir, 'docker-config')
    const env = {NODE_DISABLE_COMPILE_CACHE: undefined, NO_COLOR: undefined, DOCKER_CONFIG: undefined, MINE: 'mine'}
    const expected = 'NODE_DISABLE_COMPILE_CACHE=unset\nNO_COLOR=unset\nDOCKER_CONFIG=unset\nMINE=mine\n'
    const flags = names.flatMap((name) => ['-e', name])
    assert.equal(await nerdOk(['--config', config, 'run', '--rm', ...flags, IMG, ...show], {env}), expected)
    assert.equal(await nerdOk(['--config', config, 'run', '--rm', '--env-file', bare, IMG, ...show], {env}), expected)
    await nerdOk(['run', '-d', '--name', 'user-env', IMG, 'sleep', '600'])
    assert.equal(await nerdOk(['--config', config, 'exec', ...flags, 'user-env', ...show], {env}), expected)
    assert.equal(await nerdOk(['--config', config, 'exec', '--env-file', bare, 'user-env', ...show], {env}), expected)
    // The user's own DOCKER_CONFIG, not --config's.
    assert.equal(await nerdOk(['--config', config, 'run', '--rm', '-e', 'DOCKER_CONFIG', IMG, 'sh', '-c', 'echo $DOCKER_CONFIG'], {env: {DOCKER_CONFIG: '/users'}}), '/users\n')
    await nerdOk(['rm', '-f', 'user-env'])
  })

  it('--cidfile is made before the container, as docker\'s: a taken or unusable path fails (run 125, create 1) with nothing created; a run writes the ID', async () => {
    const plainFile = join(workDir, 'plain-file')
    await writeFile(plainFile, '')
    for (const [command, code] of [[['run', '--rm'], 125], [['create'], 1]] as const) {
      for (const [path, reason] of [[join(workDir, 'no-such-dir', 'cid'), 'no such file or directory'], [join(plainFile, 'cid'), 'not a directory']]) {
        const result = await nerd([...command, '--name', 'cid-run', '--cidfile', path, IMG, 'true'])
        assert.deepEqual([result.code, result.stderr], [code, `Error: failed to create the container ID file: open ${path}: ${reason}\n`])
      }
    }
    assert.equal((await nerd(['inspect', 'cid-run'])).code, 1, 'no container made, the name is free')
    const cidFile = join(workDir, 'cid')
    await nerdOk(['run', '--rm', '--name', 'cid-run', '--cidfile', cidFile, IMG, 'true'])
    const id = await readFile(cidFile, 'utf8')
    assert.match(id, /^[0-9a-f]{64}$/)
    const taken = await nerd(['run', '--rm', '--cidfile', cidFile, IMG, 'true'])
    assert.deepEqual([taken.code, taken.stderr], [125, `Error: container ID file found, make sure the other container isn't running or delete ${cidFile}\n`])
    assert.equal(await readFile(cidFile, 'utf8'), id)
    // No container came of it: the file made for it goes again.
    const unmade = join(workDir, 'unmade.cid')
    const failed = await nerd(['create', '--pull', 'never', '--cidfile', unmade, 'docker.io/nerd-test/nosuchimage:latest'])
    assert.equal(failed.code, 1, failed.stderr)
    assert.equal(existsSync(unmade), false)
  })

  it('without mkfifo an attached run fails with 125 in one line and leaves nothing behind', async () => {
    const result = await nerd(['run', '--rm', '--network', 'none', '--name', 'nofifo', IMG, 'true'], {env: {PATH: '/nonexistent'}})
    assert.equal(result.code, 125, result.stderr)
    assert.equal(result.stderr, "Error: cannot make the FIFOs for a process's stdio: the mkfifo program (coreutils) is not on PATH\n")
    assert.equal((await nerd(['inspect', 'nofifo'])).code, 1)
    const fifos = join(fileDataRoot(), 'fifo')
    assert.deepEqual(existsSync(fifos) ? readdirSync(fifos) : [], [])
  })

  it('the FIFO directory of a SIGKILLed foreground run goes with the next process nerd attaches to; a running one\'s stays', async () => {
    const fifoDir = join(fileDataRoot(), 'fifo')
    const entries = () => (existsSync(fifoDir) ? readdirSync(fifoDir) : [])
    const running = (name: string) => async () => ((await nerdOk(['ps', '-q', '--filter', `name=${name}`])) === '' ? undefined : true)
    const before = entries()
    const killed = startNerd(['run', '--name', 'fifo-killed', IMG, 'sleep', '60'])
    await until('the container to run', running('fifo-killed'))
    const orphaned = entries().filter((entry) => !before.includes(entry))
    assert.equal(orphaned.length, 1)
    killed.child.kill('SIGKILL')
    assert.equal(await killed.ended, 'SIGKILL')
    const live = startNerd(['run', '--name', 'fifo-live', IMG, 'sleep', '60'])
    try {
      await until('the other container to run', running('fifo-live'))
      const kept = entries().filter((entry) => !before.includes(entry) && !orphaned.includes(entry))
      assert.equal(kept.length, 1)
      assert.equal(await nerdOk(['exec', 'fifo-live', 'echo', 'attached']), 'attached\n')
      assert.deepEqual(entries().filter((entry) => !before.includes(entry)), kept)
    } finally {
      await nerd(['rm', '-f', 'fifo-killed', 'fifo-live'])
    }
    // Its container gone, the running one ends and removes its own.
    assert.equal(await live.ended, 137)
    assert.deepEqual(entries(), before)
  })

  it('-i forwards stdin and closes it at EOF', async () => {
    const result = await nerd(['run', '-i', '--rm', IMG, 'cat'], {input: 'hi\n'})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'hi\n')
  })

  it('--rm leaves nothing behind in containerd or the data root', async () => {
    await nerdOk(['run', '--rm', '--name', 'gone', IMG, 'true'])
    const containers = await ctr(['containers', 'ls', '-q'])
    assert.equal(containers.stdout.trim(), '')
    const snapshots = await ctr(['snapshots', 'ls'])
    assert.doesNotMatch(snapshots.stdout, /Active/)
    assert.equal((await nerd(['inspect', 'gone'])).code, 1)
  })

  it("puts docker's init layer under every container: /.dockerenv and /etc/mtab, root's, mode 0755", async () => {
    const seen = await nerdOk(['run', '--rm', IMG, 'sh', '-c', '[ -f /.dockerenv ] && stat -c "%n %a %u:%g %s" /.dockerenv && readlink /etc/mtab'])
    assert.equal(seen, '/.dockerenv 755 0:0 0\n/proc/mounts\n')
  })

  it("makes an image's init snapshot at its first runs (at once, each succeeds), shares it among its containers, and keeps it until the image goes", async () => {
    const image = 'nerd-e2e/init-snapshot:v1'
    const archive = join(workDir, 'init-snapshot.tar')
    // An image of its own, which no container has used yet.
    await buildImageArchive({name: image, images: [{layers: [{entries: [...(await busyboxRootfs()), file('unique', `${process.pid} ${Date.now()}\n`)]}], config: {Env: [DEFAULT_PATH], Cmd: ['sh']}}]}, archive)
    await nerdOk(['load', '-q', '-i', archive])
    const names = ['first1', 'first2', 'first3']
    const runs = await Promise.all(names.map((name) => nerd(['run', '-d', '--name', name, '--network', 'none', image, 'sleep', '600'])))
    for (const run of runs) assert.equal(run.code, 0, run.stderr)
    for (const name of names) await nerdOk(['exec', name, 'test', '-f', '/.dockerenv'])
    /** `ctr snapshots ls`: key, parent, kind. */
    const snapshots = async () => (await ctr(['snapshots', 'ls'])).stdout.split('\n').slice(1).filter(Boolean).map((line) => line.trim().split(/\s+/))
    const ids = await Promise.all(names.map(async (name) => (await inspect(name)).Id as string))
    const parents = new Set((await snapshots()).filter(([key]) => ids.includes(key!)).map(([, parent]) => parent))
    assert.equal(parents.size, 1, 'one init snapshot for the three')
    const [init] = [...parents] as string[]
    const chain = init.replace(/^nerd-init\//, '')
    assert.match(chain, /^sha256:[0-9a-f]{64}$/)
    // Of the makers that lost the race, no snapshot is left.
    assert.deepEqual((await snapshots()).filter(([key]) => key!.startsWith(init)), [[init, chain, 'Committed']])
    const collect = async () => {
      const lease = `gc-${process.pid}-${Date.now()}`
      await ctr(['leases', 'create', '--id', lease])
      await ctr(['leases', 'delete', '--sync', lease])
    }
    await nerdOk(['rm', '-f', ...names])
    await collect()
    // The containers' snapshots are gone; the image's init snapshot stays for its next containers.
    assert.deepEqual((await snapshots()).filter(([key]) => ids.includes(key!) || key === init), [[init, chain, 'Committed']])
    // With the image, the collection takes it, and nothing of it holds the image's layers.
    await nerdOk(['rmi', image])
    await collect()
    assert.deepEqual((await snapshots()).filter(([key, parent]) => [key, parent].some((name) => name === init || name === chain)), [])
  })

  it('rm -f of several containers removes them at once, answering in the order given', async () => {
    const names = ['many1', 'many2', 'many3', 'many4']
    await Promise.all(names.map((name) => nerdOk(['run', '-d', '--name', name, IMG, 'sleep', '60'])))
    const result = await nerd(['rm', '-f', 'many1', 'nosuch-many', ...names.slice(1)])
    // docker's rm -f reports a missing container without failing.
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, `${names.join('\n')}\n`)
    assert.equal(result.stderr, 'Error: No such container: nosuch-many\n')
    assert.equal((await nerdOk(['ps', '-aq'])).trim(), '')
  })

  it('--rm of a container renamed while it runs releases the new name', async () => {
    // It runs until told to end, after the rename.
    const running = nerd(['run', '--rm', '--name', 'before-rename', IMG, 'sh', '-c', 'until [ -e /tmp/go ]; do sleep 0.1; done'])
    await until('the running container renamed', async () => ((await nerd(['rename', 'before-rename', 'after-rename'])).code === 0 ? true : undefined))
    await nerdOk(['exec', 'after-rename', 'touch', '/tmp/go'])
    assert.equal((await running).code, 0)
    assert.equal((await nerdOk(['ps', '-aq'])).trim(), '')
    for (const name of ['before-rename', 'after-rename']) await nerdOk(['run', '--rm', '--name', name, IMG, 'true'])
  })

  it('a detached container goes through ps, exec, stop, start, inspect and rm -f like docker', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'w', IMG, 'sh', '-c', 'while true; do date; sleep 1; done'])).trim()
    assert.match(id, /^[0-9a-f]{64}$/)
    const ps = (await nerdOk(['ps'])).trimEnd().split('\n')
    assert.match(ps[0]!, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/)
    const row = ps.find((line) => line.startsWith(id.slice(0, 12)))
    assert.ok(row, ps.join('\n'))
    assert.match(row, /Up .* w$/)
    assert.equal((await nerdOk(['ps', '-q', '--no-trunc'])).trim(), id)

    let state = await inspect('w')
    assert.equal(state.Id, id)
    assert.equal(state.Name, '/w')
    assert.equal(state.State.Status, 'running')
    assert.equal(state.State.Running, true)
    assert.ok(state.State.Pid > 0)
    assert.equal(state.RestartCount, 0)
    assert.deepEqual(state.Config.Cmd, ['sh', '-c', 'while true; do date; sleep 1; done'])

    await nerdOk(['stop', '-t', '1', 'w'])
    state = await inspect('w')
    assert.equal(state.State.Status, 'exited')
    // sh as pid 1 ignores SIGTERM, so the grace period ends in SIGKILL, as with docker.
    assert.equal(state.State.ExitCode, 137)
    assert.doesNotMatch(await nerdOk(['ps']), / w\n/)
    assert.match(await nerdOk(['ps', '-a']), /Exited \(137\) .* w\n/)

    assert.equal((await nerdOk(['start', 'w'])).trim(), 'w')
    state = await inspect(id.slice(0, 8))
    assert.equal(state.State.Status, 'running')

    const removed = await nerd(['rm', 'w'])
    assert.equal(removed.code, 1)
    assert.equal(removed.stderr, 'Error: cannot remove container "w": container is running: stop the container before removing or force remove\n')
    await nerdOk(['rm', '-f', 'w'])
    assert.equal((await ctr(['containers', 'ls', '-q'])).stdout.trim(), '')
    assert.equal((await ctr(['tasks', 'ls', '-q'])).stdout.trim(), '')
    const containersDir = join(fileDataRoot(), 'containers')
    const left = existsSync(containersDir) ? readdirSync(containersDir, {recursive: true}).map(String) : []
    assert.deepEqual(left.filter((entry) => entry.includes(id)), [])
  })

  it('names are unique: of 20 concurrent runs with one name exactly one wins', async () => {
    const results = await Promise.all(Array.from({length: 20}, () => nerd(['run', '-d', '--name', 'same', IMG, 'sleep', '60'])))
    const won = results.filter((result) => result.code === 0)
    assert.equal(won.length, 1, results.map((result) => result.stderr).join(''))
    for (const lost of results.filter((result) => result.code !== 0)) {
      assert.equal(lost.code, 125)
      assert.match(lost.stderr, /^Error: Conflict\. The container name "\/same" is already in use by container "[0-9a-f]{64}"/)
    }
    assert.equal((await ctr(['containers', 'ls', '-q'])).stdout.trim().split('\n').length, 1)
    await nerdOk(['rm', '-f', 'same'])
  })

  it('rename, pause, unpause, kill and wait', async () => {
    await nerdOk(['run', '-d', '--name', 'r1', IMG, 'sleep', '60'])
    await nerdOk(['rename', 'r1', 'r2'])
    assert.equal((await nerd(['inspect', 'r1'])).code, 1)
    // `/name` is docker's spelling of `name`: the slash is not part of the new name.
    await nerdOk(['rename', 'r2', '/r3'])
    assert.equal((await inspect('r3')).Name, '/r3')
    assert.equal(await nerdOk(['ps', '--filter', 'name=r3', '--format', '{{.Names}}']), 'r3\n')
    await nerdOk(['rename', '/r3', 'r2'])
    await nerdOk(['pause', 'r2'])
    assert.equal((await inspect('r2')).State.Status, 'paused')
    // exec fails before its process starts: 125, as run's failures.
    const paused = await nerd(['exec', 'r2', 'true'])
    assert.equal(paused.code, 125, paused.stderr)
    assert.match(paused.stderr, /^Error: Container [0-9a-f]{64} is paused, unpause the container before exec\n$/)
    await nerdOk(['unpause', 'r2'])
    assert.equal((await inspect('r2')).State.Status, 'running')
    const waiting = nerd(['wait', 'r2'])
    await nerdOk(['kill', 'r2'])
    const waited = await waiting
    assert.equal(waited.stdout.trim(), '137')
    const stopped = await nerd(['exec', 'r2', 'true'])
    assert.equal(stopped.code, 125, stopped.stderr)
    assert.match(stopped.stderr, /^Error: container [0-9a-f]{64} is not running\n$/)
    await nerdOk(['rm', 'r2'])
  })

  it('applies -u, -w, -e, --env-file, --read-only, --tmpfs, --cap-drop, --memory and --pids-limit', async () => {
    const envFile = join(workDir, 'env')
    await writeFile(envFile, 'FROM_FILE=yes\n# comment\n')
    const script = [
      'id -u; id -g; pwd; echo $GREETING $FROM_FILE',
      'touch /rootfile 2>/dev/null && echo writable || echo read-only',
      'touch /scratch/x && echo tmpfs-ok',
      'grep CapEff /proc/self/status',
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max',
      'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max',
    ].join('; ')
    const out = await nerdOk([
      'run', '--rm', '-u', 'app', '-w', '/tmp', '-e', 'GREETING=hello', '--env-file', envFile, '--read-only', '--tmpfs', '/scratch',
      '--cap-drop', 'ALL', '--memory', '64m', '--pids-limit', '42', IMG, 'sh', '-c', script,
    ])
    const lines = out.trim().split('\n')
    assert.deepEqual(lines.slice(0, 6), ['1000', '1000', '/tmp', 'hello yes', 'read-only', 'tmpfs-ok'])
    assert.match(lines[6]!, /^CapEff:\s+0+$/)
    assert.equal(lines[7], String(64 * 1024 * 1024))
    assert.equal(lines[8], '42')
  })

  it('create then start -a runs the created container attached', async () => {
    const id = (await nerdOk(['create', '--name', 'c1', IMG, 'sh', '-c', 'echo created-and-started; exit 5'])).trim()
    assert.match(id, /^[0-9a-f]{64}$/)
    assert.equal((await inspect('c1')).State.Status, 'created')
    const started = await nerd(['start', '-a', 'c1'])
    assert.equal(started.stdout, 'created-and-started\n')
    assert.equal(started.code, 5)
    assert.equal((await inspect('c1')).State.ExitCode, 5)
    await nerdOk(['rm', 'c1'])
  })

  it('start -a without -i keeps the stdin of a container created with -i open, as docker\'s daemon does: an attach feeds it later', async () => {
    await nerdOk(['create', '-i', '--name', 'stdin-kept', IMG, 'sh', '-c', 'read line; echo got:$line; exit 6'])
    const started = startNerd(['start', '-a', 'stdin-kept'])
    let output = ''
    started.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    // The end of nerd's own input is not the container's: start -a does not attach it.
    started.child.stdin!.end()
    await until('the container to run', async () => ((await inspect('stdin-kept')).State.Running ? true : undefined))
    await new Promise((resolve) => setTimeout(resolve, 1000))
    assert.deepEqual([(await inspect('stdin-kept')).State.Running, output], [true, ''])
    const attached = await nerd(['attach', 'stdin-kept'], {input: 'hello\n'})
    assert.deepEqual([attached.code, await started.ended, output], [6, 6, 'got:hello\n'])
    await nerdOk(['rm', 'stdin-kept'])
  })

  it('resolves -u at each start from the container\'s own /etc/passwd and /etc/group, as docker: create -u of an unknown user fails at start', async () => {
    await nerdOk(['create', '--name', 'user-later', '-u', 'later', IMG, 'sh', '-c', 'id; echo $HOME'])
    const refused = await nerd(['start', 'user-later'])
    assert.equal(refused.code, 1, refused.stderr)
    assert.match(refused.stderr, /^Error: unable to find user later: no matching entries in passwd file\n/)
    assert.equal((await inspect('user-later')).State.Error, 'unable to find user later: no matching entries in passwd file')
    // A passwd and group that know the user, copied in: the next start uses them.
    const passwd = join(workDir, 'passwd')
    await writeFile(passwd, 'root:x:0:0:root:/root:/bin/sh\nlater:x:1500:50:later:/srv/later:/bin/sh\n')
    const group = join(workDir, 'group')
    await writeFile(group, 'root:x:0:\nstaff:x:50:later\nwheel:x:10:later\n')
    await nerdOk(['cp', passwd, 'user-later:/etc/passwd'])
    await nerdOk(['cp', group, 'user-later:/etc/group'])
    const started = await nerd(['start', '-a', 'user-later'])
    assert.equal(started.stdout, 'uid=1500(later) gid=50(staff) groups=10(wheel),50(staff)\n/srv/later\n', started.stderr)
    // Changed again: the stored spec follows; unchanged, the start is as before.
    await writeFile(passwd, 'root:x:0:0:root:/root:/bin/sh\nlater:x:1600:10:later:/home/later:/bin/sh\n')
    await nerdOk(['cp', passwd, 'user-later:/etc/passwd'])
    assert.equal((await nerd(['start', '-a', 'user-later'])).stdout, 'uid=1600(later) gid=10(wheel) groups=10(wheel),50(staff)\n/home/later\n')
    assert.equal((await nerd(['start', '-a', 'user-later'])).stdout, 'uid=1600(later) gid=10(wheel) groups=10(wheel),50(staff)\n/home/later\n')
    await nerdOk(['rm', 'user-later'])
    // run still refuses it before creating anything, with 125.
    const run = await nerd(['run', '--rm', '--name', 'user-now', '-u', 'later', IMG, 'true'])
    assert.equal(run.code, 125)
    assert.equal(run.stderr, 'Error: unable to find user later: no matching entries in passwd file\n')
    assert.equal((await nerd(['inspect', 'user-now'])).code, 1)
  })

  it('ps filters, formats and -l/-n; top lists the processes; container prune removes the stopped ones', async () => {
    await nerdOk(['run', '-d', '--name', 'up1', '--label', 'tier=web', IMG, 'sleep', '600'])
    await nerd(['run', '--name', 'done1', IMG, 'sh', '-c', 'exit 2'])
    assert.equal((await nerdOk(['ps', '--format', '{{.Names}}'])).trim(), 'up1')
    assert.equal((await nerdOk(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}} {{.Status}}'])).trim().replace(/ago$/, '').split(' ').slice(0, 3).join(' '), 'done1 Exited (2)')
    assert.equal((await nerdOk(['ps', '-a', '--filter', 'label=tier=web', '--format', '{{.Names}} {{.Label "tier"}}'])).trim(), 'up1 web')
    assert.equal((await nerdOk(['ps', '-l', '--format', '{{.Names}}'])).trim(), 'done1')
    // -n wins over -l when given, as docker's.
    assert.equal((await nerdOk(['ps', '-l', '-n', '2', '--format', '{{.Names}}'])).trim(), 'done1\nup1')
    assert.equal((await nerdOk(['ps', '-a', '--filter', 'exited=2', '-q'])).trim().length, 12)
    const invalid = await nerd(['ps', '--filter', 'colour=red'])
    assert.equal(invalid.code, 1)
    assert.equal(invalid.stderr, "Error: invalid filter 'colour'\n")

    const top = (await nerdOk(['top', 'up1'])).trimEnd().split('\n')
    assert.match(top[0]!, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/)
    assert.equal(top.length, 2)
    assert.match(top[1]!, /sleep 600$/)

    const pruned = await nerdOk(['container', 'prune', '-f'])
    assert.match(pruned, /^Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space: /)
    assert.equal((await nerdOk(['ps', '-a', '--format', '{{.Names}}'])).trim(), 'up1')
    await nerdOk(['rm', '-f', 'up1'])
  })

  it('inspect shows the image config merged with the flags, and --init runs tini as pid 1', async () => {
    await nerdOk(['create', '--name', 'shape', '-e', 'A=1', '-m', '32m', '--restart', 'on-failure:3', '--init', '--label', 'x=y', IMG, 'sleep', '5'])
    const state = await inspect('shape')
    assert.equal(state.Path, 'sleep')
    assert.deepEqual(state.Args, ['5'])
    assert.equal(state.State.Status, 'created')
    assert.equal(state.State.StartedAt, '0001-01-01T00:00:00Z')
    // docker's daemon order: the user's variables, then the image's it did not override
    assert.deepEqual(state.Config.Env, ['A=1', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'])
    assert.deepEqual(state.Config.Labels, {x: 'y'})
    assert.equal(state.Config.Image, IMG)
    assert.equal(state.HostConfig.Memory, 32 * 1024 * 1024)
    assert.deepEqual(state.HostConfig.RestartPolicy, {Name: 'on-failure', MaximumRetryCount: 3})
    assert.equal(state.HostConfig.Init, true)
    assert.match(state.Image, /^sha256:[0-9a-f]{64}$/)
    await nerdOk(['rm', 'shape'])
    const pid1 = await nerdOk(['run', '--rm', '--init', IMG, 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "'])
    assert.match(pid1, /^\/sbin\/docker-init -- sh -c/)
  })

  it('--network host shares the host network and gets the host resolv.conf through the OCI hook', async () => {
    const out = await nerdOk(['run', '--rm', '--network', 'host', IMG, 'sh', '-c', 'hostname; cat /etc/resolv.conf'])
    const [name, ...resolv] = out.split('\n')
    assert.equal(name, (await import('node:os')).hostname())
    // docker's file made from the host's: its header, every nameserver of the host's, the footer naming the file.
    const nameservers = (text: string) => text.split('\n').filter((line) => /^\s*nameserver\s/.test(line)).map((line) => line.trim().split(/\s+/)[1])
    assert.equal(resolv[0], '# Generated by Docker Engine.')
    assert.deepEqual(nameservers(resolv.join('\n')), nameservers((await import('node:fs')).readFileSync('/etc/resolv.conf', 'utf8')))
    assert.ok(resolv.includes("# Based on host file: '/etc/resolv.conf'"), resolv.join('\n'))
  })
})

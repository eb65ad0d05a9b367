/**
 * export, diff and commit end to end: a container's filesystem as a tar stream, its changes listed
 * as docker lists them, and committed as an image layer that run and push use.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {promisify} from 'node:util'
import {gunzipSync} from 'node:zlib'
import {readTar, type TarEntry} from '../../src/image/archive/tar-reader.ts'
import {buildImageArchive, busyboxRootfs, DEFAULT_PATH, dir, file, opaqueWhiteout, PASSWD, symlink} from '../helpers/oci-image.ts'
import {inspectContainer, nerdOk, removeAllContainers, taskStatus, until} from '../helpers/containers.ts'
import {ctr, loadTestImage, nerd, nerdCommandLine, nerdEntry, nerdGlobals, nerdOnTerminal, testEnvironment} from '../helpers/e2e.ts'

async function* bytes(buffer: Buffer): AsyncGenerator<Buffer> {
  yield buffer
}

/** The paths in an image's top layer, from `nerd save`. */
async function topLayerPaths(image: string): Promise<string[]> {
  const saved = await nerd(['save', image])
  assert.equal(saved.code, 0, saved.stderr)
  const files = new Map<string, Buffer>()
  for await (const entry of readTar(bytes(saved.stdoutBytes))) {
    const chunks: Buffer[] = []
    for await (const chunk of entry.body) chunks.push(chunk)
    files.set(entry.path, Buffer.concat(chunks))
  }
  const [{Layers}] = JSON.parse(files.get('manifest.json')!.toString('utf8')) as {Layers: string[]}[]
  const paths: string[] = []
  for await (const entry of readTar(bytes(gunzipSync(files.get(Layers.at(-1)!)!)))) paths.push(entry.path)
  return paths
}

const IMG = 'docker.io/nerd-test/busybox:latest'

/** The entries of `nerd export CONTAINER`, by path. */
async function exportedEntries(container: string): Promise<Map<string, TarEntry>> {
  const exported = await nerd(['export', container])
  assert.equal(exported.code, 0, exported.stderr)
  const entries = new Map<string, TarEntry>()
  for await (const entry of readTar(bytes(exported.stdoutBytes))) entries.set(entry.path, entry)
  return entries
}

/** `commit NAME` of a running container, its nerd ended with `signal` while the commit keeps the container paused; how nerd ended. */
async function commitStoppedWhilePaused(name: string, signal: NodeJS.Signals): Promise<NodeJS.Signals | number | null> {
  const id = (await inspectContainer(name)).Id as string
  const child = spawn(process.execPath, ['--', nerdEntry, ...nerdGlobals(), 'commit', name, `e2e/${name}:stopped`], {env: {...process.env, NODE_TEST_CONTEXT: undefined}, stdio: 'ignore'})
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, ended) => resolve(ended ?? code)))
  try {
    await until('the commit to pause the container', async () => ((await taskStatus(id)) === 'PAUSED' ? true : undefined))
    child.kill(signal)
    return await exited
  } finally {
    child.kill('SIGKILL')
  }
}

/** The commit's leftovers in containerd: leases, and the views of the container's diff. */
async function commitLeftovers(): Promise<string[]> {
  const [leases, snapshots] = await Promise.all([ctr(['leases', 'ls', '-q']), ctr(['snapshots', 'ls'])])
  return [...leases.stdout.split('\n'), ...snapshots.stdout.split('\n').filter((line) => line.startsWith('nerd-diff-'))].filter(Boolean)
}

describe('diff and commit', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await removeAllContainers()
    await nerd(['rmi', '-f', 'e2e/committed:v1', 'e2e/live:v1', 'e2e/configured:v1', 'e2e/configured:v2', `${testEnvironment.registry}/e2e/committed:v1`, 'e2e/base:2', 'e2e/from-untagged:v1', 'e2e/from-retagged:v1', 'e2e/unchanged:v1', 'e2e/variables:v1'])
  })

  it('export streams a container\'s filesystem, running or stopped, without its volumes; -o writes a file; a terminal is refused', async () => {
    await nerdOk(['run', '-d', '--name', 'exported', '-v', 'export-vol:/data', IMG, 'sh', '-c', 'echo hi > /hello; echo in-volume > /data/x; rm /etc/group; mkfifo /tmp/fifo; mknod /tmp/null c 1 3; ln /hello /tmp/hard; chown 123:456 /hello; touch /written; sleep 600'])
    await until('the changes to be written', async () => ((await nerd(['exec', 'exported', 'test', '-e', '/written'])).code === 0 ? true : undefined))
    // A file capability, which only containerd's archive (not Node) can read: docker's export keeps it.
    await promisify(execFile)('setcap', ['cap_net_raw+ep', `/proc/${(await inspectContainer('exported')).State.Pid}/root/written`])
    const entries = new Map<string, TarEntry & {pax: string}>()
    const pathsOf = async (archive: Buffer): Promise<Map<string, string>> => {
      const files = new Map<string, string>()
      for await (const entry of readTar(bytes(archive))) {
        const chunks: Buffer[] = []
        for await (const chunk of entry.body) chunks.push(chunk)
        files.set(entry.path, Buffer.concat(chunks).toString('utf8'))
        entries.set(entry.path, {...entry, pax: Buffer.concat(entry.headerBlocks.slice(0, -1)).toString('latin1')})
      }
      return files
    }
    const running = await nerd(['export', 'exported'])
    assert.equal(running.code, 0, running.stderr)
    const files = await pathsOf(running.stdoutBytes)
    assert.equal(files.get('hello'), 'hi\n')
    assert.ok(files.has('bin/busybox') && files.has('data/'), 'the image\'s files and the volume\'s empty mount point')
    assert.ok(!files.has('data/x') && !files.has('etc/group'), 'neither the volume\'s content nor a deleted file')
    // Every path of the container's own filesystem, mount points included (without what is mounted
    // on them: the init layer's entries in /dev are under its tmpfs), and nothing else.
    const inContainer = (await nerdOk(['exec', 'exported', 'find', '/', '-xdev', '-mindepth', '1'])).split('\n').filter(Boolean).map((path) => path.slice(1))
    assert.deepEqual([...entries.keys()].map((path) => path.replace(/\/$/, '')).sort(), [...inContainer, 'dev/console', 'dev/pts', 'dev/shm'].sort())
    // docker's init layer, under every container.
    const shown = (path: string) => {
      const entry = entries.get(path)
      return entry && [entry.type, entry.type === 'SymbolicLink' ? entry.linkpath : entry.mode, entry.uid, entry.gid, entry.size]
    }
    assert.deepEqual(
      ['.dockerenv', 'etc/mtab', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'dev/console', 'dev/pts/', 'dev/shm/'].map(shown),
      [['File', 0o755, 0, 0, 0], ['SymbolicLink', '/proc/mounts', 0, 0, 0], ...Array(4).fill(['File', 0o755, 0, 0, 0]), ...Array(2).fill(['Directory', 0o755, 0, 0, 0])],
    )
    assert.deepEqual(['tmp/fifo', 'tmp/null', 'tmp/hard'].map((path) => entries.get(path)?.type), ['FIFO', 'CharacterDevice', 'Link'])
    assert.deepEqual([entries.get('hello')!.uid, entries.get('hello')!.gid], [123, 456])
    assert.match(entries.get('written')!.pax, /SCHILY\.xattr\.security\.capability=/)
    await nerdOk(['stop', '-t', '0', 'exported'])
    const file = `${testEnvironment.root}/exported.tar`
    await nerdOk(['container', 'export', '-o', file, 'exported'])
    const {readFile, stat} = await import('node:fs/promises')
    assert.equal((await pathsOf(await readFile(file))).get('hello'), 'hi\n')
    // Its owner's only, as docker's (a container's files may hold secrets).
    assert.equal((await stat(file)).mode & 0o777, 0o600)
    assert.deepEqual(await nerdOnTerminal(['export', 'exported']), {code: 1, screen: ['Error: cowardly refusing to save to a terminal. Use the -o flag or redirect']})
    // Output paths docker's CLI refuses before it exports anything, in its words.
    const refused = async (path: string) => {
      const result = await nerd(['export', '-o', path, 'exported'])
      return [result.code, result.stderr]
    }
    assert.deepEqual(await refused(testEnvironment.root), [1, 'Error: failed to export container: cannot write to a directory\n'])
    assert.deepEqual(await refused('/nonexistent/x.tar'), [1, 'Error: failed to export container: invalid output path: stat /nonexistent: no such file or directory\n'])
    const full = await promisify(execFile)('sh', ['-c', `${nerdCommandLine(['export', 'exported'])} > /dev/full; echo "exit $?"`])
    assert.deepEqual([full.stderr, full.stdout], ['Error: write /dev/stdout: no space left on device\n', 'exit 1\n'])
    await nerdOk(['rm', '-f', '-v', 'exported'])
    await nerd(['volume', 'rm', 'export-vol'])
  })

  it("docker's init layer replaces what an image has at its paths but a directory, as docker's does, never following the image's links out of the snapshot", async () => {
    const outside = join(testEnvironment.root, 'init-layer-outside')
    const image = 'e2e/init-paths:v1'
    const archive = join(testEnvironment.root, 'init-paths.tar')
    const own = [file('etc/mtab', "the image's mtab\n"), file('etc/hosts', "the image's hosts\n"), symlink('.dockerenv', `${outside}/dockerenv`), symlink('sys', outside), dir('dev/console')]
    await buildImageArchive({name: image, images: [{layers: [{entries: await busyboxRootfs()}, {entries: own}], config: {Env: [DEFAULT_PATH], Cmd: ['sh']}}]}, archive)
    await nerdOk(['load', '-q', '-i', archive])
    await nerdOk(['create', '--name', 'init-paths', image])
    const entries = await exportedEntries('init-paths')
    const shown = (path: string) => {
      const entry = entries.get(path)
      return entry && [entry.type, entry.type === 'SymbolicLink' ? entry.linkpath : entry.mode, entry.size]
    }
    assert.deepEqual(
      ['etc/mtab', 'etc/hosts', '.dockerenv', 'sys/', 'dev/console/'].map(shown),
      [['SymbolicLink', '/proc/mounts', 0], ['File', 0o755, 0], ['File', 0o755, 0], ['Directory', 0o755, 0], ['Directory', 0o755, 0]],
    )
    assert.equal(existsSync(outside), false, 'a link of the image was followed onto the host')
    // The image's own are its layers' still: what replaces them is the container's view only.
    assert.equal(await nerdOk(['run', '--rm', '--network', 'none', image, 'readlink', '/etc/mtab']), '/proc/mounts\n')
    await nerdOk(['rm', 'init-paths'])
    await nerdOk(['rmi', image])
  })

  it("docker's init layer sees what an image's opaque directories hide: its entries are made there, not in the container's layer", async () => {
    // BuildKit's layout for `RUN rm -rf /etc && mkdir /etc`: the lower layer's directories at the init layer's paths are hidden.
    const image = 'e2e/init-opaque:v1'
    const archive = join(testEnvironment.root, 'init-opaque.tar')
    const hidden = ['dev/pts', 'dev/shm', 'etc/hosts', 'etc/hostname'].map((path) => dir(path))
    const upper = [opaqueWhiteout('dev'), opaqueWhiteout('etc'), file('etc/passwd', PASSWD)]
    await buildImageArchive({name: image, images: [{layers: [{entries: [...(await busyboxRootfs()), ...hidden]}, {entries: upper}], config: {Env: [DEFAULT_PATH], Cmd: ['sh']}}]}, archive)
    await nerdOk(['load', '-q', '-i', archive])
    await nerdOk(['create', '--name', 'init-opaque', image])
    const entries = await exportedEntries('init-opaque')
    assert.deepEqual(['dev/pts/', 'dev/shm/', 'etc/hosts', 'etc/hostname'].map((path) => entries.get(path)?.type), ['Directory', 'Directory', 'File', 'File'])
    await nerdOk(['run', '--name', 'init-opaque-ran', '--network', 'none', image, 'true'])
    assert.equal(await nerdOk(['diff', 'init-opaque-ran']), '')
    await nerdOk(['commit', 'init-opaque-ran', 'e2e/init-opaque:committed'])
    const [base, committed] = JSON.parse(await nerdOk(['image', 'inspect', image, 'e2e/init-opaque:committed'])) as {RootFS: {Layers: string[]}}[]
    assert.deepEqual(committed!.RootFS.Layers, base!.RootFS.Layers, 'the commit added a layer')
    await nerdOk(['rm', 'init-opaque', 'init-opaque-ran'])
    await nerdOk(['rmi', 'e2e/init-opaque:committed', image])
  })

  it("a user is resolved from the /etc/passwd the container sees: not one an image's opaque directory hides, nor one reached through a link into one", async () => {
    const archive = join(testEnvironment.root, 'opaque-users.tar')
    const base = [...(await busyboxRootfs()), file('alt/passwd', 'bob:x:1500:1500::/home/bob:/bin/sh\n')]
    // The busybox root's /etc/passwd (root, app) hidden: the first image's /etc has a group file only;
    // the second's /etc/passwd is a link to /alt/passwd, hidden in turn by its third layer.
    const hiddenEtc = {entries: [opaqueWhiteout('etc'), file('etc/group', 'root:x:0:\n')]}
    const linkedAway = [{entries: [opaqueWhiteout('etc'), symlink('etc/passwd', '/alt/passwd')]}, {entries: [opaqueWhiteout('alt'), file('alt/other', 'x\n')]}]
    await buildImageArchive({name: 'e2e/opaque-users:etc', images: [{layers: [{entries: base}, hiddenEtc], config: {Env: [DEFAULT_PATH], Cmd: ['sh']}}]}, archive)
    await nerdOk(['load', '-q', '-i', archive])
    await buildImageArchive({name: 'e2e/opaque-users:link', images: [{layers: [{entries: base}, ...linkedAway], config: {Env: [DEFAULT_PATH], Cmd: ['sh']}}]}, archive)
    await nerdOk(['load', '-q', '-i', archive])
    for (const [image, user] of [['e2e/opaque-users:etc', 'app'], ['e2e/opaque-users:link', 'bob']] as const) {
      assert.equal((await nerd(['run', '--rm', '--network', 'none', image, 'cat', '/etc/passwd'])).code, 1, `${image} shows a passwd file`)
      assert.equal(await nerdOk(['run', '--rm', '--network', 'none', image, 'id', '-u']), '0\n')
      const refused = await nerd(['run', '--rm', '--network', 'none', '-u', user, image, 'id'])
      assert.deepEqual([refused.code, refused.stderr], [125, `Error: unable to find user ${user}: no matching entries in passwd file\n`], image)
    }
    await nerdOk(['run', '-d', '--name', 'opaque-users', '--network', 'none', 'e2e/opaque-users:etc', 'sleep', '60'])
    const exec = await nerd(['exec', '-u', 'app', 'opaque-users', 'id'])
    assert.deepEqual([exec.code, exec.stderr], [125, 'Error: unable to find user app: no matching entries in passwd file\n'])
    await nerdOk(['rm', '-f', 'opaque-users'])
    await nerdOk(['rmi', 'e2e/opaque-users:etc', 'e2e/opaque-users:link'])
  })

  it('diff lists added, changed and deleted paths; an untouched container has none', async () => {
    await nerdOk(['run', '--name', 'changer', IMG, 'sh', '-c', 'mkdir -p /data/x /data/x-y && echo y > /data/x/f && touch /data/x.c && echo hi > /etc/added && rm /etc/group && echo more >> /etc/passwd'])
    // In docker's walk order: a directory's contents right after it, though `-` and `.` sort before `/`.
    assert.equal(await nerdOk(['diff', 'changer']), ['A /data', 'A /data/x', 'A /data/x/f', 'A /data/x-y', 'A /data/x.c', 'C /etc', 'A /etc/added', 'D /etc/group', 'C /etc/passwd', ''].join('\n'))
    // Nor does one with docker's init layer under it list the init layer's entries.
    await nerdOk(['run', '--name', 'idle', IMG, 'test', '-f', '/.dockerenv'])
    assert.equal(await nerdOk(['diff', 'idle']), '')
    // A directory's own change (its mode, or a file become one) is listed, as docker lists it; the runtime's mount points still are not.
    await nerdOk(['run', '--name', 'chmodder', '--network', 'none', IMG, 'sh', '-c', 'chmod 700 /home && rm /etc/group && mkdir /etc/group'])
    assert.equal(await nerdOk(['diff', 'chmodder']), ['C /etc', 'C /etc/group', 'C /home', ''].join('\n'))
    // A file that only gained a hard link is unchanged (overlayfs copied it up, with its directory), as docker's stat comparison sees it; one touched is changed.
    await nerdOk(['run', '--name', 'linker', '--network', 'none', IMG, 'sh', '-c', 'ln /bin/busybox /tmp/hl && touch /etc/passwd'])
    assert.equal(await nerdOk(['diff', 'linker']), ['C /etc', 'C /etc/passwd', 'C /tmp', 'A /tmp/hl', ''].join('\n'))
    const missing = await nerd(['diff', 'nosuch'])
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr, 'Error: No such container: nosuch\n')
  })

  it('commit makes an image with the changes, the message, the author and the --change instructions; run and push use it', async () => {
    const id = (await nerdOk(['commit', '-m', 'added a file <etc/added>', '-a', 'Tester <t@example.test>', '-c', 'ENV GREETING=hello', '-c', 'CMD ["cat", "/etc/added"]', 'changer', 'e2e/committed:v1'])).trim()
    assert.match(id, /^sha256:[0-9a-f]{64}$/)
    assert.equal(await nerdOk(['run', '--rm', 'e2e/committed:v1']), 'hi\n')
    assert.equal(await nerdOk(['run', '--rm', 'e2e/committed:v1', 'sh', '-c', 'echo $GREETING; test -e /etc/group || echo no-group']), 'hello\nno-group\n')
    const [image] = JSON.parse(await nerdOk(['image', 'inspect', 'e2e/committed:v1'])) as Record<string, any>[]
    assert.equal(image!.Id, id)
    assert.equal(image!.Author, 'Tester <t@example.test>')
    assert.deepEqual(image!.Config.Cmd, ['cat', '/etc/added'])
    assert.equal(image!.RootFS.Layers.length, 2)
    assert.match(await nerdOk(['history', 'e2e/committed:v1']), /added a file/)
    // As docker's: inspect prints the daemon's JSON, HTML as it is; history's rows are json.Marshal's, escaped.
    assert.match(await nerdOk(['image', 'inspect', 'e2e/committed:v1']), /^ {8}"Author": "Tester <t@example.test>",$/m)
    const [newest, parent] = (await nerdOk(['history', '--format', 'json', 'e2e/committed:v1'])).split('\n')
    assert.match(newest!, /"Comment":"added a file \\u003cetc\/added\\u003e"/)
    // The line below is the image it was committed from, with that image's ID.
    const base = (JSON.parse(await nerdOk(['image', 'inspect', IMG])) as {Id: string}[])[0]!.Id
    assert.match(parent!, new RegExp(`"ID":"${base.slice('sha256:'.length, 'sha256:'.length + 12)}"`))

    const pushed = `${testEnvironment.registry}/e2e/committed:v1`
    await nerdOk(['tag', 'e2e/committed:v1', pushed])
    await nerdOk(['push', pushed])
    await nerdOk(['rmi', pushed, 'e2e/committed:v1'])
    await nerdOk(['pull', '-q', pushed])
    assert.equal(await nerdOk(['run', '--rm', pushed]), 'hi\n')
  })

  it('commit refuses an empty container, then an invalid reference or one with a digest, before it looks for the container, and flags after the container, as docker\'s client', async () => {
    const refusal = async (args: string[]) => {
      const {code, stderr} = await nerd(['commit', ...args])
      return {code, stderr}
    }
    assert.deepEqual(await refusal(['', 'x']), {code: 1, stderr: 'Error: invalid container name or ID: value is empty\n'})
    assert.deepEqual(await refusal(['nosuch', 'BAD']), {code: 1, stderr: 'Error: invalid reference format: repository name (library/BAD) must be lowercase\n'})
    assert.deepEqual(await refusal(['nosuch', `x@sha256:${'a'.repeat(64)}`]), {code: 1, stderr: 'Error: refusing to create a tag with a digest reference\n'})
    assert.deepEqual(await refusal(['changer', `x@sha256:${'a'.repeat(64)}`]), {code: 1, stderr: 'Error: refusing to create a tag with a digest reference\n'})
    // Flags end at the container, as docker's (SetInterspersed(false)): what follows is arguments.
    assert.deepEqual(await refusal(['changer', 'x', '-a', 'me']), {code: 1, stderr: 'nerd: \'nerd commit\' requires at least 1 and at most 2 arguments\nRun \'nerd commit --help\' for more information\n'})
    assert.equal(await nerdOk(['images', '-q', 'x']), '')
  })

  it('commit without changes adds no layer, only an empty_layer history entry; CREATED BY is the command without the entrypoint, as docker\'s', async () => {
    await nerdOk(['run', '--name', 'unchanged', '--entrypoint', '/bin/echo', IMG, 'hello', 'there'])
    await nerdOk(['commit', '-m', 'nothing', 'unchanged', 'e2e/unchanged:v1'])
    const [base, image] = JSON.parse(await nerdOk(['image', 'inspect', IMG, 'e2e/unchanged:v1'])) as Record<string, any>[]
    assert.deepEqual(image!.RootFS.Layers, base!.RootFS.Layers)
    assert.equal(image!.Size, base!.Size)
    assert.equal((await nerdOk(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Size}}|{{.Comment}}', 'e2e/unchanged:v1'])).split('\n')[0], 'hello there|0B|nothing')
    assert.equal(await nerdOk(['run', '--rm', 'e2e/unchanged:v1']), 'hello there\n')
  })

  it('commit keeps the container\'s own config: its env, command, working directory and labels; ENV replaces a variable in place', async () => {
    await nerdOk(['run', '--name', 'configured', '-e', 'FOO=bar', '-w', '/tmp', '--label', 'cl=1', IMG, 'sh', '-c', 'echo x > f'])
    await nerdOk(['commit', 'configured', 'e2e/configured:v1'])
    const [image] = JSON.parse(await nerdOk(['image', 'inspect', 'e2e/configured:v1'])) as Record<string, any>[]
    assert.equal(image!.Config.Env[0], 'FOO=bar')
    assert.ok(image!.Config.Env.some((entry: string) => entry.startsWith('PATH=')), image!.Config.Env)
    assert.deepEqual(image!.Config.Cmd, ['sh', '-c', 'echo x > f'])
    assert.equal(image!.Config.WorkingDir, '/tmp')
    assert.equal(image!.Config.Labels.cl, '1')
    assert.equal(await nerdOk(['run', '--rm', 'e2e/configured:v1', 'sh', '-c', 'echo $FOO $(pwd); cat f']), 'bar /tmp\nx\n')
    // ENV of a variable the container has replaces it where it is, as docker's dispatchEnv.
    await nerdOk(['commit', '-c', 'ENV FOO=over', 'configured', 'e2e/configured:v2'])
    const env = JSON.parse(await nerdOk(['image', 'inspect', '-f', '{{json .Config.Env}}', 'e2e/configured:v2'])) as string[]
    assert.deepEqual(env.map((entry) => entry.split('=', 1)[0]), image!.Config.Env.map((entry: string) => entry.split('=', 1)[0]))
    assert.equal(env[0], 'FOO=over')
  })

  it('commit applies --change to the container\'s config: a value that is one of its variables is that variable\'s, as docker\'s BuildFromConfig', async () => {
    await nerdOk(['run', '--name', 'variables', '--network', 'none', '-e', 'V=abc', '-e', 'P=8080', IMG, 'true'])
    await nerdOk(['commit', '-c', 'WORKDIR $V', '-c', 'USER $V', '-c', 'EXPOSE $P', '-c', 'VOLUME $V', 'variables', 'e2e/variables:v1'])
    const config = JSON.parse(await nerdOk(['image', 'inspect', '-f', '{{json .Config}}', 'e2e/variables:v1'])) as Record<string, unknown>
    assert.deepEqual([config.WorkingDir, config.User, config.ExposedPorts, config.Volumes], ['/abc', 'abc', {'8080/tcp': {}}, {abc: {}}])
    // One it lacks expands to nothing, refused in the words of docker's WORKDIR.
    assert.deepEqual(await nerd(['commit', '-c', 'WORKDIR $NOSUCH', 'variables', 'e2e/variables:v2']).then((result) => [result.code, result.stderr]), [1, 'Error: cannot normalize nothing\n'])
    await nerdOk(['rm', 'variables'])
  })

  it('commit finds the container\'s image by its ID once its name is removed or names another image', async () => {
    await nerdOk(['tag', IMG, 'e2e/base:1'])
    await nerdOk(['run', '--name', 'untagged', '--network', 'none', 'e2e/base:1', 'sh', '-c', 'echo y > /y'])
    const imageOf = async (name: string) => (await nerdOk(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.Image}}'])).trim()
    assert.equal(await imageOf('untagged'), 'e2e/base:1')
    await nerdOk(['rmi', 'e2e/base:1'])
    // As docker's ps: the name gone, the image is shown by its ID.
    const shortId = (JSON.parse(await nerdOk(['image', 'inspect', IMG]))[0].Id as string).slice('sha256:'.length, 'sha256:'.length + 12)
    assert.equal(await imageOf('untagged'), shortId)
    await nerdOk(['commit', 'untagged', 'e2e/from-untagged:v1'])
    assert.equal(await nerdOk(['run', '--rm', 'e2e/from-untagged:v1', 'cat', '/y']), 'y\n')

    // The name now names an image with /y: the commit still stacks on the container's own image.
    await nerdOk(['tag', IMG, 'e2e/base:2'])
    await nerdOk(['run', '--name', 'retagged', '--network', 'none', 'e2e/base:2', 'sh', '-c', 'echo z > /z'])
    await nerdOk(['tag', 'e2e/from-untagged:v1', 'e2e/base:2'])
    assert.equal(await imageOf('retagged'), shortId, 'the name now names another image')
    await nerdOk(['commit', 'retagged', 'e2e/from-retagged:v1'])
    assert.equal(await nerdOk(['run', '--rm', 'e2e/from-retagged:v1', 'sh', '-c', 'cat /z; test -e /y || echo no-y']), 'z\nno-y\n')
  })

  it("commit records the image it was committed from: image inspect's Parent, and ps -f ancestor= finds its images' containers down the generations, as docker's", async () => {
    await nerdOk(['run', '--name', 'gen1', '--network', 'none', IMG, 'sh', '-c', 'echo 1 > /g1'])
    const child = (await nerdOk(['commit', 'gen1', 'e2e/gen:1'])).trim()
    await nerdOk(['run', '--name', 'gen2', '--network', 'none', 'e2e/gen:1', 'sh', '-c', 'echo 2 > /g2'])
    const grandchild = (await nerdOk(['commit', 'gen2'])).trim()
    await nerdOk(['create', '--name', 'gen3', '--network', 'none', grandchild, 'true'])
    const base = (JSON.parse(await nerdOk(['image', 'inspect', IMG])) as {Id: string}[])[0]!.Id
    assert.equal(await nerdOk(['image', 'inspect', '-f', '{{.Parent}}', IMG]), '\n')
    assert.equal(await nerdOk(['image', 'inspect', '-f', '{{.Parent}}', 'e2e/gen:1']), `${base}\n`)
    assert.equal(await nerdOk(['image', 'inspect', '-f', '{{.Parent}}', grandchild]), `${child}\n`)
    // history names each image of the lineage on its own line, as docker's containerd store walks the parent labels.
    const historyIds = (await nerdOk(['history', '-q', '--no-trunc', grandchild])).trim().split('\n')
    assert.deepEqual(historyIds.slice(0, 3), [grandchild, child, base])
    assert.ok(historyIds.slice(3).every((id) => id === '<missing>'), historyIds.join(' '))
    const ancestry = async (image: string) => (await nerdOk(['ps', '-a', '--filter', `ancestor=${image}`, '--filter', 'name=^gen', '--format', '{{.Names}}'])).trim().split('\n').sort()
    assert.deepEqual(await ancestry(IMG), ['gen1', 'gen2', 'gen3'])
    assert.deepEqual(await ancestry('e2e/gen:1'), ['gen2', 'gen3'])
    // A name given later keeps the record's parent.
    await nerdOk(['tag', grandchild, 'e2e/gen:2'])
    assert.equal(await nerdOk(['image', 'inspect', '-f', '{{.Parent}}', 'e2e/gen:2']), `${child}\n`)
    await nerdOk(['rm', 'gen1', 'gen2', 'gen3'])
  })

  it('rmi of the only name of an image others were committed from keeps it nameless, reporting it deleted, as docker\'s containerd store; by ID then it goes', async () => {
    await nerdOk(['run', '--name', 'parent', '--network', 'none', IMG, 'sh', '-c', 'echo p > /p'])
    const parent = (await nerdOk(['commit', 'parent', 'e2e/parent:1'])).trim()
    await nerdOk(['run', '--name', 'kid', '--network', 'none', 'e2e/parent:1', 'sh', '-c', 'echo k > /k'])
    await nerdOk(['commit', 'kid', 'e2e/kid:1'])
    await nerdOk(['rm', 'parent', 'kid'])
    assert.equal(await nerdOk(['rmi', 'e2e/parent:1']), `Untagged: e2e/parent:1\nDeleted: ${parent}\n`)
    assert.equal(await nerdOk(['image', 'inspect', '-f', '{{.Id}} {{len .RepoTags}}', parent]), `${parent} 0\n`)
    assert.equal(await nerdOk(['rmi', parent]), `Deleted: ${parent}\n`)
    assert.equal((await nerd(['image', 'inspect', parent])).code, 1)
    assert.equal(await nerdOk(['run', '--rm', '--network', 'none', 'e2e/kid:1', 'cat', '/p', '/k']), 'p\nk\n')
  })

  it('rmi prunes the nameless images an image was committed from, with a Deleted: line each, unless --no-prune; images hides them without -a, as docker\'s containerd store', async () => {
    const generation = async (name: string, from: string, tag: string): Promise<string> => {
      await nerdOk(['run', '--name', name, '--network', 'none', from, 'sh', '-c', `echo ${name} > /${name}`])
      const id = (await nerdOk(['commit', name, tag])).trim()
      await nerdOk(['rm', name])
      return id
    }
    const listed = async (...flags: string[]): Promise<string[]> => (await nerdOk(['images', ...flags, '--no-trunc', '--format', '{{.ID}}'])).trim().split('\n')
    const grandparent = await generation('prune-1', IMG, 'e2e/prune:1')
    const parent = await generation('prune-2', 'e2e/prune:1', 'e2e/prune:2')
    const child = await generation('prune-3', 'e2e/prune:2', 'e2e/prune:3')
    // Kept nameless for its child, an intermediate image: listed with -a only. Its parent has a name, and stays.
    assert.equal(await nerdOk(['rmi', 'e2e/prune:2']), `Untagged: e2e/prune:2\nDeleted: ${parent}\n`)
    assert.ok(!(await listed()).includes(parent))
    assert.ok((await listed('-a')).includes(parent))
    // --no-prune leaves it, no longer intermediate.
    assert.equal(await nerdOk(['rmi', '--no-prune', 'e2e/prune:3']), `Untagged: e2e/prune:3\nDeleted: ${child}\n`)
    assert.ok((await listed()).includes(parent))
    assert.equal(await nerdOk(['rmi', 'e2e/prune:1']), `Untagged: e2e/prune:1\nDeleted: ${grandparent}\n`)
    // The last image of the line takes the nameless ones it was committed from along, nearest first.
    const again = await generation('prune-4', parent, 'e2e/prune:4')
    assert.equal(await nerdOk(['rmi', 'e2e/prune:4']), `Untagged: e2e/prune:4\nDeleted: ${again}\nDeleted: ${parent}\nDeleted: ${grandparent}\n`)
    assert.ok(!(await listed('-a')).some((id) => [parent, grandparent].includes(id)))
  })

  it('image prune reports a dangling image untagged by its root digest, then deleted, as docker\'s containerd store', async () => {
    await nerdOk(['run', '--name', 'pruned', '--network', 'none', IMG, 'sh', '-c', 'echo 1 > /one'])
    const first = (await nerdOk(['commit', 'pruned', 'e2e/pruned:1'])).trim()
    const root = (await nerdOk(['image', 'inspect', '-f', '{{.Descriptor.digest}}', first])).trim()
    await nerdOk(['commit', 'pruned', 'e2e/pruned:1'])
    await nerdOk(['rm', 'pruned'])
    const lines = (await nerdOk(['image', 'prune', '-f'])).split('\n')
    assert.deepEqual(lines.slice(lines.indexOf(`untagged: ${root}`), lines.indexOf(`untagged: ${root}`) + 2), [`untagged: ${root}`, `deleted: ${first}`])
    await nerdOk(['rmi', 'e2e/pruned:1'])
  })

  it('commits a running container, paused meanwhile, and leaves it running', async () => {
    await nerdOk(['run', '-d', '--name', 'live', IMG, 'sh', '-c', 'echo live > /live.txt; sleep 60'])
    await until('the file to be written', async () => ((await nerd(['exec', 'live', 'test', '-e', '/live.txt'])).code === 0 ? true : undefined))
    await nerdOk(['commit', 'live', 'e2e/live:v1'])
    // Not the init layer the container has (/.dockerenv, /etc/mtab, the mount points of the /etc
    // files nerd binds), nor their directories: the container's changes only.
    assert.equal(await nerdOk(['exec', 'live', 'readlink', '/etc/mtab']), '/proc/mounts\n')
    assert.deepEqual(await topLayerPaths('e2e/live:v1'), ['live.txt'])
    assert.equal((await inspectContainer('live')).State.Status, 'running')
    assert.equal(await nerdOk(['run', '--rm', 'e2e/live:v1', 'cat', '/live.txt']), 'live\n')
    const bad = await nerd(['commit', '-c', 'FROM scratch', 'live', 'e2e/bad:v1'])
    assert.equal(bad.code, 1)
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr)
  })

  it('a commit stopped by ctrl-c, SIGTERM or SIGHUP resumes the container, leaves no lease, view or image, and nerd dies of the signal', async () => {
    // Enough changes that the commit keeps the container paused for a while.
    await nerdOk(['run', '-d', '--name', 'big', IMG, 'sh', '-c', 'head -c 30000000 /dev/urandom > /big && touch /written; sleep 600'])
    await until('the changes to be written', async () => ((await nerd(['exec', 'big', 'test', '-e', '/written'])).code === 0 ? true : undefined))
    const id = (await inspectContainer('big')).Id as string
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      assert.equal(await commitStoppedWhilePaused('big', signal), signal)
      assert.equal(await taskStatus(id), 'RUNNING', signal)
      assert.deepEqual(await commitLeftovers(), [], signal)
    }
    assert.equal((await nerd(['image', 'inspect', 'e2e/big:stopped'])).code, 1)
  })

  it('a commit killed outright leaves the container paused only until the next command looks at it', async () => {
    const id = (await inspectContainer('big')).Id as string
    assert.equal(await commitStoppedWhilePaused('big', 'SIGKILL'), 'SIGKILL')
    assert.equal(await taskStatus(id), 'PAUSED')
    assert.match(await nerdOk(['ps', '--filter', 'name=big', '--format', '{{.Status}}']), /^Up [^(]*$/m)
    assert.equal(await taskStatus(id), 'RUNNING')
    assert.equal((await inspectContainer('big')).State.Status, 'running')
    // What a killed nerd leaves in containerd (its lease) is not this test's: removed so that the file ends clean.
    for (const lease of (await ctr(['leases', 'ls', '-q'])).stdout.split('\n').filter(Boolean)) await ctr(['leases', 'rm', lease])
  })
})

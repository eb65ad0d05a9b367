/**
 * The example third-party plugin (examples/nerd-plugin-example) end to end: packed with npm,
 * installed from the tarball, every effect it documents seen (a command, a reference scheme, a veto
 * before unpack, a conversion format, the spec and labels of a container, its start, its network
 * setup and teardown), then uninstalled and every effect gone; installed from its directory; and the
 * example vendor bundle with its plugin and its defaults.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {cp, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {inspectContainer, nerdOk, removeAllContainers} from '../helpers/containers.ts'
import {loadTestImage, nerd, testEnvironment} from '../helpers/e2e.ts'
import {buildImageArchive, busyboxRootfs, DEFAULT_PATH} from '../helpers/oci-image.ts'

const run = promisify(execFile)
const IMG = 'docker.io/nerd-test/busybox:latest'
const example = fileURLToPath(new URL('../../examples/nerd-plugin-example', import.meta.url))
const bundle = fileURLToPath(new URL('../../examples/nerd-bundle-example', import.meta.url))
const npm = fileURLToPath(new URL('../../node_modules/npm/bin/npm-cli.js', import.meta.url))
let home: string
let env: Record<string, string>
let log: string

async function logged(): Promise<{event: string; [key: string]: unknown}[]> {
  const text = await readFile(log, 'utf8').catch(() => '')
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as {event: string})
}

describe('the example plugin and bundle', () => {
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'nerd-example-'))
    log = join(home, 'example.log')
    env = {XDG_DATA_HOME: join(home, 'data'), EXAMPLE_LOG: log, EXAMPLE_REGISTRY: testEnvironment.registry}
    await loadTestImage('nerd-test/busybox:latest')
    await nerdOk(['tag', IMG, `${testEnvironment.registry}/e2e/example-source:v1`])
    await nerdOk(['push', `${testEnvironment.registry}/e2e/example-source:v1`])
    const vetoed = join(home, 'vetoed.tar')
    await buildImageArchive({name: 'nerd-e2e/vetoed:v1', images: [{layers: [{entries: await busyboxRootfs()}], config: {Env: [DEFAULT_PATH], Labels: {'org.example.veto': 'yes'}}}]}, vetoed)
    await nerdOk(['load', '-i', vetoed])
    await nerdOk(['tag', 'nerd-e2e/vetoed:v1', `${testEnvironment.registry}/e2e/vetoed:v1`])
    await nerdOk(['push', `${testEnvironment.registry}/e2e/vetoed:v1`])
    await nerdOk(['rmi', 'nerd-e2e/vetoed:v1', `${testEnvironment.registry}/e2e/vetoed:v1`])
  })

  after(async () => {
    await removeAllContainers()
    await rm(home, {recursive: true, force: true})
  })

  it('installed from its npm tarball, changes pull, run and network setup as documented', async () => {
    const {stdout} = await run(process.execPath, [npm, 'pack', '--json', '--pack-destination', home, example])
    const tarball = join(home, (JSON.parse(stdout) as {filename: string}[])[0]!.filename)
    await nerdOk(['plugins', 'install', tarball], {env})
    assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env}), 'nerd-plugin-example 1.0.0\n')

    // A command under a topic of its own.
    assert.equal(await nerdOk(['example', 'hello', 'e2e'], {env}), 'hello e2e\n')

    // The spec (an env, a mount), a label, the start, and the network setup and its result.
    const inside = await nerdOk(['run', '-d', '--name', 'plugged', '--example-greeting', 'hello', IMG, 'sleep', '60'], {env})
    const id = inside.trim()
    assert.equal(await nerdOk(['exec', 'plugged', 'sh', '-c', 'echo $EXAMPLE_PLUGIN $EXAMPLE_GREETING; cat /proc/sys/net/ipv4/conf/eth0/accept_local; grep -c " /example tmpfs" /proc/mounts'], {env}), '1 hello\n1\n1\n')
    const container = await inspectContainer('plugged')
    assert.equal(container.Config.Labels['org.example.plugin'], 'nerd-plugin-example')
    const address = container.NetworkSettings.Networks.bridge.IPAddress as string
    await nerdOk(['rm', '-f', 'plugged'], {env})
    const events = await logged()
    assert.deepEqual(events.map((event) => event.event), ['network-ready', 'started', 'network-teardown-before', 'network-teardown-after'])
    assert.deepEqual(events[0]!.addresses, [`${address}/24`])
    assert.equal(events[1]!.id, id)

    // A reference scheme of its own, and a veto before anything is unpacked.
    await nerdOk(['pull', '-q', 'example://e2e/example-source:v1'], {env})
    assert.match(await nerdOk(['images', '--format', '{{.Repository}}:{{.Tag}}'], {env}), /e2e\/example-source:v1/)
    // run pulls such a reference through the plugin too, and runs what it stored.
    assert.equal(await nerdOk(['run', '--rm', '--network', 'none', 'example://e2e/example-source:v1', 'echo', 'from the scheme'], {env}), 'from the scheme\n')
    assert.equal((await nerd(['run', '--rm', '--pull', 'never', 'example://e2e/example-source:v1', 'true'], {env})).stderr, 'Error: No such image: example://e2e/example-source:v1\n')
    const vetoed = await nerd(['pull', '-q', `${testEnvironment.registry}/e2e/vetoed:v1`], {env})
    assert.equal(vetoed.code, 1)
    assert.match(vetoed.stderr, /nerd-plugin-example.*the image is labelled org\.example\.veto=yes/)
    assert.doesNotMatch(await nerdOk(['images'], {env}), /vetoed/)

    // A conversion format.
    await nerdOk(['image', 'convert', '--example-copy', IMG, 'e2e/converted:v1'], {env})
    assert.match(await nerdOk(['images', '--format', '{{.Repository}}'], {env}), /^e2e\/converted$/m)
    await nerdOk(['rmi', 'e2e/converted:v1', `${testEnvironment.registry}/e2e/example-source:v1`], {env})
  })

  it('uninstalled, leaves plain behaviour', async () => {
    await nerdOk(['plugins', 'uninstall', 'nerd-plugin-example'], {env})
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
    const unknown = await nerd(['example', 'hello'], {env})
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /unknown command/)
    assert.equal(await nerdOk(['run', '--rm', IMG, 'sh', '-c', 'echo ${EXAMPLE_PLUGIN:-none}; cat /proc/sys/net/ipv4/conf/eth0/accept_local; grep -c " /example tmpfs" /proc/mounts || true'], {env}), 'none\n0\n0\n')
    assert.match((await nerd(['run', '--rm', '--example-greeting', 'hello', IMG, 'true'], {env})).stderr, /^unknown flag: --example-greeting$/m)
    const scheme = await nerd(['pull', '-q', 'example://e2e/example-source:v1'], {env})
    assert.equal(scheme.code, 1)
    const run = await nerd(['run', '--rm', 'example://e2e/example-source:v1', 'true'], {env})
    assert.deepEqual([run.code, run.stderr], [125, 'Error: cannot pull example://e2e/example-source:v1: no plugin handles example:// references\n'])
    await nerdOk(['pull', '-q', `${testEnvironment.registry}/e2e/vetoed:v1`], {env})
    await nerdOk(['rmi', `${testEnvironment.registry}/e2e/vetoed:v1`], {env})
    const before = (await logged()).length
    await nerdOk(['run', '--rm', IMG, 'true'], {env})
    assert.equal((await logged()).length, before)
  })

  it('installs from its directory too', async () => {
    await nerdOk(['plugins', 'install', example], {env})
    assert.equal(await nerdOk(['example', 'hello'], {env}), 'hello from nerd-plugin-example\n')
    await nerdOk(['plugins', 'uninstall', 'nerd-plugin-example'], {env})
  })

  it('a vendor bundle brings its plugin and its defaults, and takes them away again', async () => {
    await nerdOk(['plugins', 'install', bundle], {env})
    assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}} {{.Bundle}}'], {env}), 'nerd-bundle-example 1.0.0 \nnerd-plugin-example 1.0.0 nerd-bundle-example\n')
    assert.equal(await nerdOk(['example', 'hello'], {env}), 'hello from nerd-plugin-example\n')
    const info = await nerdOk(['info'], {env})
    assert.match(info, /^ {2}insecure_registry: true \(plugin nerd-bundle-example\)$/m)
    assert.match(info, /^ {2}hosts_dir: \/etc\/nerd-bundle-example\/certs\.d,\/etc\/containerd\/certs\.d \(plugin nerd-bundle-example\)$/m)
    await nerdOk(['plugins', 'uninstall', 'nerd-bundle-example'], {env})
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
    assert.doesNotMatch(await nerdOk(['info'], {env}), /nerd-bundle-example/)
  })

  it('a bundle installed from its directory again carries its plugin as it is now, not the copy an earlier install left there', async () => {
    const copies = join(home, 'copies')
    await cp(example, join(copies, 'nerd-plugin-example'), {recursive: true})
    await mkdir(join(copies, 'nerd-bundle-example'))
    for (const file of ['package.json', 'oclif.manifest.json', 'README.md']) await cp(join(bundle, file), join(copies, 'nerd-bundle-example', file))
    await nerdOk(['plugins', 'install', join(copies, 'nerd-bundle-example')], {env})
    assert.equal(await nerdOk(['example', 'hello'], {env}), 'hello from nerd-plugin-example\n')
    await nerdOk(['plugins', 'uninstall', 'nerd-bundle-example'], {env})
    const command = join(copies, 'nerd-plugin-example', 'commands', 'example', 'hello.js')
    await writeFile(command, (await readFile(command, 'utf8')).replace('`hello ', '`hello again '))
    await nerdOk(['plugins', 'install', join(copies, 'nerd-bundle-example')], {env})
    assert.equal(await nerdOk(['example', 'hello'], {env}), 'hello again from nerd-plugin-example\n')
    await nerdOk(['plugins', 'uninstall', 'nerd-bundle-example'], {env})
  })
})

/**
 * The run and push hooks fired for real: the fixture plugin (test/fixtures/hook-plugin), linked
 * into a private plugin directory, changes a container's spec and labels before create, hears
 * about its start, annotates a pushed manifest, hears about the push, and can refuse one.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {promisify} from 'node:util'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {inspectContainer, nerdOk, taskStatus, until} from '../helpers/containers.ts'
import {fileNamespace, loadTestImage, nerd, nerdEntry, nerdGlobals, testEnvironment} from '../helpers/e2e.ts'

const run = promisify(execFile)
const IMG = 'docker.io/nerd-test/busybox:latest'
const fixture = resolve(fileURLToPath(new URL('../fixtures/hook-plugin', import.meta.url)))
let home: string
let log: string
let env: Record<string, string>

interface Recorded {
  event: string
  payload: Record<string, any>
}

async function recorded(event: string): Promise<Recorded[]> {
  const lines = (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean)
  return lines.map((line) => JSON.parse(line) as Recorded).filter((entry) => entry.event === event)
}

/**
 * `run -d NAME` of a container on the default bridge with a published port, whose nerd is stopped
 * (ended with `signal`) where the container's task is made and its network attached, but neither the
 * attachment is recorded nor the task started: the fixture's ready hook waits there while a file exists.
 */
async function runStoppedHalfway(name: string, signal: NodeJS.Signals): Promise<{id: string; ended: NodeJS.Signals | number | null}> {
  const hold = join(home, `${name}.hold`)
  const networkLog = join(home, `${name}.network.log`)
  await writeFile(hold, '')
  const labels = ['--label', `example.hookfixture/network-log=${networkLog}`, '--label', `example.hookfixture/network-hold=${hold}`]
  const child = spawn(process.execPath, ['--', nerdEntry, ...nerdGlobals(), 'run', '-d', '--name', name, '-p', '127.0.0.1::80', ...labels, IMG, 'sleep', '600'], {
    env: {...process.env, ...env, NODE_TEST_CONTEXT: undefined},
    stdio: 'ignore',
  })
  const exited = new Promise<NodeJS.Signals | number | null>((resolvePromise) => child.on('exit', (code, signalName) => resolvePromise(signalName ?? code)))
  try {
    await until('the network to be attached', async () => ((await readFile(networkLog, 'utf8').catch(() => '')).includes('nerd:network:ready') ? true : undefined))
    child.kill(signal)
    // Stopped before the hook ends, or let go on: the hook's wait ends either way.
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 300))
  } finally {
    await rm(hold, {force: true})
  }
  const ended = await exited
  return {id: (await inspectContainer(name)).Id as string, ended}
}

/** What the container holds of the default bridge: its address leases, its member entry, its host port and port rules. */
async function networkHeld(id: string): Promise<string> {
  const networks = `${testEnvironment.root}/data/shared/networks`
  const files = `${networks}/*/ipam ${networks}/*/members.json ${testEnvironment.netconf}/.nerd-ports.json`
  const held = await run('sh', ['-c', `grep -l -r -- '${id}' ${files} 2>/dev/null; iptables -w -t nat -S | grep -- '${fileNamespace()}-${id}'; true`])
  return held.stdout.trim()
}

function skopeoRaw(reference: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reference}`], {stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolvePromise(stdout) : reject(new Error(`skopeo exited ${code}`))))
  })
}

describe('run and push hooks of a plugin', () => {
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'nerd-hooks-'))
    log = join(home, 'hooks.log')
    // oclif keeps user plugins under $XDG_DATA_HOME/nerd: this file's own.
    env = {XDG_DATA_HOME: join(home, 'data'), HOOK_FIXTURE_LOG: log}
    await loadTestImage('nerd-test/busybox:latest')
    await nerdOk(['plugins', 'link', fixture], {env})
  })

  after(async () => {
    await rm(home, {recursive: true, force: true})
  })

  it('a create hook changes the spec and the labels, and the start hook hears the pid', async () => {
    assert.equal(await nerdOk(['run', '--rm', IMG, 'sh', '-c', 'echo $HOOKFIXTURE'], {env}), '1\n')
    await nerdOk(['run', '-d', '--name', 'hooked', IMG, 'sleep', '60'], {env})
    const state = await inspectContainer('hooked')
    assert.equal(state.Config.Labels['example.hookfixture/seen'], 'true')
    const starts = await recorded('nerd:container:start')
    const start = starts.find((entry) => entry.payload.name === 'hooked')
    assert.ok(start, JSON.stringify(starts))
    assert.equal(start.payload.pid, state.State.Pid)
    const creates = await recorded('nerd:container:create')
    assert.ok(creates.some((entry) => entry.payload.name === 'hooked' && entry.payload.image.name === IMG))
    await nerdOk(['rm', '-f', 'hooked'], {env})
    // Without the plugin the spec is the core's.
    assert.equal(await nerdOk(['run', '--rm', IMG, 'sh', '-c', 'echo "[$HOOKFIXTURE]"']), '[]\n')
  })

  it('network hooks, fired in the OCI hook, add a CNI plugin, see the CNI result and hear the teardown', async () => {
    const networkLog = join(home, 'network.log')
    const labels = ['--label', `example.hookfixture/network-log=${networkLog}`, '--label', 'example.hookfixture/accept-local=true']
    await nerdOk(['run', '-d', '--name', 'networked', ...labels, IMG, 'sleep', '60'], {env})
    assert.equal(await nerdOk(['exec', 'networked', 'cat', '/proc/sys/net/ipv4/conf/eth0/accept_local'], {env}), '1\n')
    const address = (await inspectContainer('networked')).NetworkSettings.Networks.bridge.IPAddress as string
    await nerdOk(['rm', '-f', 'networked'], {env})
    const events = (await readFile(networkLog, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as {event: string; payload: Record<string, any>; extra: object})
    assert.deepEqual(events.map((entry) => [entry.event, entry.payload.phase]), [
      ['nerd:network:setup', undefined],
      ['nerd:network:ready', undefined],
      ['nerd:network:teardown', 'before'],
      ['nerd:network:teardown', 'after'],
    ])
    const [setup, ready] = events
    assert.equal(setup!.payload.network, 'bridge')
    assert.equal(setup!.payload.ifName, 'eth0')
    assert.equal(setup!.payload.containerName, 'networked')
    // The container's labels as the other events carry them, nerd's own among them.
    assert.equal(setup!.payload.labels['nerd/name'], 'networked')
    assert.match(setup!.payload.netns, /^\/proc\/\d+\/ns\/net$/)
    assert.deepEqual(setup!.payload.conflist.plugins.map((plugin: {type: string}) => plugin.type), ['bridge', 'portmap', 'tuning'])
    assert.equal(ready!.payload.result.ips[0].address, `${address}/24`)

    // Without the plugin, the same run gets the plain network.
    const plain = await nerdOk(['run', '--rm', IMG, 'cat', '/proc/sys/net/ipv4/conf/eth0/accept_local'])
    assert.equal(plain, '0\n')
  })

  it('network hooks fire for a none container that left none, with the plugins there then', async () => {
    const networkLog = join(home, 'none-left.log')
    await nerdOk(['run', '-d', '--name', 'none-left', '--network', 'none', '--label', `example.hookfixture/network-log=${networkLog}`, IMG, 'sleep', '60'], {env})
    await nerdOk(['network', 'disconnect', 'none', 'none-left'], {env})
    await nerdOk(['network', 'connect', 'bridge', 'none-left'], {env})
    await nerdOk(['rm', '-f', 'none-left'], {env})
    const events = (await readFile(networkLog, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as {event: string; payload: Record<string, any>})
    assert.deepEqual(events.map((entry) => [entry.event, entry.payload.network, entry.payload.phase]), [
      ['nerd:network:setup', 'bridge', undefined],
      ['nerd:network:ready', 'bridge', undefined],
      ['nerd:network:teardown', 'bridge', 'before'],
      ['nerd:network:teardown', 'bridge', 'after'],
    ])
    assert.equal(events[0]!.payload.labels['nerd/name'], 'none-left')
  })

  it('a network setup hook that fails stops the run with its reason and leaves no network behind', async () => {
    const failed = await nerd(['run', '--name', 'netfail', '--label', 'example.hookfixture/network-fail=true', IMG, 'true'], {env})
    assert.equal(failed.code, 125, failed.stderr)
    assert.match(failed.stderr, /^Error: .*plugin "nerd-plugin-hookfixture" failed in nerd:network:setup: fixture refuses this network setup/m)
    assert.equal(failed.stderr.trim().split('\n').length, 1, failed.stderr)
    // host-local names the container in the lease file it writes for each address it gives.
    const id = (await inspectContainer('netfail')).Id as string
    const leases = await run('sh', ['-c', `grep -l -r -- '${id}' ${testEnvironment.root}/data/shared/networks/*/ipam 2>/dev/null || true`])
    assert.equal(leases.stdout.trim(), '')
    assert.equal((await inspectContainer('netfail')).NetworkSettings.IPAddress, '')
    await nerdOk(['rm', 'netfail'], {env})
  })

  it('a run -d killed with its task made and its network attached leaves a Created container that start starts', async () => {
    const {id, ended} = await runStoppedHalfway('halfmade', 'SIGKILL')
    assert.equal(ended, 'SIGKILL')
    assert.equal((await inspectContainer('halfmade')).State.Status, 'created')
    assert.equal(await taskStatus(id), 'CREATED')
    assert.notEqual(await networkHeld(id), '')
    assert.equal(await nerdOk(['start', 'halfmade'], {env}), 'halfmade\n')
    assert.equal((await inspectContainer('halfmade')).State.Status, 'running')
    assert.equal(await taskStatus(id), 'RUNNING')
    await nerdOk(['rm', '-f', 'halfmade'], {env})
    assert.equal(await networkHeld(id), '')
  })

  it('removing such a container (no -f needed: it is Created) gives back its address, member entry and port rules', async () => {
    const {id} = await runStoppedHalfway('halfgone', 'SIGKILL')
    assert.equal(await taskStatus(id), 'CREATED')
    assert.notEqual(await networkHeld(id), '')
    assert.equal(await nerdOk(['rm', 'halfgone'], {env}), 'halfgone\n')
    assert.equal(await taskStatus(id), undefined)
    assert.equal(await networkHeld(id), '')
  })

  it('stop of such a container ends its task without waiting out its timeout and gives back its network', async () => {
    const {id} = await runStoppedHalfway('halfstopped', 'SIGKILL')
    assert.equal(await taskStatus(id), 'CREATED')
    const started = Date.now()
    // The dead nerd's lock goes stale within 10 s; the stop's timeout is not waited out.
    assert.equal(await nerdOk(['stop', '-t', '30', 'halfstopped'], {env}), 'halfstopped\n')
    assert.ok(Date.now() - started < 25_000, `stop took ${Date.now() - started} ms`)
    assert.equal(await taskStatus(id), undefined)
    assert.equal(await networkHeld(id), '')
    await nerdOk(['rm', 'halfstopped'], {env})
  })

  it('ctrl-c while run -d starts the container: the start is finished, then nerd dies of the signal', async () => {
    const {id, ended} = await runStoppedHalfway('interrupted', 'SIGINT')
    assert.equal(ended, 'SIGINT')
    assert.equal((await inspectContainer('interrupted')).State.Status, 'running')
    assert.equal(await taskStatus(id), 'RUNNING')
    await nerdOk(['rm', '-f', 'interrupted'], {env})
    assert.equal(await networkHeld(id), '')
  })

  it('push hooks annotate the pushed manifest, hear its digest, and can refuse a push', async () => {
    const target = `${testEnvironment.registry}/${fileNamespace()}/hooked:1`
    await nerdOk(['tag', IMG, target], {env})
    const pushed = await nerdOk(['push', target], {env: {...env, HOOK_FIXTURE_ANNOTATE: 'org.example.signed=yes'}})
    const manifest = JSON.parse(await skopeoRaw(target)) as {annotations?: Record<string, string>}
    assert.equal(manifest.annotations?.['org.example.signed'], 'yes')
    const [after] = await recorded('nerd:image:pushed')
    assert.ok(after)
    assert.match(pushed, new RegExp(`digest: ${after.payload.descriptor.digest} `))
    const [beforePush] = await recorded('nerd:image:push')
    assert.equal(beforePush?.payload.name, `${target}`)

    const refused = await nerd(['push', target], {env: {...env, HOOK_FIXTURE_VETO: 'not signed'}})
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /refused to push ".*hooked:1": not signed/)

    // run pulls an image it does not have, as docker does.
    await nerdOk(['rmi', target])
    const ran = await nerd(['run', '--rm', target, 'echo', 'pulled and ran'])
    assert.equal(ran.code, 0, ran.stderr)
    assert.equal(ran.stdout, 'pulled and ran\n')
    const pulledDigest = (await nerdOk(['image', 'inspect', '--format', '{{index .RepoDigests 0}}', target])).trim().split('@')[1]
    // Off a terminal the layers' lines are plain ones, between docker's others.
    const layerLine = /^[0-9a-f]{12}: (Waiting|Verifying Checksum|Download complete|Pull complete|Already exists)$/
    const messages = (stderr: string): string => stderr.split('\n').filter((line) => !layerLine.test(line)).join('\n')
    assert.match(ran.stderr, /^[0-9a-f]{12}: (Pull complete|Already exists)$/m)
    assert.equal(messages(ran.stderr), [
      `Unable to find image '${target}' locally`,
      `1: Pulling from ${fileNamespace()}/hooked`,
      `Digest: ${pulledDigest}`,
      `Status: Downloaded newer image for ${target}`,
      '',
    ].join('\n'))
    // --pull=always pulls what is here too, without saying it was missing.
    const always = await nerd(['run', '--rm', '--pull', 'always', target, 'echo', 'pulled again'])
    assert.equal(always.code, 0, always.stderr)
    assert.equal(always.stdout, 'pulled again\n')
    assert.equal(messages(always.stderr), [`1: Pulling from ${fileNamespace()}/hooked`, `Digest: ${pulledDigest}`, `Status: Image is up to date for ${target}`, ''].join('\n'))
    const never = await nerd(['run', '--rm', '--pull', 'never', `${testEnvironment.registry}/${fileNamespace()}/absent:1`, 'true'])
    assert.equal(never.code, 125)
    assert.match(never.stderr, /No such image/)
  })

  it('--verify requires the verifiers named: pull and run fail in one line when no plugin reported one', async () => {
    const target = `${testEnvironment.registry}/${fileNamespace()}/verified:1`
    await nerdOk(['tag', IMG, target], {env})
    await nerdOk(['push', target], {env})
    await nerdOk(['rmi', target], {env})
    const refusal = (verifier: string) => `Error: image "${target}" was not verified with ${verifier}: no installed plugin verified it (is the ${verifier} plugin installed?)\n`
    const missing = await nerd(['pull', '-q', '--verify=fixture,other', target], {env})
    assert.deepEqual([missing.code, missing.stderr], [1, refusal('other')])
    assert.equal((await nerd(['image', 'inspect', target], {env})).code, 1, 'no image is left')
    const ran = await nerd(['run', '--rm', '--verify', 'other', target, 'true'], {env})
    assert.equal(ran.code, 125)
    assert.match(ran.stderr, new RegExp(`^${refusal('other').trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'))
    // Without any plugin that verifies, a required verifier fails the pull all the same.
    const unverified = await nerd(['pull', '-q', '--verify', 'fixture', target])
    assert.deepEqual([unverified.code, unverified.stderr], [1, refusal('fixture')])
    assert.equal(await nerdOk(['pull', '-q', '--verify', 'fixture', '--verify', 'none', target], {env}), `${target}\n`)
    const [verification] = (await recorded('nerd:image:verify')).filter((entry) => entry.payload.name === target).slice(-1)
    assert.deepEqual(verification?.payload.require, ['fixture'])
    assert.equal(await nerdOk(['pull', '-q', '--verify=none', target]), `${target}\n`)
  })

  it('image convert runs the format a plugin registers and names its result', async () => {
    const digest = (await nerdOk(['image', 'convert', '--fixturecopy', '--fixturecopy-note', 'hello', IMG, 'converted:1'], {env})).trim()
    assert.match(digest, /^sha256:[0-9a-f]{64}$/)
    const [call] = await recorded('fixturecopy')
    assert.deepEqual(call?.payload.options, {note: 'hello'})
    assert.equal(call?.payload.target, 'docker.io/library/converted:1')
    assert.match(await nerdOk(['images', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}}'], {env}), new RegExp(`^converted:1 ${digest}$`, 'm'))
    const none = await nerd(['image', 'convert', IMG, 'other:1'], {env})
    assert.equal(none.code, 1)
    assert.equal(none.stderr, 'Error: choose a conversion format: --fixturecopy\n')
    // Its help lists the formats the plugins offer, with their options, and an example with one of them.
    const help = await nerdOk(['image', 'convert', '--help'], {env})
    assert.match(help, /^ +--fixturecopy +Copy the image unchanged \(test fixture\)$/m)
    assert.match(help, /^ +--fixturecopy-note=<value> +A note the fixture records$/m)
    assert.match(help, /^ +\$ nerd image convert --fixturecopy busybox busybox:converted$/m)
    assert.doesNotMatch(help, /estargz/)
    assert.match(await nerdOk(['image', 'convert', '--help']), /No installed plugin offers a conversion format\.[^]*\$ nerd image convert --<format> busybox/)
    // Without the plugin the format's flag does not exist (docker's code for a flag error is 125).
    const unavailable = await nerd(['image', 'convert', '--fixturecopy', IMG, 'other:1'])
    assert.equal(unavailable.code, 125)
    assert.match(unavailable.stderr, /unknown flag: --fixturecopy/)
  })
})

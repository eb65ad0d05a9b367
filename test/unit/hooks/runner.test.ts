import assert from 'node:assert/strict'
import {after, afterEach, describe, test} from 'node:test'
import {NerdError} from '../../../src/errors.ts'
import {hookDeclarationProblems} from '../../../src/hooks/discovery.ts'
import {HookError} from '../../../src/hooks/errors.ts'
import {HOOK_API_VERSION} from '../../../src/hooks/version.ts'
import {runNerdHook} from '../../../src/hooks/runner.ts'
import type {RunNerdHookOptions} from '../../../src/hooks/runner.ts'
import type {
  ContainerCreatePayload,
  ContainerStartPayload,
  Descriptor,
  ImageVerifyPayload,
  NetworkSetupPayload,
} from '../../../src/hooks/types.ts'
import {badApiFixture, clearFixtureEnv, hookFixture, loadWorld, readLog, removeWorlds, writePlugin} from './plugin-fixtures.ts'
import type {TestWorld} from './plugin-fixtures.ts'

const FIXTURE = 'nerd-plugin-hookfixture'

afterEach(clearFixtureEnv)
after(removeWorlds)

/** A hook module: `note(entry)` appends to the log the fixture hooks write to. */
function hookSource(body: string): string {
  return `import {appendFileSync} from 'node:fs'
const note = (entry) => appendFileSync(process.env.HOOK_FIXTURE_LOG, JSON.stringify(entry) + '\\n')
${body}
`
}

function options(world: TestWorld, extra: Partial<RunNerdHookOptions> = {}): RunNerdHookOptions {
  return {namespace: 'helper-hooks', address: '/run/containerd/containerd.sock', output: world.output, ...extra}
}

const configBlob = new TextEncoder().encode('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}')
const configDescriptor: Descriptor = {mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'c'.repeat(64)}`, size: configBlob.length}
const manifestDescriptor: Descriptor = {mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 400}

function verifyPayload(overrides: Partial<ImageVerifyPayload> = {}): ImageVerifyPayload {
  return {
    name: 'docker.io/library/alpine:latest',
    descriptor: manifestDescriptor,
    index: undefined,
    manifest: {schemaVersion: 2, mediaType: manifestDescriptor.mediaType, config: configDescriptor, layers: []},
    config: {architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: []}},
    readBlob: async (digest) => {
      assert.equal(digest, configDescriptor.digest)
      return configBlob
    },
    registry: undefined,
    require: [],
    flags: {},
    ...overrides,
  }
}

function createPayload(): ContainerCreatePayload {
  return {
    id: 'f'.repeat(64),
    name: 'web',
    image: {name: 'docker.io/library/alpine:latest', descriptor: manifestDescriptor, config: {architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: []}}},
    spec: {ociVersion: '1.1.0', process: {user: {uid: 0, gid: 0}, cwd: '/', args: ['sh'], env: ['PATH=/bin']}},
    labels: {'nerd/name': 'web'},
    snapshotter: 'overlayfs',
    flags: {},
  }
}

const startPayload: ContainerStartPayload = {id: 'f'.repeat(64), name: 'web', pid: 4242, labels: {}}

describe('runNerdHook with the linked fixture plugin', () => {
  test('calls the verify hook with the typed payload and the api, and reports its verification', async () => {
    const world = await loadWorld(() => [hookFixture])
    const outcome = await runNerdHook(world.config, 'nerd:image:verify', verifyPayload({require: ['fixture'], flags: {verify: 'fixture'}}), options(world))

    assert.deepEqual(outcome.verifications, [{plugin: FIXTURE, verifier: 'fixture', details: `config is ${configBlob.length} bytes`}])
    const [call] = readLog(world)
    assert.equal(call.event, 'nerd:image:verify')
    assert.equal(call.payload.name, 'docker.io/library/alpine:latest')
    assert.deepEqual(call.payload.descriptor, manifestDescriptor)
    assert.deepEqual(call.payload.manifest.config, configDescriptor)
    assert.deepEqual(call.payload.require, ['fixture'])
    assert.deepEqual(call.extra, {configBytes: configBlob.length, readBlob: 'function'})
    assert.deepEqual(call.api, {hookApiVersion: HOOK_API_VERSION, nerdVersion: '0.1.0', namespace: 'helper-hooks', address: '/run/containerd/containerd.sock'})
    assert.deepEqual(world.output.warnings, [])
  })

  test('a throwing verify hook fails closed with an error naming the plugin', async () => {
    const world = await loadWorld(() => [hookFixture])
    process.env.HOOK_FIXTURE_FAIL = 'nerd:image:verify'
    await assert.rejects(runNerdHook(world.config, 'nerd:image:verify', verifyPayload(), options(world)), (error: unknown) => {
      assert.ok(error instanceof HookError)
      assert.ok(error instanceof NerdError, 'the entry point prints NerdErrors as one line')
      assert.equal(error.plugin, FIXTURE)
      assert.equal(error.event, 'nerd:image:verify')
      assert.equal(error.message, `plugin "${FIXTURE}" failed in nerd:image:verify: fixture failure in nerd:image:verify`)
      return true
    })
  })

  test('a rejecting verify hook fails the pull with its reason', async () => {
    const world = await loadWorld(() => [hookFixture])
    process.env.HOOK_FIXTURE_REJECT = 'signature does not match'
    await assert.rejects(
      runNerdHook(world.config, 'nerd:image:verify', verifyPayload(), options(world)),
      {message: `plugin "${FIXTURE}" failed in nerd:image:verify: rejected image "docker.io/library/alpine:latest": signature does not match`},
    )
  })

  test('a required verifier that no plugin reports fails closed', async () => {
    const world = await loadWorld(() => [hookFixture])
    await assert.rejects(runNerdHook(world.config, 'nerd:image:verify', verifyPayload({require: ['cosign']}), options(world)), (error: unknown) => {
      assert.ok(error instanceof NerdError)
      assert.match(error.message, /^image "docker\.io\/library\/alpine:latest" was not verified with cosign/)
      return true
    })
    assert.equal(readLog(world).length, 1, 'the installed verifier still ran')
  })

  test('a hanging hook times out with a clear error', async () => {
    const world = await loadWorld(() => [hookFixture])
    process.env.HOOK_FIXTURE_HANG = 'nerd:image:verify'
    const started = Date.now()
    await assert.rejects(runNerdHook(world.config, 'nerd:image:verify', verifyPayload(), options(world, {timeoutMs: 150})), {
      name: 'HookError',
      message: `plugin "${FIXTURE}" failed in nerd:image:verify: timed out after 150 ms (./hooks/verify.js)`,
    })
    assert.ok(Date.now() - started < 5000)
  })

  test('a plugin\'s own hookTimeoutMs overrides the caller\'s limit and aborts its signal', async () => {
    const world = await loadWorld((dir) => [
      writePlugin(dir, {
        name: 'nerd-plugin-slow',
        nerd: {hookApi: '^1', hookTimeoutMs: 100},
        hooks: {
          'nerd:container:start': hookSource(`export default (payload, ctx) => new Promise(() => {
  ctx.signal.addEventListener('abort', () => note({aborted: ctx.signal.aborted}))
})`),
        },
      }),
    ])
    const outcome = await runNerdHook(world.config, 'nerd:container:start', startPayload, options(world, {timeoutMs: 60_000}))
    assert.equal(outcome.warnings.length, 1)
    assert.equal(outcome.warnings[0].message, 'plugin "nerd-plugin-slow" failed in nerd:container:start: timed out after 100 ms (./hooks/hook0.js)')
    assert.deepEqual(readLog(world), [{aborted: true}])
  })

  test('a failing notification hook becomes a warning and the next plugin still runs', async () => {
    const world = await loadWorld((dir) => [
      hookFixture,
      writePlugin(dir, {
        name: 'nerd-plugin-after',
        nerd: {hookApi: '^1'},
        hooks: {'nerd:container:start': hookSource(`export default (payload, ctx) => { note({plugin: ctx.plugin.name, pid: payload.pid}) }`)},
      }),
    ])
    process.env.HOOK_FIXTURE_FAIL = 'nerd:container:start'
    const outcome = await runNerdHook(world.config, 'nerd:container:start', startPayload, options(world))
    const message = `plugin "${FIXTURE}" failed in nerd:container:start: fixture failure in nerd:container:start`
    assert.deepEqual(outcome.warnings.map((warning) => [warning.plugin, warning.message]), [[FIXTURE, message]])
    assert.deepEqual(world.output.warnings, [message])
    assert.deepEqual(readLog(world).map((entry) => entry.plugin), [FIXTURE, 'nerd-plugin-after'])
  })

  test('whatever a hook throws, the failure is one short line naming the plugin and the event', async () => {
    const world = await loadWorld((dir) => [
      writePlugin(dir, {
        name: 'nerd-plugin-odd',
        nerd: {hookApi: '^1'},
        hooks: {'nerd:container:create': hookSource(`export default () => { throw Object.create(null) }`), 'nerd:image:verify': hookSource(`export default () => ({verified: false, reason: '\\x1b[2J' + 'y'.repeat(4000)})`)},
      }),
    ])
    await assert.rejects(runNerdHook(world.config, 'nerd:container:create', createPayload(), options(world)), {
      name: 'HookError',
      message: 'plugin "nerd-plugin-odd" failed in nerd:container:create: threw an object that cannot be turned into text',
    })
    await assert.rejects(runNerdHook(world.config, 'nerd:image:verify', verifyPayload(), options(world)), {
      message: `plugin "nerd-plugin-odd" failed in nerd:image:verify: rejected image "docker.io/library/alpine:latest": \\x1b[2J${'y'.repeat(496)}…`,
    })
  })

  test('a plugin targeting another major of the hook API is refused before its module loads', async () => {
    const world = await loadWorld(() => [badApiFixture])
    const refusal = `plugin "nerd-plugin-badapi" targets nerd hook API 2.x; this nerd provides ${HOOK_API_VERSION}`
    await assert.rejects(runNerdHook(world.config, 'nerd:image:verify', verifyPayload(), options(world)), {name: 'HookError', message: refusal})
    const start = await runNerdHook(world.config, 'nerd:container:start', startPayload, options(world))
    assert.deepEqual(start.warnings.map((warning) => warning.message), [refusal])
    assert.deepEqual(readLog(world), [], 'the plugin\'s module was never imported')
  })

  test('the {target, identifier} form calls the named export', async () => {
    const world = await loadWorld(() => [hookFixture])
    const outcome = await runNerdHook(world.config, 'nerd:container:create', createPayload(), options(world))
    assert.deepEqual(outcome.spec.process?.env, ['PATH=/bin', 'HOOKFIXTURE=1'])
    assert.deepEqual(outcome.labels, {'nerd/name': 'web', 'example.hookfixture/seen': 'true'})
  })
})

describe('ordering', () => {
  const appendEnv = (name: string) =>
    hookSource(`export default (payload, ctx) => {
  note({plugin: ctx.plugin.name, env: [...payload.spec.process.env]})
  return {spec: {...payload.spec, process: {...payload.spec.process, env: [...payload.spec.process.env, 'SEEN=${name}']}}}
}`)

  test('follows hookOrder, then the plugin name; each create hook gets the previous one\'s spec', async () => {
    const world = await loadWorld((dir) => [
      // Listed in an order that differs from the expected one, so load order cannot pass the test.
      writePlugin(dir, {name: 'nerd-plugin-beta', nerd: {hookApi: '^1'}, hooks: {'nerd:container:create': appendEnv('beta')}}),
      writePlugin(dir, {name: 'nerd-plugin-alpha', nerd: {hookApi: '^1', hookOrder: 100}, hooks: {'nerd:container:create': appendEnv('alpha')}}),
      hookFixture,
      writePlugin(dir, {name: 'nerd-plugin-zeta', nerd: {hookApi: '^1', hookOrder: 10}, hooks: {'nerd:container:create': appendEnv('zeta')}}),
    ])
    const outcome = await runNerdHook(world.config, 'nerd:container:create', createPayload(), options(world))
    assert.deepEqual(outcome.spec.process?.env, ['PATH=/bin', 'SEEN=zeta', 'HOOKFIXTURE=1', 'SEEN=alpha', 'SEEN=beta'])
    const calls = readLog(world)
    assert.deepEqual(calls.map((call) => call.plugin), ['nerd-plugin-zeta', FIXTURE, 'nerd-plugin-alpha', 'nerd-plugin-beta'])
    assert.deepEqual(calls[1].payload.spec.process.env, ['PATH=/bin', 'SEEN=zeta'])
    assert.deepEqual(calls[3].env, ['PATH=/bin', 'SEEN=zeta', 'HOOKFIXTURE=1', 'SEEN=alpha'])
  })

  test('resolve stops at the first plugin that returns a source', async () => {
    const world = await loadWorld((dir) => [
      hookFixture,
      writePlugin(dir, {
        name: 'nerd-plugin-catchall',
        nerd: {hookApi: '^1'},
        hooks: {'nerd:image:resolve': hookSource(`export default (payload) => { note({catchall: payload.reference}); return {kind: 'registry', reference: '127.0.0.1:5001/catchall:1'} }`)},
      }),
    ])
    const mine = await runNerdHook(world.config, 'nerd:image:resolve', {reference: 'fixture://app:1', scheme: 'fixture', platforms: [], flags: {}}, options(world))
    assert.deepEqual(mine, {plugin: FIXTURE, source: {kind: 'registry', reference: '127.0.0.1:5000/app:1'}})
    assert.equal(readLog(world).filter((entry) => entry.catchall).length, 0)

    const other = await runNerdHook(world.config, 'nerd:image:resolve', {reference: 'alpine', scheme: undefined, platforms: [], flags: {}}, options(world))
    assert.deepEqual(other, {plugin: 'nerd-plugin-catchall', source: {kind: 'registry', reference: '127.0.0.1:5001/catchall:1'}})
  })

  test('resolve takes a source whose dispose is synchronous, which pull awaits called on the source', async () => {
    const world = await loadWorld((dir) => [
      writePlugin(dir, {
        name: 'nerd-plugin-syncdispose',
        nerd: {hookApi: '^1'},
        hooks: {'nerd:image:resolve': hookSource(`export default () => ({kind: 'registry', reference: '127.0.0.1:5001/app:1', helper: 'h1', dispose() { note({disposed: this.helper}) }})`)},
      }),
    ])
    const outcome = await runNerdHook(world.config, 'nerd:image:resolve', {reference: 'alpine', scheme: undefined, platforms: [], flags: {}}, options(world))
    // As pull calls it (resolveSource): bound to the source, awaited.
    const source = outcome!.source
    await source.dispose?.bind(source)()
    assert.deepEqual(readLog(world).filter((entry) => entry.disposed), [{disposed: 'h1'}])
  })

  test('resolve refuses a source of a kind pull cannot fetch (an archive, an OCI layout) as an invalid result', async () => {
    const world = await loadWorld((dir) => [
      writePlugin(dir, {
        name: 'nerd-plugin-archive',
        nerd: {hookApi: '^1'},
        hooks: {'nerd:image:resolve': hookSource(`export default () => ({kind: 'archive', path: '/tmp/image.tar', dispose: async () => note({disposed: true})})`)},
      }),
    ])
    await assert.rejects(
      runNerdHook(world.config, 'nerd:image:resolve', {reference: 'alpine', scheme: undefined, platforms: [], flags: {}}, options(world)),
      {message: 'plugin "nerd-plugin-archive" failed in nerd:image:resolve: returned an invalid result: unknown source kind "archive"; this nerd pulls from "registry" sources only'},
    )
    assert.equal(readLog(world).filter((entry) => entry.disposed).length, 1)
  })

  test('resolve refuses a name to store the image under that is no image reference, which no command could reach', async () => {
    const world = await loadWorld((dir) => [
      writePlugin(dir, {
        name: 'nerd-plugin-shouting',
        nerd: {hookApi: '^1'},
        hooks: {'nerd:image:resolve': hookSource(`export default () => ({kind: 'registry', reference: '127.0.0.1:5001/app:1', name: 'QmUpperCase', dispose: async () => note({disposed: true})})`)},
      }),
    ])
    await assert.rejects(runNerdHook(world.config, 'nerd:image:resolve', {reference: 'alpine', scheme: undefined, platforms: [], flags: {}}, options(world)), {
      message: /^plugin "nerd-plugin-shouting" failed in nerd:image:resolve: returned an invalid result: name "QmUpperCase" is no image reference: invalid reference format: repository name .*must be lowercase$/,
    })
    assert.equal(readLog(world).filter((entry) => entry.disposed).length, 1)
  })
})

describe('combining results', () => {
  test('unpack plans merge in order and later hooks see the plan so far', async () => {
    const world = await loadWorld((dir) => [
      writePlugin(dir, {
        name: 'nerd-plugin-decrypt',
        nerd: {hookApi: '^1', hookOrder: 10},
        hooks: {
          'nerd:image:unpack': hookSource(`export default (payload) => ({
  labels: {a: '1'},
  layers: {'sha256:l1': {apply: {mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: 'sha256:plain', size: 3}, labels: {x: '1'}}},
})`),
        },
      }),
      writePlugin(dir, {
        name: 'nerd-plugin-lazy',
        nerd: {hookApi: '^1', hookOrder: 20},
        hooks: {
          'nerd:image:unpack': hookSource(`export default (payload) => {
  note({seen: payload.plan})
  payload.plan.snapshotter = 'mutated-in-place-is-ignored'
  return {snapshotter: 'stargz', labels: {b: '2'}, layers: {'sha256:l1': {labels: {y: '2'}}}}
}`),
        },
      }),
    ])
    const plan = await runNerdHook(
      world.config,
      'nerd:image:unpack',
      {
        name: 'x',
        descriptor: manifestDescriptor,
        manifest: {schemaVersion: 2, config: configDescriptor, layers: []},
        config: {architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: []}},
        layers: [],
        snapshotter: 'overlayfs',
        plan: {labels: {base: '0'}},
        readBlob: async () => new Uint8Array(),
        flags: {},
      },
      options(world),
    )
    assert.deepEqual(plan, {
      snapshotter: 'stargz',
      labels: {base: '0', a: '1', b: '2'},
      layers: {'sha256:l1': {apply: {mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: 'sha256:plain', size: 3}, labels: {x: '1', y: '2'}}},
    })
    assert.deepEqual(readLog(world)[0].seen.labels, {base: '0', a: '1'})
  })

  test('conversion formats are collected; a duplicate and a broken plugin become warnings', async () => {
    const format = (name: string) => `{format: '${name}', description: '${name} layers', convert: async () => ({descriptor: {mediaType: 'm', digest: 'sha256:${name}', size: 1}})}`
    const world = await loadWorld((dir) => [
      writePlugin(dir, {name: 'nerd-plugin-a', nerd: {hookApi: '^1'}, hooks: {'nerd:image:convert': hookSource(`export default () => [${format('estargz')}, ${format('zstdchunked')}]`)}}),
      writePlugin(dir, {name: 'nerd-plugin-b', nerd: {hookApi: '^1'}, hooks: {'nerd:image:convert': hookSource(`export default () => (${format('estargz')})`)}}),
      writePlugin(dir, {name: 'nerd-plugin-c', nerd: {hookApi: '^1'}, hooks: {'nerd:image:convert': hookSource(`export default () => ({format: 'Bad Name'})`)}}),
      writePlugin(dir, {name: 'nerd-plugin-d', nerd: {hookApi: '^1'}, hooks: {'nerd:image:convert': hookSource(`export default () => (${format('nydus')})`)}}),
    ])
    const formats = await runNerdHook(world.config, 'nerd:image:convert', {flags: {}}, options(world))
    assert.deepEqual(formats.map(({plugin, format}) => [plugin, format.format]), [
      ['nerd-plugin-a', 'estargz'],
      ['nerd-plugin-a', 'zstdchunked'],
      ['nerd-plugin-d', 'nydus'],
    ])
    assert.deepEqual(await formats[2].format.convert({} as never), {descriptor: {mediaType: 'm', digest: 'sha256:nydus', size: 1}})
    assert.deepEqual(world.output.warnings, [
      'plugin "nerd-plugin-b" offers conversion format "estargz", already offered by plugin "nerd-plugin-a"; using plugin "nerd-plugin-a"',
      'plugin "nerd-plugin-c" failed in nerd:image:convert: returned an invalid result: format must be a flag name such as "estargz"',
    ])
  })

  test('push annotations merge and a veto refuses the push', async () => {
    const world = await loadWorld((dir) => [
      writePlugin(dir, {name: 'nerd-plugin-annotate', nerd: {hookApi: '^1', hookOrder: 1}, hooks: {'nerd:image:push': hookSource(`export default () => ({annotations: {'org.example/by': 'annotate'}})`)}}),
      writePlugin(dir, {
        name: 'nerd-plugin-policy',
        nerd: {hookApi: '^1'},
        hooks: {'nerd:image:push': hookSource(`export default (payload) => payload.name.startsWith('forbidden/') ? {veto: 'pushing to forbidden/ is not allowed'} : undefined`)},
      }),
    ])
    const push = (name: string) =>
      runNerdHook(world.config, 'nerd:image:push', {name, descriptor: manifestDescriptor, platforms: [], annotations: {keep: 'me'}, flags: {}}, options(world))
    assert.deepEqual(await push('ok/app:1'), {annotations: {keep: 'me', 'org.example/by': 'annotate'}})
    await assert.rejects(push('forbidden/app:1'), {
      message: 'plugin "nerd-plugin-policy" failed in nerd:image:push: refused to push "forbidden/app:1": pushing to forbidden/ is not allowed',
    })
  })

  test('network setup is a pipeline over the conflist and rejects a broken one', async () => {
    const world = await loadWorld((dir) => [
      writePlugin(dir, {
        name: 'nerd-plugin-tuning',
        nerd: {hookApi: '^1'},
        hooks: {'nerd:network:setup': hookSource(`export default (payload) => ({conflist: {...payload.conflist, plugins: [...payload.conflist.plugins, {type: 'tuning', mtu: 1400}]}, capabilityArgs: {mac: '02:00:00:00:00:01'}})`)},
      }),
      writePlugin(dir, {
        name: 'nerd-plugin-zbreak',
        nerd: {hookApi: '^1'},
        hooks: {'nerd:network:setup': hookSource(`export default (payload) => { note({plugins: payload.conflist.plugins.map((p) => p.type)}); if (payload.network === 'broken') payload.conflist.plugins = [] }`)},
      }),
    ])
    const payload = (network: string): NetworkSetupPayload => ({
      containerId: 'c1',
      containerName: 'web',
      netns: '/var/run/netns/x',
      ifName: 'eth0',
      network,
      conflist: {cniVersion: '1.0.0', name: network, plugins: [{type: 'bridge'}]},
      capabilityArgs: {portMappings: []},
      labels: {},
    })
    const outcome = await runNerdHook(world.config, 'nerd:network:setup', payload('bridge'), options(world))
    assert.deepEqual(outcome.conflist.plugins, [{type: 'bridge'}, {type: 'tuning', mtu: 1400}])
    assert.deepEqual(outcome.capabilityArgs, {portMappings: [], mac: '02:00:00:00:00:01'})
    assert.deepEqual(readLog(world), [{plugins: ['bridge', 'tuning']}])
    await assert.rejects(runNerdHook(world.config, 'nerd:network:setup', payload('broken'), options(world)), {
      message: 'plugin "nerd-plugin-zbreak" failed in nerd:network:setup: returned an invalid result: the conflist needs at least one plugin',
    })
  })

  test('a verify result that is not a verification fails closed', async () => {
    const world = await loadWorld((dir) => [
      writePlugin(dir, {name: 'nerd-plugin-sloppy', nerd: {hookApi: '^1'}, hooks: {'nerd:image:verify': hookSource(`export default () => true`)}}),
    ])
    await assert.rejects(runNerdHook(world.config, 'nerd:image:verify', verifyPayload(), options(world)), {
      message: 'plugin "nerd-plugin-sloppy" failed in nerd:image:verify: returned an invalid result: expected undefined or {verified, ...}',
    })
  })
})

describe('plugin declarations', () => {
  test('hook modules load only when their event fires', async () => {
    const world = await loadWorld((dir) => [
      writePlugin(dir, {name: 'nerd-plugin-lazyload', nerd: {hookApi: '^1'}, hooks: {'nerd:network:ready': hookSource(`note({loaded: true})\nexport default () => {}`)}}),
      hookFixture,
    ])
    await runNerdHook(world.config, 'nerd:container:start', startPayload, options(world))
    assert.deepEqual(readLog(world).filter((entry) => entry.loaded), [])
    const payload = {containerId: 'c1', containerName: 'web', netns: '/x', ifName: 'eth0', network: 'bridge', result: {cniVersion: '1.0.0'}}
    await runNerdHook(world.config, 'nerd:network:ready', payload, options(world))
    assert.deepEqual(readLog(world).filter((entry) => entry.loaded), [{loaded: true}])
  })

  test('a plugin without a hookApi declaration runs, without a warning (install and link give it)', async () => {
    const world = await loadWorld((dir) => [
      writePlugin(dir, {name: 'nerd-plugin-undeclared', hooks: {'nerd:container:start': hookSource(`export default (payload, ctx) => { note({ran: ctx.plugin.name}) }`)}}),
    ])
    await runNerdHook(world.config, 'nerd:container:start', startPayload, options(world))
    assert.deepEqual(world.output.warnings, [])
    assert.deepEqual(readLog(world), [{ran: 'nerd-plugin-undeclared'}])
  })

  test('hook declaration problems: unknown nerd events, malformed or unknown settings, no hookApi', async () => {
    const world = await loadWorld((dir) => [
      writePlugin(dir, {
        name: 'nerd-plugin-typo',
        nerd: {hookOrder: 'first', bogus: 1},
        hooks: {'nerd:image:verfy': hookSource('export default () => {}'), 'nerd:container:start': hookSource('export default () => {}')},
      }),
    ])
    const plugin = world.config.getPluginsList().find((each) => each.name === 'nerd-plugin-typo')!
    assert.deepEqual(hookDeclarationProblems(plugin), [
      'plugin "nerd-plugin-typo" declares a hook for "nerd:image:verfy", an event this nerd never fires',
      'plugin "nerd-plugin-typo" declares nerd.bogus, which nerd does not know; ignoring it',
      'plugin "nerd-plugin-typo" declares nerd.hookOrder "first", not a number; using 100',
      'plugin "nerd-plugin-typo" does not declare the nerd hook API it targets ("nerd": {"hookApi": "^1"} in its package.json); its hooks run anyway',
    ])
    await runNerdHook(world.config, 'nerd:container:start', startPayload, options(world))
    assert.deepEqual(world.output.warnings, [])
  })

  test('a missing export is an error naming the plugin, and the hook\'s warn is prefixed with it', async () => {
    const world = await loadWorld((dir) => [
      writePlugin(dir, {
        name: 'nerd-plugin-exports',
        nerd: {hookApi: '^1'},
        hooks: {'nerd:container:create': hookSource(`export default (payload, ctx) => { ctx.warn('careful'); ctx.log('hello') }`)},
        declarations: {'nerd:image:pushed': {target: './hooks/hook0.js', identifier: 'nope'}},
      }),
    ])
    await runNerdHook(world.config, 'nerd:container:create', createPayload(), options(world))
    assert.deepEqual(world.output.warnings, ['[nerd-plugin-exports] careful'])
    assert.deepEqual(world.output.lines, ['hello'])
    await assert.rejects(runNerdHook(world.config, 'nerd:image:pushed', {name: 'x', descriptor: manifestDescriptor, flags: {}}, options(world)), {
      message: 'plugin "nerd-plugin-exports" failed in nerd:image:pushed: hook module ./hooks/hook0.js has no "nope" export that is a function',
    })
  })

  test('events no hook contributes to return neutral outcomes', async () => {
    const world = await loadWorld(() => [hookFixture])
    const bare = await loadWorld(() => [])
    assert.deepEqual(await runNerdHook(bare.config, 'nerd:network:teardown', {containerId: 'c', containerName: 'n', netns: '/x', ifName: 'eth0', network: 'b', labels: {}, phase: 'before'}, options(bare)), {warnings: []})
    assert.deepEqual(await runNerdHook(world.config, 'nerd:image:verify', verifyPayload(), options(world)), {verifications: []})
  })
})

test('a verify hook that empties payload.require cannot skip a required verifier', async () => {
  const world = await loadWorld((dir) => [
    writePlugin(dir, {name: 'nerd-plugin-eraser', nerd: {hookApi: '^1'}, hooks: {'nerd:image:verify': hookSource(`export default (payload) => { payload.require.length = 0 }`)}}),
  ])
  await assert.rejects(runNerdHook(world.config, 'nerd:image:verify', verifyPayload({require: ['cosign']}), options(world)), /was not verified with cosign/)
})

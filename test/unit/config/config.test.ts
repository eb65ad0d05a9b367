import {after, before, describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'
import {
  defaultCgroupManager,
  defaultCniPath,
  describeConfig,
  loadConfig,
  runningUnder,
  type GlobalFlags,
  type NerdConfig,
} from '../../../src/config/index.ts'
import {NerdError} from '../../../src/errors.ts'
import {pluginCommandEnvironment} from '../../../src/plugins/command-environment.ts'

let directory: string
let absentDefault: string

before(() => {
  directory = mkdtempSync(join(tmpdir(), 'nerd-config-test-'))
  absentDefault = join(directory, 'absent', 'nerd.toml')
})
after(() => rmSync(directory, {recursive: true, force: true}))

let fileCounter = 0
function tomlFile(text: string): string {
  const path = join(directory, `nerd-${++fileCounter}.toml`)
  writeFileSync(path, text)
  return path
}

function load(globals: GlobalFlags = {}, env: Record<string, string> = {}, defaultConfigFile = absentDefault): Promise<NerdConfig> {
  return loadConfig({globals, env: {HOME: '/home/someone', ...env}, defaultConfigFile})
}

async function loadError(globals: GlobalFlags, env: Record<string, string>): Promise<NerdError> {
  try {
    await load(globals, env)
  } catch (error) {
    assert.ok(error instanceof NerdError, `not a NerdError: ${String(error)}`)
    assert.ok(!error.message.includes('\n'), `not one line: ${error.message}`)
    return error
  }
  assert.fail('loadConfig did not throw')
}

describe('loadConfig defaults', () => {
  it('uses the built-in defaults when there is no file, variable or flag', async () => {
    const config = await load()
    assert.equal(config.configFile, undefined)
    assert.equal(config.address, '/run/containerd/containerd.sock')
    assert.equal(config.namespace, 'default')
    assert.equal(config.snapshotter, 'overlayfs')
    assert.equal(config.cniNetconfPath, '/etc/cni/net.d')
    assert.equal(config.dataRoot, '/var/lib/nerd')
    assert.deepEqual(config.hostsDir, ['/etc/containerd/certs.d', '/etc/docker/certs.d'])
    assert.equal(config.debug, false)
    assert.equal(config.debugFull, false)
    assert.equal(config.insecureRegistry, false)
    assert.equal(config.experimental, true)
    assert.equal(config.cniPath, defaultCniPath())
    assert.equal(config.cgroupManager, defaultCgroupManager())
    assert.equal(config.dockerConfig, '/home/someone/.docker')
    for (const source of Object.values(config.sources)) assert.deepEqual(source, {kind: 'default'})
  })

  it('gives every load its own hosts_dir array', async () => {
    const first = await load()
    first.hostsDir.push('/mutated')
    assert.deepEqual((await load()).hostsDir, ['/etc/containerd/certs.d', '/etc/docker/certs.d'])
  })

  it('picks the first existing CNI directory, /usr/lib/cni first', () => {
    assert.equal(defaultCniPath(() => false), '/usr/lib/cni')
    assert.equal(defaultCniPath((path) => path === '/opt/cni/bin'), '/opt/cni/bin')
    assert.equal(defaultCniPath((path) => path === '/opt/cni/bin' || path === '/usr/lib/cni'), '/usr/lib/cni')
  })

  it('picks systemd only on cgroup v2 with systemd running', () => {
    const host = (...present: string[]) => (path: string) => present.includes(path)
    assert.equal(defaultCgroupManager(host('/sys/fs/cgroup/cgroup.controllers', '/run/systemd/system')), 'systemd')
    assert.equal(defaultCgroupManager(host('/sys/fs/cgroup/cgroup.controllers')), 'cgroupfs')
    assert.equal(defaultCgroupManager(host('/run/systemd/system')), 'cgroupfs')
    assert.equal(defaultCgroupManager(host()), 'cgroupfs')
  })
})

describe('loadConfig precedence: flag > environment > file > default', () => {
  const fileText = 'namespace = "from-file"\naddress = "/file.sock"\nsnapshotter = "native"\n'
  const cases: Array<{name: string; flag?: string; env?: string; file: boolean; expected: string; source: string}> = [
    {name: 'flag beats everything', flag: 'from-flag', env: 'from-env', file: true, expected: 'from-flag', source: 'flag --namespace'},
    {name: 'environment beats the file', env: 'from-env', file: true, expected: 'from-env', source: 'env CONTAINERD_NAMESPACE'},
    {name: 'file beats the default', file: true, expected: 'from-file', source: 'file'},
    {name: 'flag beats the default', flag: 'from-flag', file: false, expected: 'from-flag', source: 'flag --namespace'},
    {name: 'environment beats the default', env: 'from-env', file: false, expected: 'from-env', source: 'env CONTAINERD_NAMESPACE'},
    {name: 'default', file: false, expected: 'default', source: 'default'},
  ]
  for (const {name, flag, env, file, expected, source} of cases) {
    it(name, async () => {
      const environment: Record<string, string> = {}
      if (env) environment.CONTAINERD_NAMESPACE = env
      if (file) environment.NERD_TOML = tomlFile(fileText)
      const config = await load(flag ? {namespace: flag} : {}, environment)
      assert.equal(config.namespace, expected)
      const row = describeConfig(config).find((each) => each.key === 'namespace')
      assert.equal(row?.source, source === 'file' ? `file ${environment.NERD_TOML}` : source)
    })
  }

  it('reads the address and snapshotter variables, stripping unix://', async () => {
    const config = await load({}, {CONTAINERD_ADDRESS: 'unix:///env.sock', CONTAINERD_SNAPSHOTTER: 'stargz'})
    assert.equal(config.address, '/env.sock')
    assert.equal(config.snapshotter, 'stargz')
    assert.deepEqual(config.sources.address, {kind: 'env', variable: 'CONTAINERD_ADDRESS'})
  })

  it('ignores empty variables, as nerdctl does', async () => {
    const config = await load({}, {CONTAINERD_NAMESPACE: '', CONTAINERD_ADDRESS: '', NERD_TOML: '', DOCKER_CONFIG: ''})
    assert.equal(config.namespace, 'default')
    assert.equal(config.address, '/run/containerd/containerd.sock')
    assert.equal(config.configFile, undefined)
    assert.equal(config.dockerConfig, '/home/someone/.docker')
  })

  it('keeps a false flag over a true file value', async () => {
    const config = await load({debug: false}, {NERD_TOML: tomlFile('debug = true\n')})
    assert.equal(config.debug, false)
    assert.deepEqual(config.sources.debug, {kind: 'flag', flag: '--debug'})
  })

  it('takes DOCKER_CONFIG for the credentials directory', async () => {
    const config = await load({}, {DOCKER_CONFIG: '/etc/docker-cli'})
    assert.equal(config.dockerConfig, '/etc/docker-cli')
    assert.deepEqual(config.sources.dockerConfig, {kind: 'env', variable: 'DOCKER_CONFIG'})
  })

  it('rejects an invalid variable, naming it', async () => {
    const error = await loadError({}, {CONTAINERD_NAMESPACE: 'a/b'})
    assert.match(error.message, /^environment variable CONTAINERD_NAMESPACE: invalid namespace "a\/b"/)
    const address = await loadError({}, {CONTAINERD_ADDRESS: 'tcp://127.0.0.1:1'})
    assert.match(address.message, /^environment variable CONTAINERD_ADDRESS: unsupported address/)
  })
})

describe('loadConfig nerd.toml', () => {
  it('reads every key', async () => {
    const path = tomlFile(`
debug = true
debug_full = true
address = "unix:///run/other/containerd.sock"
namespace = "k8s.io"
snapshotter = "native"
cni_path = "/opt/cni/bin"
cni_netconfpath = "/etc/nerd/net.d"
data_root = "/srv/nerd"
cgroup_manager = "none"
insecure_registry = true
hosts_dir = ["/etc/nerd/certs.d"]
experimental = false
`)
    const config = await load({}, {NERD_TOML: path})
    assert.equal(config.configFile, path)
    assert.deepEqual(
      {...config, sources: undefined},
      {
        configFile: path,
        sources: undefined,
        debug: true,
        debugFull: true,
        address: '/run/other/containerd.sock',
        namespace: 'k8s.io',
        snapshotter: 'native',
        cniPath: '/opt/cni/bin',
        cniNetconfPath: '/etc/nerd/net.d',
        dataRoot: '/srv/nerd',
        cgroupManager: 'none',
        insecureRegistry: true,
        hostsDir: ['/etc/nerd/certs.d'],
        experimental: false,
        dockerConfig: '/home/someone/.docker',
      },
    )
    for (const [name, source] of Object.entries(config.sources)) {
      if (name !== 'dockerConfig') assert.deepEqual(source, {kind: 'file', path}, name)
    }
  })

  it('reads the default file when it exists', async () => {
    const path = tomlFile('namespace = "from-default-file"\n')
    const config = await load({}, {}, path)
    assert.equal(config.configFile, path)
    assert.equal(config.namespace, 'from-default-file')
  })

  it('prefers NERD_TOML to the default file', async () => {
    const defaultFile = tomlFile('namespace = "from-default-file"\n')
    const named = tomlFile('namespace = "from-named-file"\n')
    const config = await load({}, {NERD_TOML: named}, defaultFile)
    assert.equal(config.namespace, 'from-named-file')
  })

  it('accepts an empty file', async () => {
    const path = tomlFile('# nothing set yet\n')
    const config = await load({}, {NERD_TOML: path})
    assert.equal(config.configFile, path)
    assert.equal(config.namespace, 'default')
  })

  it('resolves a relative NERD_TOML against the working directory', async () => {
    const path = tomlFile('namespace = "relative"\n')
    const previous = process.cwd()
    process.chdir(directory)
    try {
      const config = await load({}, {NERD_TOML: basename(path)})
      assert.equal(config.configFile, path)
      assert.equal(config.namespace, 'relative')
    } finally {
      process.chdir(previous)
    }
  })

  const errors: Record<string, [string | undefined, (path: string) => string]> = {
    'a missing NERD_TOML file': [undefined, (path) => `${path}: no such file (named by NERD_TOML)`],
    'an unknown key, with a suggestion': ['adress = "/x.sock"\n', (path) => `${path}: unknown key "adress" (did you mean "address"?)`],
    'an unknown key': ['colour = "blue"\n', (path) => `${path}: unknown key "colour"`],
    'a table (containerd\'s config.toml)': ['version = 2\n[plugins]\n', (path) => `${path}: unknown key "version"`],
    'a string for a boolean': ['debug = "yes"\n', (path) => `${path}: key "debug" must be a boolean`],
    'a number for a string': ['namespace = 5\n', (path) => `${path}: key "namespace" must be a string`],
    'a string for a list': ['hosts_dir = "/etc/x"\n', (path) => `${path}: key "hosts_dir" must be an array of strings`],
    'a list of numbers': ['hosts_dir = [1, 2]\n', (path) => `${path}: key "hosts_dir" must be an array of strings`],
    'an unknown cgroup manager': [
      'cgroup_manager = "cgroupsfs"\n',
      (path) => `${path}: key "cgroup_manager": invalid cgroup manager "cgroupsfs": must be one of "cgroupfs", "systemd", "none"`,
    ],
    'a tcp address': [
      'address = "tcp://127.0.0.1:2375"\n',
      (path) => `${path}: key "address": unsupported address "tcp://127.0.0.1:2375": only unix:// sockets are supported`,
    ],
    'an empty data root': ['data_root = ""\n', (path) => `${path}: key "data_root": the value is empty`],
  }
  for (const [name, [text, message]] of Object.entries(errors)) {
    it(`rejects ${name}, naming the file`, async () => {
      const path = text === undefined ? join(directory, 'missing.toml') : tomlFile(text)
      const error = await loadError({}, {NERD_TOML: path})
      assert.equal(error.message, message(path))
    })
  }

  it('rejects a TOML syntax error, naming the file and line', async () => {
    const path = tomlFile('debug = true\nnamespace = \ndata_root = "/x"\n')
    const error = await loadError({}, {NERD_TOML: path})
    assert.match(error.message, new RegExp(`^${path.replaceAll('.', '\\.')}: line 2, column \\d+: \\S`))
  })

  it('calls a string without its closing quote unfinished, not a control character', async () => {
    for (const quote of ['"', "'"]) {
      const path = tomlFile(`namespace = ${quote}x\ndebug = true\n`)
      assert.equal((await loadError({}, {NERD_TOML: path})).message, `${path}: line 1, column 15: unfinished string`)
    }
    const control = tomlFile('namespace = "x\u0001y"\n')
    assert.equal((await loadError({}, {NERD_TOML: control})).message, `${control}: line 1, column 15: control characters are not allowed in strings`)
  })

  it('rejects a directory given as the file', async () => {
    const path = join(directory, 'a-directory.toml')
    mkdirSync(path)
    const error = await loadError({}, {NERD_TOML: path})
    assert.equal(error.message, `${path}: is a directory, not a file`)
  })

  it('never runs code from the working directory (cosmiconfig meta-config files)', async () => {
    const workdir = join(directory, 'untrusted-checkout')
    const marker = join(workdir, 'executed')
    mkdirSync(join(workdir, '.config'), {recursive: true})
    writeFileSync(join(workdir, '.config', 'config.cjs'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')\n`)
    writeFileSync(join(workdir, 'package.json'), '{not json')
    const previous = process.cwd()
    process.chdir(workdir)
    try {
      const config = await load({}, {NERD_TOML: tomlFile('namespace = "safe"\n')})
      assert.equal(config.namespace, 'safe')
    } finally {
      process.chdir(previous)
    }
    assert.equal(existsSync(marker), false)
  })
})

describe('loadConfig plugin defaults', () => {
  /** A data directory (XDG_DATA_HOME) with user plugins installed, each with the given `nerd.defaults`. */
  function pluginsInstalled(defaultsByPlugin: Record<string, unknown>): string {
    const xdg = mkdtempSync(join(directory, 'xdg-'))
    const data = join(xdg, 'nerd')
    for (const [name, defaults] of Object.entries(defaultsByPlugin)) {
      mkdirSync(join(data, 'node_modules', name), {recursive: true})
      writeFileSync(join(data, 'node_modules', name, 'package.json'), JSON.stringify({name, version: '1.0.0', nerd: {hookApi: '^1', defaults}}))
    }
    const plugins = Object.keys(defaultsByPlugin).map((name) => ({name, type: 'user'}))
    writeFileSync(join(data, 'package.json'), JSON.stringify({private: true, oclif: {plugins}}))
    return xdg
  }

  async function loadWithStderr(env: Record<string, string>): Promise<{config: NerdConfig; stderr: string}> {
    const write = process.stderr.write
    let stderr = ''
    process.stderr.write = ((chunk: string) => {
      stderr += chunk
      return true
    }) as typeof process.stderr.write
    try {
      return {config: await load({}, env), stderr}
    } finally {
      process.stderr.write = write
    }
  }

  it('takes an installed plugin\'s defaults below nerd.toml', async () => {
    const xdg = pluginsInstalled({'nerd-bundle-good': {insecure_registry: true, snapshotter: 'native'}})
    const {config, stderr} = await loadWithStderr({XDG_DATA_HOME: xdg, NERD_TOML: tomlFile('snapshotter = "overlayfs"\n')})
    assert.equal(config.insecureRegistry, true)
    assert.deepEqual(config.sources.insecureRegistry, {kind: 'plugin', name: 'nerd-bundle-good'})
    assert.equal(config.snapshotter, 'overlayfs')
    assert.equal(stderr, '')
  })

  it('takes a linked plugin\'s defaults from its own directory, as an installed one\'s', async () => {
    const xdg = mkdtempSync(join(directory, 'xdg-'))
    const root = mkdtempSync(join(directory, 'linked-'))
    writeFileSync(join(root, 'package.json'), JSON.stringify({name: 'nerd-bundle-linked', version: '1.0.0', nerd: {hookApi: '^1', defaults: {snapshotter: 'native'}}}))
    mkdirSync(join(xdg, 'nerd'))
    writeFileSync(join(xdg, 'nerd', 'package.json'), JSON.stringify({private: true, oclif: {plugins: [{name: 'nerd-bundle-linked', type: 'link', root}]}}))
    const {config, stderr} = await loadWithStderr({XDG_DATA_HOME: xdg})
    assert.deepEqual([config.snapshotter, config.sources.snapshotter, stderr], ['native', {kind: 'plugin', name: 'nerd-bundle-linked'}, ''])
  })

  it('ignores the broken defaults of an installed plugin with a warning naming it, and keeps the others\'', async () => {
    const xdg = pluginsInstalled({'nerd-bundle-typo': {insecure_registy: true}, 'nerd-bundle-text': 'x', 'nerd-bundle-good': {snapshotter: 'native'}})
    const {config, stderr} = await loadWithStderr({XDG_DATA_HOME: xdg})
    assert.equal(config.insecureRegistry, false)
    assert.equal(config.snapshotter, 'native')
    assert.equal(stderr, [
      'WARNING: plugin "nerd-bundle-typo": nerd.defaults: unknown key "insecure_registy" (did you mean "insecure_registry"?); ignoring the plugin\'s defaults\n',
      'WARNING: plugin "nerd-bundle-text": nerd.defaults must be an object of nerd.toml keys; ignoring the plugin\'s defaults\n',
    ].join(''))
  })
})

describe('loadConfig from a parent nerd (NERD_SETTINGS)', () => {
  const parent = {NERD_SETTINGS: JSON.stringify({data_root: '/srv/parent', namespace: 'parent-ns', insecure_registry: true, hosts_dir: ['/parent/certs.d']}), NERD_SETTINGS_PID: '4242'}
  const loadUnder = (ancestor: boolean, globals: GlobalFlags = {}, env: Record<string, string> = {}) =>
    loadConfig({globals, env: {HOME: '/home/someone', ...parent, ...env}, defaultConfigFile: absentDefault, isAncestor: (pid) => ancestor && pid === 4242})

  it('takes the settings of the nerd it runs under, below its own flags and containerd\'s variables', async () => {
    const config = await loadUnder(true, {insecureRegistry: false}, {CONTAINERD_NAMESPACE: 'from-env', NERD_TOML: tomlFile('data_root = "/srv/file"\n')})
    assert.equal(config.dataRoot, '/srv/parent')
    assert.deepEqual(config.sources.dataRoot, {kind: 'env', variable: 'NERD_SETTINGS'})
    assert.deepEqual(config.hostsDir, ['/parent/certs.d'])
    assert.equal(config.insecureRegistry, false)
    assert.equal(config.namespace, 'from-env')
  })

  it('tells each setting\'s source as the parent nerd had it (NERD_SETTINGS_SOURCES): nerd info under a plugin command lists what the parent\'s lists', async () => {
    const shown = (config: NerdConfig) => describeConfig(config).filter((row) => row.source !== 'default' && row.key !== 'docker_config')
    const file = tomlFile('data_root = "/srv/file"\n')
    const parentEnv = {HOME: '/home/someone', NERD_TOML: file, CONTAINERD_ADDRESS: '/run/other.sock'}
    const parentConfig = await loadConfig({globals: {insecureRegistry: true, namespace: 'from-flag'}, env: parentEnv, defaultConfigFile: absentDefault})
    const exported = pluginCommandEnvironment(parentConfig)
    // The plugin's command runs nerd without the namespace variable; containerd's other variables are still the parent's.
    const {CONTAINERD_NAMESPACE: _, ...childEnv} = {...parentEnv, ...exported}
    const child = await loadConfig({globals: {}, env: childEnv, defaultConfigFile: absentDefault, isAncestor: () => true})
    assert.deepEqual(shown(child), shown(parentConfig))
    assert.deepEqual(shown(child).map((row) => `${row.key} (${row.source})`), [
      'address (env CONTAINERD_ADDRESS)',
      'namespace (flag --namespace)',
      `data_root (file ${file})`,
      'insecure_registry (flag --insecure-registry)',
    ])
    // A containerd variable the command changed is the command's own, and a source that does not read as one is NERD_SETTINGS.
    const changed = await loadConfig({globals: {}, env: {...childEnv, CONTAINERD_SNAPSHOTTER: 'native', NERD_SETTINGS_SOURCES: '{"data_root": {"kind": "file"}}'}, defaultConfigFile: absentDefault, isAncestor: () => true})
    assert.deepEqual(changed.sources.snapshotter, {kind: 'env', variable: 'CONTAINERD_SNAPSHOTTER'})
    assert.deepEqual(changed.sources.dataRoot, {kind: 'env', variable: 'NERD_SETTINGS'})
  })

  it('ignores them unless the nerd that wrote them is an ancestor of this process', async () => {
    const config = await loadUnder(false)
    assert.equal(config.dataRoot, '/var/lib/nerd')
    assert.equal(config.namespace, 'default')
    assert.equal((await load({}, {NERD_SETTINGS: parent.NERD_SETTINGS})).dataRoot, '/var/lib/nerd')
  })

  it('refuses settings that do not parse or that nerd.toml would refuse, naming the variable', async () => {
    const broken = (text: string) => loadConfig({globals: {}, env: {...parent, NERD_SETTINGS: text}, defaultConfigFile: absentDefault, isAncestor: () => true})
    await assert.rejects(broken('{'), /^NerdError: environment variable NERD_SETTINGS: /)
    await assert.rejects(broken('{"data_rot": "/x"}'), {message: 'environment variable NERD_SETTINGS: unknown key "data_rot" (did you mean "data_root"?)'})
  })

  it('runningUnder finds the process\'s ancestors only', () => {
    assert.equal(runningUnder(process.ppid), true)
    assert.equal(runningUnder(process.pid), false)
    assert.equal(runningUnder(2 ** 22 + 1), false)
  })
})

describe('describeConfig', () => {
  it('lists every value with its source', async () => {
    const path = tomlFile('snapshotter = "native"\nhosts_dir = ["/a", "/b"]\n')
    const config = await load({namespace: 'k8s.io'}, {NERD_TOML: path, CONTAINERD_ADDRESS: '/env.sock'})
    const rows = describeConfig(config)
    assert.deepEqual(
      rows.map((row) => row.key),
      [
        'debug', 'debug_full', 'address', 'namespace', 'snapshotter', 'cni_path', 'cni_netconfpath', 'data_root',
        'cgroup_manager', 'insecure_registry', 'hosts_dir', 'experimental', 'docker_config',
      ],
    )
    const byKey = Object.fromEntries(rows.map((row) => [row.key, row]))
    assert.deepEqual(byKey.namespace, {key: 'namespace', value: 'k8s.io', source: 'flag --namespace'})
    assert.deepEqual(byKey.address, {key: 'address', value: '/env.sock', source: 'env CONTAINERD_ADDRESS'})
    assert.deepEqual(byKey.snapshotter, {key: 'snapshotter', value: 'native', source: `file ${path}`})
    assert.deepEqual(byKey.hosts_dir, {key: 'hosts_dir', value: '/a,/b', source: `file ${path}`})
    assert.deepEqual(byKey.debug, {key: 'debug', value: 'false', source: 'default'})
    assert.deepEqual(byKey.docker_config, {key: 'docker_config', value: '/home/someone/.docker', source: 'default'})
  })
})

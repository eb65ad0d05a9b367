import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync, readlinkSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, rm, utimes, writeFile} from 'node:fs/promises'
import {release, tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {processStartTime} from '../../src/container/host-process.ts'
import {connect, GC_EXPIRE_LABEL, rfc3339Seconds} from '../../src/containerd/index.ts'
import {jsonBlob, writeBlob} from '../../src/image/store.ts'
import {cgroupMountPoints} from '../../src/system/namespaces.ts'
import {nerdOk} from '../helpers/containers.ts'
import {ctr, fileDataRoot, killedLoad, loadTestImage, nerd, testEnvironment, uniqueNamespace} from '../helpers/e2e.ts'

const namespace = uniqueNamespace(import.meta.url)

describe('nerd version', () => {
  it('prints client and server sections', async () => {
    const result = await nerd(['version'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^Client:\n Version:\s+\d+\.\d+\.\d+/)
    assert.match(result.stdout, /\nServer:\n containerd:\n  Version:\s+\S+/)
  })

  it('answers --format with containerd\'s version, the same ctr reports', async () => {
    const result = await nerd(['version', '--format', '{{.Server.Version}}'])
    assert.equal(result.code, 0, result.stderr)
    const ctrVersion = await ctr(['version'])
    const serverVersion = /Server:\n\s+Version:\s+(\S+)/.exec(ctrVersion.stdout)?.[1]
    assert.equal(result.stdout.trim(), serverVersion)
  })

  it("answers docker's version fields scripts ask for: .Server.Os, .Server.APIVersion (a Go method; ApiVersion in JSON), .Client.Context...", async () => {
    const result = await nerd(['version', '--format', '{{.Server.Os}}/{{.Server.Arch}} {{.Server.APIVersion}} {{.Client.APIVersion}} {{.Server.KernelVersion}} {{.Client.Context}} {{.Server.Platform.Name}}'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, `linux/${process.arch === 'x64' ? 'amd64' : process.arch} 1.48 1.48 ${release()} default containerd\n`)
    const json = JSON.parse(await nerdOk(['version', '--format', 'json'])) as {Client: Record<string, unknown>; Server: Record<string, unknown>}
    assert.deepEqual(
      [json.Client.ApiVersion, json.Client.Context, json.Client.GoVersion, json.Server.ApiVersion, json.Server.GitCommit, json.Server.Os],
      ['1.48', 'default', process.version, '1.48', json.Server.Revision, 'linux'],
    )
    assert.match(String(json.Client.BuildTime), /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/)
  })

  it('shows the version of the runc on PATH, asked again only when that binary changes', async () => {
    const home = await mkdtemp(join(tmpdir(), 'nerd-runc-version-'))
    try {
      const bin = join(home, 'bin')
      const fakeRunc = (version: string) => writeFile(join(bin, 'runc'), `#!/bin/sh\necho "runc version ${version}"\necho "commit: c0ffee"\n`, {mode: 0o755})
      await mkdir(bin)
      await fakeRunc('9.9.1')
      const env = {PATH: `${bin}:${process.env.PATH}`, XDG_CACHE_HOME: join(home, 'cache')}
      const runcOf = async () => {
        const result = await nerd(['version', '--format', '{{range .Server.Components}}{{if eq .Name "runc"}}{{.Version}} {{.Details.GitCommit}}{{end}}{{end}}'], {env})
        assert.equal(result.code, 0, result.stderr)
        return result.stdout.trim()
      }
      assert.equal(await runcOf(), '9.9.1 c0ffee')
      // Cached: a cache edited to say otherwise is what the next run prints.
      const cacheFile = join(home, 'cache', 'nerd', 'runc-version.json')
      const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as {component: {Version: string}}
      cached.component.Version = 'from-the-cache'
      await writeFile(cacheFile, JSON.stringify(cached))
      assert.equal(await runcOf(), 'from-the-cache c0ffee')
      // Another binary: asked again.
      await fakeRunc('9.9.10')
      assert.equal(await runcOf(), '9.9.10 c0ffee')
    } finally {
      await rm(home, {recursive: true, force: true})
    }
  })

  it('--version is answered without containerd', async () => {
    const result = await nerd(['--version'], {address: '/nonexistent.sock'})
    assert.equal(result.code, 0)
    assert.match(result.stdout, /^nerd version \d+\.\d+\.\d+\n$/)
  })

  it('prints the client section then one error line when containerd is unreachable', async () => {
    const result = await nerd(['version'], {address: '/nonexistent.sock'})
    assert.equal(result.code, 1)
    assert.match(result.stdout, /^Client:/)
    assert.equal(result.stderr.trim().split('\n').length, 1)
    assert.match(result.stderr, /\/nonexistent\.sock/)
  })

  it('run and exec fail with 125 when containerd is unreachable, as when nerd fails before the process; create with 1, as docker\'s', async () => {
    for (const [args, code] of [[['exec', 'x', 'true'], 125], [['run', '--rm', 'nerd-test/busybox', 'true'], 125], [['create', 'nerd-test/busybox', 'true'], 1]] as const) {
      const result = await nerd([...args], {address: '/nonexistent.sock'})
      assert.deepEqual([result.code, result.stderr.split('\n').length], [code, 2], `${args[0]}: ${result.stderr}`)
      assert.match(result.stderr, /^Error: Cannot connect to containerd at unix:\/\/\/nonexistent\.sock: /)
    }
  })

  it('--format runs the template without the server\'s part when containerd is unreachable, then the error, as docker\'s', async () => {
    const client = await nerd(['version', '--format', '{{.Client.Version}}'], {address: '/nonexistent.sock'})
    assert.equal(client.code, 1)
    assert.match(client.stdout, /^\d+\.\d+\.\d+\n$/)
    assert.match(client.stderr, /^Error: Cannot connect to containerd at unix:\/\/\/nonexistent\.sock: .*\n$/)
    // docker's template fails on the nil Server, and only the server's error is reported (after the newline docker writes anyway).
    const server = await nerd(['version', '--format', '{{.Server.Version}}'], {address: '/nonexistent.sock'})
    assert.deepEqual([server.code, server.stdout, server.stderr], [1, '\n', client.stderr])
    // A template that does not parse is told first.
    const broken = await nerd(['version', '--format', '{{.X'], {address: '/nonexistent.sock'})
    assert.deepEqual([broken.code, broken.stdout, broken.stderr], [64, '', 'Error: template parsing error: template: version:1: unclosed action\n'])
    const json = await nerd(['version', '--format', 'json'], {address: '/nonexistent.sock'})
    assert.equal(JSON.parse(json.stdout).Server, null)
  })
})

describe('nerd version and info --format', () => {
  it('exit 64 on a template that does not parse and print \\t and \\n as typed, as docker\'s (whose version template is named)', async () => {
    for (const [command, name] of [['version', 'version'], ['info', '']]) {
      const broken = await nerd([command!, '--format', '{{.X'], {namespace})
      assert.deepEqual([broken.code, broken.stdout, broken.stderr], [64, '', `Error: template parsing error: template: ${name}:1: unclosed action\n`], command)
      assert.equal((await nerd([command!, '--format', 'a\\tb\\nc'], {namespace})).stdout, 'a\\tb\\nc\n', command)
    }
  })

  it("print what a template wrote before it failed, and the newline, then Go's error as it is, as docker's", async () => {
    const info = await nerd(['info', '--format', 'abc{{.Bogus}}'], {namespace})
    assert.deepEqual([info.code, info.stdout, info.stderr], [1, 'abc\n', `Error: template: :1:5: executing "" at <.Bogus>: can't evaluate field Bogus in type system.dockerInfo\n`])
    const version = await nerd(['version', '--format', '{{.ID}}'])
    assert.deepEqual([version.code, version.stdout, version.stderr], [1, '\n', `Error: template: version:1:2: executing "version" at <.ID>: can't evaluate field ID in type system.versionInfo\n`])
  })

  it("version has docker's getDetailsOrder", async () => {
    const details = await nerdOk(['version', '--format', '{{range .Server.Components}}{{if eq .Name "containerd"}}{{getDetailsOrder .}}{{end}}{{end}}'])
    assert.equal(details, '[GitCommit]\n')
  })
})

describe('nerd info', () => {
  it('--format {{json .}} is valid JSON holding the server version', async () => {
    const result = await nerd(['info', '--format', '{{json .}}'], {namespace})
    assert.equal(result.code, 0, result.stderr)
    const info = JSON.parse(result.stdout)
    const version = await nerd(['version', '--format', '{{.Server.Version}}'])
    assert.equal(info.ServerVersion, version.stdout.trim())
    assert.equal(info.Namespace, namespace)
    assert.ok(info.Snapshotters.includes('overlayfs'))
    assert.deepEqual(info.Runtimes['io.containerd.runc.v2'], {path: 'runc'})
    // docker's JSON names (its Go names are for templates).
    assert.deepEqual([typeof info.CpuCfsPeriod, typeof info.HttpProxy, 'CPUCfsPeriod' in info], ['boolean', 'string', false])
  })

  it("gives templates docker's Go names and the fields of docker's Info, truthful where nerd knows them, docker's zero values where it has none", async () => {
    const fields = '{{.HTTPProxy}}|{{.HTTPSProxy}}|{{.CPUCfsPeriod}}|{{.CPUCfsQuota}}|{{.CPUShares}}|{{range $name, $_ := .Runtimes}}{{$name}} {{end}}|{{.NFd}} {{.NGoroutines}} {{.NEventsListener}}|{{.OSVersion}}|{{.SystemTime}}|{{.Containerd.Address}} {{.Containerd.Namespaces.Containers}}|{{.FirewallBackend.Driver}}|{{.DefaultAddressPools}}|{{.CDISpecDirs}} {{.DiscoveredDevices}} {{.SystemStatus}} {{.ProductLicense}}|{{.KernelMemory}}|{{.InitCommit.ID}}'
    const result = await nerd(['info', '--format', fields], {namespace, env: {HTTP_PROXY: 'http://proxy.invalid:3128'}})
    assert.equal(result.code, 0, result.stderr)
    const [httpProxy, httpsProxy, cfsPeriod, cfsQuota, cpuShares, runtimes, counts, osVersion, systemTime, containerd, firewall, pools, empty, kernelMemory, initCommit] = result.stdout.trimEnd().split('|')
    assert.deepEqual(
      {httpProxy, httpsProxy, cfsPeriod, cfsQuota, runc: runtimes!.split(' ').includes('io.containerd.runc.v2'), counts, firewall, pools, empty},
      {httpProxy: 'http://proxy.invalid:3128', httpsProxy: '', cfsPeriod: cpuShares, cfsQuota: cpuShares, runc: true, counts: '0 0 0', firewall: 'iptables', pools: '[{10.4.0.0/16 24}]', empty: '[] [] [] '},
    )
    assert.equal(osVersion, /^VERSION_ID="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '')
    assert.ok(Math.abs(Date.parse(systemTime!) - Date.now()) < 60_000, systemTime)
    assert.match(systemTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/)
    assert.equal(containerd, `${testEnvironment.address} ${namespace}`)
    assert.equal(kernelMemory, String(existsSync('/sys/fs/cgroup/memory/memory.kmem.limit_in_bytes')))
    // Debian's tini says no commit; none found is docker's N/A.
    assert.ok(initCommit === '' || initCommit === 'N/A' || /^[0-9a-f]+$/.test(initCommit!), initCommit)
    const goNameOnly = await nerd(['info', '--format', '{{.HttpProxy}}'], {namespace})
    assert.deepEqual([goNameOnly.code, goNameOnly.stderr], [1, `Error: template: :1:2: executing "" at <.HttpProxy>: can't evaluate field HttpProxy in type system.dockerInfo\n`])
  })

  it('a field docker\'s info, version or a listing lacks is an error, not <no value>', async () => {
    for (const [args, error] of [
      [['info'], `template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type system.dockerInfo`],
      [['version'], `template: version:1:2: executing "version" at <.Nope>: can't evaluate field Nope in type system.versionInfo`],
      [['plugins', 'ls', '--core'], `template parsing error: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type pluginContext`],
    ] as const) {
      const result = await nerd([...args, '--format', '{{.Nope}}'])
      assert.deepEqual([result.code, result.stderr], [1, `Error: ${error}\n`], args.join(' '))
    }
    const client = await nerd(['version', '--format', '{{.Client.Nope}}'])
    assert.deepEqual([client.code, client.stderr], [1, 'Error: template: version:1:9: executing "version" at <.Client.Nope>: can\'t evaluate field Nope in type system.clientVersion\n'])
    const clientInfo = await nerd(['info', '--format', '{{.ClientInfo.Nope}}'])
    assert.deepEqual([clientInfo.code, clientInfo.stderr], [1, 'Error: template: :1:13: executing "" at <.ClientInfo.Nope>: can\'t evaluate field Nope in type *system.clientInfo\n'])
  })

  it("has dockerInfo's ServerErrors and ClientErrors (none), and the client's fields as version has them", async () => {
    const fields = ['Platform.Name', 'Version', 'DefaultAPIVersion', 'GitCommit', 'GoVersion', 'Os', 'Arch', 'BuildTime', 'Context']
    const info = await nerd(['info', '--format', `{{.ServerErrors}}|{{.ClientErrors}}|${fields.map((field) => `{{.ClientInfo.${field}}}`).join('|')}`], {namespace})
    assert.equal(info.code, 0, info.stderr)
    const version = await nerdOk(['version', '--format', fields.map((field) => `{{.Client.${field}}}`).join('|')])
    assert.equal(info.stdout, `[]|[]|${version}`)
    assert.match(version, /^nerd\|[^|]+\|1\.\d+\|[^|]*\|v\d+[^|]*\|linux\|(amd64|arm64|arm|386|ppc64le|s390x|riscv64)\|/)
  })

  it("has docker's info fields scripts read, and counts an image once whatever its names", async () => {
    const read = async (format: string) => {
      const result = await nerd(['info', '--format', format], {namespace})
      assert.equal(result.code, 0, result.stderr)
      return result.stdout
    }
    const fields = '{{.DockerRootDir}}|{{.Swarm.LocalNodeState}}|{{json .SecurityOptions}}|{{.Plugins.Volume}}|{{.Plugins.Network}}|{{.ClientInfo.Context}}|{{.IndexServerAddress}}|{{.ExperimentalBuild}}|{{json .DriverStatus}}|{{.CPUShares}}|{{.HTTPProxy}}'
    const [root, swarm, security, volume, network, context, index, , driverStatus, cpuShares, httpProxy] = (await read(fields)).trim().split('|')
    assert.deepEqual(
      {root, swarm, volume, network, context, index, driverStatus, cpuShares, httpProxy},
      {root: fileDataRoot(), swarm: 'inactive', volume: '[local]', network: '[bridge host ipvlan macvlan null]', context: 'default', index: 'https://index.docker.io/v1/', driverStatus: '[["driver-type","io.containerd.snapshotter.v1"]]', cpuShares: 'true', httpProxy: ''},
    )
    assert.ok((JSON.parse(security!) as string[]).includes('name=seccomp,profile=builtin'), security)
    // Warnings is a Go slice: none prints `[]` (a nil slice), not <nil>, while its JSON is null.
    const [warningsText, warningsJson] = (await read('{{.Warnings}}|{{json .Warnings}}')).trim().split('|')
    assert.equal(warningsText, `[${((JSON.parse(warningsJson!) as string[] | null) ?? []).join(' ')}]`)
    await loadTestImage('nerd-test/busybox:latest', namespace)
    const images = Number(await read('{{.Images}}'))
    assert.ok(images >= 1)
    for (const tag of ['info-one:1', 'info-two:2']) assert.equal((await nerd(['tag', 'nerd-test/busybox:latest', tag], {namespace})).code, 0)
    assert.equal(Number(await read('{{.Images}}')), images)
    await nerd(['rmi', 'info-one:1', 'info-two:2'], {namespace})
  })

  it('prints docker-like sections', async () => {
    const result = await nerd(['info'], {namespace})
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /\nServer:\n Containers: \d+\n/)
    assert.match(result.stdout, / Storage Driver: overlayfs\n/)
    assert.match(result.stdout, / Cgroup Driver: (cgroupfs|systemd)\n/)
    assert.match(result.stdout, /\n  Volume: local\n  Network: bridge host ipvlan macvlan null\n/)
    assert.match(result.stdout, /\n Swarm: inactive\n/)
    assert.match(result.stdout, /\n Security Options:\n(  \S+\n(   Profile: \S+\n)?)*  seccomp\n   Profile: builtin\n/)
    assert.match(result.stdout, /\n Docker Root Dir: \S+\n/)
    assert.match(result.stdout, /\n Insecure Registries:\n  ::1\/128\n  127\.0\.0\.0\/8\n Live Restore Enabled: true\n/)
  })

  it('reports a missing socket in one line naming the address, exit 1, after the client\'s section, as docker\'s', async () => {
    const result = await nerd(['--address', '/nonexistent.sock', 'info'], {address: null})
    assert.equal(result.code, 1)
    assert.match(result.stdout, /^Client:\n Namespace: \S+\n Debug Mode: false\n Plugins:\n/)
    assert.ok(result.stdout.endsWith('\n\nServer:\n'), result.stdout)
    const lines = result.stderr.trim().split('\n')
    assert.equal(lines.length, 1, result.stderr)
    assert.match(lines[0], /\/nonexistent\.sock/)
    assert.match(lines[0], /containerd/)
    assert.doesNotMatch(result.stderr, /\n\s+at /)
  })

  it('takes the address from CONTAINERD_ADDRESS and -H unix:// forms', async () => {
    const fromEnv = await nerd(['info'], {address: null, env: {CONTAINERD_ADDRESS: '/nonexistent-env.sock'}})
    assert.equal(fromEnv.code, 1)
    assert.match(fromEnv.stderr, /nonexistent-env\.sock/)
    const fromHost = await nerd(['-H', 'unix:///nonexistent-h.sock', 'info'], {address: null})
    assert.equal(fromHost.code, 1)
    assert.match(fromHost.stderr, /nonexistent-h\.sock/)
  })
})

describe('nerd --help', () => {
  it('describes the management topics as docker does', async () => {
    const result = await nerd(['--help'], {address: null})
    assert.equal(result.code, 0, result.stderr)
    for (const [topic, description] of [['container', 'Manage containers'], ['image', 'Manage images'], ['network', 'Manage networks'], ['plugins', 'Manage plugins'], ['volume', 'Manage volumes']]) {
      assert.match(result.stdout, new RegExp(`\\n  ${topic} +${description}\\n`))
    }
  })

  it("marks as repeatable only what docker's usage does: the last argument of a command that takes more words", async () => {
    const usage = async (command: string[]) => (await nerdOk([...command, '--help'], {address: null})).match(/^USAGE\n {2}\$ nerd (.*?)(?: \[-|\n)/m)?.[1]
    assert.equal(await usage(['run']), 'run IMAGE [COMMAND] [ARG...]')
    assert.equal(await usage(['create']), 'create IMAGE [COMMAND] [ARG...]')
    assert.equal(await usage(['exec']), 'exec CONTAINER COMMAND [ARG...]')
    assert.equal(await usage(['top']), 'top CONTAINER [OPTIONS...]')
    assert.equal(await usage(['import']), 'import FILE [REFERENCE]')
    assert.equal(await usage(['kill']), 'kill CONTAINER...')
    assert.equal(await usage(['stats']), 'stats [CONTAINER...]')
    assert.equal(await usage(['commit']), 'commit CONTAINER [REPOSITORY]')
  })

  it("lists docker's --disable-content-trust where docker's help does, and booleans without a --[no-] form, as docker's", async () => {
    for (const [command, skipped] of [['pull', 'verification'], ['run', 'verification'], ['create', 'verification'], ['push', 'signing']]) {
      assert.match(await nerdOk([command!, '--help'], {address: null}), new RegExp(`\n +--disable-content-trust +Skip image ${skipped} \\(default true\\)\n`), command)
    }
    const runHelp = await nerdOk(['run', '--help'], {address: null})
    assert.match(runHelp, /\n +--sig-proxy +Proxy received signals to the process\n/)
    assert.doesNotMatch(runHelp, /\[no-\]/)
  })
})

describe('usage errors', () => {
  it('a missing argument gets docker\'s words for the command\'s rule and exit 1', async () => {
    // docker 28's (cli/required.go), without the Usage block; RequiresMinArgs's hint says "See".
    for (const [args, rule, hint] of [
      [['rm'], 'requires at least 1 argument', 'See'],
      [['tag', 'only-one'], 'requires 2 arguments', 'Run'],
      // Flags end at the first argument, as docker's tag (SetInterspersed(false)).
      [['tag', 'only-one', 'b', '--x'], 'requires 2 arguments', 'Run'],
      // There no help is asked either: --help is a third argument.
      [['tag', 'only-one', 'b', '--help'], 'requires 2 arguments', 'Run'],
      [['commit', 'c', 'img', '--help'], 'requires at least 1 and at most 2 arguments', 'Run'],
      [['commit'], 'requires at least 1 and at most 2 arguments', 'Run'],
      [['images', 'a', 'b'], 'requires at most 1 argument', 'Run'],
      [['exec'], 'requires at least 2 arguments', 'See'],
      [['network', 'create'], 'requires 1 argument', 'Run'],
    ] as const) {
      const result = await nerd([...args], {address: null})
      const id = args.slice(0, args[0] === 'network' ? 2 : 1).join(' ')
      assert.equal(result.code, 1, result.stderr)
      assert.equal(result.stderr, `nerd: 'nerd ${id}' ${rule}\n${hint} 'nerd ${id} --help' for more information\n`)
    }
  })

  it('an unknown flag says so, exit 125 for run as docker\'s', async () => {
    const result = await nerd(['run', '--no-such-flag', 'img'], {address: null})
    assert.equal(result.code, 125)
    assert.equal(result.stderr, "unknown flag: --no-such-flag\nRun 'nerd run --help' for more information\n")
  })
})

describe('nerd namespace', () => {
  const made = `${namespace}-made`

  it('create is seen by ctr, ctr create is seen by nerd', async () => {
    const created = await nerd(['namespace', 'create', '--label', 'team=a', made])
    assert.equal(created.code, 0, created.stderr)
    const ctrList = await ctr(['namespaces', 'ls', '-q'])
    assert.ok(ctrList.stdout.split('\n').includes(made), ctrList.stdout)

    const byCtr = `${namespace}-byctr`
    assert.equal((await ctr(['namespaces', 'create', byCtr, 'owner=ctr'])).code, 0)
    const nerdList = await nerd(['namespace', 'ls', '-q'])
    assert.ok(nerdList.stdout.split('\n').includes(byCtr), nerdList.stdout)
    const listed = await nerd(['namespace', 'ls', '--format', '{{.Name}} {{.Labels}}'])
    assert.match(listed.stdout, new RegExp(`^${byCtr} owner=ctr$`, "m"))
    assert.equal((await nerd(['namespace', 'rm', byCtr])).code, 0)
    assert.ok(!(await ctr(['namespaces', 'ls', '-q'])).stdout.split('\n').includes(byCtr))
  })

  it("what a create killed outright left (an empty state directory, its lock, a name's temporary file) goes with container prune once its maker is gone, and with namespace rm", async () => {
    const swept = `${namespace}-swept`
    assert.equal((await nerd(['namespace', 'create', swept])).code, 0)
    const containers = join(fileDataRoot(), 'containers', swept)
    const names = join(fileDataRoot(), 'names', swept)
    const pidNamespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1]
    const id = 'a'.repeat(64)
    const leave = async () => {
      await mkdir(join(containers, id), {recursive: true})
      const lock = join(containers, `.${id}.lock`)
      await mkdir(lock, {recursive: true})
      const longAgo = new Date(Date.now() - 5 * 60_000)
      await utimes(lock, longAgo, longAgo)
      await mkdir(names, {recursive: true})
      // Its owner is no process (pid 2^22 + 1 is past any pid_max).
      await writeFile(join(names, `.sigd.${pidNamespace}-4194305-1-${id}.tmp`), '')
    }
    await leave()
    // A live maker's (this process's) stays.
    const live = `.alive.${pidNamespace}-${process.pid}-${processStartTime('self')}-${'b'.repeat(64)}.tmp`
    await writeFile(join(names, live), '')
    const pruned = await nerd(['container', 'prune', '-f'], {namespace: swept})
    assert.equal(pruned.code, 0, pruned.stderr)
    assert.deepEqual(readdirSync(containers), [])
    assert.deepEqual(readdirSync(names), [live])
    await rm(join(names, live))
    await leave()
    assert.equal((await nerd(['namespace', 'rm', swept])).code, 0)
    assert.ok(!existsSync(containers) && !existsSync(names))
  })

  it("rm removes the namespace's volume locks with its last volume, and keeps them while a volume stays", async () => {
    const locks = (ns: string) => join(fileDataRoot(), 'volumes', '.locks', ns)
    for (const keep of [false, true]) {
      const ns = `${namespace}-locks-${keep ? 'kept' : 'gone'}`
      assert.equal((await nerd(['namespace', 'create', ns])).code, 0)
      assert.equal((await nerd(['volume', 'create', 'v1'], {namespace: ns})).code, 0)
      if (!keep) assert.equal((await nerd(['volume', 'rm', 'v1'], {namespace: ns})).code, 0)
      assert.equal((await nerd(['namespace', 'rm', ns])).code, 0)
      assert.equal(existsSync(locks(ns)), keep, ns)
      if (keep) {
        assert.equal((await nerd(['volume', 'rm', 'v1'], {namespace: ns})).code, 0)
        assert.equal((await nerd(['namespace', 'create', ns])).code, 0)
        assert.equal((await nerd(['namespace', 'rm', ns])).code, 0)
        assert.equal(existsSync(locks(ns)), false, ns)
      }
    }
  })

  it('ls prints a table with counts', async () => {
    const result = await nerd(['namespace', 'ls'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^NAME\s+CONTAINERS\s+IMAGES\s+VOLUMES\s+LABELS\n/)
    assert.match(result.stdout, new RegExp(`\\n${made}\\s+0\\s+0\\s+0\\s+team=a\\n`))
    // A field the rows lack is an error, as in docker's listings.
    const unknown = await nerd(['namespace', 'ls', '--format', '{{.Nope}}'])
    assert.deepEqual([unknown.code, unknown.stderr], [1, 'Error: template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type namespaceContext\n'])
  })

  it('inspect prints a JSON array; update sets labels, a key alone to "true" as nerdctl', async () => {
    const updated = await nerd(['namespace', 'update', '--label', 'env=test', '-l', 'bare', made])
    assert.equal(updated.code, 0, updated.stderr)
    const inspected = await nerd(['namespace', 'inspect', made])
    assert.equal(inspected.code, 0, inspected.stderr)
    assert.deepEqual(JSON.parse(inspected.stdout), [{Name: made, Labels: {bare: 'true', env: 'test', team: 'a'}}])
    const missing = await nerd(['namespace', 'inspect', `${namespace}-nosuch`])
    assert.equal(missing.code, 1)
    assert.equal(missing.stdout.trim(), '[]')
    assert.match(missing.stderr, /No such namespace/)
  })

  it('update and rm of a missing namespace say No such namespace, as inspect; labels are listed in key order, as Go prints a map; create sets a key alone to "true"', async () => {
    const nosuch = `${namespace}-nosuch`
    for (const command of [['update', '--label', 'a=1', nosuch], ['rm', nosuch]]) {
      const result = await nerd(['namespace', ...command])
      assert.deepEqual([result.code, result.stderr], [1, `Error: No such namespace: ${nosuch}\n`], command.join(' '))
    }
    const labelled = `${namespace}-labelled`
    await nerd(['namespace', 'create', '--label', 'b=two', '--label', 'a=1', '-l', 'c', labelled])
    try {
      const listed = (await nerd(['namespace', 'ls', '--format', '{{.Name}} {{.Labels}}'])).stdout
      assert.ok(listed.split('\n').includes(`${labelled} a=1,b=two,c=true`), listed)
      assert.equal((await nerd(['namespace', 'inspect', '--format', '{{json .Labels}}', labelled])).stdout, '{"a":"1","b":"two","c":"true"}\n')
    } finally {
      await nerd(['namespace', 'rm', labelled])
    }
  })

  it('rm of a non-empty namespace fails with containerd\'s reason', async () => {
    const busy = `${namespace}-busy`
    assert.equal((await nerd(['namespace', 'create', busy])).code, 0)
    assert.equal((await ctr(['-n', busy, 'snapshots', 'prepare', 'held', ''])).code, 0)
    const removed = await nerd(['namespace', 'rm', busy])
    assert.equal(removed.code, 1)
    assert.match(removed.stderr, /must be empty/)
    assert.equal(removed.stderr.trim().split('\n').length, 1)
    assert.equal((await ctr(['-n', busy, 'snapshots', 'rm', 'held'])).code, 0)
    assert.equal((await nerd(['namespace', 'rm', busy])).code, 0)
  })

  it('rm of a namespace whose last blob nothing holds any more does not wait for containerd\'s garbage collector to come round', async () => {
    // Held by a lease that has expired, the blob stays until the collector next runs, which nothing
    // schedules: as an image's blobs and snapshots straight after its rmi, until the collection
    // containerd schedules a moment later.
    const leftover = `${namespace}-leftover`
    const client = await connect({address: testEnvironment.address, namespace: leftover})
    try {
      await client.withLease(async (leased) => {
        const {bytes, descriptor} = jsonBlob({left: 'over'}, 'application/json')
        await writeBlob(leased, descriptor, bytes)
        // Made once the blob is written: on a loaded machine the write took longer than its 2 s.
        const lease = await client.leases.create({id: `${leftover}-expiring`, labels: {[GC_EXPIRE_LABEL]: rfc3339Seconds(new Date(Date.now() + 2000))}})
        await leased.leases.addResource(lease.id, {id: descriptor.digest, type: 'content'})
      })
    } finally {
      client.close()
    }
    await new Promise((resolve) => setTimeout(resolve, 3500))
    const removed = await nerd(['namespace', 'rm', leftover])
    assert.deepEqual([removed.code, removed.stderr], [0, ''])
  })

  it('rm of a namespace first deletes the leases of nerds killed in it, which would keep it from being empty, and then nerd\'s empty directories of it', async () => {
    const killedIn = `${namespace}-killed`
    const inIt = async (args: string[]) => {
      const result = await nerd(args, {namespace: killedIn})
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`)
    }
    await loadTestImage('nerd-test/busybox:latest', killedIn)
    await inIt(['create', '--name', 'made', 'nerd-test/busybox'])
    await inIt(['rm', 'made'])
    await inIt(['volume', 'create', 'made'])
    await inIt(['volume', 'rm', 'made'])
    await inIt(['rmi', 'nerd-test/busybox'])
    const directories = ['containers', 'names', 'volumes', 'volumes/.locks'].map((directory) => join(fileDataRoot(), directory, killedIn))
    assert.deepEqual(directories.filter((directory) => !existsSync(directory)), [])
    await killedLoad(killedIn)
    const removed = await nerd(['namespace', 'rm', killedIn])
    assert.deepEqual([removed.code, removed.stdout, removed.stderr], [0, `${killedIn}\n`, ''])
    assert.deepEqual(directories.filter((directory) => existsSync(directory)), [])
  })

  it("rm of a namespace removes its empty cgroup parents (/<namespace> in each hierarchy, where the cgroupfs driver puts its containers)", async () => {
    const cgrouped = `${namespace}-cg`
    await loadTestImage('nerd-test/busybox:latest', cgrouped)
    const started = await nerd(['--cgroup-manager', 'cgroupfs', 'run', '-d', '--name', 'cg', 'nerd-test/busybox', 'sleep', '60'], {namespace: cgrouped})
    assert.equal(started.code, 0, started.stderr)
    const parents = cgroupMountPoints(readFileSync('/proc/self/mountinfo', 'utf8')).map((point) => join(point, cgrouped))
    assert.ok(parents.some((parent) => existsSync(parent)), `no cgroup parent among ${parents.join(' ')}`)
    for (const args of [['rm', '-f', 'cg'], ['rmi', 'nerd-test/busybox']]) assert.equal((await nerd(args, {namespace: cgrouped})).code, 0)
    const removed = await nerd(['namespace', 'rm', cgrouped])
    assert.equal(removed.code, 0, removed.stderr)
    assert.deepEqual(parents.filter((parent) => existsSync(parent)), [])
  })

  it('global -n before the command selects the namespace, also grouped after -D as pflag reads it (-Dn x)', async () => {
    for (const globals of [['-n', made], ['-Dn', made]]) {
      const result = await nerd([...globals, 'info', '--format', '{{.Namespace}}'], {namespace: null})
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout.trim(), made)
    }
    assert.equal((await nerd(['namespace', 'rm', made])).code, 0)
  })
})

describe('usage errors', () => {
  const cases: [string[], number, string][] = [
    [['ps', '-n', 'abc'], 125, 'invalid argument "abc" for "-n, --last" flag: strconv.ParseInt: parsing "abc": invalid syntax\nRun \'nerd ps --help\' for more information\n'],
    // A filter without `=` is its flag's error, whatever the command (the value refused, not the last one typed).
    [['ps', '-f', 'foo', '-f', 'a=b'], 125, 'invalid argument "foo" for "-f, --filter" flag: bad format of filter (expected name=value)\nRun \'nerd ps --help\' for more information\n'],
    [['image', 'prune', '--filter', 'foo'], 125, 'invalid argument "foo" for "--filter" flag: bad format of filter (expected name=value)\nRun \'nerd image prune --help\' for more information\n'],
    [['events', '-f', 'foo'], 125, 'invalid argument "foo" for "-f, --filter" flag: bad format of filter (expected name=value)\nRun \'nerd events --help\' for more information\n'],
    [['stop', '-t', 'x', 'c'], 125, 'invalid argument "x" for "-t, --timeout" flag: strconv.ParseInt: parsing "x": invalid syntax\nRun \'nerd stop --help\' for more information\n'],
    // A number JavaScript cannot hold exactly is out of range, not rounded (oclif took 1e20).
    [['ps', '-n', '99999999999999999999'], 125, 'invalid argument "99999999999999999999" for "-n, --last" flag: strconv.ParseInt: parsing "99999999999999999999": value out of range\nRun \'nerd ps --help\' for more information\n'],
    [['restart', '--time=9007199254740993', 'c'], 125, 'invalid argument "9007199254740993" for "--time" flag: strconv.ParseInt: parsing "9007199254740993": value out of range\nRun \'nerd restart --help\' for more information\n'],
    [['image', 'ls', '--format'], 125, 'flag needs an argument: --format\nRun \'nerd image ls --help\' for more information\n'],
    [['logs', '-n'], 125, "flag needs an argument: 'n' in -n\nRun 'nerd logs --help' for more information\n"],
    [['run', '--network'], 125, 'flag needs an argument: --network\nRun \'nerd run --help\' for more information\n'],
    [['create', '--cpus', 'abc', 'img'], 125, 'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number\nRun \'nerd create --help\' for more information\n'],
    [['--bogus', 'ps'], 125, 'unknown flag: --bogus\nRun \'nerd --help\' for more information\n'],
    // docker's parser reads the flags before it answers help or the version.
    [['--help', '--bogus'], 125, 'unknown flag: --bogus\nRun \'nerd --help\' for more information\n'],
    [['images', '--help', '--x'], 125, 'unknown flag: --x\nRun \'nerd images --help\' for more information\n'],
    [['image', 'ls', '-h', '--format'], 125, 'flag needs an argument: --format\nRun \'nerd image ls --help\' for more information\n'],
    [['--version', '--bogus'], 125, 'unknown flag: --bogus\nRun \'nerd --help\' for more information\n'],
    [['-v', 'images', '--x'], 125, 'unknown flag: --x\nRun \'nerd images --help\' for more information\n'],
    // A global flag's value refused names the flag as pflag does.
    [['--debug=foo', 'version'], 125, 'invalid argument "foo" for "-D, --debug" flag: strconv.ParseBool: parsing "foo": invalid syntax\nRun \'nerd --help\' for more information\n'],
    // docker's SetLogLevel: its line alone, exit 1, before its parser's errors.
    [['-l', 'foo', 'version'], 1, 'Unable to parse logging level: foo\n'],
    [['-l', 'foo', '--bogus'], 1, 'Unable to parse logging level: foo\n'],
    [['ps', 'extra'], 1, 'nerd: \'nerd ps\' accepts no arguments\nRun \'nerd ps --help\' for more information\n'],
    // A management command parses its flags before it looks for its subcommand (docker's TraverseChildren).
    [['container', '--bogus', 'ls'], 125, 'unknown flag: --bogus\nRun \'nerd container --help\' for more information\n'],
    [['image', '-q', 'ls'], 125, "unknown shorthand flag: 'q' in -q\nRun 'nerd image --help' for more information\n"],
    // pflag names what is left of the group from the letter it does not know.
    [['-Dx', 'ps'], 125, "unknown shorthand flag: 'x' in -x\nRun 'nerd --help' for more information\n"],
    [['ps', '-aZ'], 125, "unknown shorthand flag: 'Z' in -Z\nRun 'nerd ps --help' for more information\n"],
    [['ps', '-aZq'], 125, "unknown shorthand flag: 'Z' in -Zq\nRun 'nerd ps --help' for more information\n"],
    [['run', '-dzq', 'img'], 125, "unknown shorthand flag: 'z' in -zq\nRun 'nerd run --help' for more information\n"],
    // A negative number is short flags to pflag where it reads flags (oclif took it for an argument).
    [['port', 'c', '-1'], 125, "unknown shorthand flag: '1' in -1\nRun 'nerd port --help' for more information\n"],
    [['wait', '-1'], 125, "unknown shorthand flag: '1' in -1\nRun 'nerd wait --help' for more information\n"],
    [['container', 'ls', '-a1'], 125, "unknown shorthand flag: '1' in -1\nRun 'nerd container ls --help' for more information\n"],
    // A value flag takes the next word whatever it looks like: no flag, no global option, no help.
    ...[['logs', '--since', '--tail', 'c'], ['logs', '--since', '--namespace', 'c'], ['logs', '--since', '--help', 'c'], ['logs', '--since', '--', 'c']].map((args): [string[], number, string] => [args, 1, 'Error: No such container: c\n']),
    [['exec', '-w', '--help', 'c', 'pwd'], 125, 'Error: No such container: c\n'],
    // The command as typed, not its canonical id (rmi, ps, run).
    [['image', 'rm'], 1, 'nerd: \'nerd image rm\' requires at least 1 argument\nSee \'nerd image rm --help\' for more information\n'],
    [['container', 'ls', '--bogus'], 125, 'unknown flag: --bogus\nRun \'nerd container ls --help\' for more information\n'],
    [['container', 'run'], 1, 'nerd: \'nerd container run\' requires at least 1 argument\nSee \'nerd container run --help\' for more information\n'],
    [['help', 'frob'], 1, 'unknown help topic: frob\n'],
    // The unknown word, not the arguments after it.
    [['frob', 'x', 'y'], 1, "nerd: unknown command: nerd frob\nRun 'nerd --help' for more information\n"],
    [['image', 'frob', 'x'], 1, "nerd: unknown command: nerd image frob\nRun 'nerd image --help' for more information\n"],
    // The word as typed, colons and all (oclif's ids join words with them).
    [['--insecure-registry', '127.0.0.1:5000', 'pull', 'x'], 1, "nerd: unknown command: nerd 127.0.0.1:5000\nRun 'nerd --help' for more information\n"],
    [['image', 'foo:bar'], 1, "nerd: unknown command: nerd image foo:bar\nRun 'nerd image --help' for more information\n"],
    // Pointing to the group's help, as docker's NoArgs does.
    [['system', 'bogus'], 1, "nerd: unknown command: nerd system bogus\nRun 'nerd system --help' for more information\n"],
    [['namespace', 'bogus'], 1, "nerd: unknown command: nerd namespace bogus\nRun 'nerd namespace --help' for more information\n"],
    [['help', 'container', 'frob'], 1, 'unknown help topic: frob\n'],
    // Help asked of a command typed is answered as the command alone is; `nerd help` has topics.
    [['frob', '--help'], 1, "nerd: unknown command: nerd frob\nRun 'nerd --help' for more information\n"],
    [['image', 'frob', '--help'], 1, "nerd: unknown command: nerd image frob\nRun 'nerd image --help' for more information\n"],
    [['ps', 'extra', '--help'], 1, 'nerd: \'nerd ps\' accepts no arguments\nRun \'nerd ps --help\' for more information\n'],
    // docker's build commands, which only a plugin brings to nerd: said in one line.
    ...[['build', '-t', 'x', '.'], ['image', 'build', '.'], ['builder', 'prune']].map((args): [string[], number, string] => [
      args, 1, `nerd: unknown command: nerd ${args[0] === 'image' ? 'image build' : args[0]}: building images is not built into nerd; a plugin can provide it (nerd plugins install)\n`,
    ]),
    // Their help too, and compose's, which nerd leaves to a plugin too.
    ...[['build', '--help'], ['help', 'image', 'build']].map((args): [string[], number, string] => [
      args, 1, `nerd: unknown command: nerd ${args[0] === 'help' ? 'image build' : 'build'}: building images is not built into nerd; a plugin can provide it (nerd plugins install)\n`,
    ]),
    ...[['compose', 'up', '-d'], ['compose', '-f', 'x.yml', 'up'], ['compose', '--help']].map((args): [string[], number, string] => [
      args, 1, 'nerd: unknown command: nerd compose: compose is not built into nerd; a plugin can provide it (nerd plugins install)\n',
    ]),
  ]
  for (const [args, code, stderr] of cases) {
    it(`nerd ${args.join(' ')}: docker's words and exit code`, async () => {
      const result = await nerd(args, {namespace})
      assert.deepEqual([result.code, result.stderr, result.stdout], [code, stderr, ''])
    })
  }

  it('takes no word after the first argument of a command whose flags end there (run, exec, top...) for its own, --help neither', async () => {
    // Those are the argument's (ps's options), as docker's SetInterspersed(false) reads them: not
    // "unknown shorthand flag: 'o' in -o", nor nerd's help.
    const result = await nerd(['top', 'c', '-o', 'pid', '--help'], {namespace})
    assert.deepEqual([result.code, result.stderr, result.stdout], [1, 'Error: No such container: c\n', ''])
  })

  it('takes docker\'s -D and --log-level debug or trace (any case) as --debug', async () => {
    for (const flags of [['-D'], ['--log-level', 'debug'], ['-l', 'debug'], ['-l', 'TRACE'], ['--log-level=Debug']]) {
      const result = await nerd([...flags, 'ps', '-n', 'abc'], {namespace})
      assert.equal(result.code, 125)
      assert.match(result.stderr, /^Error: Parsing --last/m, 'the stack of the error, shown with --debug')
    }
    for (const flags of [['-l', 'warning'], ['-l', 'Info'], ['--log-level', 'panic']]) {
      const result = await nerd([...flags, 'ps', '-n', 'abc'], {namespace})
      assert.deepEqual([result.code, result.stderr.split('\n')[0]], [125, 'invalid argument "abc" for "-n, --last" flag: strconv.ParseInt: parsing "abc": invalid syntax'], flags.join(' '))
    }
  })

  it("shows the stack with debug from nerd.toml (debug, debug_full) and from a parent nerd's NERD_SETTINGS, as -D does", async () => {
    const directory = await mkdtemp(join(tmpdir(), 'nerd-debug-'))
    try {
      for (const key of ['debug', 'debug_full']) {
        const file = join(directory, `${key}.toml`)
        await writeFile(file, `${key} = true\n`)
        const result = await nerd(['ps', '-n', 'abc'], {namespace, env: {NERD_TOML: file}})
        assert.equal(result.code, 125)
        assert.match(result.stderr, /^Error: Parsing --last/m, key)
      }
      // This test process stands for the parent nerd, an ancestor of the nerd it runs.
      const inherited = await nerd(['ps', '-n', 'abc'], {namespace, env: {NERD_SETTINGS: '{"debug":true}', NERD_SETTINGS_PID: String(process.pid)}})
      assert.match(inherited.stderr, /^Error: Parsing --last/m)
    } finally {
      await rm(directory, {recursive: true, force: true})
    }
  })

  it("reads docker's -v with a command as docker does: the command runs; -c as pflag reads it", async () => {
    for (const args of [['-v', 'images', '-q'], ['--version', 'images', '-q'], ['-Dc', 'default', 'images', '-q'], ['-cdefault', 'images', '-q'], ['-c', '', 'images', '-q']]) {
      const result = await nerd(args, {namespace})
      assert.deepEqual([result.code, result.stderr], [0, ''], args.join(' '))
      assert.doesNotMatch(result.stdout, /nerd version/)
    }
    const unknown = await nerd(['-v', 'frob'], {namespace})
    assert.deepEqual([unknown.code, unknown.stdout], [0, (await nerd(['--version'], {namespace})).stdout])
  })
})

describe('nerd --help', () => {
  it('ends with the global options, as docker\'s help does', async () => {
    for (const args of [['--help'], ['-h'], ['help'], []]) {
      const result = await nerd(args, {namespace: null, address: null, dataRoot: null, netconf: null})
      assert.equal(result.code, 0, result.stderr)
      const section = result.stdout.slice(result.stdout.indexOf('\nGLOBAL OPTIONS\n'))
      assert.match(section, /^  -a, -H, --address, --host <value> +containerd socket/m)
      assert.match(section, /^  -n, --namespace <value> +containerd namespace/m)
      assert.match(section, /^  -D, --debug +Show the stack of an error/m)
      assert.match(section, /^  --hosts-dir <value> /m)
      assert.match(section, /^  -v, --version +Print version information and quit$/m)
    }
  })

  it("takes docker's -h where pflag reads it in a group of short flags, and --help=false for the boolean it is: the command runs", async () => {
    const help = (await nerd(['ps', '--help'], {namespace: null, address: null, dataRoot: null, netconf: null})).stdout
    for (const args of [['ps', '-qh'], ['ps', '-ah', '--no-trunc'], ['ps', '--help=false', '-h']]) {
      const result = await nerd(args, {namespace: null, address: null, dataRoot: null, netconf: null})
      assert.deepEqual([result.code, result.stdout], [0, help], args.join(' '))
    }
    assert.deepEqual(await nerd(['ps', '-qh=false']).then(({code, stderr}) => [code, stderr]), [0, ''])
    assert.deepEqual(await nerd(['ps', '-h', '--help=false', '-q']).then(({code, stderr}) => [code, stderr]), [0, ''])
    const stop = await nerd(['stop', '--help=false'])
    assert.deepEqual([stop.code, stop.stderr], [1, "nerd: 'nerd stop' requires at least 1 argument\nSee 'nerd stop --help' for more information\n"])
    const refused = await nerd(['stop', '-h=x'])
    assert.deepEqual([refused.code, refused.stderr], [125, 'invalid argument "x" for "--help" flag: strconv.ParseBool: parsing "x": invalid syntax\nRun \'nerd stop --help\' for more information\n'])
  })

  it('takes docker\'s -h as help for a command that has no -h of its own', async () => {
    const globals = {namespace: null, address: null, dataRoot: null, netconf: null}
    for (const args of [['ps', '-h'], ['network', 'ls', '-h'], ['exec', '-h']]) {
      const [short, long] = [await nerd(args, globals), await nerd([...args.slice(0, -1), '--help'], globals)]
      assert.deepEqual([short.code, short.stdout], [0, long.stdout], args.join(' '))
    }
  })
})

/**
 * Networking end to end on CNI: published ports reached from the host, names on user-defined
 * networks (and not on the default bridge), the host/none/container: modes, teardown that leaves
 * nothing behind, concurrent address allocation, and the network commands. Traffic goes only to
 * loopback and to the containers' own addresses.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {existsSync, readdirSync} from 'node:fs'
import {chmod, chown, mkdir, mkdtemp, readdir, readFile, rename, rm, utimes, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {defaultCniPath} from '../../src/config/config.ts'
import {formatAddress} from '../../src/network/ip.ts'
import {ulaBaseNetwork} from '../../src/network/model.ts'
import {httpGet, inspectContainer, nerdOk, publishablePort, removeAllContainers, until} from '../helpers/containers.ts'
import {fileDataRoot, fileNamespace, loadTestImage, nerd, nerdEntry, nerdGlobals, testEnvironment} from '../helpers/e2e.ts'
import {buildImageArchive, busyboxRootfs, DEFAULT_PATH} from '../helpers/oci-image.ts'

const run = promisify(execFile)
const IMG = 'docker.io/nerd-test/busybox:latest'
const EXPOSING = 'nerd-e2e/exposing:v1'
// Name lookups in these containers go to a resolver on the container's own loopback (none): a
// lookup the hosts file cannot answer must not leave the machine.
const LOCAL_DNS = ['--dns', '127.0.0.1']
const suffix = fileNamespace().slice(2, 8)
const net = (name: string) => `${name}-${suffix}`
let workDir: string

async function sh(command: string): Promise<string> {
  return (await run('sh', ['-c', command], {env: {PATH: '/usr/sbin:/usr/bin:/sbin:/bin'}})).stdout
}

/** docker's words for published ports a start could not have (`reason` a regular expression's source), the whole of stderr. */
function endpointFailure(name: string, reason: string): RegExp {
  return new RegExp(`^Error: failed to set up container networking: driver failed programming external connectivity on endpoint ${name} \\([0-9a-f]{64}\\): ${reason}\\n$`)
}

async function networkDocument(name: string): Promise<Record<string, any>> {
  return (JSON.parse(await nerdOk(['network', 'inspect', name])) as Record<string, any>[])[0]!
}

/** The bridge device of a user network nerd made without a bridge name given (inspect shows only options given). */
function bridgeOf(network: Record<string, any>): string {
  return `br-${(network.Id as string).slice(0, 12)}`
}

/** What a network leaves on the host per container: veths on its bridge, IPAM leases, nat rules naming this file's containers. */
async function footprint(network: Record<string, any>, stateDir: string): Promise<{veths: number; leases: number; natRules: number}> {
  const bridge = bridgeOf(network)
  const leases = readdirSync(join(stateDir, 'ipam', network.Name)).filter((file) => /^\d+\.\d+\.\d+\.\d+$/.test(file)).length
  return {
    veths: Number((await sh(`ip -o link show master ${bridge} | wc -l`)).trim()),
    leases,
    natRules: Number((await sh(`iptables -w -t nat -S | grep -c -- '${fileNamespace()}-' || true`)).trim()),
  }
}

/** The IPv4 subnet nerd chose for a network given only an IPv6 one. */
function ipv4Subnet(document: Record<string, any>): string {
  return (document.IPAM.Config as {Subnet: string}[]).find((range) => !range.Subnet.includes(':'))!.Subnet
}

/** The lines of the container's /etc/hosts a resolver reads: nerd makes a line that goes a comment. */
async function liveHosts(container: string): Promise<string> {
  return (await nerdOk(['exec', container, 'cat', '/etc/hosts'])).split('\n').filter((line) => !line.startsWith('#')).join('\n')
}

/**
 * The page of a container published on 127.0.0.1:`port`, waited for up to 15 s. A wait that times
 * out says what the host had for the port then (its DNAT rules, connections tracked, routes), for a
 * failure seen once in many runs and never reproduced.
 */
async function publishedPage(what: string, port: number): Promise<string> {
  return until(what, () => httpGet(`http://127.0.0.1:${port}/`), 15_000).catch(async (error: Error) => {
    const state = await sh(
      `iptables -w -t nat -S | grep -- '--dport ${port} ' || true; grep -- 'dport=${port} ' /proc/net/nf_conntrack || true; ` +
        'ip -4 route; sysctl net.ipv4.conf.all.route_localnet',
    ).catch((failed: Error) => failed.message)
    throw new Error(`${error.message}; the host then:\n${state}`)
  })
}

/**
 * Takes the locks (`<path>.lock` directories) as a slow nerd would hold them, kept fresh so that they
 * never go stale: `release` lets one go, `releaseAll` every one.
 */
async function holdLocks(locks: string[]): Promise<{release: (lock: string) => Promise<void>; releaseAll: () => Promise<void>}> {
  for (const lock of locks) await mkdir(lock)
  const fresh = setInterval(() => {
    const now = new Date()
    for (const lock of locks) utimes(lock, now, now).catch(() => undefined)
  }, 1000)
  const release = (lock: string) => rm(lock, {recursive: true, force: true})
  return {
    release,
    releaseAll: async () => {
      clearInterval(fresh)
      for (const lock of locks) await release(lock)
    },
  }
}

async function addressOn(container: string, network: string): Promise<string> {
  const document = await inspectContainer(container)
  return document.NetworkSettings.Networks[network].IPAddress as string
}

describe('networking on CNI', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
    workDir = await mkdtemp(join(tmpdir(), 'nerd-network-'))
    await writeFile(join(workDir, 'index.html'), 'hello from nerd\n')
    const archive = join(workDir, 'exposing.tar')
    await buildImageArchive({name: EXPOSING, images: [{layers: [{entries: await busyboxRootfs()}], config: {Env: [DEFAULT_PATH], ExposedPorts: {'8080/tcp': {}, '53/udp': {}}}}]}, archive)
    await nerdOk(['load', '-i', archive])
  })

  after(async () => {
    await removeAllContainers()
    for (const name of ['n1', 'n20', 'n10', 'other', 'fixed', 'ranged', 'refused', 'mv', 'iso', 'pruned', 'kept', 'v6', 'inside', 'aux', 'linked', 'early', 'hugemtu', 'reuse', 'opts', 'dfa', 'dfb', 'ula1', 'ula2', 'ula3', 'hn', 'nov6']) await nerd(['network', 'rm', net(name)])
    await run('ip', ['link', 'delete', `mvp${suffix}`]).catch(() => undefined)
    await nerd(['rmi', EXPOSING])
    await rm(workDir, {recursive: true, force: true})
  })

  it('refuses a CNI configuration directory others may write to: a conflist planted there names the programs root runs', async () => {
    const shared = await mkdtemp(join(tmpdir(), 'nerd-e2e-netconf-'))
    try {
      await chmod(shared, 0o1777)
      const refused = await nerd(['--cni-netconfpath', shared, 'network', 'ls'])
      assert.deepEqual([refused.code, refused.stderr], [1, `Error: refusing to use CNI configuration directory ${shared}: it is writable by other users (mode 1777)\n`])
      assert.deepEqual(await readdir(shared), [])
    } finally {
      await rm(shared, {recursive: true, force: true})
    }
  })

  it('refuses CNI plugin directories and plugins others may write to: root would run their program', async () => {
    const shared = await mkdtemp(join(tmpdir(), 'nerd-e2e-cnibin-'))
    const planted = join(shared, 'bridge')
    const refusal = async (cniPath: string) => {
      const result = await nerd(['--cni-path', cniPath, 'run', '--rm', '--name', 'planted', IMG, 'true'])
      return [result.code, result.stderr]
    }
    try {
      await writeFile(planted, `#!/bin/sh\ntouch ${join(shared, 'ran')}\nexit 1\n`, {mode: 0o755})
      await chmod(shared, 0o1777)
      const open = [125, `Error: refusing to use CNI plugin directory ${shared}: it is writable by other users (mode 1777)\n`]
      assert.deepEqual(await refusal(shared), open)
      // Behind the real directory too: the plugins look for the ones they delegate to in all of CNI_PATH.
      assert.deepEqual(await refusal(`${defaultCniPath()}:${shared}`), open)
      await chmod(shared, 0o755)
      await chmod(planted, 0o775)
      assert.deepEqual(await refusal(shared), [125, `Error: refusing to use CNI plugin ${planted}: it is writable by other users (mode 0775)\n`])
      await chmod(planted, 0o755)
      await chown(planted, 65534, 65534)
      assert.deepEqual(await refusal(shared), [125, `Error: refusing to use CNI plugin ${planted}: it is owned by user 65534, neither root nor the user running nerd (0)\n`])
      assert.deepEqual(await readdir(shared), ['bridge'], 'the planted plugin never ran')
      assert.equal((await nerd(['container', 'inspect', 'planted'])).code, 1, 'the --rm container is gone')
    } finally {
      await rm(shared, {recursive: true, force: true})
    }
  })

  it('publishes a port on 127.0.0.1 that an HTTP GET from the host reaches; port and ps show it', async () => {
    const port = await publishablePort()
    await nerdOk(['run', '-d', '--name', 'web', '-p', `127.0.0.1:${port}:80`, '--expose', '90', '-v', `${workDir}:/www`, IMG, 'httpd', '-f', '-p', '80', '-h', '/www'])
    const page = await publishedPage('the published page', port)
    assert.equal(page, 'hello from nerd\n')
    assert.equal(await nerdOk(['port', 'web']), `80/tcp -> 127.0.0.1:${port}\n`)
    assert.equal(await nerdOk(['port', 'web', '80']), `127.0.0.1:${port}\n`)
    const missing = await nerd(['port', 'web', '81/tcp'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /No public port '81\/tcp' published for web/)
    const psPorts = () => nerdOk(['ps', '--filter', 'name=web', '--format', '{{.Ports}}'])
    assert.equal(await psPorts(), `90/tcp, 127.0.0.1:${port}->80/tcp\n`)
    const document = await inspectContainer('web')
    assert.deepEqual(document.HostConfig.PortBindings, {'80/tcp': [{HostIp: '127.0.0.1', HostPort: String(port)}]})
    assert.deepEqual(document.NetworkSettings.Ports, {'80/tcp': [{HostIp: '127.0.0.1', HostPort: String(port)}], '90/tcp': null})
    assert.match(document.NetworkSettings.IPAddress, /^10\.4\.0\.\d+$/)

    // The host port is this container's while it runs: a second container cannot take it, in docker's words.
    const clash = await nerd(['run', '-d', '--name', 'web-clash', '-p', `127.0.0.1:${port}:80`, IMG, 'sleep', '10'])
    assert.equal(clash.code, 125, clash.stderr)
    assert.match(clash.stderr, endpointFailure('web-clash', `Bind for 127.0.0.1:${port} failed: port is already allocated`))
    await nerdOk(['rm', 'web-clash'])
    // Asked on every address, docker's port allocator names the address that holds the port.
    const clashAll = await nerd(['run', '-d', '--name', 'web-clash', '-p', `${port}:80`, IMG, 'sleep', '10'])
    assert.equal(clashAll.code, 125, clashAll.stderr)
    assert.match(clashAll.stderr, endpointFailure('web-clash', `Bind for 127.0.0.1:${port} failed: port is already allocated`))
    await nerdOk(['rm', 'web-clash'])

    // The ports go with the network that carries them, and come back with it.
    await nerdOk(['network', 'disconnect', 'bridge', 'web'])
    assert.equal(await nerdOk(['port', 'web']), '')
    assert.equal(await psPorts(), '\n')
    assert.deepEqual((await inspectContainer('web')).NetworkSettings.Ports, {})
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), undefined)
    await nerdOk(['network', 'connect', 'bridge', 'web'])
    assert.equal(await nerdOk(['port', 'web']), `80/tcp -> 127.0.0.1:${port}\n`)
    assert.equal(await psPorts(), `90/tcp, 127.0.0.1:${port}->80/tcp\n`)
    assert.equal(await publishedPage('the page again', port), 'hello from nerd\n')
    await nerdOk(['rm', '-f', 'web'])
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), undefined)
  })

  it('refuses a host port a host process listens on, as docker does; a host range takes its first free port', async () => {
    const port = await publishablePort(3)
    const server = createServer((socket) => socket.end('host\n'))
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    try {
      for (const spec of [`127.0.0.1:${port}:80`, `${port}:80`]) {
        const shadowing = await nerd(['run', '-d', '--name', 'shadowing', '-p', spec, IMG, 'sleep', '60'])
        assert.equal(shadowing.code, 125, shadowing.stderr)
        const failure = endpointFailure('shadowing', `failed to bind host port for ${spec.startsWith('127') ? '127.0.0.1' : '0.0.0.0'}:${port}:10\\.4\\.0\\.\\d+:80/tcp: address already in use`)
        assert.match(shadowing.stderr, failure)
        // start says it as docker's, before its closing line, and leaves the container created.
        const started = await nerd(['start', 'shadowing'])
        assert.equal(started.code, 1, started.stderr)
        assert.match(started.stderr, new RegExp(`${failure.source.slice(0, -1)}Error: failed to start containers: shadowing\n$`))
        assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'shadowing']), 'created\n')
        await nerdOk(['rm', 'shadowing'])
      }
      // The range's first port is the host process's, its second a container's: the third is free.
      await nerdOk(['run', '-d', '--name', 'ranged1', '-p', `127.0.0.1:${port + 1}:80`, IMG, 'sleep', '60'])
      await nerdOk(['run', '-d', '--name', 'ranged2', '-p', `127.0.0.1:${port}-${port + 2}:80`, IMG, 'sleep', '60'])
      assert.equal(await nerdOk(['port', 'ranged2', '80']), `127.0.0.1:${port + 2}\n`)
      const full = await nerd(['run', '-d', '--name', 'ranged3', '-p', `127.0.0.1:${port + 1}-${port + 2}:80`, IMG, 'sleep', '60'])
      assert.equal(full.code, 125, full.stderr)
      assert.match(full.stderr, endpointFailure('ranged3', 'all ports are allocated'))
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
    await nerdOk(['rm', '-f', 'ranged1', 'ranged2', 'ranged3'])

  })

  it('-P gives every exposed port a free host port; a bad -p fails before anything is created', async () => {
    await nerdOk(['run', '-d', '--name', 'exposed', '-P', '--expose', '9090', EXPOSING, 'sleep', '60'])
    const ports = (await inspectContainer('exposed')).NetworkSettings.Ports as Record<string, {HostIp: string; HostPort: string}[]>
    assert.deepEqual(Object.keys(ports).sort(), ['53/udp', '8080/tcp', '9090/tcp'])
    for (const bindings of Object.values(ports)) {
      assert.equal(bindings[0]!.HostIp, '0.0.0.0')
      assert.ok(Number(bindings[0]!.HostPort) > 0)
    }
    assert.equal((await nerdOk(['port', 'exposed'])).split('\n').filter(Boolean).length, 3)
    await nerdOk(['rm', '-f', 'exposed'])

    // Host port 0 is kept as typed, as docker's CLI keeps it, and is a free one at start.
    await nerdOk(['run', '-d', '--name', 'zero', '-p', '127.0.0.1:0:80', IMG, 'sleep', '60'])
    const zero = await inspectContainer('zero')
    assert.deepEqual(zero.HostConfig.PortBindings, {'80/tcp': [{HostIp: '127.0.0.1', HostPort: '0'}]})
    assert.ok(Number(zero.NetworkSettings.Ports['80/tcp'][0].HostPort) > 0, JSON.stringify(zero.NetworkSettings.Ports))
    await nerdOk(['rm', '-f', 'zero'])

    for (const [spec, message] of [['80:abc', /invalid containerPort: abc/], ['1.2.3:80:80', /invalid IP address: 1\.2\.3/], ['80/xyz', /invalid proto: xyz/]] as const) {
      const before = (await nerdOk(['ps', '-aq'])).trim()
      const result = await nerd(['run', '-p', spec, IMG, 'true'])
      assert.equal(result.code, 125, `${spec}: ${result.stderr}`)
      assert.match(result.stderr, message)
      assert.equal(result.stderr.trim().split('\n').length, 1)
      assert.equal((await nerdOk(['ps', '-aq'])).trim(), before)
    }
    // create too: docker's CLI refuses these as it parses the flags (125), where the daemon's
    // refusals give create 1.
    for (const [args, code, message] of [
      [['-p', '70000:80'], 125, 'invalid hostPort: 70000'],
      [['--expose', '80:80'], 125, 'invalid port format for --expose: 80:80'],
      [['--expose', 'abc'], 125, 'invalid range format for --expose: abc, error: strconv.ParseUint: parsing "abc": invalid syntax'],
      [['--mac-address', 'zz'], 125, 'zz is not a valid mac address'],
      [['--network', 'bridge', '--network', 'bridge'], 125, 'network "bridge" is specified multiple times'],
      [['--network-alias', 'foo'], 125, 'network-scoped aliases are only supported for user-defined networks'],
    ] as const) {
      const result = await nerd(['create', ...args, IMG, 'true'])
      assert.deepEqual([result.code, result.stderr], [code, `Error: ${message}\n`], args.join(' '))
    }
    const badField = await nerd(['create', '--network', 'name=qn1,foo=bar', IMG, 'true'])
    assert.deepEqual([badField.code, badField.stderr.split('\n')[0]], [125, 'invalid argument "name=qn1,foo=bar" for "--network" flag: invalid field key foo'])
  })

  it('a missing network, an address outside it or an option the network mode cannot have fails in one line with 125 and leaves nothing; host networking ignores -p with docker\'s warning', async () => {
    const before = (await nerdOk(['ps', '-aq'])).trim()
    for (const [args, message] of [
      [['--network', 'nosuch'], /^Error: network nosuch not found\n$/],
      [['--ip', '10.4.0.200'], /^Error: user specified IP address is supported on user defined networks only\n$/],
      [['--network', 'container:web', '-p', '8080:80'], /^Error: conflicting options: port publishing and the container type network mode\n$/],
      [['--network', 'container:web', '--dns', '10.0.0.53'], /^Error: conflicting options: dns and the network mode\n$/],
      [['--network', 'container:web', '--add-host', 'db:10.0.0.5'], /^Error: conflicting options: custom host-to-IP mapping and the network mode\n$/],
      [['--network', 'container:web', '--mac-address', '02:42:ac:11:00:19'], /^Error: conflicting options: mac-address and the network mode\n$/],
      [['--network', 'host', '--mac-address', '02:42:ac:11:00:19'], /^Error: conflicting options: mac-address and the network mode\n$/],
    ] as const) {
      const result = await nerd(['run', '--rm', ...args, IMG, 'true'])
      assert.equal(result.code, 125, result.stderr)
      assert.match(result.stderr, message)
    }
    assert.equal((await nerdOk(['ps', '-aq'])).trim(), before)
    const host = await nerd(['run', '--rm', '--network', 'host', '-p', '80:80', IMG, 'true'])
    assert.equal(host.code, 0, host.stderr)
    assert.match(host.stderr, /WARNING: Published ports are discarded when using host network mode/)
  })

  it('resolves container names and aliases on a user-defined network, not on the default bridge', async () => {
    await nerdOk(['network', 'create', net('n1')])
    await nerdOk(['run', '-d', '--name', 'a', '--network', net('n1'), ...LOCAL_DNS, '-v', `${workDir}:/www`, IMG, 'httpd', '-f', '-p', '80', '-h', '/www'])
    const fetched = await nerd(['run', '--rm', '--network', net('n1'), ...LOCAL_DNS, IMG, 'wget', '-qO-', 'http://a/'])
    assert.equal(fetched.code, 0, fetched.stderr)
    assert.equal(fetched.stdout, 'hello from nerd\n')

    await nerdOk(['run', '-d', '--name', 'aliased', '--network', net('n1'), '--network-alias', 'db', IMG, 'sleep', '60'])
    const ping = await nerd(['exec', 'a', 'ping', '-c1', '-W10', 'db'])
    assert.equal(ping.code, 0, ping.stderr)
    assert.match(ping.stdout, new RegExp(`\\(${(await addressOn('aliased', net('n1'))).replaceAll('.', '\\.')}\\)`))
    // A container resolves its own name and aliases, and members resolve as <name>.<network>.
    const own = await nerd(['run', '--rm', '--name', 'self', '--network', net('n1'), '--network-alias', 'selfalias', ...LOCAL_DNS, IMG, 'sh', '-c', `ping -c1 -W2 self && ping -c1 -W2 selfalias && ping -c1 -W2 selfalias.${net('n1')} && ping -c1 -W2 a.${net('n1')}`])
    assert.equal(own.code, 0, own.stdout + own.stderr)
    // A container that goes away leaves the others' /etc/hosts.
    await nerdOk(['rm', '-f', 'aliased'])
    assert.doesNotMatch(await liveHosts('a'), /\bdb\b/)

    await nerdOk(['run', '-d', '--name', 'plain', IMG, 'sleep', '60'])
    const unresolved = await nerd(['run', '--rm', ...LOCAL_DNS, IMG, 'ping', '-c1', '-W1', 'plain'])
    assert.notEqual(unresolved.code, 0, 'a name resolved on the default bridge')
    assert.doesNotMatch(await nerdOk(['run', '--rm', IMG, 'cat', '/etc/hosts']), /\bplain\b/)
  })

  it('--link on the default bridge: the linked container by alias, hostname and name, docker\'s variables, inspect\'s Links; a missing or stopped one refused', async () => {
    await nerdOk(['run', '-d', '--name', 'linkdb', '-e', 'SECRET=s1', '--expose', '8081', EXPOSING, 'sleep', '60'])
    const address = await addressOn('linkdb', 'bridge')
    const shortId = ((await inspectContainer('linkdb')).Id as string).slice(0, 12)
    const linked = await nerd(['run', '--rm', '--name', 'linker', '--link', 'linkdb:database', ...LOCAL_DNS, IMG, 'sh', '-c', 'grep database /etc/hosts; env | grep ^DATABASE_ | sort; ping -c1 -W2 database >/dev/null && echo reached'])
    assert.equal(linked.code, 0, linked.stderr)
    const url = (port: string) => `${port.endsWith('udp') ? 'udp' : 'tcp'}://${address}:${port.split('/')[0]}`
    const portVariables = (port: string) => {
      const [number, protocol] = port.split('/') as [string, string]
      const name = `DATABASE_PORT_${number}_${protocol.toUpperCase()}`
      return [`${name}=${url(port)}`, `${name}_ADDR=${address}`, `${name}_PORT=${number}`, `${name}_PROTO=${protocol}`]
    }
    const variables = [
      'DATABASE_ENV_SECRET=s1',
      'DATABASE_NAME=/linker/database',
      `DATABASE_PORT=${url('8080/tcp')}`,
      ...portVariables('53/udp'),
      ...portVariables('8080/tcp'),
      `DATABASE_PORT_8080_TCP_END=${url('8081/tcp')}`,
      'DATABASE_PORT_8080_TCP_PORT_END=8081',
      'DATABASE_PORT_8080_TCP_PORT_START=8080',
      `DATABASE_PORT_8080_TCP_START=${url('8080/tcp')}`,
      ...portVariables('8081/tcp'),
    ].sort()
    assert.equal(linked.stdout, [`${address}\tdatabase ${shortId} linkdb`, ...variables, 'reached', ''].join('\n'))
    // Without an alias the name is the alias, once; an -e of the container's own wins over a link's variable.
    const plain = await nerdOk(['run', '--rm', '--link', 'linkdb', '-e', 'LINKDB_NAME=mine', IMG, 'sh', '-c', 'grep linkdb /etc/hosts; echo $LINKDB_NAME'])
    assert.equal(plain, `${address}\tlinkdb ${shortId}\nmine\n`)

    await nerdOk(['create', '--name', 'linkedlater', '--link', 'linkdb:database', IMG, 'true'])
    assert.deepEqual((await inspectContainer('linkedlater')).HostConfig.Links, ['/linkdb:/linkedlater/database'])
    await nerdOk(['stop', '-t', '0', 'linkdb'])
    const stopped = await nerd(['start', 'linkedlater'])
    assert.equal(stopped.code, 1)
    assert.match(stopped.stderr, /^Error: Cannot link to a non running container: \/linkdb AS \/linkedlater\/database\n/)
    const stoppedRun = await nerd(['run', '--rm', '--link', 'linkdb:database', IMG, 'true'])
    assert.equal(stoppedRun.code, 125)
    assert.match(stoppedRun.stderr, /Cannot link to a non running container: \/linkdb AS \/[a-z_]+\/database\n/)
    // Started again, the link works again, at the linked container's address now.
    await nerdOk(['start', 'linkdb'])
    const again = await nerdOk(['start', '-a', 'linkedlater'])
    assert.equal(again, '')

    const missing = await nerd(['run', '--rm', '--name', 'nolink', '--link', 'nosuch:database', IMG, 'true'])
    assert.deepEqual({code: missing.code, stderr: missing.stderr}, {code: 125, stderr: 'Error: could not get container for nosuch: No such container: nosuch\n'})
    assert.equal((await nerd(['inspect', 'nolink'])).code, 1, 'a refused link left its container behind')
    const badFormat = await nerd(['run', '--rm', '--link', 'a:b:c', IMG, 'true'])
    assert.equal(badFormat.code, 125)
    assert.match(badFormat.stderr, /invalid argument "a:b:c" for "--link" flag: bad format for links: a:b:c/)
    const hostLink = await nerd(['run', '--rm', '--network', 'host', '--link', 'linkdb', IMG, 'true'])
    assert.equal(hostLink.code, 125)
    assert.match(hostLink.stderr, /conflicting options: host type networking can't be used with links/)
    // As docker's (1.10 on), removing the linked container keeps the link, which then refuses every start.
    await nerdOk(['rm', '-f', 'linkdb'])
    assert.deepEqual((await inspectContainer('linkedlater')).HostConfig.Links, ['/linkdb:/linkedlater/database'])
    const refused = 'Cannot link to a non running container: /linkdb AS /linkedlater/database'
    const started = await nerd(['start', 'linkedlater'])
    assert.deepEqual({code: started.code, stderr: started.stderr}, {code: 1, stderr: `Error: ${refused}\nError: failed to start containers: linkedlater\n`})
    const restarted = await nerd(['restart', 'linkedlater'])
    assert.deepEqual({code: restarted.code, stderr: restarted.stderr}, {code: 1, stderr: `Error: Cannot restart container linkedlater: ${refused}\n`})
  })

  it("rm --link removes the parent's link, not a container, as docker's rmLink: from inspect, a running parent's /etc/hosts, the next start's variables; docker's errors for what is no link", async () => {
    await nerdOk(['run', '-d', '--name', 'rmlinked', IMG, 'sleep', '60'])
    await nerdOk(['run', '-d', '--name', 'rmlinker', '--link', 'rmlinked:peer', '--link', 'rmlinked:other', IMG, 'sleep', '60'])
    const linkLine = (alias: string) => new RegExp(`^[0-9].*\t${alias} `, 'm')
    assert.match(await nerdOk(['exec', 'rmlinker', 'cat', '/etc/hosts']), linkLine('peer'))
    assert.deepEqual(await nerd(['rm', '--link', '/rmlinker/peer']).then(({code, stdout, stderr}) => [code, stdout, stderr]), [0, '/rmlinker/peer\n', ''])
    assert.deepEqual((await inspectContainer('rmlinker')).HostConfig.Links, ['/rmlinked:/rmlinker/other'])
    const hosts = await nerdOk(['exec', 'rmlinker', 'cat', '/etc/hosts'])
    assert.doesNotMatch(hosts, linkLine('peer'))
    assert.match(hosts, linkLine('other'))
    assert.equal(await nerdOk(['ps', '-q', '--filter', 'name=^rmlink']).then((ids) => ids.trim().split('\n').length), 2)
    // The next start gives it the variables of the links it has left.
    await nerdOk(['restart', '-t', '0', 'rmlinker'])
    const env = await nerdOk(['exec', 'rmlinker', 'env'])
    assert.doesNotMatch(env, /^PEER_/m)
    assert.match(env, /^OTHER_NAME=\/rmlinker\/other$/m)
    // As docker's daemon, each exec works the links out again: refused, before its process, while the linked container does not run.
    await nerdOk(['stop', '-t', '0', 'rmlinked'])
    assert.deepEqual(await nerd(['exec', 'rmlinker', 'true']).then(({code, stdout, stderr}) => [code, stdout, stderr]), [125, '', 'Error: Cannot link to a non running container: /rmlinked AS /rmlinker/other\n'])
    await nerdOk(['start', 'rmlinked'])

    const refused = async (args: string[]) => nerd(['rm', ...args]).then(({code, stdout, stderr}) => [code, stdout, stderr])
    assert.deepEqual(await refused(['-l', 'rmlinker']), [1, '', 'Error: Conflict, cannot remove the default link name of the container\n'])
    assert.deepEqual(await refused(['-l', 'nosuch']), [1, '', 'Error: No such container: nosuch\n'])
    for (const name of ['rmlinker/peer', 'nosuch/other', 'rmlinked/other', `${(await inspectContainer('rmlinker')).Id.slice(0, 12)}/other`, 'rmlinker//other']) {
      assert.deepEqual(await refused(['-l', name]), [1, '', `Error: No such container: ${name}\n`], name)
    }
    assert.deepEqual(await refused(['-lf', 'rmlinker/peer']), [0, '', 'Error: No such container: rmlinker/peer\n'])

    // A stopped parent's last link: its next start has neither the link's hosts line nor its variables.
    await nerdOk(['stop', '-t', '0', 'rmlinker'])
    await nerdOk(['rm', '-l', 'rmlinker/other'])
    assert.equal((await inspectContainer('rmlinker')).HostConfig.Links, null)
    await nerdOk(['start', 'rmlinker'])
    assert.doesNotMatch(await nerdOk(['exec', 'rmlinker', 'cat', '/etc/hosts']), linkLine('other'))
    assert.doesNotMatch(await nerdOk(['exec', 'rmlinker', 'env']), /^OTHER_/m)
    await nerdOk(['rm', '-f', 'rmlinker', 'rmlinked'])
  })

  it('--link on a user-defined network: the alias names the linked container for this container only', async () => {
    await nerdOk(['network', 'create', net('linked')])
    await nerdOk(['run', '-d', '--name', 'linkpeer', '--network', net('linked'), IMG, 'sleep', '60'])
    const address = await addressOn('linkpeer', net('linked'))
    const viaAlias = await nerdOk(['run', '--rm', '--network', net('linked'), '--link', 'linkpeer:peeralias', ...LOCAL_DNS, IMG, 'sh', '-c', 'grep peeralias /etc/hosts; ping -c1 -W2 peeralias >/dev/null && echo reached'])
    assert.equal(viaAlias, `${address}\tpeeralias\nreached\n`)
    assert.doesNotMatch(await liveHosts('linkpeer'), /peeralias/)
  })

  it('keeps the lines a container adds to its /etc/hosts while others join and leave, and never shows a peer a partial file', async () => {
    await nerdOk(['exec', 'a', 'sh', '-c', 'echo "10.77.0.99 custom-entry" >> /etc/hosts'])
    await nerdOk(['run', '-d', '--name', 'comer', '--network', net('n1'), IMG, 'sleep', '60'])
    assert.match(await liveHosts('a'), /^10\.77\.0\.99 custom-entry$/m)
    assert.match(await liveHosts('a'), /\bcomer\b/)
    await nerdOk(['rm', '-f', 'comer'])
    assert.match(await liveHosts('a'), /^10\.77\.0\.99 custom-entry$/m)
    assert.doesNotMatch(await liveHosts('a'), /\bcomer\b/)

    // While containers come and go, a reader in a always sees its localhost line and its own, and no
    // line cut short: nerd appends lines and makes them comments, and takes the comments out (in
    // one write over the file, then cutting it short) only once there are more than 16.
    const lines = String.raw`^(#|127\.0\.0\.1[[:space:]]localhost$|::1[[:space:]]|fe00::[[:space:]]|ff00::[[:space:]]|ff02::[12][[:space:]]|10\.4\.[0-9]+\.[0-9]+[[:space:]]|10\.77\.0\.99 custom-entry$)`
    const reader = nerd(['exec', 'a', 'sh', '-c', `end=$(($(date +%s)+6)); n=0; bad=0; while [ $(date +%s) -lt $end ]; do n=$((n+1)); hosts=$(cat /etc/hosts); echo "$hosts" | grep -q "^127.0.0.1" || bad=$((bad+1)); echo "$hosts" | grep -q "custom-entry" || bad=$((bad+1)); echo "$hosts" | grep -q -v -E '${lines}' && bad=$((bad+1)); done; echo "$n $bad"`])
    let done = false
    void reader.then(() => (done = true))
    const churn = async () => {
      while (!done) await nerdOk(['run', '--rm', '--network', net('n1'), IMG, 'true'])
    }
    await Promise.all([churn(), churn()])
    const result = await reader
    assert.equal(result.code, 0, result.stderr)
    const [reads, bad] = result.stdout.trim().split(' ').map(Number)
    assert.ok(reads! > 0, result.stdout)
    assert.equal(bad, 0, `${bad} of ${reads} reads saw the file without localhost or its own line, or with a line cut short`)
  })

  it('shares a container\'s network namespace, the host\'s, or none', async () => {
    const address = await addressOn('a', net('n1'))
    const joined = await nerdOk(['run', '--rm', '--network', 'container:a', IMG, 'sh', '-c', 'ip -4 -o addr show; hostname; cat /etc/hosts'])
    assert.match(joined, new RegExp(`inet ${address.replaceAll('.', '\\.')}/`))
    // Its hostname and /etc/hosts are a's.
    const hostname = (await inspectContainer('a')).Config.Hostname as string
    assert.match(joined, new RegExp(`^${hostname}$`, 'm'))
    assert.match(joined, new RegExp(`^${address.replaceAll('.', '\\.')}\t${hostname} a a\\.${net('n1')}$`, 'm'))

    const bridge = bridgeOf(await networkDocument(net('n1')))
    const hostLinks = await nerdOk(['run', '--rm', '--network', 'host', IMG, 'ip', '-o', 'link'])
    assert.match(hostLinks, new RegExp(`: ${bridge}:`))

    const none = await nerdOk(['run', '--rm', '--network', 'none', IMG, 'ip', '-o', 'link'])
    assert.deepEqual(none.trim().split('\n').map((line) => line.split(':')[1]!.trim()), ['lo'])
  })

  it('renames a container in its networks at once: the new name resolves, the old one no longer', async () => {
    await nerdOk(['run', '-d', '--name', 'oldname', '--network', net('n1'), IMG, 'sleep', '60'])
    await nerdOk(['rename', 'oldname', 'newname'])
    const ping = await nerd(['exec', 'a', 'ping', '-c1', '-W10', 'newname'])
    assert.equal(ping.code, 0, ping.stderr)
    assert.doesNotMatch(await liveHosts('a'), /\boldname\b/)
    const members = () => networkDocument(net('n1')).then((document) => Object.values(document.Containers as Record<string, {Name: string}>).map((member) => member.Name))
    assert.ok((await members()).includes('newname'))
    assert.ok(!(await members()).includes('oldname'))
    // The name stays the new one across a restart.
    await nerdOk(['restart', '-t', '0', 'newname'])
    assert.match(await liveHosts('a'), /\bnewname\b/)
    assert.doesNotMatch(await liveHosts('a'), /\boldname\b/)
    await nerdOk(['rm', '-f', 'newname'])
  })

  it('takes a stopped container\'s interface away from the --network container: joiners that keep its namespace', async () => {
    await nerdOk(['run', '-d', '--name', 'owner', '--network', net('n1'), IMG, 'sleep', '60'])
    await nerdOk(['run', '-d', '--name', 'joiner', '--network', 'container:owner', IMG, 'sleep', '60'])
    const links = async () => (await nerdOk(['exec', 'joiner', 'ip', '-o', 'link'])).trim().split('\n').map((line) => line.split(':')[1]!.trim().split('@')[0])
    assert.deepEqual(await links(), ['lo', 'eth0'])
    await nerdOk(['stop', '-t', '0', 'owner'])
    // Its address lease is given back, so the address must not stay live in the joiner.
    assert.deepEqual(await links(), ['lo'])
    await nerdOk(['rm', '-f', 'joiner', 'owner'])
  })

  it('network connect and disconnect of a container sharing another\'s network stack fail in docker\'s daemon\'s words, running or stopped', async () => {
    await nerdOk(['run', '-d', '--name', 'stack-owner', IMG, 'sleep', '60'])
    const sharer = (await nerdOk(['run', '-d', '--name', 'stack-sharer', '--network', 'container:stack-owner', IMG, 'sleep', '60'])).trim()
    const connected = await nerd(['network', 'connect', 'bridge', 'stack-sharer'])
    assert.deepEqual([connected.code, connected.stderr], [1, 'Error: container sharing network namespace with another container or host cannot be connected to any other network\n'])
    // It is on no network of its own: docker's daemon finds no endpoint of it, or (stopped) no network recorded.
    for (const [state, article] of [['running', ''], ['stopped', 'the ']]) {
      const disconnected = await nerd(['network', 'disconnect', 'bridge', 'stack-sharer'])
      assert.deepEqual([disconnected.code, disconnected.stderr], [1, `Error: container ${sharer} is not connected to ${article}network bridge\n`], state)
      await nerdOk(['stop', '-t', '0', 'stack-sharer'])
    }
    await nerdOk(['rm', '-f', 'stack-sharer', 'stack-owner'])
  })

  it('a stopped container leaves a network removed since with network disconnect, as docker\'s daemon drops the entry by name; the host network in docker\'s words', async () => {
    await nerdOk(['network', 'create', net('gone')])
    await nerdOk(['network', 'create', net('kept')])
    const id = (await nerdOk(['create', '--name', 'left-behind', '--network', net('gone'), IMG, 'sleep', '60'])).trim()
    try {
      await nerdOk(['network', 'connect', net('kept'), 'left-behind'])
      await nerdOk(['network', 'rm', net('gone')])
      const start = await nerd(['start', 'left-behind'])
      assert.deepEqual([start.code, start.stderr], [1, `Error: network ${net('gone')} not found\nError: failed to start containers: left-behind\n`])
      await nerdOk(['network', 'disconnect', net('gone'), 'left-behind'])
      const again = await nerd(['network', 'disconnect', '-f', net('gone'), 'left-behind'])
      assert.deepEqual([again.code, again.stderr], [1, `Error: container ${id} is not connected to the network ${net('gone')}\n`])
      await nerdOk(['start', 'left-behind'])
      assert.deepEqual(Object.keys((await inspectContainer('left-behind')).NetworkSettings.Networks), [net('kept')])

      for (const [state, article] of [['running', ''], ['stopped', 'the ']]) {
        const connected = await nerd(['network', 'connect', 'host', 'left-behind'])
        assert.deepEqual([connected.code, connected.stderr], [1, 'Error: cannot connect container to host network - container must be created in host network mode\n'], state)
        for (const builtin of ['host', 'none']) {
          const disconnected = await nerd(['network', 'disconnect', builtin, 'left-behind'])
          assert.deepEqual([disconnected.code, disconnected.stderr], [1, `Error: container ${id} is not connected to ${article}network ${builtin}\n`], state)
        }
        await nerdOk(['stop', '-t', '0', 'left-behind'])
      }
      await nerdOk(['run', '-d', '--name', 'on-host', '--network', 'host', IMG, 'sleep', '60'])
      const fromHost = await nerd(['network', 'disconnect', 'host', 'on-host'])
      assert.deepEqual([fromHost.code, fromHost.stderr], [1, 'Error: cannot disconnect container from host network - container was created in host network mode\n'])
    } finally {
      await nerd(['rm', '-f', 'left-behind', 'on-host'])
      await nerd(['network', 'rm', net('gone'), net('kept')])
    }
  })

  it('leaves no veth, lease or iptables rule behind after 20 runs removed with rm -f', async () => {
    await nerdOk(['network', 'create', '--subnet', '10.4.220.0/24', net('n20')])
    const network = await networkDocument(net('n20'))
    const stateDir = join(fileDataRoot(), 'networks', network.Id as string)
    // A first container makes the chains every later one shares.
    await nerdOk(['rm', '-f', (await nerdOk(['run', '-d', '--network', net('n20'), '-p', '127.0.0.1::80', IMG, 'sleep', '60'])).trim()])
    const start = await footprint(network, stateDir)
    const ids: string[] = []
    for (let index = 0; index < 20; index++) ids.push((await nerdOk(['run', '-d', '--network', net('n20'), '-p', '127.0.0.1::80', IMG, 'sleep', '60'])).trim())
    const busy = await footprint(network, stateDir)
    assert.equal(busy.veths, start.veths + 20)
    assert.equal(busy.leases, start.leases + 20)
    assert.ok(busy.natRules > start.natRules, JSON.stringify({start, busy}))
    for (const id of ids) await nerdOk(['rm', '-f', id])
    assert.deepEqual(await footprint(network, stateDir), start)
  })

  it('a run killed while its network is attached leaves nothing once the container is removed: address, published port, rules', async () => {
    await nerdOk(['network', 'create', '--subnet', '10.4.221.0/24', net('cut')])
    const network = await networkDocument(net('cut'))
    const stateDir = join(fileDataRoot(), 'networks', network.Id as string)
    await nerdOk(['rm', '-f', (await nerdOk(['run', '-d', '--network', net('cut'), '-p', '127.0.0.1::80', IMG, 'true'])).trim()])
    const start = await footprint(network, stateDir)
    const leases = () => readdirSync(join(stateDir, 'ipam', network.Name)).filter((file) => /^\d+\.\d+\.\d+\.\d+$/.test(file)).length
    const child = spawn(process.execPath, ['--', nerdEntry, ...nerdGlobals(), 'run', '-d', '--name', 'cut-short', '--network', net('cut'), '-p', '127.0.0.1::80', IMG, 'sleep', '60'], {stdio: 'ignore'})
    // Killed once the address is taken, before its hook records the attachment: nerd's death cancels the task's creation.
    const deadline = Date.now() + 20_000
    while (leases() === start.leases && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2))
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    await nerd(['rm', '-f', 'cut-short'])
    assert.deepEqual(await footprint(network, stateDir), start)
    await nerdOk(['network', 'rm', net('cut')])
  })

  it('gives 10 concurrent runs 10 distinct addresses; a stopped container gives its address back', async () => {
    await nerdOk(['network', 'create', net('n10')])
    const ids = await Promise.all(Array.from({length: 10}, () => nerdOk(['run', '-d', '--network', net('n10'), IMG, 'sleep', '60']).then((out) => out.trim())))
    const addresses = await Promise.all(ids.map((id) => addressOn(id, net('n10'))))
    assert.equal(new Set(addresses).size, 10, addresses.join(' '))
    for (const address of addresses) assert.match(address, /^10\.4\.\d+\.\d+$/)
    assert.equal(Object.keys((await networkDocument(net('n10'))).Containers).length, 10)

    const [first] = ids
    await nerdOk(['stop', '-t', '0', first!])
    assert.equal(await addressOn(first!, net('n10')), '')
    assert.equal(Object.keys((await networkDocument(net('n10'))).Containers).length, 9)
    await nerdOk(['start', first!])
    assert.match(await addressOn(first!, net('n10')), /^10\.4\.\d+\.\d+$/)
    assert.equal(Object.keys((await networkDocument(net('n10'))).Containers).length, 10)

    // A container that is killed, or whose process ends on its own, gives its address back too.
    const members = async () => Object.keys((await networkDocument(net('n10'))).Containers).length
    await nerdOk(['kill', ids[1]!])
    await until('the killed container to leave the network', async () => ((await members()) === 9 ? true : undefined), 15_000)
    const exiting = (await nerdOk(['run', '-d', '--network', net('n10'), '--mac-address', '02:42:0a:04:00:99', IMG, 'sh', '-c', 'ip link show eth0; sleep 1; exit 3'])).trim()
    await until('the exited container to leave the network', async () => ((await members()) === 9 ? true : undefined), 15_000)
    assert.match(await nerdOk(['logs', exiting]), /link\/ether 02:42:0a:04:00:99/)
    assert.equal((await inspectContainer(exiting)).State.ExitCode, 3)
    await nerdOk(['rm', exiting])

    const inUse = await nerd(['network', 'rm', net('n10')])
    assert.equal(inUse.code, 1)
    const endpoints = await networkDocument(net('n10')).then((document) => Object.values(document.Containers as Record<string, {Name: string; EndpointID: string}>))
    const listed = endpoints.sort((a, b) => (a.Name < b.Name ? -1 : 1)).map((endpoint) => `name:"${endpoint.Name}" id:"${endpoint.EndpointID.slice(0, 12)}"`)
    assert.equal(inUse.stderr, `Error: error while removing network: network ${net('n10')} has active endpoints (${listed.join(', ')})\n`)
    await nerdOk(['rm', '-f', ...ids])
  })

  it("a network whose CNI DEL fails keeps none of the container's others, nor their default route: they are detached all the same", async () => {
    await nerdOk(['network', 'create', net('dfa')])
    await nerdOk(['network', 'create', net('dfb')])
    const failing = await networkDocument(net('dfa'))
    const gateway = (await networkDocument(net('dfb'))).IPAM.Config[0].Gateway as string
    const leases = join(fileDataRoot(), 'networks', failing.Id as string, 'ipam', failing.Name as string)
    for (const name of ['delfail', 'delfail-route']) await nerdOk(['run', '-d', '--name', name, '--network', net('dfa'), '--network', net('dfb'), IMG, 'sleep', '60'])
    // host-local's DEL on the first network cannot open its leases: a file where their directory was.
    await rename(leases, `${leases}.kept`)
    await writeFile(leases, '')
    try {
      const disconnected = await nerd(['network', 'disconnect', net('dfa'), 'delfail-route'])
      assert.equal(disconnected.code, 1, disconnected.stderr)
      assert.equal(await nerdOk(['exec', 'delfail-route', 'ip', '-4', 'route', 'show', 'default']), `default via ${gateway} dev eth1 \n`)
      await nerd(['stop', '-t', '0', 'delfail'])
      assert.equal(await addressOn('delfail', net('dfb')), '')
      assert.deepEqual(Object.values((await networkDocument(net('dfb'))).Containers as Record<string, {Name: string}>).map((member) => member.Name), ['delfail-route'])
    } finally {
      await rm(leases, {force: true})
      await rename(`${leases}.kept`, leases)
    }
    // The failed DEL is tried again by the next start, whose ADD would otherwise find the address still taken.
    await nerdOk(['start', 'delfail'])
    assert.notEqual(await addressOn('delfail', net('dfa')), '')
    await nerdOk(['rm', '-f', 'delfail', 'delfail-route'])
    for (const name of ['dfa', 'dfb']) await nerdOk(['network', 'rm', net(name)])
  })

  it('a run on one network is not held up by another network\'s operations; a wait for a network\'s lock that times out fails in one line', async () => {
    await nerdOk(['network', 'create', net('lka')])
    await nerdOk(['network', 'create', net('lkb')])
    const idA = (await nerdOk(['network', 'inspect', '-f', '{{.Id}}', net('lka')])).trim()
    // Network A's lock for longer than a wait lasts, and the lock of all networks for a while.
    const held = [join(testEnvironment.netconf, `.nerd-network-${idA}.lock`), join(testEnvironment.netconf, '.nerd-networks.lock')]
    const locks = await holdLocks(held)
    // Long enough for a run on a loaded machine; the run on network A waits 20 s for its lock.
    const allHeldUntil = Date.now() + 12_000
    try {
      const onA = nerd(['run', '-d', '--name', 'lock-a', '--network', net('lka'), IMG, 'sleep', '60'])
      const onB = await nerd(['run', '-d', '--name', 'lock-b', '--network', net('lkb'), IMG, 'sleep', '60'])
      assert.equal(onB.code, 0, onB.stderr)
      assert.ok(Date.now() < allHeldUntil, 'the run on network B waited for the locks')
      await delay(allHeldUntil - Date.now())
      await locks.release(held[1]!)
      const failed = await onA
      assert.notEqual(failed.code, 0)
      assert.match(failed.stderr, new RegExp(`timed out after 20 s waiting for the lock of network ${net('lka')}: another nerd command holds it`))
      assert.doesNotMatch(failed.stderr, /Lock file is already being held/)
    } finally {
      await locks.releaseAll()
      await nerd(['rm', '-f', 'lock-a', 'lock-b'])
      await nerd(['network', 'rm', net('lka'), net('lkb')])
    }
  })

  it('connects and disconnects a running container, with an alias and a fixed address', async () => {
    await nerdOk(['network', 'create', '--subnet', '10.4.230.0/24', net('fixed')])
    await nerdOk(['run', '-d', '--name', 'roamer', '--expose', '90', IMG, 'sleep', '60'])
    const outside = await nerd(['run', '--rm', '--network', net('fixed'), '--ip', '10.9.9.9', IMG, 'true'])
    assert.equal(outside.code, 125, outside.stderr)
    assert.equal(outside.stderr, `Error: invalid config for network ${net('fixed')}: invalid endpoint settings: no configured subnet or ip-range contain the IP address 10.9.9.9\n`)
    await nerdOk(['network', 'connect', '--alias', 'wanderer', '--ip', '10.4.230.77', net('fixed'), 'roamer'])
    assert.match(await nerdOk(['exec', 'roamer', 'ip', '-4', '-o', 'addr']), /inet 10\.4\.230\.77\/24/)
    assert.equal(await nerdOk(['ps', '--filter', `network=${net('fixed')}`, '--filter', 'name=roamer', '--format', '{{.Names}} {{.Networks}}']), `roamer bridge,${net('fixed')}\n`)
    // inspect as docker's: IPAMConfig's empty fields left out, DNSNames, one 64-hex EndpointID per endpoint.
    const roamer = await inspectContainer('roamer')
    const endpoint = roamer.NetworkSettings.Networks[net('fixed')]
    assert.deepEqual(endpoint.IPAMConfig, {IPv4Address: '10.4.230.77'})
    assert.deepEqual(endpoint.DNSNames, ['roamer', 'wanderer', (roamer.Id as string).slice(0, 12)])
    assert.equal(roamer.NetworkSettings.Networks.bridge.DNSNames, null)
    assert.match(endpoint.EndpointID, /^[0-9a-f]{64}$/)
    assert.notEqual(endpoint.EndpointID, roamer.NetworkSettings.Networks.bridge.EndpointID)
    assert.equal((await networkDocument(net('fixed'))).Containers[roamer.Id].EndpointID, endpoint.EndpointID)
    await nerdOk(['run', '-d', '--name', 'peer', '--network', net('fixed'), ...LOCAL_DNS, IMG, 'sleep', '60'])
    const ping = await nerd(['exec', 'peer', 'ping', '-c1', '-W10', 'wanderer'])
    assert.equal(ping.code, 0, ping.stderr)
    for (const [option, message] of [
      [['--ip', '10.4.0.77'], 'invalid endpoint settings: user specified IP address is supported on user defined networks only'],
      [['--alias', 'x'], 'invalid endpoint settings: network-scoped alias is supported only for containers in user defined networks'],
    ] as const) {
      const onBridge = await nerd(['network', 'connect', ...option, 'bridge', 'peer'])
      assert.equal(onBridge.code, 1)
      assert.equal(onBridge.stderr, `Error: ${message}\n`)
    }
    const again = await nerd(['network', 'connect', net('fixed'), 'roamer'])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /already exists in network/)

    // Its exposed port is the endpoint's that has its ports (the bridge's), and moves to the network
    // left when that one goes, as its published ports do; with no network left, none.
    const roamerPorts = () => nerdOk(['ps', '--filter', 'name=roamer', '--format', '{{.Ports}}'])
    assert.equal(await roamerPorts(), '90/tcp\n')
    await nerdOk(['network', 'disconnect', 'bridge', 'roamer'])
    assert.equal(await roamerPorts(), '90/tcp\n')
    await nerdOk(['network', 'disconnect', net('fixed'), 'roamer'])
    assert.equal(await roamerPorts(), '\n')
    assert.deepEqual((await inspectContainer('roamer')).NetworkSettings.Ports, {})
    assert.doesNotMatch(await nerdOk(['exec', 'roamer', 'ip', '-4', '-o', 'addr']), /10\.4\.230\./)
    assert.doesNotMatch(await liveHosts('peer'), /wanderer/)
    const notConnected = await nerd(['network', 'disconnect', net('fixed'), 'roamer'])
    assert.equal(notConnected.code, 1)
    assert.match(notConnected.stderr, /is not connected to network/)
  })

  it('network connect checks --ip against the network as docker\'s daemon does, running or stopped; a stopped container connected again stays as it is', async () => {
    await nerdOk(['network', 'create', '--subnet', '10.4.231.0/24', net('checked')])
    await nerdOk(['network', 'create', net('picked')])
    await nerdOk(['run', '-d', '--name', 'ip-running', IMG, 'sleep', '60'])
    await nerdOk(['create', '--name', 'ip-stopped', IMG, 'true'])
    try {
      for (const container of ['ip-running', 'ip-stopped']) {
        for (const [options, network, problem] of [
          [['--ip', '10.9.9.9'], net('checked'), 'no configured subnet or ip-range contain the IP address 10.9.9.9'],
          [['--ip', 'bogus'], net('checked'), 'invalid IPv4 address: bogus; no configured subnet or ip-range contain the IP address bogus'],
          [['--ip', '10.4.0.9'], net('picked'), 'user specified IP address is supported only when connecting to networks with user configured subnets'],
        ] as const) {
          const refused = await nerd(['network', 'connect', ...options, network, container])
          assert.deepEqual([refused.code, refused.stderr], [1, `Error: invalid endpoint settings: ${problem}\n`], container)
        }
        assert.deepEqual(Object.keys((await inspectContainer(container)).NetworkSettings.Networks), ['bridge'], container)
      }
      const run = await nerd(['run', '--rm', '--network', net('picked'), '--ip', '10.4.0.9', IMG, 'true'])
      assert.deepEqual([run.code, run.stderr], [125, `Error: invalid config for network ${net('picked')}: invalid endpoint settings: user specified IP address is supported only when connecting to networks with user configured subnets\n`])

      // Connected again while stopped: docker keeps the entry it has and says nothing.
      await nerdOk(['network', 'connect', '--ip', '10.4.231.8', net('checked'), 'ip-stopped'])
      await nerdOk(['network', 'connect', '--alias', 'other', net('checked'), 'ip-stopped'])
      const endpoint = (await inspectContainer('ip-stopped')).NetworkSettings.Networks[net('checked')]
      assert.deepEqual([endpoint.IPAMConfig, endpoint.Aliases], [{IPv4Address: '10.4.231.8'}, null])
    } finally {
      await nerd(['rm', '-f', 'ip-running', 'ip-stopped'])
      await nerd(['network', 'rm', net('checked'), net('picked')])
    }
  })

  it('inspect shows a user network\'s endpoint as docker 28: its field order, GwPriority, DNSNames with the hostname, --link as typed, the MAC asked for, NetworkID once started', async () => {
    await nerdOk(['network', 'create', net('shown')])
    const networkId = (await networkDocument(net('shown'))).Id as string
    try {
      await nerdOk(['run', '-d', '--name', 'shown-peer', '--network', net('shown'), IMG, 'sleep', '60'])
      const id = (await nerdOk(['create', '--name', 'shown', '--hostname', 'shown-host', '--network', net('shown'), '--network-alias', 'al', '--link', 'shown-peer:lnk', '--mac-address', '02:42:ac:11:00:19', IMG, 'sleep', '60'])).trim()
      const endpoint = async () => ((await inspectContainer('shown')).NetworkSettings.Networks as Record<string, Record<string, unknown>>)[net('shown')]!
      const created = await endpoint()
      assert.deepEqual(Object.keys(created), [
        'IPAMConfig', 'Links', 'Aliases', 'MacAddress', 'DriverOpts', 'GwPriority', 'NetworkID', 'EndpointID', 'Gateway', 'IPAddress', 'IPPrefixLen',
        'IPv6Gateway', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'DNSNames',
      ])
      assert.deepEqual([created.Links, created.MacAddress, created.GwPriority, created.NetworkID, created.DNSNames], [['shown-peer:lnk'], '02:42:ac:11:00:19', 0, '', ['shown', 'al', id.slice(0, 12), 'shown-host']])
      assert.equal((await inspectContainer('shown')).Config.MacAddress, '02:42:ac:11:00:19')
      await nerdOk(['start', 'shown'])
      assert.deepEqual([(await endpoint()).NetworkID, (await endpoint()).MacAddress], [networkId, '02:42:ac:11:00:19'])
      await nerdOk(['stop', '-t', '0', 'shown'])
      assert.equal((await endpoint()).NetworkID, networkId)
      assert.equal(await nerdOk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net('shown')}").GwPriority}}`, 'shown']), '0\n')
    } finally {
      await nerd(['rm', '-f', 'shown', 'shown-peer'])
      await nerd(['network', 'rm', net('shown')])
    }
  })

  it('takes an --ip outside the network\'s --ip-range but inside its subnet; picks addresses in the range; refuses the subnet\'s gateway, network and broadcast addresses as docker\'s IPAM', async () => {
    await nerdOk(['network', 'create', '--subnet', '10.4.236.0/24', '--ip-range', '10.4.236.128/25', net('ranged')])
    await nerdOk(['run', '-d', '--name', 'static', '--network', net('ranged'), '--ip', '10.4.236.9', IMG, 'sleep', '60'])
    assert.equal(await addressOn('static', net('ranged')), '10.4.236.9')
    const picked = /inet 10\.4\.236\.(\d+)\/24/.exec(await nerdOk(['run', '--rm', '--network', net('ranged'), IMG, 'ip', '-4', '-o', 'addr', 'show', 'eth0']))
    assert.ok(picked && Number(picked[1]) >= 128, `picked ${picked?.[0]} outside 10.4.236.128/25`)
    const taken = await nerd(['run', '--rm', '--network', net('ranged'), '--ip', '10.4.236.9', IMG, 'true'])
    assert.equal(taken.code, 125, taken.stderr)
    assert.equal(taken.stderr, 'Error: failed to set up container networking: Address already in use\n')
    // The subnet's gateway, network and broadcast addresses are IPAM's own, in use as docker's: refused before CNI, at run and connect.
    // docker prefixes IPAM's words at a start only (daemon/start_linux.go), not at a connect.
    await nerdOk(['run', '-d', '--name', 'elsewhere', IMG, 'sleep', '60'])
    for (const address of ['10.4.236.1', '10.4.236.0', '10.4.236.255']) {
      const reserved = await nerd(['run', '--rm', '--network', net('ranged'), '--ip', address, IMG, 'true'])
      assert.deepEqual([reserved.code, reserved.stderr], [125, 'Error: failed to set up container networking: Address already in use\n'], address)
      const connected = await nerd(['network', 'connect', '--ip', address, net('ranged'), 'elsewhere'])
      assert.deepEqual([connected.code, connected.stderr], [1, 'Error: Address already in use\n'], address)
    }
    const connectedTaken = await nerd(['network', 'connect', '--ip', '10.4.236.9', net('ranged'), 'elsewhere'])
    assert.deepEqual([connectedTaken.code, connectedTaken.stderr], [1, 'Error: Address already in use\n'])
    assert.deepEqual(Object.keys(JSON.parse(await nerdOk(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'elsewhere']))), ['bridge'])
    await nerdOk(['rm', '-f', 'static'])
    await nerdOk(['network', 'rm', net('ranged')])

    // A pool with no address left, and connect of a container that has no network of its own, in docker's words.
    await nerdOk(['network', 'create', '--subnet', '10.4.227.0/30', net('full')])
    const fullId = (await networkDocument(net('full'))).Id as string
    await nerdOk(['run', '-d', '--name', 'filler', '--network', net('full'), IMG, 'sleep', '60'])
    const full = await nerd(['run', '--rm', '--network', net('full'), IMG, 'true'])
    assert.deepEqual([full.code, full.stderr], [125, `Error: failed to set up container networking: no available IPv4 addresses on this network's address pools: ${net('full')} (${fullId})\n`])
    const connectedFull = await nerd(['network', 'connect', net('full'), 'elsewhere'])
    assert.deepEqual([connectedFull.code, connectedFull.stderr], [1, `Error: no available IPv4 addresses on this network's address pools: ${net('full')} (${fullId})\n`])
    await nerdOk(['rm', '-f', 'filler', 'elsewhere'])
    await nerdOk(['network', 'rm', net('full')])
    for (const [mode, message] of [
      ['host', 'container sharing network namespace with another container or host cannot be connected to any other network'],
      ['none', 'container cannot be connected to multiple networks with one of the networks in private (none) mode'],
    ]) {
      await nerdOk(['run', '-d', '--name', `on-${mode}`, '--network', mode!, IMG, 'sleep', '60'])
      const connected = await nerd(['network', 'connect', net('n1'), `on-${mode}`])
      assert.deepEqual([connected.code, connected.stderr], [1, `Error: ${message}\n`])
      await nerdOk(['rm', '-f', `on-${mode}`])
    }
    const toNone = await nerd(['network', 'connect', 'none', 'roamer'])
    assert.deepEqual([toNone.code, toNone.stderr], [1, 'Error: container cannot be connected to multiple networks with one of the networks in private (none) mode\n'])
  })

  it('joins several networks at once, one interface each, in the order given; top-level addresses only for the default bridge', async () => {
    const addresses = await nerdOk(['run', '--rm', '--network', net('n1'), '--net', net('fixed'), IMG, 'ip', '-4', '-o', 'addr'])
    const byInterface = Object.fromEntries(addresses.trim().split('\n').map((line) => line.split(/\s+/)).map((fields) => [fields[1], fields[3]]))
    assert.match(byInterface.eth0 ?? '', /^10\.4\.\d+\.\d+\/24$/)
    assert.match(byInterface.eth1 ?? '', /^10\.4\.230\.\d+\/24$/)
    // One default route, the first network's, as docker's sandbox has one gateway; it moves to the
    // network left when that one is disconnected.
    await nerdOk(['run', '-d', '--name', 'two-nets', '--network', net('n1'), '--net', net('fixed'), IMG, 'sleep', '60'])
    const defaultRoute = () => nerdOk(['exec', 'two-nets', 'ip', '-4', 'route', 'show', 'default'])
    assert.match(await defaultRoute(), /^default via 10\.4\.\d+\.1 dev eth0 *\n$/)
    await nerdOk(['network', 'disconnect', net('n1'), 'two-nets'])
    assert.match(await defaultRoute(), /^default via 10\.4\.230\.1 dev eth1 *\n$/)
    await nerdOk(['rm', '-f', 'two-nets'])
    // The published ports move with the default route, as docker's external connectivity moves to
    // the new gateway endpoint; they go with the container.
    const port = await publishablePort()
    await nerdOk(['run', '-d', '--name', 'two-ported', '--network', net('n1'), '--net', net('fixed'), '-p', `127.0.0.1:${port}:80`, '-v', `${workDir}:/www`, IMG, 'httpd', '-f', '-p', '80', '-h', '/www'])
    assert.equal(await publishedPage('the published page', port), 'hello from nerd\n')
    await nerdOk(['network', 'disconnect', net('n1'), 'two-ported'])
    assert.equal(await nerdOk(['port', 'two-ported']), `80/tcp -> 127.0.0.1:${port}\n`)
    assert.equal(await publishedPage('the page through the network left', port), 'hello from nerd\n')
    await nerdOk(['rm', '-f', 'two-ported'])
    assert.equal((await sh(`iptables -w -t nat -S | grep -c -- 'dport ${port} ' || true`)).trim(), '0')
    // docker fills the deprecated top-level addresses for the default bridge only.
    await nerdOk(['run', '-d', '--name', 'user-only', '--network', net('n1'), IMG, 'sleep', '60'])
    const settings = (await inspectContainer('user-only')).NetworkSettings
    assert.match(settings.Networks[net('n1')].IPAddress, /^10\.4\.\d+\.\d+$/)
    assert.deepEqual([settings.IPAddress, settings.IPPrefixLen, settings.Gateway, settings.MacAddress], ['', 0, '', ''])
    await nerdOk(['rm', '-f', 'user-only'])
  })

  it('gives a container on an --ipv6 network an IPv6 address as well, and a fixed one with --ip6', async () => {
    await nerdOk(['network', 'create', '--ipv6', '--subnet', 'fd00:4:e2e::/64', net('v6')])
    const document = await networkDocument(net('v6'))
    assert.equal(document.EnableIPv6, true)
    // The bridge's IPv6 gateway is usable at once, as docker's (added without DAD): a host process binds it.
    assert.match(await sh(`ip -6 -o addr show dev ${bridgeOf(document)}`), /inet6 fd00:4:e2e::1\/64 scope global (?!.*tentative)/)
    const onGateway = createServer()
    await new Promise<void>((resolve, reject) => {
      onGateway.once('error', reject)
      onGateway.listen(0, 'fd00:4:e2e::1', resolve)
    })
    await new Promise((resolve) => onGateway.close(resolve))
    assert.deepEqual((document.IPAM.Config as {Subnet: string}[]).map((range) => range.Subnet).sort(), [ipv4Subnet(document), 'fd00:4:e2e::/64'].sort())
    await nerdOk(['run', '-d', '--name', 'six', '--network', net('v6'), '--ip6', 'fd00:4:e2e::66', IMG, 'sleep', '60'])
    const settings = (await inspectContainer('six')).NetworkSettings.Networks[net('v6')]
    assert.equal(settings.GlobalIPv6Address, 'fd00:4:e2e::66')
    assert.equal(settings.GlobalIPv6PrefixLen, 64)
    assert.match(settings.IPAddress, /^10\.4\.\d+\.\d+$/)
    assert.match(await nerdOk(['exec', 'six', 'ip', '-6', '-o', 'addr', 'show', 'eth0']), /inet6 fd00:4:e2e::66\/64/)
    await nerdOk(['rm', '-f', 'six'])
  })

  it("gives an --ipv6 network given no IPv6 subnet the lowest free /64 of the ULA /48 derived from the data root's engine-id, as docker 28 its own; --ip6 is refused there", async () => {
    await nerdOk(['network', 'create', '--ipv6', net('ula1')])
    await nerdOk(['network', 'create', '--ipv6', '--subnet', '10.187.3.0/24', net('ula2')])
    const engineId = await readFile(join(fileDataRoot(), 'engine-id'), 'utf8')
    assert.match(engineId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const {base} = ulaBaseNetwork(engineId)
    const slash64 = (index: bigint) => `${formatAddress(6, base.network + (index << 64n))}/64`
    const configs = async (name: string) => (await networkDocument(name)).IPAM.Config as {Subnet: string; Gateway: string}[]
    const first = await configs(net('ula1'))
    assert.deepEqual(first[1], {Subnet: slash64(0n), Gateway: formatAddress(6, base.network + 1n)})
    assert.match(first[0]!.Subnet, /^10\.4\.\d+\.0\/24$/)
    assert.deepEqual((await configs(net('ula2'))).map((config) => config.Subnet), ['10.187.3.0/24', slash64(1n)])
    // A /64 given back is the lowest free again; the ID stays.
    await nerdOk(['network', 'rm', net('ula1')])
    await nerdOk(['network', 'create', '--ipv6', '--subnet', '10.187.4.0/24', net('ula3')])
    assert.equal((await configs(net('ula3')))[1]!.Subnet, slash64(0n))
    assert.equal(await readFile(join(fileDataRoot(), 'engine-id'), 'utf8'), engineId)
    await nerdOk(['run', '-d', '--name', 'ula-member', '--network', net('ula3'), IMG, 'sleep', '60'])
    const endpoint = (await inspectContainer('ula-member')).NetworkSettings.Networks[net('ula3')]
    assert.ok((endpoint.GlobalIPv6Address as string).startsWith(formatAddress(6, base.network).replace(/::$/, ':')), endpoint.GlobalIPv6Address)
    assert.match(await nerdOk(['exec', 'ula-member', 'ip', '-6', '-o', 'addr', 'show', 'eth0']), new RegExp(`inet6 ${endpoint.GlobalIPv6Address}/64 `))
    await nerdOk(['rm', '-f', 'ula-member'])
    // docker's IsStatic: no --ip6 on a subnet the IPAM picked.
    const fixed = await nerd(['run', '--rm', '--network', net('ula3'), '--ip6', formatAddress(6, base.network + 9n), IMG, 'true'])
    assert.deepEqual([fixed.code, fixed.stderr], [125, `Error: invalid config for network ${net('ula3')}: invalid endpoint settings: user specified IP address is supported only when connecting to networks with user configured subnets\n`])
    // The default bridge stays without IPv6.
    assert.deepEqual([(await networkDocument('bridge')).EnableIPv6, (await configs('bridge')).map((config) => config.Subnet)], [false, ['10.4.0.0/24']])
    await nerdOk(['network', 'rm', net('ula2'), net('ula3')])
  })

  it('writes /etc/hostname again at every start, as docker: what the container wrote there goes', async () => {
    await nerdOk(['network', 'create', '--subnet', '10.187.6.0/24', net('hn')])
    for (const [name, network] of [['hn-user', net('hn')], ['hn-none', 'none'], ['hn-host', 'host']] as const) {
      await nerdOk(['run', '-d', '--name', name, '--network', network, ...(network === 'host' ? ['--hostname', 'hn-host.example'] : []), IMG, 'sleep', '600'])
      const hostname = (await inspectContainer(name)).Config.Hostname as string
      await nerdOk(['exec', name, 'sh', '-c', 'echo edited > /etc/hostname'])
      await nerdOk(['restart', '-t', '0', name])
      assert.equal(await nerdOk(['exec', name, 'cat', '/etc/hostname']), `${hostname}\n`, network)
      await nerdOk(['rm', '-f', name])
    }
    await nerdOk(['network', 'rm', net('hn')])
  })

  it("writes no IPv6 line into /etc/hosts of a container whose loopback has no IPv6, as docker's BuildNoIPv6, and keeps them out as peers come", async () => {
    const sysctl = ['--sysctl', 'net.ipv6.conf.all.disable_ipv6=1']
    const addHosts = ['--add-host', 'v6:fd00:187::1', '--add-host', 'v4:10.187.9.7']
    const [file, seen] = (await nerdOk(['run', '--rm', ...sysctl, ...addHosts, IMG, 'sh', '-c', 'cat /etc/hosts; echo ---; hostname; ip -4 -o addr show eth0'])).split('---\n') as [string, string]
    const [, hostname, address] = /^(\S+)\n.* inet (\S+)\//s.exec(seen)!
    assert.equal(file, `127.0.0.1\tlocalhost\n10.187.9.7\tv4\n${address}\t${hostname}\n`)
    assert.equal(await nerdOk(['run', '--rm', '--network', 'none', ...sysctl, ...addHosts, IMG, 'cat', '/etc/hosts']), '127.0.0.1\tlocalhost\n10.187.9.7\tv4\n')
    // With IPv6 on, docker's whole file.
    assert.equal(
      await nerdOk(['run', '--rm', '--network', 'none', ...addHosts, IMG, 'cat', '/etc/hosts']),
      '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::\tip6-localnet\nff00::\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\nfd00:187::1\tv6\n10.187.9.7\tv4\n',
    )
    // On a user network a peer's coming rewrites the lines that changed: no IPv6 line comes with it.
    await nerdOk(['network', 'create', '--subnet', '10.187.5.0/24', net('nov6')])
    await nerdOk(['run', '-d', '--name', 'no-v6', '--network', net('nov6'), ...sysctl, ...addHosts, IMG, 'sleep', '60'])
    await nerdOk(['run', '-d', '--name', 'v6-peer', '--network', net('nov6'), IMG, 'sleep', '60'])
    const live = await liveHosts('no-v6')
    assert.match(live, /\tv6-peer /)
    assert.doesNotMatch(live, /:/)
    await nerdOk(['rm', '-f', 'no-v6', 'v6-peer'])
    await nerdOk(['network', 'rm', net('nov6')])
  })

  it('keeps an --internal network to itself: no default route, no masquerading', async () => {
    await nerdOk(['network', 'create', '--internal', net('inside')])
    const document = await networkDocument(net('inside'))
    assert.equal(document.Internal, true)
    const routes = await nerdOk(['run', '--rm', '--network', net('inside'), IMG, 'ip', 'route'])
    assert.doesNotMatch(routes, /^default/m)
    assert.match(routes, /dev eth0/)
    const comment = `nerd network ${(document.Id as string).slice(0, 12)}`
    assert.equal((await sh(`iptables -w -t nat -S | grep -c -- '${comment}' || true`)).trim(), '0')
    assert.ok(Number((await sh(`iptables -w -S | grep -c -- '${comment}' || true`)).trim()) >= 2)

    // The bridge holds the gateway, so the host reaches the containers (docker >= 25.0.4); a port
    // published there is not set up, as docker's: no mapping, no DNAT, the host port free for others.
    const port = await publishablePort()
    await nerdOk(['run', '-d', '--name', 'internal-web', '--network', net('inside'), '-p', `127.0.0.1:${port}:80`, '--expose', '90', '-v', `${workDir}:/www`, IMG, 'httpd', '-f', '-p', '80', '-h', '/www'])
    const gateway = (document.IPAM.Config as {Gateway: string}[])[0]!.Gateway
    assert.match(await sh(`ip -4 -o addr show ${bridgeOf(document)}`), new RegExp(`inet ${gateway.replaceAll('.', '\\.')}/`))
    const address = await addressOn('internal-web', net('inside'))
    assert.equal(await until('the page from the host', () => httpGet(`http://${address}/`), 15_000), 'hello from nerd\n')
    assert.equal(await nerdOk(['port', 'internal-web']), '')
    // No endpoint has ports, exposed or published: ps and inspect show none, as docker's.
    assert.equal(await nerdOk(['ps', '--filter', 'name=internal-web', '--format', '{{.Ports}}']), '\n')
    assert.deepEqual((await inspectContainer('internal-web')).NetworkSettings.Ports, {})
    assert.deepEqual((await inspectContainer('internal-web')).HostConfig.PortBindings, {'80/tcp': [{HostIp: '127.0.0.1', HostPort: String(port)}]})
    assert.equal((await sh(`iptables -w -t nat -S | grep -c -- 'dport ${port} ' || true`)).trim(), '0')
    await nerdOk(['run', '-d', '--name', 'takes-port', '-p', `127.0.0.1:${port}:80`, IMG, 'sleep', '60'])
    await nerdOk(['rm', '-f', 'internal-web', 'takes-port'])
    await nerdOk(['network', 'rm', net('inside')])
    assert.equal((await sh(`iptables -w -S | grep -c -- '${comment}' || true`)).trim(), '0')
  })

  it('writes --add-host and --dns into the container, host-gateway as the default bridge\'s gateway, on the host\'s network too', async () => {
    const hosts = await nerdOk(['run', '--rm', '--add-host', 'extra:10.9.8.7', '--add-host', 'gw:host-gateway', '--dns', '10.0.0.53', '--dns-search', 'example.test', IMG, 'sh', '-c', 'cat /etc/hosts /etc/resolv.conf'])
    assert.match(hosts, /^10\.9\.8\.7\textra$/m)
    assert.match(hosts, /^10\.4\.0\.1\tgw$/m)
    assert.match(hosts, /^nameserver 10\.0\.0\.53$/m)
    assert.match(hosts, /^search example\.test$/m)

    // On the host's network too; without --add-host its /etc/hosts is the host's.
    const onHost = await nerdOk(['run', '--rm', '--network', 'host', '--add-host', 'extra:10.9.8.7', '--dns', '10.0.0.53', '--dns-search', 'example.test', IMG, 'sh', '-c', 'cat /etc/hosts /etc/resolv.conf'])
    assert.match(onHost, /^10\.9\.8\.7\textra$/m)
    assert.match(onHost, /^nameserver 10\.0\.0\.53$/m)
    assert.doesNotMatch(onHost, /^nameserver (?!10\.0\.0\.53$)/m)
    assert.match(onHost, /^search example\.test$/m)
    assert.equal(await nerdOk(['run', '--rm', '--network', 'host', IMG, 'cat', '/etc/hosts']), await readFile('/etc/hosts', 'utf8'))

    // host-gateway is the default bridge's gateway on every network, as docker's.
    await nerdOk(['network', 'create', '--subnet', '10.4.77.0/24', net('gw')])
    for (const mode of ['host', 'none', net('gw')]) {
      assert.match(await nerdOk(['run', '--rm', '--network', mode, '--add-host', 'gw:host-gateway', IMG, 'cat', '/etc/hosts']), /^10\.4\.0\.1\tgw$/m, mode)
    }
    await nerdOk(['network', 'rm', net('gw')])
  })

  it('isolates networks from each other, and takes a network\'s host rules and bridge away with it', async () => {
    await nerdOk(['network', 'create', net('iso')])
    await nerdOk(['run', '-d', '--name', 'isolated', '--network', net('iso'), IMG, 'sleep', '60'])
    const isolated = await addressOn('isolated', net('iso'))
    const sameNetwork = await nerd(['run', '--rm', '--network', net('iso'), IMG, 'ping', '-c1', '-W10', isolated])
    assert.equal(sameNetwork.code, 0, sameNetwork.stderr)
    const otherNetwork = await nerd(['run', '--rm', IMG, 'ping', '-c1', '-W1', isolated])
    assert.notEqual(otherNetwork.code, 0, 'a container on the default bridge reached one on another network')

    const document = await networkDocument(net('iso'))
    const comment = `nerd network ${(document.Id as string).slice(0, 12)}`
    const rules = async () => Number((await sh(`(iptables -w -S; iptables -w -t nat -S) | grep -c -- '${comment}' || true`)).trim())
    assert.ok((await rules()) >= 5, `expected the network's rules, found ${await rules()}`)
    await nerdOk(['rm', '-f', 'isolated'])
    await nerdOk(['network', 'rm', net('iso')])
    assert.equal(await rules(), 0)
    const bridge = bridgeOf(document)
    assert.equal((await sh(`ip -o link show ${bridge} 2>/dev/null | wc -l`)).trim(), '0')
  })

  it('makes a bridge network\'s bridge, with its gateway, and its rules at create, as docker; network rm takes them; a bridge that cannot be made leaves nothing', async () => {
    await nerdOk(['network', 'create', net('early')])
    const document = await networkDocument(net('early'))
    const bridge = bridgeOf(document)
    const gateway = (document.IPAM.Config as {Gateway: string}[])[0]!.Gateway
    assert.match(await sh(`ip -4 -o addr show ${bridge}`), new RegExp(`inet ${gateway.replaceAll('.', '\\.')}/24 `))
    assert.match(await sh(`ip -o link show ${bridge}`), /[<,]UP[,>]/)
    const comment = `nerd network ${(document.Id as string).slice(0, 12)}`
    const rules = async () => Number((await sh(`(iptables -w -S; iptables -w -t nat -S) | grep -c -- '${comment}' || true`)).trim())
    assert.equal(await rules(), 5)
    await nerdOk(['network', 'rm', net('early')])
    assert.equal(await rules(), 0)
    assert.equal((await sh(`ip -o link show ${bridge} 2>/dev/null | wc -l`)).trim(), '0')

    // Linux bridges take no MTU above 65535: the network is not made, and nothing of it stays.
    const refused = await nerd(['network', 'create', '-o', 'com.docker.network.driver.mtu=70000', net('hugemtu')])
    const failed = /^Error: cannot create bridge br-([0-9a-f]{12}) of network \S+: mtu greater than device maximum\.?\n$/.exec(refused.stderr)
    assert.ok(refused.code === 1 && failed, refused.stderr)
    assert.equal((await nerd(['network', 'inspect', net('hugemtu')])).code, 1)
    assert.equal((await sh(`ip -o link show br-${failed[1]} 2>/dev/null | wc -l`)).trim(), '0')
    assert.equal((await sh(`(iptables -w -S; iptables -w -t nat -S) | grep -c -- 'nerd network ${failed[1]}' || true`)).trim(), '0')
  })

  it('gives a container that takes over an address, by --ip after rm or by a restart on policy, the same MAC: the host, its published port and a peer reach it at once', async () => {
    // docker takes an --ip only on a subnet the user configured.
    await nerdOk(['network', 'create', '--subnet', '10.4.232.0/24', net('reuse')])
    const address = '10.4.232.200'
    // docker's (up to 27) MAC of an IPv4 address: 02:42 and its four bytes.
    const macOf = (ip: string) => ['02', '42', ...ip.split('.').map((byte) => Number(byte).toString(16).padStart(2, '0'))].join(':')
    const macs = async (container: string) => [
      (await inspectContainer(container)).NetworkSettings.Networks[net('reuse')].MacAddress as string,
      (await nerdOk(['exec', container, 'cat', '/sys/class/net/eth0/address'])).trim(),
    ]
    const serve = async (name: string, port: number, more: string[] = []) => {
      await nerdOk(['run', '-d', '--name', name, '--network', net('reuse'), '--ip', address, '-p', `127.0.0.1:${port}:80`, '-v', `${workDir}:/www`, ...more, IMG, 'httpd', '-f', '-p', '80', '-h', '/www'])
    }
    const fromPeer = async () => {
      const page = await nerdOk(['exec', 'reuse-peer', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w2 ${address} 80 || true`])
      return page.includes('hello from nerd') ? page : undefined
    }
    // Within a second or two (8 s for a loaded machine, where a probe through exec alone can take
    // seconds): a neighbour entry still holding the last holder's MAC takes 15 to 45 s to go.
    const reachedAtOnce = async (what: string, probe: () => Promise<string | undefined>) => {
      const start = Date.now()
      await until(what, probe, 8000)
      assert.ok(Date.now() - start < 8000, `${what} took ${Date.now() - start} ms`)
    }
    await nerdOk(['run', '-d', '--name', 'reuse-peer', '--network', net('reuse'), ...LOCAL_DNS, IMG, 'sleep', '600'])

    const first = await publishablePort()
    await serve('holder1', first)
    assert.equal(await publishedPage('the first holder\'s page', first), 'hello from nerd\n')
    assert.equal(await httpGet(`http://${address}/`), 'hello from nerd\n')
    assert.ok(await until('the first holder from the peer', fromPeer, 15_000))
    assert.deepEqual(await macs('holder1'), [macOf(address), macOf(address)])

    await nerdOk(['rm', '-f', 'holder1'])
    const second = await publishablePort()
    await serve('holder2', second)
    await reachedAtOnce('the second holder\'s published port', () => httpGet(`http://127.0.0.1:${second}/`))
    await reachedAtOnce('the second holder from the host', () => httpGet(`http://${address}/`))
    await reachedAtOnce('the second holder from the peer', fromPeer)
    assert.deepEqual(await macs('holder2'), [macOf(address), macOf(address)])

    // Restarted by its policy after its process is killed: a new link, the same address.
    await nerdOk(['rm', '-f', 'holder2'])
    const third = await publishablePort()
    await serve('holder3', third, ['--restart', 'always'])
    assert.equal(await publishedPage('the third holder\'s page', third), 'hello from nerd\n')
    process.kill((await inspectContainer('holder3')).State.Pid as number, 'SIGKILL')
    await until('the restart by policy', async () => {
      const {RestartCount, State} = await inspectContainer('holder3')
      return RestartCount === 1 && State.Running ? true : undefined
    }, 15_000)
    await reachedAtOnce('the restarted holder\'s published port', () => httpGet(`http://127.0.0.1:${third}/`))
    await reachedAtOnce('the restarted holder from the peer', fromPeer)

    // --mac-address wins; the next holder's MAC change is announced, so the host's entry follows it.
    await nerdOk(['rm', '-f', 'holder3'])
    const fourth = await publishablePort()
    await serve('holder4', fourth, ['--mac-address', '02:00:00:00:42:01'])
    assert.equal(await publishedPage('the fourth holder\'s page', fourth), 'hello from nerd\n')
    assert.deepEqual(await macs('holder4'), ['02:00:00:00:42:01', '02:00:00:00:42:01'])
    await nerdOk(['rm', '-f', 'holder4'])
    const fifth = await publishablePort()
    await serve('holder5', fifth)
    await reachedAtOnce('the fifth holder\'s published port', () => httpGet(`http://127.0.0.1:${fifth}/`))

    // An address from the pool has its MAC too.
    const pooled = (await nerdOk(['run', '-d', '--network', net('reuse'), IMG, 'sleep', '60'])).trim()
    const [pooledMac, pooledLink] = await macs(pooled)
    assert.deepEqual([pooledMac, pooledLink], [macOf(await addressOn(pooled, net('reuse'))), pooledMac])
    await nerdOk(['rm', '-f', 'holder5', 'reuse-peer', pooled])
    await nerdOk(['network', 'rm', net('reuse')])
  })

  it('takes docker\'s bridge options host_binding_ipv4, enable_icc=false and enable_ip_masquerade=false; refuses the docker options it does not implement', async () => {
    await nerdOk([
      'network', 'create',
      '-o', 'com.docker.network.bridge.host_binding_ipv4=127.0.0.1',
      '-o', 'com.docker.network.bridge.enable_icc=false',
      '-o', 'com.docker.network.bridge.enable_ip_masquerade=false',
      net('opts'),
    ])
    const document = await networkDocument(net('opts'))
    const port = await publishablePort()
    await nerdOk(['run', '-d', '--name', 'opts-web', '--network', net('opts'), '-p', `${port}:80`, '-v', `${workDir}:/www`, IMG, 'httpd', '-f', '-p', '80', '-h', '/www'])
    await nerdOk(['run', '-d', '--name', 'opts-peer', '--network', net('opts'), ...LOCAL_DNS, IMG, 'sleep', '600'])

    // host_binding_ipv4: the port given no host address is published on 127.0.0.1 alone.
    assert.equal(await nerdOk(['port', 'opts-web']), `80/tcp -> 127.0.0.1:${port}\n`)
    const web = await inspectContainer('opts-web')
    assert.deepEqual(web.NetworkSettings.Ports, {'80/tcp': [{HostIp: '127.0.0.1', HostPort: String(port)}]})
    assert.deepEqual(web.HostConfig.PortBindings, {'80/tcp': [{HostIp: '', HostPort: String(port)}]})
    assert.match(await sh(`iptables -w -t nat -S | grep -- '--dport ${port} ' | grep -- '-j DNAT'`), /-d 127\.0\.0\.1\/32 /)
    assert.equal(await publishedPage('the page through the published port', port), 'hello from nerd\n')

    // enable_icc=false: the host reaches the container, its peer on the network does not.
    const address = await addressOn('opts-web', net('opts'))
    assert.equal(await httpGet(`http://${address}/`), 'hello from nerd\n')
    assert.equal(await nerdOk(['exec', 'opts-peer', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w2 ${address} 80 || true`]), '')
    assert.notEqual((await nerd(['exec', 'opts-peer', 'ping', '-c1', '-W1', address])).code, 0)

    // enable_ip_masquerade=false: the network's forwarding and isolation rules, no masquerade rule.
    const comment = `nerd network ${(document.Id as string).slice(0, 12)}`
    assert.equal((await sh(`iptables -w -t nat -S | grep -c -- '${comment}' || true`)).trim(), '0')
    assert.equal((await sh(`iptables -w -S | grep -c -- '${comment}' || true`)).trim(), '4')
    await nerdOk(['rm', '-f', 'opts-web', 'opts-peer'])
    await nerdOk(['network', 'rm', net('opts')])

    for (const [option, message] of [
      ['com.docker.network.bridge.gateway_mode_ipv4=routed', "network option com.docker.network.bridge.gateway_mode_ipv4 is not supported by nerd's bridge driver"],
      ['com.docker.network.container_iface_prefix=en', "network option com.docker.network.container_iface_prefix is not supported by nerd's bridge driver"],
      ['com.docker.network.bridge.enable_icc=nope', 'failed to parse com.docker.network.bridge.enable_icc value: nope (strconv.ParseBool: parsing "nope": invalid syntax)'],
      ['com.docker.network.bridge.host_binding_ipv4=::1', 'com.docker.network.bridge.host_binding_ipv4 ::1: an IPv6 host address needs an IPv6 network (--ipv6)'],
    ] as const) {
      const refused = await nerd(['network', 'create', '-o', option, net('refused')])
      assert.deepEqual([refused.code, refused.stderr], [1, `Error: ${message}\n`])
      assert.equal((await nerd(['network', 'inspect', net('refused')])).code, 1)
    }
  })

  it('uses a host bridge named with com.docker.network.bridge.name and leaves it; refuses a link that is no bridge; deletes a bridge it made', async () => {
    const hostBridge = `qb${suffix}`
    const veth = `qv${suffix}`
    const made = `qm${suffix}`
    const links = async () => (await sh(`ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1`)).split('\n')
    await run('ip', ['link', 'add', hostBridge, 'type', 'bridge'])
    await run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', `qw${suffix}`])
    try {
      const notBridge = await nerd(['network', 'create', '-o', `com.docker.network.bridge.name=${veth}`, net('onveth')])
      assert.deepEqual([notBridge.code, notBridge.stderr], [1, `Error: existing interface ${veth} is not a bridge\n`])
      assert.equal((await nerd(['network', 'inspect', net('onveth')])).code, 1)

      const onHostId = (await nerdOk(['network', 'create', '--subnet', '10.4.225.0/24', '-o', `com.docker.network.bridge.name=${hostBridge}`, net('onhost')])).trim()
      await nerdOk(['run', '--rm', '--network', net('onhost'), IMG, 'true'])
      // A bridge another network has, in docker's bridge driver's words, the new network's ID first.
      const again = await nerd(['network', 'create', '--subnet', '10.187.7.0/24', '-o', `com.docker.network.bridge.name=${hostBridge}`, net('onhost2')])
      assert.equal(again.code, 1)
      assert.match(again.stderr, new RegExp(`^Error: cannot create network [0-9a-f]{64} \\(${hostBridge}\\): conflicts with network ${onHostId} \\(${hostBridge}\\): networks have same bridge name\\n$`))
      assert.equal((await nerd(['network', 'inspect', net('onhost2')])).code, 1)
      await nerdOk(['network', 'create', '--subnet', '10.4.226.0/24', '-o', `com.docker.network.bridge.name=${made}`, net('made')])
      await nerdOk(['run', '--rm', '--network', net('made'), IMG, 'true'])
      assert.ok((await links()).includes(made))
      await nerdOk(['network', 'rm', net('onhost'), net('made')])
      const left = await links()
      assert.ok(left.includes(hostBridge), 'network rm deleted a bridge it did not make')
      assert.ok(left.includes(veth))
      assert.ok(!left.includes(made), 'network rm left the bridge it made')
    } finally {
      await nerd(['network', 'rm', net('onhost'), net('onveth'), net('made'), net('onhost2')])
      for (const link of [hostBridge, veth, made]) await run('ip', ['link', 'delete', link]).catch(() => undefined)
    }
  })

  it('takes back what CNI ADD made when a later step of the attach fails: no lease, no veth; run fails with 125 and one line', async () => {
    const hostBridge = `lb${suffix}`
    const conflist = join(testEnvironment.netconf, `nerd-${net('leak')}.conflist`)
    await run('ip', ['link', 'add', hostBridge, 'type', 'bridge'])
    try {
      await nerdOk(['network', 'create', '-o', `com.docker.network.bridge.name=${hostBridge}`, net('leak')])
      const network = await networkDocument(net('leak'))
      const leases = async () => (await readdir(join(fileDataRoot(), 'networks', network.Id as string, 'ipam', network.Name as string)).catch(() => [])).filter((file) => /^\d+\.\d+\.\d+\.\d+$/.test(file))
      // As after a boot: the bridge is gone, ADD makes it again and nerd records it as its own in the
      // conflist, which it cannot write (immutable), after ADD took an address and made the veth.
      await run('ip', ['link', 'delete', hostBridge])
      await run('chattr', ['+i', conflist])
      const failed = await nerd(['run', '--rm', '--network', net('leak'), IMG, 'true'])
      assert.deepEqual([failed.code, failed.stderr], [125, `Error: rename ${conflist}: operation not permitted\n`])
      assert.deepEqual(await leases(), [])
      assert.equal((await sh(`ip -o link show master ${hostBridge} | wc -l`)).trim(), '0')
      await run('chattr', ['-i', conflist])
      await nerdOk(['run', '--rm', '--network', net('leak'), IMG, 'true'])
      assert.deepEqual(await leases(), [])
    } finally {
      await run('chattr', ['-i', conflist]).catch(() => undefined)
      await nerd(['network', 'rm', net('leak')])
      await run('ip', ['link', 'delete', hostBridge]).catch(() => undefined)
    }
  })

  it('makes the host rules of a network on a bridge it did not make again when a run finds them gone, as after a boot', async () => {
    const hostBridge = `rb${suffix}`
    await run('ip', ['link', 'add', hostBridge, 'type', 'bridge'])
    try {
      await nerdOk(['network', 'create', '-o', `com.docker.network.bridge.name=${hostBridge}`, net('onboot')])
      const comment = `nerd network ${((await networkDocument(net('onboot'))).Id as string).slice(0, 12)}`
      const rules = async () => (await sh(`for table in filter nat; do iptables -w -t $table -S | grep -F -- '${comment}' | sed "s/^/$table /"; done`)).split('\n').filter((line) => line !== '').sort()
      const made = await rules()
      assert.equal(made.length, 5, made.join('\n'))
      // A boot takes the rules and leaves a bridge the host makes; only this network's rules go here.
      await sh(`for table in filter nat; do iptables -w -t $table -S | grep -F -- '${comment}' | sed 's/^-A /-D /' | while read -r rule; do eval "iptables -w -t $table $rule"; done; done`)
      assert.deepEqual(await rules(), [])
      await nerdOk(['run', '--rm', '--network', net('onboot'), IMG, 'true'])
      assert.deepEqual(await rules(), made)
      // A flush of the nat table alone (its MASQUERADE rule gone, the filter rules there) too.
      await sh(`iptables -w -t nat -S | grep -F -- '${comment}' | sed 's/^-A /-D /' | while read -r rule; do eval "iptables -w -t nat $rule"; done`)
      assert.equal((await rules()).length, 4)
      await nerdOk(['run', '--rm', '--network', net('onboot'), IMG, 'true'])
      assert.deepEqual(await rules(), made)
    } finally {
      await nerd(['network', 'rm', net('onboot')])
      await run('ip', ['link', 'delete', hostBridge]).catch(() => undefined)
    }
  })

  it('creates, lists, filters, inspects and removes networks with docker\'s checks', async () => {
    const id = (await nerdOk(['network', 'create', '--label', 'team=blue', '--subnet', '10.4.240.0/24', '--gateway', '10.4.240.254', net('other')])).trim()
    assert.match(id, /^[0-9a-f]{64}$/)
    const document = await networkDocument(net('other'))
    assert.equal(document.Id, id)
    assert.deepEqual(document.IPAM.Config, [{Subnet: '10.4.240.0/24', Gateway: '10.4.240.254'}])
    assert.deepEqual(document.Labels, {team: 'blue'})
    assert.deepEqual([document.EnableIPv4, document.EnableIPv6], [true, false])
    assert.deepEqual(Object.keys(document).slice(4, 7), ['Driver', 'EnableIPv4', 'EnableIPv6'])
    assert.equal(await nerdOk(['network', 'ls', '--filter', `name=^${net('other')}$`, '--format', 'table {{.IPv4}}\t{{.IPv6}}']), 'IPV4      IPV6\ntrue      false\n')
    // Options are those given, as docker shows them; the default network's are those docker's daemon gives its own.
    assert.deepEqual(document.Options, {})
    const defaultBridge = await networkDocument('bridge')
    assert.equal(
      JSON.stringify(defaultBridge.Options),
      JSON.stringify({
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': 'true',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        'com.docker.network.bridge.name': 'nerd0',
        'com.docker.network.driver.mtu': '1500',
      }),
    )
    // host and none were made along with it, as docker's daemon makes them with its default bridge.
    for (const name of ['host', 'none']) assert.equal((await networkDocument(name)).Created, defaultBridge.Created, name)
    assert.notEqual(defaultBridge.Created, '0001-01-01T00:00:00Z')

    const names = (await nerdOk(['network', 'ls', '--format', '{{.Name}}'])).split('\n')
    // CreatedAt as docker's list prints it: Go's time.Time String(), to the nanosecond (trailing zeros dropped); inspect's RFC 3339 likewise.
    const created = (await nerdOk(['network', 'ls', '--format', '{{.Name}}|{{.CreatedAt}}'])).split('\n').find((line) => line.startsWith(`${net('other')}|`))
    assert.match(created ?? '', /\|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{4,9} \+0000 UTC$/)
    assert.match(document.Created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{4,9}Z$/)
    assert.equal(await nerdOk(['network', 'inspect', '-f', '{{.Created}}', net('other')]), `${created!.split('|')[1]}\n`)
    // Created is a time.Time: templates call its methods, as docker's.
    const createdAt = new Date(document.Created)
    assert.equal(
      await nerdOk(['network', 'inspect', '-f', '{{.Created.Year}} {{.Created.Format "2006-01-02"}} {{.Created.Unix}}', net('other')]),
      `${createdAt.getUTCFullYear()} ${document.Created.slice(0, 10)} ${Math.floor(createdAt.getTime() / 1000)}\n`,
    )
    for (const name of ['bridge', 'host', 'none', net('other')]) assert.ok(names.includes(name), `${name} missing from ${names.join(' ')}`)
    // Sorted by name, as docker's CLI lists them; the built-in ones have IDs like any other.
    const positions = ['bridge', 'host', 'none', net('other')].map((name) => names.indexOf(name))
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b), names.join(' '))
    const builtinIds = (await nerdOk(['network', 'ls', '-q', '--filter', 'type=builtin'])).trim().split('\n')
    assert.equal(builtinIds.length, 3)
    for (const builtinId of builtinIds) assert.match(builtinId, /^[0-9a-f]{12}$/)
    const hostId = (await nerdOk(['network', 'inspect', 'host', '--format', '{{.Id}}'])).trim()
    assert.match(hostId, /^[0-9a-f]{64}$/)
    assert.ok(builtinIds.includes(hostId.slice(0, 12)))
    assert.equal(await nerdOk(['network', 'ls', '-q', '--filter', 'label=team=blue']), `${id.slice(0, 12)}\n`)
    // An empty filter is none; a value is trimmed (docker's FilterOpt).
    assert.equal(await nerdOk(['network', 'ls', '-q', '--filter', '']), await nerdOk(['network', 'ls', '-q']))
    assert.equal(await nerdOk(['network', 'ls', '-q', '--filter', 'label= team=blue ']), `${id.slice(0, 12)}\n`)
    // name and id match as docker's filters.Match: equal, or an unanchored regular expression.
    assert.equal(await nerdOk(['network', 'ls', '-q', '--filter', `name=^${net('other')}$`]), `${id.slice(0, 12)}\n`)
    assert.equal(await nerdOk(['network', 'ls', '-q', '--filter', `name=^${net('other').slice(1)}$`]), '')
    assert.equal(await nerdOk(['network', 'ls', '-q', '--filter', `id=${id.slice(5, 17)}`]), `${id.slice(0, 12)}\n`)
    assert.equal(await nerdOk(['network', 'ls', '-q', '--filter', `id=^${id}$`]), `${id.slice(0, 12)}\n`)
    // docker's networkContext: .Label, a table header from the label's name, a missing field an error;
    // -q changes only the table and raw formats; docker's raw format; config.json's networksFormat unless -q.
    const other = ['--filter', 'label=team=blue']
    assert.equal(await nerdOk(['network', 'ls', ...other, '--format', 'table {{.Label "team"}}']), 'team\nblue\n')
    assert.equal(await nerdOk(['network', 'ls', ...other, '-q', '--format', '{{.Name}}']), `${net('other')}\n`)
    assert.equal(await nerdOk(['network', 'ls', ...other, '--format', 'raw']), `network_id: ${id.slice(0, 12)}\nname: ${net('other')}\ndriver: bridge\nscope: local\n\n`)
    const unknown = await nerd(['network', 'ls', '--format', '{{.Nope}}'])
    assert.deepEqual([unknown.code, unknown.stdout, unknown.stderr], [1, '', 'Error: template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *network.networkContext\n'])
    const dockerConfig = await mkdtemp(join(tmpdir(), 'nerd-docker-config-'))
    await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({networksFormat: 'N {{.Name}}'}))
    assert.equal(await nerdOk(['network', 'ls', ...other], {env: {DOCKER_CONFIG: dockerConfig}}), `N ${net('other')}\n`)
    assert.equal(await nerdOk(['network', 'ls', ...other, '-q'], {env: {DOCKER_CONFIG: dockerConfig}}), `${id.slice(0, 12)}\n`)
    await rm(dockerConfig, {recursive: true})

    const overlap = await nerd(['network', 'create', '--subnet', '10.4.240.128/25', net('overlap')])
    assert.deepEqual([overlap.code, overlap.stderr], [1, 'Error: invalid pool request: Pool overlaps with other one on this address space\n'])
    const duplicate = await nerd(['network', 'create', net('other')])
    assert.equal(duplicate.code, 1)
    assert.match(duplicate.stderr, /already exists/)
    const badGateway = await nerd(['network', 'create', '--subnet', '10.4.241.0/24', '--gateway', '10.5.0.1', net('badgw')])
    assert.equal(badGateway.code, 1)
    assert.match(badGateway.stderr, /no matching subnet for gateway 10\.5\.0\.1/)
    for (const [args, message] of [
      [['--subnet', '10.4.242.0/24', '--subnet', '10.4.243.0/24'], "bridge driver doesn't support multiple subnets"],
      [['--subnet', '10.4.244.5/24'], 'invalid network config: invalid subnet 10.4.244.5/24: it should be 10.4.244.0/24'],
      [['--subnet', '10.4.242.0/24', '--subnet', '10.4.242.0/25'], 'multiple overlapping subnet configuration is not supported'],
      [['--subnet', 'bogus'], 'invalid network config: invalid subnet bogus: invalid CIDR block notation'],
      // docker's CLI parses a second subnet as it checks overlaps: its words, not its daemon's.
      [['--subnet', '10.4.242.0/24', '--subnet', 'bogus'], 'invalid subnet: invalid CIDR address: bogus'],
      [['--subnet', '10.4.242.0/24', '--ip-range', 'bogus'], 'invalid CIDR address: bogus'],
      [['--subnet', '10.4.242.0/24', '--gateway', 'bogus'], 'no matching subnet for gateway bogus'],
    ] as const) {
      const refused = await nerd(['network', 'create', ...args, net('refused')])
      assert.equal(refused.code, 1)
      assert.equal(refused.stderr, `Error: ${message}\n`)
    }
    // docker's words for its predefined networks, trailing space and all.
    for (const name of ['host', 'bridge', 'none', 'default']) {
      const predefined = await nerd(['network', 'create', name])
      assert.deepEqual([predefined.code, predefined.stderr], [1, `Error: operation is not permitted on predefined ${name} network \n`])
    }
    // docker's --aux-address (reserved: never given to a container), --ipam-opt, --attachable; no IPv6-only network.
    await nerdOk(['network', 'create', '--subnet', '10.4.245.0/29', '--aux-address', 'router=10.4.245.2', '--aux-address', 'nas=10.4.245.4', '--ipam-opt', 'foo=bar', '--attachable', net('aux')])
    const aux = await networkDocument(net('aux'))
    assert.deepEqual(aux.IPAM.Config, [{Subnet: '10.4.245.0/29', Gateway: '10.4.245.1', AuxiliaryAddresses: {router: '10.4.245.2', nas: '10.4.245.4'}}])
    assert.deepEqual([aux.IPAM.Options, aux.Attachable], [{foo: 'bar'}, true])
    assert.equal(await nerdOk(['network', 'inspect', '-v', '--format', '{{range .IPAM.Config}}{{.AuxAddress.router}}{{end}}', net('aux')]), '10.4.245.2\n')
    // The structs in Go's field order: IPAM's Driver, Options, Config; a config's Subnet, IPRange, Gateway, AuxAddress.
    assert.equal(await nerdOk(['network', 'inspect', '-f', '{{.IPAM}}', net('aux')]), '{default map[foo:bar] [{10.4.245.0/29  10.4.245.1 map[nas:10.4.245.4 router:10.4.245.2]}]}\n')
    const given: string[] = []
    for (const name of ['aux1', 'aux2', 'aux3']) {
      await nerdOk(['run', '-d', '--name', name, '--network', net('aux'), IMG, 'sleep', '60'])
      given.push(await addressOn(name, net('aux')))
    }
    assert.deepEqual(given.sort(), ['10.4.245.3', '10.4.245.5', '10.4.245.6'])
    await nerdOk(['rm', '-f', 'aux1', 'aux2', 'aux3'])
    await nerdOk(['network', 'rm', net('aux')])
    for (const [args, message] of [
      [['--subnet', '10.4.246.0/24', '--aux-address', 'x=10.5.0.1'], 'no matching subnet for aux-address 10.5.0.1'],
      [['--ipv4=false'], 'IPv6-only networks are not supported: --ipv4=false'],
    ] as const) {
      const refused = await nerd(['network', 'create', ...args, net('refused')])
      assert.deepEqual([refused.code, refused.stderr], [1, `Error: ${message}\n`])
    }
    // --label is checked as docker's CLI checks it, before anything else (here, the IPv6-only refusal).
    const badLabel = await nerd(['network', 'create', '--label', 'a b=c', '--ipv4=false', net('refused')])
    assert.deepEqual([badLabel.code, badLabel.stderr], [125, `invalid argument "a b=c" for "--label" flag: label 'a b' contains whitespaces\nRun 'nerd network create --help' for more information\n`])
    // docker's network rm -f (v24+): a network that is not there is no error, and nothing is said.
    const forced = await nerd(['network', 'rm', '-f', net('never-made')])
    assert.deepEqual([forced.code, forced.stdout, forced.stderr], [0, '', ''])
    assert.equal((await nerd(['network', 'rm', net('never-made')])).code, 1)

    const builtin = await nerd(['network', 'rm', 'bridge'])
    assert.equal(builtin.code, 1)
    assert.match(builtin.stderr, /pre-defined network/)

    // prune takes the unused networks its filters select, never the default one.
    await nerdOk(['network', 'create', '--label', 'prune=me', net('pruned')])
    await nerdOk(['network', 'create', '--label', 'prune=me', net('kept')])
    await nerdOk(['run', '-d', '--name', 'keeper', '--network', net('kept'), IMG, 'sleep', '60'])
    // until= takes a duration, as in container and image prune: networks made in the last 10 minutes stay.
    assert.equal(await nerdOk(['network', 'prune', '-f', '--filter', 'until=10m', '--filter', 'label=prune=me']), '')
    assert.equal(await nerdOk(['network', 'prune', '-f', '--filter', 'label=prune=me']), `Deleted Networks:\n${net('pruned')}\n\n`)
    await nerdOk(['rm', '-f', 'keeper'])
    await nerdOk(['network', 'rm', net('kept')])

    assert.equal(await nerdOk(['network', 'rm', net('other')]), `${net('other')}\n`)
    const gone = await nerd(['network', 'inspect', net('other')])
    assert.deepEqual([gone.code, gone.stdout, gone.stderr], [1, '[]\n', `Error: network ${net('other')} not found\n`])
  })

  it('network prune takes only the unused networks of its own namespace, and none a container of any namespace is attached to, stopped ones too', async () => {
    const other = `${fileNamespace()}-prune`
    const label = `prune-ns=${suffix}`
    const inOther = {namespace: other}
    const created = (name: string, options = {}) => nerdOk(['network', 'create', '--label', label, net(name)], options)
    await loadTestImage('nerd-test/busybox:latest', other)
    try {
      // Another namespace's networks: one its stopped container is attached to, one unused.
      await created('theirs', inOther)
      await created('theirs-unused', inOther)
      await nerdOk(['run', '--name', 'victim', '--network', net('theirs'), IMG, 'true'], inOther)
      // This namespace's: one unused, one only a created (never started) container is attached to.
      await created('mine-unused')
      await created('mine-stopped')
      await nerdOk(['create', '--name', 'idle', '--network', net('mine-stopped'), IMG, 'true'])
      // Networks from before nerd recorded the namespace: any namespace's to prune once no container uses them.
      for (const name of ['legacy-used', 'legacy-unused']) {
        await created(name)
        const file = join(testEnvironment.netconf, `nerd-${net(name)}.conflist`)
        const conflist = JSON.parse(await readFile(file, 'utf8')) as {nerd: Record<string, unknown>}
        assert.equal(conflist.nerd.namespace, fileNamespace())
        delete conflist.nerd.namespace
        await writeFile(file, JSON.stringify(conflist))
      }
      await nerdOk(['create', '--name', 'legacy-user', '--network', net('legacy-used'), IMG, 'true'], inOther)

      assert.equal(await nerdOk(['network', 'prune', '-f', '--filter', `label=${label}`]), `Deleted Networks:\n${net('legacy-unused')}\n${net('mine-unused')}\n\n`)
      // Every namespace still lists every network left.
      const listed = (await nerdOk(['network', 'ls', '--filter', `label=${label}`, '--format', '{{.Name}}'], inOther)).trim().split('\n').sort()
      assert.deepEqual(listed, [net('legacy-used'), net('mine-stopped'), net('theirs'), net('theirs-unused')].sort())
      await nerdOk(['start', 'victim'], inOther)
      assert.equal(await nerdOk(['network', 'prune', '-f', '--filter', `label=${label}`], inOther), `Deleted Networks:\n${net('theirs-unused')}\n\n`)
      // Once their containers are gone, the networks go with the prune of their namespace (an older one's, with any).
      await nerdOk(['rm', '-f', 'victim', 'legacy-user'], inOther)
      await nerdOk(['rm', 'idle'])
      assert.equal(await nerdOk(['network', 'prune', '-f', '--filter', `label=${label}`], inOther), `Deleted Networks:\n${net('legacy-used')}\n${net('theirs')}\n\n`)
      assert.equal(await nerdOk(['network', 'prune', '-f', '--filter', `label=${label}`]), `Deleted Networks:\n${net('mine-stopped')}\n\n`)
    } finally {
      await removeAllContainers(inOther)
      await nerd(['rm', '-f', 'idle'])
      for (const name of ['theirs', 'theirs-unused', 'mine-unused', 'mine-stopped', 'legacy-used', 'legacy-unused']) await nerd(['network', 'rm', net(name)])
      await nerd(['rmi', IMG], inOther)
      await nerd(['namespace', 'rm', other])
    }
  })

  it("network prune keeps a network a container is created on or connected to while the prune is under way: it reads the plans under the network's lock", async () => {
    const label = `prune-race=${suffix}`
    await nerdOk(['network', 'create', '--label', label, net('joined-late')])
    await nerdOk(['create', '--name', 'connector', IMG, 'true'])
    const id = (await nerdOk(['network', 'inspect', '-f', '{{.Id}}', net('joined-late')])).trim()
    const networkLock = join(testEnvironment.netconf, `.nerd-network-${id}.lock`)
    const locks = await holdLocks([networkLock])
    try {
      const pruning = nerd(['network', 'prune', '-f', '--filter', `label=${label}`])
      // prune holds the lock of all networks while it waits for this one's: it has looked for containers using it.
      await until('the prune to wait for the network', async () => (existsSync(join(testEnvironment.netconf, '.nerd-networks.lock')) ? true : undefined), 20_000)
      const joining = [nerd(['create', '--name', 'joiner', '--network', net('joined-late'), IMG, 'true']), nerd(['network', 'connect', net('joined-late'), 'connector'])]
      // Both have written their plans.
      const planning = async () => {
        const dir = join(fileDataRoot(), 'containers', fileNamespace())
        let plans = 0
        for (const entry of await readdir(dir).catch(() => [])) {
          if ((await readFile(join(dir, entry, 'network-plan.json'), 'utf8').catch(() => '')).includes(net('joined-late'))) plans++
        }
        return plans === joining.length ? true : undefined
      }
      await until('the containers to plan the network', planning, 20_000)
      await locks.release(networkLock)
      const [pruned, ...joined] = await Promise.all([pruning, ...joining])
      assert.deepEqual([pruned.code, pruned.stdout, pruned.stderr], [0, '', ''])
      for (const result of joined) assert.equal(result.code, 0, result.stderr)
      for (const name of ['joiner', 'connector']) await nerdOk(['start', '-a', name])
    } finally {
      await locks.releaseAll()
      await nerd(['rm', '-f', 'joiner', 'connector'])
      await nerd(['network', 'rm', net('joined-late')])
    }
  })

  it('leaves a conflist nerd cannot use out of network ls with a warning naming it; inspect and run of its network fail in one line naming it', async () => {
    // A configuration directory of its own: the other test files list theirs meanwhile.
    const netconf = await mkdtemp(join(tmpdir(), 'nerd-netconf-'))
    const broken = {garbled: net('garbled'), empty: net('empty'), pluginless: net('pluginless')}
    const file = (name: string) => join(netconf, `nerd-${name}.conflist`)
    // Their bridges and rules, made at create, go with them at the end: their conflists put back first.
    const intact = new Map<string, string>()
    try {
      for (const name of Object.values(broken)) {
        await nerdOk(['network', 'create', name], {netconf})
        intact.set(name, await readFile(file(name), 'utf8'))
      }
      await writeFile(file(broken.garbled), 'garbage{\n')
      await writeFile(file(broken.empty), '')
      const {plugins: _, ...pluginless} = JSON.parse(await readFile(file(broken.pluginless), 'utf8')) as Record<string, unknown>
      await writeFile(file(broken.pluginless), JSON.stringify(pluginless))
      const invalid = {
        garbled: `invalid network config ${file(broken.garbled)}: Unexpected token 'g', "garbage{\\n" is not valid JSON`,
        empty: `invalid network config ${file(broken.empty)}: the file is empty`,
        pluginless: `invalid network config ${file(broken.pluginless)}: plugins is missing`,
      }

      const listed = await nerd(['network', 'ls', '--format', '{{.Name}}'], {netconf})
      assert.equal(listed.code, 0, listed.stderr)
      assert.equal(listed.stdout, 'bridge\nhost\nnone\n')
      const warnings = (Object.keys(broken) as (keyof typeof broken)[]).map((key) => `WARNING: left out network ${broken[key]}: ${invalid[key]}`)
      assert.deepEqual(listed.stderr.split('\n').filter(Boolean).sort(), warnings.sort())

      const inspected = await nerd(['network', 'inspect', broken.pluginless], {netconf})
      assert.deepEqual([inspected.code, inspected.stdout, inspected.stderr], [1, '[]\n', `Error: ${invalid.pluginless}\n`])
      const ran = await nerd(['run', '--rm', '--network', broken.pluginless, IMG, 'true'], {netconf})
      assert.deepEqual([ran.code, ran.stderr], [125, `Error: ${invalid.pluginless}\n`])
      const garbled = await nerd(['inspect', broken.garbled], {netconf})
      assert.deepEqual([garbled.code, garbled.stderr], [1, `Error: ${invalid.garbled}\n`])
    } finally {
      for (const [name, text] of intact) await writeFile(file(name), text)
      if (intact.size > 0) await nerd(['network', 'rm', ...intact.keys()], {netconf})
      await rm(netconf, {recursive: true, force: true})
    }
  })

  it('runs a container on a macvlan network over a dummy parent interface', async () => {
    // One end of a veth pair as the parent: a link that leads nowhere, so nothing leaves the machine.
    await run('ip', ['link', 'add', `mvp${suffix}`, 'type', 'veth', 'peer', 'name', `mvq${suffix}`])
    await run('ip', ['link', 'set', `mvp${suffix}`, 'up'])
    await nerdOk(['network', 'create', '-d', 'macvlan', '-o', `parent=mvp${suffix}`, '--subnet', '10.4.250.0/24', net('mv')])
    const addresses = await nerdOk(['run', '--rm', '--network', net('mv'), IMG, 'ip', '-4', '-o', 'addr', 'show', 'eth0'])
    assert.match(addresses, /inet 10\.4\.250\.\d+\/24/)
    const noParent = await nerd(['network', 'create', '-d', 'macvlan', net('noparent')])
    assert.equal(noParent.code, 1)
    assert.match(noParent.stderr, /needs a parent interface/)
    // A parent the host lacks is refused at create, in the words of docker's drivers.
    for (const [parent, message] of [
      [`nosuch${suffix}`, `required interface name format is: name.vlan_id, ex. eth0.10 for vlan 10, instead received nosuch${suffix}`],
      [`nosuch${suffix}.10`, `-o parent interface was not found on the host: nosuch${suffix}`],
    ]) {
      for (const driver of ['macvlan', 'ipvlan']) {
        const missing = await nerd(['network', 'create', '-d', driver, '-o', `parent=${parent}`, '--subnet', '10.213.41.0/24', net('noparent')])
        assert.deepEqual([missing.code, missing.stderr], [1, `Error: ${message}\n`], `${driver} ${parent}`)
      }
    }
  })
})

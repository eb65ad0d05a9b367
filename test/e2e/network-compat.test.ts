/**
 * Networking's edges as docker has them, each found different once: published ports nerd cannot
 * carry refused at create, docker's long -p syntax, `port`'s order and errors, the DNS servers a
 * container gets from a systemd-resolved host, names that /etc/hosts cannot hold, gateways docker's
 * IPAM refuses, inspect of host and none, and a long-running peer's /etc/hosts kept bounded. Traffic
 * goes only to loopback.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {existsSync, statSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {httpGet, inspectContainer, nerdOk, publishablePort, removeAllContainers, until} from '../helpers/containers.ts'
import {fileNamespace, loadTestImage, nerd, nerdEntry, nerdGlobals} from '../helpers/e2e.ts'

const run = promisify(execFile)
const IMG = 'docker.io/nerd-test/busybox:latest'
const suffix = fileNamespace().slice(2, 8)
const net = (name: string) => `${name}-${suffix}`
let workDir: string

/** The container IDs of this file's namespace, to tell that a refused run left none behind. */
async function containerIds(): Promise<string> {
  return (await nerdOk(['ps', '-aq'])).trim()
}

describe('networking as docker has it', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
    workDir = await mkdtemp(join(tmpdir(), 'nerd-network-compat-'))
    await writeFile(join(workDir, 'index.html'), 'hello from nerd\n')
  })

  after(async () => {
    await removeAllContainers()
    for (const name of ['six', 'names', 'churn', 'sliced', 'unsliced']) await nerd(['network', 'rm', net(name)])
    await rm(workDir, {recursive: true, force: true})
  })

  it('refuses at create the IPv6 host addresses portmap cannot carry: any to a container without IPv6, ::1 always', async () => {
    const before = await containerIds()
    const port = await publishablePort()
    const reasons = {
      loopback: 'the kernel does not route IPv6 loopback traffic to a container, and nerd has no userland proxy: publish on 127.0.0.1',
      noIpv6: 'the container has no IPv6 address on the network carrying its ports, and nerd has no userland proxy to forward IPv6 to IPv4',
    }
    for (const [spec, message] of [
      [`[::1]:${port}:80`, `cannot publish 80/tcp on [::1]:${port}: ${reasons.loopback}`],
      [`[::]:${port}:80`, `cannot publish 80/tcp on [::]:${port}: ${reasons.noIpv6}`],
      ['[::]::80', `cannot publish 80/tcp on [::]: ${reasons.noIpv6}`],
    ]) {
      // create's refusals once the flags are read are 1, as its daemon-side ones are in docker.
      for (const [command, code] of [['run', 125], ['create', 1]] as const) {
        const refused = await nerd([command, '-p', spec!, IMG, 'sleep', '60'])
        assert.deepEqual([refused.code, refused.stderr], [code, `Error: ${message}\n`], `${command} -p ${spec}`)
      }
    }
    assert.equal(await containerIds(), before)

    // A container with IPv6 on the network carrying its ports is published [::] (portmap DNATs it), never ::1.
    await nerdOk(['network', 'create', '--ipv6', '--subnet', 'fd00:4:e2f::/64', '--subnet', '10.4.193.0/24', net('six')])
    await nerdOk(['run', '-d', '--name', 'six-port', '--network', net('six'), '-p', `[::]:${port}:80`, IMG, 'sleep', '60'])
    assert.equal(await nerdOk(['port', 'six-port']), `80/tcp -> [::]:${port}\n`)
    const loopback = await nerd(['run', '-d', '--network', net('six'), '-p', `[::1]:${port + 1}:80`, IMG, 'sleep', '60'])
    assert.deepEqual([loopback.code, loopback.stderr], [125, `Error: cannot publish 80/tcp on [::1]:${port + 1}: ${reasons.loopback}\n`])
    await nerdOk(['rm', '-f', 'six-port'])
  })

  it('takes docker\'s long -p syntax, published=,target=,protocol=, as its CLI converts it', async () => {
    const [tcp, udp] = [await publishablePort(), await publishablePort()]
    await nerdOk(['run', '-d', '--name', 'long', '-p', `published=${tcp},target=80`, '-p', `target=81,published=${udp},protocol=udp,mode=host`, '-v', `${workDir}:/www`, IMG, 'httpd', '-f', '-p', '80', '-h', '/www'])
    assert.deepEqual((await inspectContainer('long')).HostConfig.PortBindings, {'80/tcp': [{HostIp: '', HostPort: String(tcp)}], '81/udp': [{HostIp: '', HostPort: String(udp)}]})
    assert.equal(await until('the published page', () => httpGet(`http://127.0.0.1:${tcp}/`), 15_000), 'hello from nerd\n')
    await nerdOk(['rm', '-f', 'long'])
    const bad = await nerd(['run', '--rm', '-p', 'published=8080,target', IMG, 'true'])
    assert.deepEqual([bad.code, bad.stderr], [125, "Error: invalid publish opts format (should be name=value but got 'target')\n"])
  })

  it('port: lines in docker\'s natural order, docker\'s errors naming the port and the container as typed', async () => {
    const [first, loopback, last, dns] = [await publishablePort(), await publishablePort(), await publishablePort(), await publishablePort()]
    const [low, high] = [Math.min(first, last), Math.max(first, last)]
    const id = (await nerdOk(['run', '-d', '--name', 'ported', '-p', `${first}:80`, '-p', `127.0.0.1:${loopback}:80`, '-p', `${last}:80`, '-p', `${dns}:53/udp`, '-p', `${dns}:53/tcp`, IMG, 'sleep', '60'])).trim()
    assert.equal(await nerdOk(['port', 'ported']), [`53/tcp -> 0.0.0.0:${dns}`, `53/udp -> 0.0.0.0:${dns}`, `80/tcp -> 0.0.0.0:${low}`, `80/tcp -> 0.0.0.0:${high}`, `80/tcp -> 127.0.0.1:${loopback}`, ''].join('\n'))
    assert.equal(await nerdOk(['port', 'ported', '80']), [`0.0.0.0:${low}`, `0.0.0.0:${high}`, `127.0.0.1:${loopback}`, ''].join('\n'))
    assert.equal(await nerdOk(['port', 'ported', '53/']), `0.0.0.0:${dns}\n`)
    // An empty port is none given, as docker's CLI takes it.
    assert.equal(await nerdOk(['port', 'ported', '']), await nerdOk(['port', 'ported']))
    for (const [args, message] of [
      [['ported', '81'], "No public port '81' published for ported"],
      [[id.slice(0, 8), '81/udp'], `No public port '81/udp' published for ${id.slice(0, 8)}`],
      [['ported', 'abc'], 'invalid port (abc): strconv.ParseUint: parsing "abc": invalid syntax'],
      [['ported', '70000/tcp'], 'invalid port (70000): strconv.ParseUint: parsing "70000": value out of range'],
    ] as const) {
      const result = await nerd(['port', ...args])
      assert.deepEqual([result.code, result.stdout, result.stderr], [1, '', `Error: ${message}\n`], args.join(' '))
    }
    await nerdOk(['rm', '-f', 'ported'])
  })

  it('gives a container the upstream servers of a systemd-resolved host, not public ones, and drops IPv6 servers for one without IPv6', {skip: !existsSync('/run/systemd') && 'no /run/systemd to mount over'}, async () => {
    const stub = join(workDir, 'stub-resolv.conf')
    const upstream = join(workDir, 'upstream-resolv.conf')
    await writeFile(stub, 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch corp.example\n')
    await writeFile(upstream, 'nameserver 192.0.2.53\nnameserver fd00::53\nsearch corp.example\n')
    const toml = join(workDir, 'nerd.toml')
    await writeFile(toml, '')
    // The host's files as systemd-resolved has them, in a mount namespace of nerd's own: the machine's stay as they are.
    const onResolvedHost = async (args: string[]) => {
      const script = 'mount --bind "$1" /etc/resolv.conf && mount -t tmpfs nerd-e2e /run/systemd && mkdir /run/systemd/resolve && cp "$2" /run/systemd/resolve/resolv.conf && shift 2 && exec "$@"'
      const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !['NODE_TEST_CONTEXT', 'NODE_OPTIONS', 'CONTAINERD_ADDRESS', 'CONTAINERD_NAMESPACE'].includes(name)))
      const {stdout} = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', stub, upstream, process.execPath, '--', nerdEntry, ...nerdGlobals(), ...args], {env: {...env, NERD_TOML: toml}})
      return stdout
    }
    // docker's file: its header, the directives rebuilt, a footer naming the file they came from.
    const header = '# Generated by Docker Engine.\n# This file can be edited; Docker Engine will not make further changes once it\n# has been modified.\n\n'
    const legacy = "\n# Based on host file: '/run/systemd/resolve/resolv.conf' (legacy)\n# Overrides: []\n"
    assert.equal(await onResolvedHost(['run', '--rm', IMG, 'cat', '/etc/resolv.conf']), `${header}nameserver 192.0.2.53\nsearch corp.example\n${legacy}`)
    await nerdOk(['network', 'create', '--ipv6', '--subnet', 'fd00:4:e30::/64', '--subnet', '10.4.194.0/24', net('names')])
    assert.equal(await onResolvedHost(['run', '--rm', '--network', net('names'), IMG, 'cat', '/etc/resolv.conf']), `${header}nameserver 192.0.2.53\nnameserver fd00::53\nsearch corp.example\n${legacy}`)
    // The host's network reaches the stub: its file is the host's, rebuilt; the overrides given replace its directives.
    assert.equal(
      await onResolvedHost(['run', '--rm', '--network', 'host', IMG, 'cat', '/etc/resolv.conf']),
      `${header}nameserver 127.0.0.53\nsearch corp.example\noptions edns0 trust-ad\n\n# Based on host file: '/etc/resolv.conf'\n# Overrides: []\n`,
    )
    assert.equal(
      await onResolvedHost(['run', '--rm', '--dns', '127.0.0.1', '--dns-search', '.', '--dns-option', 'ndots:3', IMG, 'cat', '/etc/resolv.conf']),
      `${header}nameserver 127.0.0.1\noptions ndots:3\n\n# Based on host file: '/run/systemd/resolve/resolv.conf' (legacy)\n# Overrides: [nameservers search options]\n# Option ndots from: override\n`,
    )
  })

  it('refuses aliases and hostnames that would write lines into other containers\' /etc/hosts, in one line', async () => {
    await nerdOk(['network', 'create', '--subnet', '10.4.195.0/24', net('churn')])
    await nerdOk(['run', '-d', '--name', 'hbx', '--network', net('churn'), IMG, 'sleep', '600'])
    const hostsBefore = await nerdOk(['exec', 'hbx', 'cat', '/etc/hosts'])
    const containers = await containerIds()
    const problem = "names in /etc/hosts cannot hold whitespace, '#' or control characters"
    for (const command of ['run', 'create']) {
      for (const [args, message] of [
        [['--network-alias', 'okalias\n10.9.9.9 hbx injected.example'], `invalid network alias "okalias\\n10.9.9.9 hbx injected.example": ${problem}`],
        [['--network-alias', 'x#y'], `invalid network alias "x#y": ${problem}`],
        [['--network-alias', 'a b'], `invalid network alias "a b": ${problem}`],
        [['-h', 'hh\n10.9.9.8 injected-by-hostname'], `invalid hostname "hh\\n10.9.9.8 injected-by-hostname": ${problem}`],
      ] as const) {
        const refused = await nerd([command, '--network', net('churn'), ...args, IMG, 'sleep', '60'])
        assert.deepEqual([refused.code, refused.stderr], [125, `Error: ${message}\n`], `${command} ${args.join(' ')}`)
      }
    }
    assert.equal(await containerIds(), containers)
    await nerdOk(['run', '-d', '--name', 'u1', IMG, 'sleep', '600'])
    const connect = await nerd(['network', 'connect', '--alias', 'al\n10.9.9.7 injected-by-connect', net('churn'), 'u1'])
    assert.deepEqual([connect.code, connect.stderr], [1, `Error: invalid alias "al\\n10.9.9.7 injected-by-connect": ${problem}\n`])
    assert.equal(await nerdOk(['exec', 'hbx', 'cat', '/etc/hosts']), hostsBefore)
    assert.deepEqual(Object.keys((await inspectContainer('u1')).NetworkSettings.Networks), ['bridge'])
    await nerdOk(['rm', '-f', 'u1'])
  })

  it('keeps a running peer\'s /etc/hosts bounded: the lines of members gone are taken out, in place, once there are more than 16', async () => {
    // hbx, on the network since the test before, adds a line of its own.
    await nerdOk(['exec', 'hbx', 'sh', '-c', 'echo "10.77.0.98 own-entry" >> /etc/hosts'])
    const hostsPath = (await inspectContainer('hbx')).HostsPath as string
    const inode = statSync(hostsPath).ino
    const ids = await Promise.all(Array.from({length: 18}, () => nerdOk(['run', '-d', '--network', net('churn'), IMG, 'sleep', '600']).then((out) => out.trim())))
    await nerdOk(['rm', '-f', ...ids])
    const hosts = await nerdOk(['exec', 'hbx', 'cat', '/etc/hosts'])
    assert.equal(statSync(hostsPath).ino, inode)
    assert.equal(await readFile(hostsPath, 'utf8'), hosts)
    const comments = hosts.split('\n').filter((line) => line.startsWith('#'))
    assert.ok(comments.length <= 16, `${comments.length} comment lines:\n${hosts}`)
    assert.match(hosts, /^10\.77\.0\.98 own-entry$/m)
    assert.match(hosts, /^127\.0\.0\.1\tlocalhost$/m)
    for (const id of ids) assert.doesNotMatch(hosts, new RegExp(`^[^#].*\\b${id.slice(0, 12)}\\b`, 'm'))
    // A member that comes after is a line of the file as before.
    await nerdOk(['run', '-d', '--name', 'later', '--network', net('churn'), IMG, 'sleep', '600'])
    assert.match(await nerdOk(['exec', 'hbx', 'cat', '/etc/hosts']), /^10\.4\.195\.\d+\tlater /m)
    await nerdOk(['rm', '-f', 'later', 'hbx'])
  })

  it('refuses at create the gateways docker\'s IPAM refuses, and subnets too small for host-local', async () => {
    for (const [args, message] of [
      [['--subnet', '10.94.0.0/24', '--gateway', '10.94.0.255'], 'failed to allocate gateway (10.94.0.255): Address already in use'],
      [['--subnet', '10.94.0.0/24', '--gateway', '10.94.0.0'], 'failed to allocate gateway (10.94.0.0): Address already in use'],
      [['--ipv6', '--subnet', '10.94.1.0/24', '--subnet', 'fd00:94::/64', '--gateway', 'fd00:94::'], 'failed to allocate gateway (fd00:94::): Address already in use'],
      [['--subnet', '10.94.2.0/24', '--aux-address', 'bcast=10.94.2.255'], 'failed to allocate secondary ip address (bcast:10.94.2.255): Address already in use'],
      [['--subnet', '10.94.2.0/24', '--aux-address', 'gw=10.94.2.1'], 'failed to allocate secondary ip address (gw:10.94.2.1): Address already in use'],
      [['--subnet', '10.94.4.0/31'], "subnet 10.94.4.0/31 is too small: nerd's IPAM (CNI host-local) needs a /30 or larger"],
      [['--subnet', '10.94.4.7/32'], "subnet 10.94.4.7/32 is too small: nerd's IPAM (CNI host-local) needs a /30 or larger"],
    ] as const) {
      const refused = await nerd(['network', 'create', ...args, net('refused')])
      assert.deepEqual([refused.code, refused.stderr], [1, `Error: ${message}\n`], args.join(' '))
      assert.equal((await nerd(['network', 'inspect', net('refused')])).code, 1)
    }
  })

  it('network create takes --subnet, --gateway and --ip-range as docker\'s string slices, -o, --ipam-opt and --aux-address of any key, and refuses what docker\'s CLI, IPAM and drivers refuse in their words', async () => {
    await nerdOk(['network', 'create', '--ipv6', '--subnet', '10.93.1.0/24,fd00:93::/64', '--gateway', '10.93.1.254,fd00:93::fe', '--ip-range', '', '--ipam-opt', '=v', '-o', '=w', '--aux-address', '=10.93.1.5', net('sliced')])
    const inspected = JSON.parse(await nerdOk(['network', 'inspect', net('sliced'), '--format', '{{json .IPAM}} {{json .Options}}']).then((text) => `[${text.trim().replace(' ', ',')}]`))
    assert.deepEqual(inspected, [
      {Driver: 'default', Options: {'': 'v'}, Config: [{Subnet: '10.93.1.0/24', Gateway: '10.93.1.254', AuxiliaryAddresses: {'': '10.93.1.5'}}, {Subnet: 'fd00:93::/64', Gateway: 'fd00:93::fe'}]},
      {'': 'w'},
    ])
    await nerdOk(['network', 'rm', net('sliced')])
    // An empty value adds nothing.
    await nerdOk(['network', 'create', '--subnet', '', '--gateway', '', '--ip-range', '', net('unsliced')])
    await nerdOk(['network', 'rm', net('unsliced')])
    for (const [args, message] of [
      [['--gateway', '10.93.2.1'], 'every ip-range or gateway must have a corresponding subnet'],
      [['--subnet', '10.93.2.0/24', '--ip-range', '10.93.2.0/25,10.93.2.128/25'], 'every ip-range or gateway must have a corresponding subnet'],
      [['--subnet', '10.93.2.0/24', '--gateway', '10.93.2.1/24'], 'invalid network config: invalid gateway 10.93.2.1/24: invalid address'],
      [['--subnet', '10.93.2.0/24', '--aux-address', 'a=10.93.2.5/24'], 'invalid network config: invalid auxiliary address a: invalid address'],
      [['-d', 'macvlan', '-o', 'parent=lo'], 'loopback interface is not a valid macvlan parent link'],
      [['-d', 'ipvlan', '-o', 'parent=lo'], 'loopback interface is not a valid ipvlan parent link'],
      [['-d', 'ipvlan', '-o', 'parent=lo', '-o', 'ipvlan_flag=xx'], "requested ipvlan flag 'xx' is not valid, 'bridge' is the ipvlan driver default"],
    ] as const) {
      const refused = await nerd(['network', 'create', ...args, net('refused')])
      assert.deepEqual([refused.code, refused.stderr], [1, `Error: ${message}\n`], args.join(' '))
      assert.equal((await nerd(['network', 'inspect', net('refused')])).code, 1)
    }
  })

  it('inspect: host and none as docker shows them in NetworkSettings.Networks; the top-level EndpointID is the default bridge\'s', async () => {
    for (const mode of ['host', 'none']) {
      await nerdOk(['run', '-d', '--name', `on-${mode}`, '--network', mode, '--expose', '90', IMG, 'sleep', '60'])
      // No endpoint has ports: ps and inspect show none, as docker's.
      assert.equal(await nerdOk(['ps', '--filter', `name=on-${mode}`, '--format', '{{.Ports}}']), '\n')
      const networkId = (await nerdOk(['network', 'inspect', mode, '--format', '{{.Id}}'])).trim()
      const settings = (await inspectContainer(`on-${mode}`)).NetworkSettings
      assert.deepEqual(settings.Ports, {})
      const endpoint = settings.Networks[mode]
      assert.deepEqual(Object.keys(settings.Networks), [mode])
      assert.equal(endpoint.NetworkID, networkId)
      assert.match(endpoint.EndpointID, /^[0-9a-f]{64}$/)
      assert.deepEqual([endpoint.IPAddress, endpoint.Gateway, endpoint.MacAddress, endpoint.IPPrefixLen, endpoint.Aliases, endpoint.DNSNames], ['', '', '', 0, null, null])
      assert.equal(await nerdOk(['inspect', `on-${mode}`, '--format', '{{range $name, $endpoint := .NetworkSettings.Networks}}{{$name}}{{end}}']), `${mode}\n`)
      // The network lists the endpoint while the container runs, as docker's.
      const id = (await inspectContainer(`on-${mode}`)).Id as string
      const members = async () => JSON.parse(await nerdOk(['network', 'inspect', mode, '--format', '{{json .Containers}}'])) as Record<string, unknown>
      assert.deepEqual(await members(), {[id]: {Name: `on-${mode}`, EndpointID: endpoint.EndpointID, MacAddress: '', IPv4Address: '', IPv6Address: ''}})
      await nerdOk(['stop', '-t', '0', `on-${mode}`])
      assert.deepEqual(await members(), {})
      const stopped = (await inspectContainer(`on-${mode}`)).NetworkSettings.Networks[mode]
      assert.deepEqual([stopped.NetworkID, stopped.EndpointID], [networkId, ''])
      await nerdOk(['rm', '-f', `on-${mode}`])
    }
    await nerdOk(['run', '-d', '--name', 'on-bridge', IMG, 'sleep', '60'])
    const settings = (await inspectContainer('on-bridge')).NetworkSettings
    assert.match(settings.EndpointID, /^[0-9a-f]{64}$/)
    assert.equal(settings.EndpointID, settings.Networks.bridge.EndpointID)
    await nerdOk(['rm', '-f', 'on-bridge'])
  })

  it('a network named with spaces around it is the one without them, in inspect, connect, disconnect and rm; an empty name is refused, as docker\'s client does', async () => {
    const name = net('spaced')
    await nerdOk(['network', 'create', name])
    await nerdOk(['create', '--name', `${name}-c`, IMG, 'true'])
    try {
      assert.equal(await nerdOk(['network', 'inspect', '-f', '{{.Name}}', ` ${name} `]), `${name}\n`)
      assert.equal(await nerdOk(['inspect', '--type', 'network', '-f', '{{.Name}}', ` ${name} `]), `${name}\n`)
      await nerdOk(['network', 'connect', ` ${name} `, `${name}-c`])
      assert.equal(await nerdOk(['inspect', '-f', '{{range $n, $e := .NetworkSettings.Networks}}{{$n}} {{end}}', `${name}-c`]), `bridge ${name} \n`)
      await nerdOk(['network', 'disconnect', ` ${name} `, `${name}-c`])
      const empty = 'Error: invalid network name or ID: value is empty\n'
      for (const args of [['network', 'inspect', ' '], ['network', 'connect', '', `${name}-c`], ['network', 'rm', ' ']]) {
        const refused = await nerd(args)
        assert.deepEqual([refused.code, refused.stderr], [1, empty], args.join(' '))
      }
      assert.equal(await nerdOk(['network', 'rm', ` ${name} `]), ` ${name} \n`)
    } finally {
      await nerd(['rm', '-f', `${name}-c`])
      await nerd(['network', 'rm', name])
    }
  })

  it('network inspect lists the IPv4 subnet before the IPv6 one, whatever the order of the flags', async () => {
    const name = net('v6first')
    await nerdOk(['network', 'create', '--ipv6', '--subnet', 'fd00:4:e3e::/64', '--subnet', '10.4.249.0/24', name])
    try {
      assert.equal(await nerdOk(['network', 'inspect', name, '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}']), '10.4.249.0/24 fd00:4:e3e::/64 \n')
    } finally {
      await nerd(['network', 'rm', name])
    }
  })

  it('network connect takes docker\'s --link, --driver-opt, --gw-priority and --link-local-ip; run\'s --network takes the same keys', async () => {
    const [front, back] = [net('gw-front'), net('gw-back')]
    await nerdOk(['network', 'create', '--subnet', '10.213.41.0/24', front])
    await nerdOk(['network', 'create', '--subnet', '10.213.42.0/24', back])
    try {
      await nerdOk(['run', '-d', '--name', 'gw-target', '--network', front, '--ip', '10.213.41.20', IMG, 'sleep', '60'])
      await nerdOk(['run', '-d', '--name', 'gw-self', '--network', back, IMG, 'sleep', '60'])
      const defaultRoute = async (container: string) => nerdOk(['exec', container, 'ip', '-4', 'route', 'show', 'default'])
      assert.match(await defaultRoute('gw-self'), /^default via 10\.213\.42\.1 dev eth0 *\n$/)
      await nerdOk(['network', 'connect', '--link', 'gw-target:tgt', '--driver-opt', 'com.example.x=1', '--gw-priority', '5', '--link-local-ip', '169.254.9.9', front, 'gw-self'])
      const endpoint = (await inspectContainer('gw-self')).NetworkSettings.Networks[front]
      assert.deepEqual([endpoint.Links, endpoint.DriverOpts, endpoint.GwPriority, endpoint.IPAMConfig], [['gw-target:tgt'], {'com.example.x': '1'}, 5, {LinkLocalIPs: ['169.254.9.9']}])
      // The link's alias names the linked container on that network; the highest gw-priority gives the default route.
      assert.match(await nerdOk(['exec', 'gw-self', 'cat', '/etc/hosts']), /^10\.213\.41\.20\ttgt$/m)
      assert.match(await defaultRoute('gw-self'), /^default via 10\.213\.41\.1 dev eth1 *\n$/)
      assert.match(await nerdOk(['exec', 'gw-self', 'ip', '-4', '-o', 'addr', 'show', 'eth1']), /inet 169\.254\.9\.9\/16 /)
      await nerdOk(['network', 'disconnect', front, 'gw-self'])
      assert.match(await defaultRoute('gw-self'), /^default via 10\.213\.42\.1 dev eth0 *\n$/)
      for (const [options, code, message] of [
        [['--link', 'a:b:c'], 125, 'invalid argument "a:b:c" for "--link" flag: bad format for links: a:b:c'],
        [['--driver-opt', 'foo'], 1, 'Error: invalid key/value pair format in driver options'],
        [['--gw-priority', 'high'], 125, 'invalid argument "high" for "--gw-priority" flag: strconv.ParseInt: parsing "high": invalid syntax'],
        [['--link-local-ip', 'bogus'], 1, 'Error: invalid endpoint settings: invalid link-local IP address: bogus'],
        [['--link-local-ip', '10.213.41.99'], 1, 'Error: invalid link local IP address: 10.213.41.99'],
      ] as const) {
        const refused = await nerd(['network', 'connect', ...options, front, 'gw-self'])
        assert.deepEqual([refused.code, refused.stderr.split('\n')[0]], [code, message], options.join(' '))
      }
      const routes = await nerdOk(['run', '--rm', '--network', back, '--network', `name=${front},gw-priority=3,driver-opt=k=v`, IMG, 'ip', '-4', 'route', 'show', 'default'])
      assert.match(routes, /^default via 10\.213\.41\.1 dev eth1 *\n$/)
    } finally {
      await nerd(['rm', '-f', 'gw-target', 'gw-self'])
      await nerd(['network', 'rm', front, back])
    }
  })

  it('an IPv6 subnet of a network without --ipv6 is not checked and gives no address, --ip6 in it included, as docker 28', async () => {
    const name = net('v6-off')
    // docker's ValidateIPAM skips the subnet's blocks: host bits are no error here.
    await nerdOk(['network', 'create', '--subnet', '10.213.43.0/24', '--subnet', 'fd00:213:43::5/64', name])
    try {
      const config = (await nerdOk(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', name])).trim().split(' ')
      assert.deepEqual(config.sort(), ['10.213.43.0/24', 'fd00:213:43::5/64'])
      await nerdOk(['run', '-d', '--name', 'v6-off', '--network', name, '--ip6', 'fd00:213:43::9', IMG, 'sleep', '60'])
      assert.doesNotMatch(await nerdOk(['exec', 'v6-off', 'ip', '-6', '-o', 'addr', 'show', 'eth0']), /fd00:/)
      const endpoint = (await inspectContainer('v6-off')).NetworkSettings.Networks[name]
      assert.deepEqual([endpoint.IPAMConfig, endpoint.GlobalIPv6Address], [{IPv6Address: 'fd00:213:43::9'}, ''])
    } finally {
      await nerd(['rm', '-f', 'v6-off'])
      await nerd(['network', 'rm', name])
    }
  })

  it('a none container leaves none and joins a network, running (at once) or stopped (at its start), as docker\'s disconnect allows', async () => {
    const name = net('from-none')
    await nerdOk(['network', 'create', '--subnet', '10.213.40.0/24', name])
    try {
      const networksOf = async (container: string) => Object.keys((await inspectContainer(container)).NetworkSettings.Networks).sort()
      const eth0 = (container: string) => nerd(['exec', container, 'ip', '-4', '-o', 'addr', 'show', 'eth0'])
      await nerdOk(['run', '-d', '--name', 'none-running', '--network', 'none', IMG, 'sleep', '60'])
      const id = (await inspectContainer('none-running')).Id as string
      await nerdOk(['network', 'disconnect', 'none', 'none-running'])
      assert.deepEqual(await networksOf('none-running'), [])
      assert.deepEqual(JSON.parse(await nerdOk(['network', 'inspect', 'none', '--format', '{{json .Containers}}'])), {})
      const again = await nerd(['network', 'disconnect', 'none', 'none-running'])
      assert.deepEqual([again.code, again.stderr], [1, `Error: container ${id} is not connected to network none\n`])
      await nerdOk(['network', 'connect', '--ip', '10.213.40.9', '--alias', 'a1,a2', '--alias', 'a3', name, 'none-running'])
      assert.match((await eth0('none-running')).stdout, /inet 10\.213\.40\.9\/24 /)
      // --alias is docker's StringSliceVar: comma-separated lists.
      assert.deepEqual((await inspectContainer('none-running')).NetworkSettings.Networks[name].Aliases, ['a1', 'a2', 'a3'])
      assert.deepEqual(await networksOf('none-running'), [name])
      assert.equal((await inspectContainer('none-running')).HostConfig.NetworkMode, 'none')
      await nerdOk(['network', 'disconnect', name, 'none-running'])
      assert.equal((await eth0('none-running')).code, 1)
      // On no network, it may join none again (docker's updateNetworkSettings finds no other network to refuse it for).
      await nerdOk(['network', 'connect', 'none', 'none-running'])
      assert.deepEqual(await networksOf('none-running'), ['none'])
      const twice = await nerd(['network', 'connect', 'none', 'none-running'])
      assert.deepEqual([twice.code, twice.stderr], [1, 'Error: endpoint with name none-running already exists in network none\n'])
      const onNone = await nerd(['network', 'connect', name, 'none-running'])
      assert.deepEqual([onNone.code, onNone.stderr], [1, 'Error: container cannot be connected to multiple networks with one of the networks in private (none) mode\n'])
      await nerdOk(['rm', '-f', 'none-running'])

      await nerdOk(['create', '--name', 'none-stopped', '--network', 'none', IMG, 'sleep', '60'])
      await nerdOk(['network', 'disconnect', 'none', 'none-stopped'])
      await nerdOk(['network', 'connect', '--ip', '10.213.40.10', name, 'none-stopped'])
      assert.deepEqual(await networksOf('none-stopped'), [name])
      await nerdOk(['start', 'none-stopped'])
      assert.match((await eth0('none-stopped')).stdout, /inet 10\.213\.40\.10\/24 /)
      await nerdOk(['rm', '-f', 'none-stopped'])
    } finally {
      await nerd(['rm', '-f', 'none-running', 'none-stopped'])
      await nerd(['network', 'rm', name])
    }
  })
})

import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {firstFreeSubnet, formatAddress, goAddressText, hostRange, isLoopbackAddress, isReservedAddress, parseAddress, parseGoAddress, parseSubnet, subnetContains, subnetsOverlap} from '../../../src/network/ip.ts'
import {
  bindingsOnNetwork,
  checkDriverOptions,
  interContainerTraffic,
  ipamRanges,
  macForAddress,
  masquerades,
  networkConfList,
  networkForAddresses,
  networkMtu,
  parentProblem,
  ulaBaseNetwork,
  validateNetworkName,
} from '../../../src/network/model.ts'
import type {NetworkFacts} from '../../../src/network/model.ts'
import {parseNetworkValue, usesCni} from '../../../src/network/plan.ts'
import {extraHostLines} from '../../../src/container/etc-files.ts'

const facts = (overrides: Partial<NetworkFacts> = {}): NetworkFacts => ({
  id: 'f'.repeat(64),
  created: '2026-01-01T00:00:00Z',
  driver: 'bridge',
  labels: {},
  options: {},
  internal: false,
  ipv6: false,
  ranges: [{subnet: '10.4.7.0/24', gateway: '10.4.7.1'}],
  stateDir: '/var/lib/nerd/networks/f',
  bridge: 'br-ffffffffffff',
  ...overrides,
})

describe('addresses and subnets', () => {
  it('parses and prints IPv4 and IPv6, clearing host bits of a subnet', () => {
    assert.equal(parseSubnet('10.4.7.9/24')?.text, '10.4.7.0/24')
    assert.equal(parseSubnet('fd00:1:2::5/64')?.text, 'fd00:1:2::/64')
    assert.equal(parseSubnet('10.4.7.0'), undefined)
    assert.equal(parseSubnet('10.4.7.0/33'), undefined)
    assert.equal(formatAddress(6, parseAddress('2001:db8:0:0:1:0:0:1')!.value), '2001:db8::1:0:0:1')
    assert.equal(formatAddress(6, parseAddress('::ffff:10.0.0.1')!.value), '::ffff:a00:1')
  })

  it('tells overlaps and containment', () => {
    assert.equal(subnetsOverlap(parseSubnet('10.4.0.0/16')!, parseSubnet('10.4.9.0/24')!), true)
    assert.equal(subnetsOverlap(parseSubnet('10.4.8.0/24')!, parseSubnet('10.4.9.0/24')!), false)
    assert.equal(subnetsOverlap(parseSubnet('10.4.8.0/24')!, parseSubnet('fd00::/8')!), false)
    assert.equal(subnetContains(parseSubnet('10.4.8.0/24')!, '10.4.8.200'), true)
    assert.equal(subnetContains(parseSubnet('10.4.8.0/24')!, '10.4.9.1'), false)
    assert.deepEqual(hostRange(parseSubnet('10.4.8.128/25')!), {start: '10.4.8.129', end: '10.4.8.254'})
  })

  it('reads and prints addresses as Go\'s netip: a zone on IPv6 only, an IPv4-mapped address with its dotted tail; tells loopback ones', () => {
    const text = (address: string) => {
      const parsed = parseGoAddress(address)
      return parsed && goAddressText(parsed)
    }
    assert.deepEqual(['FE80:0::1%eth0', '::ffff:10.0.0.1', '2001:db8:0:0:1:0:0:1', '10.0.0.1'].map(text), ['fe80::1%eth0', '::ffff:10.0.0.1', '2001:db8::1:0:0:1', '10.0.0.1'])
    assert.deepEqual(['10.0.0.1%eth0', 'fe80::1%', '1.2.3.4.5', '010.0.0.1'].map(text), [undefined, undefined, undefined, undefined])
    assert.deepEqual(['127.0.0.53', '::1', '::ffff:127.0.0.1', '10.0.0.1', '::2'].map((address) => isLoopbackAddress(parseGoAddress(address)!)), [true, true, true, false, false])
  })

  it('finds the lowest subnet of a pool that overlaps none taken, as docker\'s IPAM', () => {
    const taken = ['fd00:1::/64', 'fd00:1:0:2::/63', '10.4.1.0/24'].map((subnet) => parseSubnet(subnet)!)
    assert.equal(firstFreeSubnet(parseSubnet('fd00:1::/48')!, 64, taken)?.text, 'fd00:1:0:1::/64')
    assert.equal(firstFreeSubnet(parseSubnet('fd00:1:0:2::/63')!, 64, taken), undefined)
    assert.equal(firstFreeSubnet(parseSubnet('10.4.0.0/16')!, 24, taken, 1)?.text, '10.4.2.0/24')
  })

  it('derives docker\'s IPv6 pool from the host ID, as its daemon does (its test\'s values)', () => {
    assert.deepEqual(ulaBaseNetwork('').base.text, 'fd42:98fc:1c14::/48')
    assert.deepEqual([ulaBaseNetwork('499d4bc0-b0b3-416f-b1ee-cf6486315593').base.text, ulaBaseNetwork('499d4bc0-b0b3-416f-b1ee-cf6486315593').size], ['fd62:fb69:18af::/48', 64])
  })

  it('tells the addresses docker\'s IPAM reserves: network and broadcast of IPv4 subnets larger than a /31, the network address of IPv6 ones', () => {
    const reserved = (subnet: string, address: string) => isReservedAddress(parseSubnet(subnet)!, address)
    assert.deepEqual(['10.94.0.0', '10.94.0.255', '10.94.0.1', '10.94.0.254'].map((address) => reserved('10.94.0.0/24', address)), [true, true, false, false])
    assert.deepEqual(['10.94.4.0', '10.94.4.1'].map((address) => reserved('10.94.4.0/31', address)), [false, false])
    assert.deepEqual(['fd00::', 'fd00::1', 'fd00::ffff:ffff:ffff:ffff'].map((address) => reserved('fd00::/64', address)), [true, false, false])
  })
})

describe('network requests', () => {
  it('pairs gateways and ranges with the subnet holding them, as docker does', () => {
    assert.deepEqual(ipamRanges({subnets: ['10.5.0.0/16', 'fd00::/64'], gateways: ['fd00::fe'], ipRanges: ['10.5.1.0/24']}), [
      {subnet: '10.5.0.0/16', gateway: '10.5.0.1', ipRange: '10.5.1.0/24'},
      {subnet: 'fd00::/64', gateway: 'fd00::fe'},
    ])
    assert.throws(() => ipamRanges({subnets: ['10.5.0.0/16'], gateways: ['10.6.0.1'], ipRanges: []}), /no matching subnet for gateway 10\.6\.0\.1/)
    assert.throws(() => ipamRanges({subnets: ['10.5.0.0/16'], gateways: [], ipRanges: ['10.7.0.0/24']}), /no matching subnet for range 10\.7\.0\.0\/24/)
    assert.throws(() => ipamRanges({subnets: ['10.5.0.0'], gateways: [], ipRanges: []}), /invalid subnet 10\.5\.0\.0/)
    assert.throws(() => ipamRanges({subnets: ['10.5.0.0/16', '10.5.0.0/16'], gateways: [], ipRanges: []}), {message: 'multiple overlapping subnet configuration is not supported'})
    assert.throws(() => ipamRanges({subnets: ['10.5.0.0/16', '10.5.1.0/24'], gateways: [], ipRanges: []}), {message: 'multiple overlapping subnet configuration is not supported'})
    assert.throws(() => ipamRanges({subnets: ['bogus'], gateways: [], ipRanges: []}), {message: 'invalid network config: invalid subnet bogus: invalid CIDR block notation'})
    assert.throws(() => ipamRanges({subnets: ['10.5.0.0/16'], gateways: [], ipRanges: ['bogus']}), {message: 'invalid CIDR address: bogus'})
    assert.throws(() => ipamRanges({subnets: ['10.5.0.0/16'], gateways: ['bogus'], ipRanges: []}), {message: 'no matching subnet for gateway bogus'})
    assert.throws(() => ipamRanges({subnets: ['10.5.0.0/16'], gateways: [], ipRanges: [], auxAddresses: {a: 'bogus'}}), {message: 'no matching subnet for aux-address bogus'})
    // docker 25's refusal of host bits, which nerd masked off.
    assert.throws(() => ipamRanges({subnets: ['172.31.0.5/16'], gateways: [], ipRanges: []}), {message: 'invalid network config: invalid subnet 172.31.0.5/16: it should be 172.31.0.0/16'})
    assert.throws(() => ipamRanges({subnets: ['10.5.0.0/16'], gateways: [], ipRanges: ['10.5.1.7/24']}), {message: 'invalid network config: invalid ip-range 10.5.1.7/24: it should be 10.5.1.0/24'})
    // The daemon says all it finds wrong, after the CLI has paired the values.
    assert.throws(() => ipamRanges({subnets: ['10.5.0.9/16'], gateways: ['10.5.0.1/16'], ipRanges: ['10.5.1.7/24']}), {
      message: 'invalid network config: invalid subnet 10.5.0.9/16: it should be 10.5.0.0/16; invalid ip-range 10.5.1.7/24: it should be 10.5.1.0/24; invalid gateway 10.5.0.1/16: invalid address',
    })
    // A subnet the CLI parses as it pairs (a second subnet, a range, a gateway, an aux-address) is refused there, in Go's words.
    const cliRefusal = {message: 'invalid subnet: invalid CIDR address: bogus'}
    assert.throws(() => ipamRanges({subnets: ['10.5.0.0/16', 'bogus'], gateways: [], ipRanges: []}), cliRefusal)
    assert.throws(() => ipamRanges({subnets: ['bogus', '10.5.0.0/16'], gateways: [], ipRanges: []}), cliRefusal)
    assert.throws(() => ipamRanges({subnets: ['10.5.0.0/16/1', '10.6.0.0/16'], gateways: [], ipRanges: []}), {message: 'invalid CIDR address: 10.5.0.0/16/1'})
    assert.throws(() => ipamRanges({subnets: ['bogus'], gateways: ['10.5.0.1'], ipRanges: []}), cliRefusal)
    assert.throws(() => ipamRanges({subnets: ['bogus'], gateways: [], ipRanges: ['10.5.0.0/24']}), cliRefusal)
    assert.throws(() => ipamRanges({subnets: ['bogus'], gateways: [], ipRanges: [], auxAddresses: {a: '10.5.0.5'}}), cliRefusal)
    // ValidateIPAM skips an IPv6 subnet of a network without IPv6 (it gives no address from it), kept as typed.
    assert.throws(() => ipamRanges({subnets: ['fd00:213:15::5/64'], gateways: [], ipRanges: [], ipv6: true}), {message: 'invalid network config: invalid subnet fd00:213:15::5/64: it should be fd00:213:15::/64'})
    assert.deepEqual(ipamRanges({subnets: ['fd00:213:15::5/64'], gateways: [], ipRanges: ['fd00:213:15::7/80']}), [
      {subnet: 'fd00:213:15::5/64', gateway: 'fd00:213:15::1', ipRange: 'fd00:213:15::7/80'},
    ])
    // docker's CLI pairs a range by its address as typed; its daemon then says what is wrong with the block.
    assert.throws(() => ipamRanges({subnets: ['10.213.4.0/24'], gateways: [], ipRanges: ['10.213.4.0/23']}), {message: 'invalid network config: invalid ip-range 10.213.4.0/23: CIDR block is bigger than its parent subnet 10.213.4.0/24'})
    assert.throws(() => ipamRanges({subnets: ['10.213.5.0/24'], gateways: [], ipRanges: ['10.213.5.0/23']}), {
      message: 'invalid network config: invalid ip-range 10.213.5.0/23: CIDR block is bigger than its parent subnet 10.213.5.0/24; invalid ip-range 10.213.5.0/23: it should be 10.213.4.0/23',
    })
    assert.throws(() => ipamRanges({subnets: ['10.213.6.0/24', '10.213.7.0/24'], gateways: ['10.213.6.1', '10.213.6.2'], ipRanges: []}), {
      message: 'cannot configure multiple gateways (10.213.6.2, 10.213.6.1) for the same subnet (10.213.6.0/24)',
    })
    assert.throws(() => ipamRanges({subnets: ['10.213.6.0/24', '10.213.7.0/24'], gateways: [], ipRanges: ['10.213.6.0/25', '10.213.6.128/25']}), {
      message: 'cannot configure multiple ranges (10.213.6.128/25, 10.213.6.0/25) on the same subnet (10.213.6.0/24)',
    })
  })

  it('says what docker says of gateways, ranges and aux-addresses without a subnet or written as CIDRs', () => {
    // docker's CLI counts first: more gateways or ranges than subnets, none of them paired.
    for (const request of [
      {subnets: [], gateways: ['10.99.0.1'], ipRanges: []},
      {subnets: [], gateways: [], ipRanges: ['10.99.0.0/25']},
      {subnets: ['10.99.0.0/24'], gateways: ['10.99.0.1', '10.98.0.1'], ipRanges: []},
    ]) {
      assert.throws(() => ipamRanges(request), {message: 'every ip-range or gateway must have a corresponding subnet'})
    }
    // A CIDR is paired by its address; the daemon then finds it no address.
    assert.throws(() => ipamRanges({subnets: ['10.99.0.0/24'], gateways: ['10.99.0.1/24'], ipRanges: []}), {message: 'invalid network config: invalid gateway 10.99.0.1/24: invalid address'})
    assert.throws(() => ipamRanges({subnets: ['10.99.0.0/24'], gateways: [], ipRanges: [], auxAddresses: {a: '10.99.0.5/24'}}), {message: 'invalid network config: invalid auxiliary address a: invalid address'})
    assert.throws(() => ipamRanges({subnets: ['10.99.0.0/24'], gateways: ['10.99.0.1/xx'], ipRanges: []}), {message: 'invalid CIDR address: 10.99.0.1/xx'})
    assert.throws(() => ipamRanges({subnets: ['10.99.0.0/24'], gateways: ['10.98.0.1/24'], ipRanges: []}), {message: 'no matching subnet for gateway 10.98.0.1/24'})
    // An aux-address of any name, an empty one too (docker's MapOpts).
    assert.deepEqual(ipamRanges({subnets: ['10.99.0.0/24'], gateways: [], ipRanges: [], auxAddresses: {'': '10.99.0.5'}}), [
      {subnet: '10.99.0.0/24', gateway: '10.99.0.1', auxAddresses: {'': '10.99.0.5'}},
    ])
  })

  it('gives CNI the whole subnet for a container asking for an address outside --ip-range', () => {
    const network = networkConfList('r', facts({ranges: [{subnet: '10.4.7.0/24', gateway: '10.4.7.1', ipRange: '10.4.7.128/25'}]}))
    const ipam = (list: typeof network) => list.plugins[0]!.ipam as {ranges: unknown}
    assert.deepEqual(ipam(networkForAddresses(network, ['10.4.7.9'])).ranges, [[{subnet: '10.4.7.0/24', gateway: '10.4.7.1'}]])
    assert.equal(networkForAddresses(network, []), network)
    assert.equal(networkForAddresses(network, ['fd00::9']), network)
  })

  it('checks names and driver options', () => {
    assert.equal(validateNetworkName('front_end.1'), 'front_end.1')
    assert.throws(() => validateNetworkName('-bad'), /invalid network name/)
    // Its conflist, nerd-<name>.conflist, is a file name (255 bytes at most).
    assert.equal(validateNetworkName('n'.repeat(241)), 'n'.repeat(241))
    assert.throws(() => validateNetworkName('n'.repeat(242)), {message: `invalid network name "${'n'.repeat(242)}": names are at most 241 characters long`})
    assert.throws(() => checkDriverOptions('macvlan', {}), /needs a parent interface/)
    assert.throws(() => checkDriverOptions('ipvlan', {parent: 'eth0', mode: 'bridge'}), {message: "requested ipvlan mode 'bridge' is not valid, 'l2' mode is the ipvlan driver default"})
    assert.throws(() => checkDriverOptions('macvlan', {parent: 'eth0', macvlan_mode: 'l2'}), {message: "requested macvlan mode 'l2' is not valid, 'bridge' mode is the macvlan driver default"})
    // docker's drivers refuse the loopback as a parent, and ipvlan flags of another name, before they look for the parent.
    for (const driver of ['macvlan', 'ipvlan'] as const) {
      assert.throws(() => checkDriverOptions(driver, {parent: 'lo'}), {message: `loopback interface is not a valid ${driver} parent link`})
    }
    assert.throws(() => checkDriverOptions('ipvlan', {parent: 'nosuch', ipvlan_flag: 'xx'}, false, () => false), {message: "requested ipvlan flag 'xx' is not valid, 'bridge' is the ipvlan driver default"})
    checkDriverOptions('ipvlan', {parent: 'eth0', ipvlan_flag: 'bridge', ipvlan_mode: 'l3'})
    // CNI's ipvlan plugin has no flags: its links bridge.
    assert.throws(() => checkDriverOptions('ipvlan', {parent: 'eth0', ipvlan_flag: 'private'}), {message: "ipvlan flag 'private' is not supported by nerd's ipvlan driver: its links bridge"})
    assert.throws(() => checkDriverOptions('bridge', {mtu: 'big'}), /invalid mtu/)
    assert.throws(() => checkDriverOptions('bridge', {'com.docker.network.bridge.name': 'a-bridge-name-too-long'}), /invalid bridge name/)
  })

  it('takes the docker bridge options nerd implements and refuses the others of docker\'s option space', () => {
    const implemented = {
      'com.docker.network.bridge.name': 'br-x',
      'com.docker.network.driver.mtu': '1400',
      'com.docker.network.bridge.host_binding_ipv4': '127.0.0.1',
      'com.docker.network.bridge.enable_icc': 'false',
      'com.docker.network.bridge.enable_ip_masquerade': 'F',
      foo: 'bar',
    }
    checkDriverOptions('bridge', implemented)
    checkDriverOptions('bridge', {'com.docker.network.bridge.host_binding_ipv4': '::1'}, true)
    checkDriverOptions('macvlan', {parent: 'eth0', 'com.docker.network.driver.mtu': '1400'})
    for (const option of [
      'com.docker.network.bridge.gateway_mode_ipv4',
      'com.docker.network.bridge.inhibit_ipv4',
      'com.docker.network.container_iface_prefix',
      'com.docker.network.host_ipv4',
      'com.docker.network.bridge.trusted_host_interfaces',
      'com.docker.network.enable_ipv6',
    ]) {
      assert.throws(() => checkDriverOptions('bridge', {[option]: 'x'}), {message: `network option ${option} is not supported by nerd's bridge driver`})
    }
    assert.throws(() => checkDriverOptions('ipvlan', {parent: 'eth0', 'com.docker.network.bridge.enable_icc': 'false'}), {
      message: "network option com.docker.network.bridge.enable_icc is not supported by nerd's ipvlan driver",
    })
    assert.throws(() => checkDriverOptions('bridge', {'com.docker.network.bridge.enable_icc': 'no'}), {
      message: 'failed to parse com.docker.network.bridge.enable_icc value: no (strconv.ParseBool: parsing "no": invalid syntax)',
    })
    assert.throws(() => checkDriverOptions('bridge', {'com.docker.network.bridge.host_binding_ipv4': 'localhost'}), {
      message: 'failed to parse com.docker.network.bridge.host_binding_ipv4 value: localhost (nil ip)',
    })
    assert.throws(() => checkDriverOptions('bridge', {'com.docker.network.bridge.host_binding_ipv4': '::'}), /an IPv6 host address needs an IPv6 network \(--ipv6\)/)
  })

  it('reads enable_icc and enable_ip_masquerade as docker does, true unless given false', () => {
    assert.deepEqual([interContainerTraffic(facts()), masquerades(facts())], [true, true])
    const off = facts({options: {'com.docker.network.bridge.enable_icc': '0', 'com.docker.network.bridge.enable_ip_masquerade': 'FALSE'}})
    assert.deepEqual([interContainerTraffic(off), masquerades(off)], [false, false])
    const on = facts({options: {'com.docker.network.bridge.enable_icc': 'True', 'com.docker.network.bridge.enable_ip_masquerade': 't'}})
    assert.deepEqual([interContainerTraffic(on), masquerades(on)], [true, true])
  })

  it('publishes the ports given no host address on host_binding_ipv4; an address given, or 0.0.0.0, stays', () => {
    const bindings = {'80/tcp': [{HostIp: '', HostPort: '8080'}, {HostIp: '10.0.0.5', HostPort: '8081'}], '53/udp': [{HostIp: '', HostPort: ''}]}
    const local = facts({options: {'com.docker.network.bridge.host_binding_ipv4': '127.0.0.1'}})
    assert.deepEqual(bindingsOnNetwork(local, bindings), {
      '80/tcp': [{HostIp: '127.0.0.1', HostPort: '8080'}, {HostIp: '10.0.0.5', HostPort: '8081'}],
      '53/udp': [{HostIp: '127.0.0.1', HostPort: ''}],
    })
    assert.equal(bindingsOnNetwork(facts(), bindings), bindings)
    assert.equal(bindingsOnNetwork(facts({options: {'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0'}}), bindings), bindings)
  })

  it('derives a container\'s MAC address from its IPv4 address as docker up to 27 did', () => {
    assert.equal(macForAddress('172.17.0.2'), '02:42:ac:11:00:02')
    assert.equal(macForAddress('10.231.255.254'), '02:42:0a:e7:ff:fe')
  })

  it('gives the links an MTU only when one above 0 is given', () => {
    assert.equal(networkMtu(facts()), undefined)
    assert.equal(networkMtu(facts({options: {'com.docker.network.driver.mtu': '0'}})), undefined)
    assert.equal(networkMtu(facts({options: {'com.docker.network.driver.mtu': '1400'}})), 1400)
    assert.equal(networkConfList('zero', facts({options: {mtu: '0'}})).plugins[0]!.mtu, undefined)
  })

  it('builds a bridge conflist with IPAM under the network\'s state directory and no per-container masquerading', () => {
    const list = networkConfList('front', facts({options: {mtu: '1400'}}))
    assert.deepEqual(list.plugins.map((plugin) => plugin.type), ['bridge', 'portmap', 'tuning'])
    const bridge = list.plugins[0]!
    assert.equal(bridge.bridge, 'br-ffffffffffff')
    assert.equal(bridge.ipMasq, false)
    assert.equal(bridge.mtu, 1400)
    assert.deepEqual(bridge.ipam, {
      type: 'host-local',
      ranges: [[{subnet: '10.4.7.0/24', gateway: '10.4.7.1'}]],
      routes: [{dst: '0.0.0.0/0'}],
      dataDir: '/var/lib/nerd/networks/f/ipam',
    })
    const internal = networkConfList('back', facts({internal: true})).plugins[0]!
    // The bridge holds the gateway address, and the containers get no default route.
    assert.equal(internal.isGateway, true)
    assert.equal(internal.isDefaultGateway, undefined)
    assert.equal((internal.ipam as {routes?: unknown}).routes, undefined)
    const macvlan = networkConfList('lan', facts({driver: 'macvlan', options: {parent: 'eth1'}})).plugins[0]!
    assert.deepEqual([macvlan.type, macvlan.master, macvlan.mode], ['macvlan', 'eth1', 'bridge'])
  })

  it('refuses a macvlan/ipvlan parent the host lacks in the words of docker\'s drivers (parseVlan)', () => {
    const links = new Set(['eth0', 'eth0.10'])
    const problem = (parent: string) => parentProblem(parent, (name) => links.has(name))
    assert.equal(problem('eth0'), undefined)
    assert.equal(problem('eth0.10'), undefined)
    assert.equal(problem('nosuchif'), 'required interface name format is: name.vlan_id, ex. eth0.10 for vlan 10, instead received nosuchif')
    assert.equal(problem('eth0.x'), 'unable to parse a valid vlan id from: x (ex. eth0.10 for vlan 10)')
    assert.equal(problem('eth9.20'), '-o parent interface was not found on the host: eth9')
    assert.match(problem('eth0.20')!, /^-o parent interface was not found on the host: eth0\.20 \(nerd does not make VLAN links/)
  })

  it('hands out IPv6 addresses only on a network with IPv6 enabled, as docker allocates no IPv6 pool otherwise', () => {
    const ranges = [{subnet: '10.4.7.0/24', gateway: '10.4.7.1'}, {subnet: 'fd00:213:14::/64', gateway: 'fd00:213:14::1'}]
    const ipam = (ipv6: boolean) => networkConfList('six', facts({ipv6, ranges})).plugins[0]!.ipam as {ranges: {subnet: string}[][]; routes: {dst: string}[]}
    assert.deepEqual(ipam(false).ranges.map(([range]) => range!.subnet), ['10.4.7.0/24'])
    assert.deepEqual(ipam(false).routes, [{dst: '0.0.0.0/0'}])
    assert.deepEqual(ipam(true).ranges.map(([range]) => range!.subnet), ['10.4.7.0/24', 'fd00:213:14::/64'])
  })
})

describe('container network options', () => {
  it('reads --network values, docker\'s advanced form included', () => {
    assert.deepEqual(parseNetworkValue('front'), {network: 'front', aliases: []})
    assert.deepEqual(parseNetworkValue('name=Front,alias=Web,alias=www,ip=10.4.7.9'), {network: 'front', aliases: ['web', 'www'], ip: '10.4.7.9'})
    // docker 28's endpoint keys: driver options (lowercased with the rest), link-local addresses, gw-priority (Go's Atoi).
    assert.deepEqual(parseNetworkValue('name=front,driver-opt=Com.X= Y ,driver-opt=b=,link-local-ip=169.254.7.7,link-local-ip=fe80::7,gw-priority=-3'), {
      network: 'front',
      aliases: [],
      driverOpts: {'com.x': 'y', b: ''},
      linkLocalIps: ['169.254.7.7', 'fe80::7'],
      gwPriority: -3,
    })
    assert.throws(() => parseNetworkValue('name=front,driver-opt=xy'), {message: 'invalid key value pair format in driver options'})
    assert.throws(() => parseNetworkValue('name=front,gw-priority=high'), {message: 'invalid gw-priority (high): invalid syntax'})
    assert.throws(() => parseNetworkValue('name=front,gw-priority=9223372036854775808'), {message: 'invalid gw-priority (9223372036854775808): value out of range'})
    assert.throws(() => parseNetworkValue('name=qn1,foo=bar'), {message: 'invalid field key foo'})
    assert.throws(() => parseNetworkValue('name=,alias=z'), {message: 'network name/id is not specified'})
    assert.throws(() => parseNetworkValue('name=x,alias'), {message: 'invalid field alias'})
    assert.equal(usesCni('bridge'), true)
    assert.equal(usesCni('none'), false)
    assert.equal(usesCni('container:web'), false)
  })

  it('writes --add-host entries as hosts lines, host-gateway as the default bridge\'s gateway', () => {
    assert.deepEqual(extraHostLines(['db:10.0.0.5', 'gw:host-gateway', 'v6:fd00::1']), ['10.0.0.5\tdb', '10.4.0.1\tgw', 'fd00::1\tv6'])
  })
})

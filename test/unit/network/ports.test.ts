import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {checkExposeFlag, endpointPorts, formatPortLines, formatPortsColumn, parseExpose, parsePublish, portBindings, publishableBindings, unpublishableReason} from '../../../src/network/ports.ts'

describe('published ports', () => {
  it('reads docker\'s -p forms', () => {
    assert.deepEqual(parsePublish('80'), {'80/tcp': [{HostIp: '', HostPort: ''}]})
    assert.deepEqual(parsePublish('8080:80'), {'80/tcp': [{HostIp: '', HostPort: '8080'}]})
    assert.deepEqual(parsePublish('127.0.0.1:8080:80/udp'), {'80/udp': [{HostIp: '127.0.0.1', HostPort: '8080'}]})
    assert.deepEqual(parsePublish('127.0.0.1::80'), {'80/tcp': [{HostIp: '127.0.0.1', HostPort: ''}]})
    assert.deepEqual(parsePublish('[::1]:8080:80'), {'80/tcp': [{HostIp: '::1', HostPort: '8080'}]})
    assert.deepEqual(parsePublish('8000-8001:80-81'), {'80/tcp': [{HostIp: '', HostPort: '8000'}], '81/tcp': [{HostIp: '', HostPort: '8001'}]})
    assert.deepEqual(parsePublish('8000-8010:80'), {'80/tcp': [{HostIp: '', HostPort: '8000-8010'}]})
    // Host port 0 is kept as typed (a free one at start), as docker keeps it.
    assert.deepEqual(parsePublish('0:80'), {'80/tcp': [{HostIp: '', HostPort: '0'}]})
    assert.deepEqual(parsePublish('0-1:80-81'), {'80/tcp': [{HostIp: '', HostPort: '0'}], '81/tcp': [{HostIp: '', HostPort: '1'}]})
  })

  it('splits the protocol off as go-connections\' SplitProtoPort: at the first slash, tcp when none follows it, nothing without a port', () => {
    assert.deepEqual(parsePublish('127.0.0.1:18080:80/'), {'80/tcp': [{HostIp: '127.0.0.1', HostPort: '18080'}]})
    assert.deepEqual(parsePublish('80/UDP'), {'80/udp': [{HostIp: '', HostPort: ''}]})
    assert.deepEqual(parseExpose('80/'), ['80/tcp'])
    checkExposeFlag('80/')
    assert.throws(() => parsePublish('80/tcp/udp'), {message: 'invalid proto: tcp/udp'})
    assert.throws(() => parsePublish('80/XYZ'), {message: 'invalid proto: xyz'})
    // No container port is no protocol, which docker's check of the protocol refuses first.
    for (const spec of ['80:', '', '8080:/tcp', 'published=8080']) assert.throws(() => parsePublish(spec), {message: 'invalid proto: '}, spec)
    // The part before a second colon is the host port, wherever a slash is.
    assert.throws(() => parsePublish('127.0.0.1:80/tcp:90'), {message: 'invalid hostPort: 80/tcp'})
  })

  it('reads a port range as go-connections\' ParsePortRange: its first two parts', () => {
    assert.deepEqual(parsePublish('80-81-82'), {'80/tcp': [{HostIp: '', HostPort: ''}], '81/tcp': [{HostIp: '', HostPort: ''}]})
    assert.deepEqual(parsePublish('8080-8081-8082:80-81'), {'80/tcp': [{HostIp: '', HostPort: '8080'}], '81/tcp': [{HostIp: '', HostPort: '8081'}]})
    assert.deepEqual(parseExpose('80-81-82'), ['80/tcp', '81/tcp'])
    checkExposeFlag('80-81-82')
    assert.throws(() => parsePublish('80-'), {message: 'invalid containerPort: 80-'})
    assert.throws(() => checkExposeFlag('80-'), {message: 'invalid range format for --expose: 80-, error: strconv.ParseUint: parsing "": invalid syntax'})
    assert.throws(() => checkExposeFlag('82-80'), {message: 'invalid range format for --expose: 82-80, error: invalid range specified for port: 82-80'})
  })

  it('reads the host IP as go-connections does: brackets taken off by Go\'s SplitHostPort, then Go\'s ParseIP, which takes no zone', () => {
    assert.deepEqual(parsePublish('[127.0.0.1]:18080:80'), {'80/tcp': [{HostIp: '127.0.0.1', HostPort: '18080'}]})
    assert.throws(() => parsePublish('[::1:8080:80'), {message: "invalid IP address [::1: address [::1:: missing ']' in address"})
    assert.throws(() => parsePublish('[::1]x:8080:80'), {message: 'invalid IP address [::1]x: address [::1]x:: missing port in address'})
    assert.throws(() => parsePublish('[::1]::8080:80'), {message: 'invalid IP address [::1]:: address [::1]::: too many colons in address'})
    assert.throws(() => parsePublish('[[::1]:8080:80'), {message: "invalid IP address [[::1]: address [[::1]:: unexpected '[' in address"})
    assert.throws(() => parsePublish('[fe80::1%lo]:18080:80'), {message: 'invalid IP address: fe80::1%lo'})
    assert.throws(() => parsePublish('fe80::1%lo:18080:80'), {message: 'invalid IP address: fe80::1%lo'})
    assert.throws(() => parsePublish('[1.2.3]:80:80'), {message: 'invalid IP address: 1.2.3'})
  })

  it('reads docker\'s CLI\'s long syntax as the short one it stands for', () => {
    assert.deepEqual(parsePublish('published=18540,target=80'), {'80/tcp': [{HostIp: '', HostPort: '18540'}]})
    assert.deepEqual(parsePublish('target=81,published=18541,protocol=udp'), {'81/udp': [{HostIp: '', HostPort: '18541'}]})
    assert.deepEqual(parsePublish('published=8000-8001,target=80-81,mode=host'), {'80/tcp': [{HostIp: '', HostPort: '8000'}], '81/tcp': [{HostIp: '', HostPort: '8001'}]})
    assert.deepEqual(parsePublish('target=80'), {'80/tcp': [{HostIp: '', HostPort: ''}]})
    assert.throws(() => parsePublish('published=18540,target'), {message: "invalid publish opts format (should be name=value but got 'target')"})
  })

  it('refuses what docker refuses, with its words', () => {
    assert.throws(() => parsePublish('80:abc'), /invalid containerPort: abc/)
    assert.throws(() => parsePublish('abc:80'), /invalid hostPort: abc/)
    assert.throws(() => parsePublish('1.2.3:80:80'), /invalid IP address: 1\.2\.3/)
    // go-connections' splitParts: everything before the last two parts is the host IP.
    assert.throws(() => parsePublish('80:80:80:80'), {message: 'invalid IP address: 80:80'})
    assert.deepEqual(parsePublish(':::18080:80'), {'80/tcp': [{HostIp: '::', HostPort: '18080'}]})
    assert.throws(() => checkExposeFlag('80:80'), {message: 'invalid port format for --expose: 80:80'})
    assert.throws(() => checkExposeFlag('abc'), {message: 'invalid range format for --expose: abc, error: strconv.ParseUint: parsing "abc": invalid syntax'})
    assert.throws(() => checkExposeFlag('/tcp'), {message: 'invalid range format for --expose: /tcp, error: empty string specified for ports'})
    assert.throws(() => checkExposeFlag('8080-NaN/tcp'), {message: 'invalid range format for --expose: 8080-NaN/tcp, error: strconv.ParseUint: parsing "NaN": invalid syntax'})
    checkExposeFlag('8000-8010/udp')
    assert.throws(() => parsePublish('80/xyz'), /invalid proto: xyz/)
    assert.throws(() => parsePublish('8000-8002:80-81'), /invalid ranges specified/)
    assert.throws(() => parsePublish('70000'), /invalid containerPort: 70000/)
  })

  it('expands --expose ranges, and -P publishes every exposed port not published already', () => {
    assert.deepEqual(parseExpose('8000-8002/udp'), ['8000/udp', '8001/udp', '8002/udp'])
    assert.deepEqual(portBindings(['8080:80'], true, ['80/tcp', '53/udp']), {
      '80/tcp': [{HostIp: '', HostPort: '8080'}],
      '53/udp': [{HostIp: '', HostPort: ''}],
    })
    assert.deepEqual(portBindings([], false, ['80/tcp']), {})
  })

  it('sorts port\'s lines as docker\'s CLI does: in natural order of the whole line', () => {
    const published = {
      '80/tcp': [{HostIp: '0.0.0.0', HostPort: '18080'}, {HostIp: '127.0.0.1', HostPort: '18081'}, {HostIp: '0.0.0.0', HostPort: '46301'}],
      '53/udp': [{HostIp: '0.0.0.0', HostPort: '5353'}],
      '53/tcp': [{HostIp: '0.0.0.0', HostPort: '5353'}],
    }
    assert.deepEqual(formatPortLines(published), ['53/tcp -> 0.0.0.0:5353', '53/udp -> 0.0.0.0:5353', '80/tcp -> 0.0.0.0:18080', '80/tcp -> 0.0.0.0:46301', '80/tcp -> 127.0.0.1:18081'])
    assert.deepEqual(formatPortLines(published, '80/tcp'), ['0.0.0.0:18080', '0.0.0.0:46301', '127.0.0.1:18081'])
  })

  it('publishes IPv6 host addresses only to a container with IPv6, and never IPv6 loopback: portmap\'s DNAT cannot carry them and nerd has no proxy', () => {
    for (const address of ['', '0.0.0.0', '127.0.0.1']) assert.equal(unpublishableReason(address, false), undefined)
    assert.equal(unpublishableReason('::', true), undefined)
    assert.match(unpublishableReason('::', false) ?? '', /no IPv6 address/)
    for (const loopback of ['::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) assert.match(unpublishableReason(loopback, true) ?? '', /loopback/)
    const bindings = {'80/tcp': [{HostIp: '', HostPort: '8080'}, {HostIp: '::', HostPort: '8080'}], '81/tcp': [{HostIp: '::1', HostPort: '8081'}]}
    assert.deepEqual(publishableBindings(bindings, false), {'80/tcp': [{HostIp: '', HostPort: '8080'}]})
    assert.deepEqual(publishableBindings(bindings, true), {'80/tcp': [{HostIp: '', HostPort: '8080'}, {HostIp: '::', HostPort: '8080'}]})
  })

  it('gives docker\'s NetworkSettings.Ports only of a network that carries them: exposed ports without a binding, then the bindings', () => {
    const bindings = {'80/tcp': [{HostIp: '127.0.0.1', HostPort: '18080'}]}
    assert.deepEqual(endpointPorts({ports: bindings, portsNetwork: 'bridge'}, ['80/tcp', '90/tcp']), {'80/tcp': bindings['80/tcp'], '90/tcp': []})
    assert.deepEqual(endpointPorts({ports: {}, portsNetwork: 'bridge'}, ['90/tcp']), {'90/tcp': []})
    // On internal networks only (no network carries them), and on host or none (no state).
    assert.deepEqual(endpointPorts({ports: {}}, ['90/tcp']), {})
    assert.deepEqual(endpointPorts(undefined, ['90/tcp']), {})
    // A state an older nerd wrote names no network: its bindings say it had one.
    assert.deepEqual(endpointPorts({ports: bindings}, ['90/tcp']), {'90/tcp': [], ...bindings})
  })

  it('puts IPv6 host addresses in brackets, as Go\'s JoinHostPort does', () => {
    const published = {'80/tcp': [{HostIp: '::1', HostPort: '18171'}], '81/tcp': [{HostIp: '::', HostPort: '81'}]}
    assert.equal(formatPortsColumn(published), '[::]:81->81/tcp, [::1]:18171->80/tcp')
    assert.deepEqual(formatPortLines(published), ['80/tcp -> [::1]:18171', '81/tcp -> [::]:81'])
    assert.deepEqual(formatPortLines(published, '80/tcp'), ['[::1]:18171'])
  })

  it('prints ps\'s PORTS column and port\'s lines as docker does', () => {
    const published = {'80/tcp': [{HostIp: '127.0.0.1', HostPort: '18080'}], '8080/tcp': [{HostIp: '0.0.0.0', HostPort: '32768'}]}
    assert.equal(formatPortsColumn({...published, '443/tcp': []}), '443/tcp, 127.0.0.1:18080->80/tcp, 0.0.0.0:32768->8080/tcp')
    // Runs of exposed ports, and of ports published on the same number, fold into ranges; a broken run is listed where it breaks.
    const exposed = endpointPorts({ports: {}, portsNetwork: 'bridge'}, ['7000/tcp', '7001/tcp', '7002/tcp', '7005/tcp', '53/udp'])
    assert.equal(formatPortsColumn(exposed), '7000-7002/tcp, 53/udp, 7005/tcp')
    const same = {'80/tcp': [{HostIp: '', HostPort: '80'}], '81/tcp': [{HostIp: '', HostPort: '81'}], '90/tcp': [{HostIp: '127.0.0.1', HostPort: '18090'}], '91/tcp': [{HostIp: '127.0.0.1', HostPort: '18091'}]}
    assert.equal(formatPortsColumn(same), '0.0.0.0:80-81->80-81/tcp, 127.0.0.1:18090->90/tcp, 127.0.0.1:18091->91/tcp')
    assert.deepEqual(formatPortLines(published), ['80/tcp -> 127.0.0.1:18080', '8080/tcp -> 0.0.0.0:32768'])
    assert.deepEqual(formatPortLines(published, '8080/tcp'), ['0.0.0.0:32768'])
    assert.deepEqual(formatPortLines(published, '81/tcp'), [])
  })
})

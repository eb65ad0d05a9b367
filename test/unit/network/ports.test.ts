import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {checkExposeFlag, formatPortLines, formatPortsColumn, parseExpose, parsePublish, portBindings, publishableBindings, unpublishableReason} from '../../../src/network/ports.ts'

describe('published ports', () => {
  it('reads docker\'s -p forms', () => {
    assert.deepEqual(parsePublish('80'), {'80/tcp': [{HostIp: '', HostPort: ''}]})
    assert.deepEqual(parsePublish('8080:80'), {'80/tcp': [{HostIp: '', HostPort: '8080'}]})
    assert.deepEqual(parsePublish('127.0.0.1:8080:80/udp'), {'80/udp': [{HostIp: '127.0.0.1', HostPort: '8080'}]})
    assert.deepEqual(parsePublish('127.0.0.1::80'), {'80/tcp': [{HostIp: '127.0.0.1', HostPort: ''}]})
    assert.deepEqual(parsePublish('[::1]:8080:80'), {'80/tcp': [{HostIp: '::1', HostPort: '8080'}]})
    assert.deepEqual(parsePublish('8000-8001:80-81'), {'80/tcp': [{HostIp: '', HostPort: '8000'}], '81/tcp': [{HostIp: '', HostPort: '8001'}]})
    assert.deepEqual(parsePublish('8000-8010:80'), {'80/tcp': [{HostIp: '', HostPort: '8000-8010'}]})
    assert.deepEqual(parsePublish('0:80'), {'80/tcp': [{HostIp: '', HostPort: ''}]})
  })

  it('reads docker\'s CLI\'s long syntax as the short one it stands for', () => {
    assert.deepEqual(parsePublish('published=18540,target=80'), {'80/tcp': [{HostIp: '', HostPort: '18540'}]})
    assert.deepEqual(parsePublish('target=81,published=18541,protocol=udp'), {'81/udp': [{HostIp: '', HostPort: '18541'}]})
    assert.deepEqual(parsePublish('published=8000-8001,target=80-81,mode=host'), {'80/tcp': [{HostIp: '', HostPort: '8000'}], '81/tcp': [{HostIp: '', HostPort: '8001'}]})
    assert.deepEqual(parsePublish('target=80'), {'80/tcp': [{HostIp: '', HostPort: ''}]})
    assert.throws(() => parsePublish('published=18540,target'), {message: "invalid publish opts format (should be name=value but got 'target')"})
    assert.throws(() => parsePublish('published=18540'), {message: 'no port specified: 18540:/tcp<empty>'})
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
    assert.throws(() => parsePublish('8080:'), /no port specified/)
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

  it('puts IPv6 host addresses in brackets, as Go\'s JoinHostPort does', () => {
    const published = {'80/tcp': [{HostIp: '::1', HostPort: '18171'}], '81/tcp': [{HostIp: '::', HostPort: '81'}]}
    assert.equal(formatPortsColumn(published, []), '[::]:81->81/tcp, [::1]:18171->80/tcp')
    assert.deepEqual(formatPortLines(published), ['80/tcp -> [::1]:18171', '81/tcp -> [::]:81'])
    assert.deepEqual(formatPortLines(published, '80/tcp'), ['[::1]:18171'])
  })

  it('prints ps\'s PORTS column and port\'s lines as docker does', () => {
    const published = {'80/tcp': [{HostIp: '127.0.0.1', HostPort: '18080'}], '8080/tcp': [{HostIp: '0.0.0.0', HostPort: '32768'}]}
    assert.equal(formatPortsColumn(published, ['443/tcp', '80/tcp']), '443/tcp, 127.0.0.1:18080->80/tcp, 0.0.0.0:32768->8080/tcp')
    // Runs of exposed ports, and of ports published on the same number, fold into ranges; a broken run is listed where it breaks.
    assert.equal(formatPortsColumn({}, ['7000/tcp', '7001/tcp', '7002/tcp', '7005/tcp', '53/udp']), '7000-7002/tcp, 53/udp, 7005/tcp')
    const same = {'80/tcp': [{HostIp: '', HostPort: '80'}], '81/tcp': [{HostIp: '', HostPort: '81'}], '90/tcp': [{HostIp: '127.0.0.1', HostPort: '18090'}], '91/tcp': [{HostIp: '127.0.0.1', HostPort: '18091'}]}
    assert.equal(formatPortsColumn(same, []), '0.0.0.0:80-81->80-81/tcp, 127.0.0.1:18090->90/tcp, 127.0.0.1:18091->91/tcp')
    assert.deepEqual(formatPortLines(published), ['80/tcp -> 127.0.0.1:18080', '8080/tcp -> 0.0.0.0:32768'])
    assert.deepEqual(formatPortLines(published, '8080/tcp'), ['0.0.0.0:32768'])
    assert.deepEqual(formatPortLines(published, '81/tcp'), [])
  })
})

import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {containerResolvConf, hostNetworkHosts, hostsFile, hostsNameProblem, namesOnlyResolvedStub} from '../../../src/container/etc-files.ts'

describe('etc files', () => {
  it('drops loopback nameservers from the host resolv.conf', () => {
    assert.equal(containerResolvConf('search lan\nnameserver 127.0.0.53\nnameserver 10.0.0.1\n'), 'search lan\nnameserver 10.0.0.1\n')
  })

  it('falls back to public resolvers when only loopback ones were there', () => {
    assert.equal(containerResolvConf('nameserver 127.0.0.53\noptions edns0\n'), 'options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n')
    assert.equal(containerResolvConf(''), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n')
  })

  it('drops IPv6 nameservers for a container without IPv6, as docker\'s legacy networking does, and falls back to IPv6 public resolvers too for one with IPv6', () => {
    const host = 'nameserver fd00::53\nnameserver 10.0.0.1\nnameserver fe80::1%eth0\nsearch lan\n'
    assert.equal(containerResolvConf(host), 'nameserver 10.0.0.1\nsearch lan\n')
    assert.equal(containerResolvConf(host, undefined, 'private', true), host)
    assert.equal(containerResolvConf('nameserver fd00::53\n'), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n')
    assert.equal(containerResolvConf('nameserver ::1\n', undefined, 'private', true), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\nnameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844\n')
    // --dns replaces them all, IPv6 ones given kept; on the host's network nothing is dropped.
    assert.equal(containerResolvConf(host, {dns: ['fd00::99'], dnsSearch: [], dnsOptions: []}), 'search lan\nnameserver fd00::99\n')
    assert.equal(containerResolvConf(host, undefined, 'host'), host)
  })

  it('tells a resolv.conf that names only systemd-resolved\'s stub, whose upstream list docker reads instead', () => {
    assert.equal(namesOnlyResolvedStub('nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch corp.example\n'), true)
    assert.equal(namesOnlyResolvedStub('  nameserver   127.0.0.53  \n'), true)
    assert.equal(namesOnlyResolvedStub('nameserver 127.0.0.53\nnameserver 10.0.0.1\n'), false)
    assert.equal(namesOnlyResolvedStub('nameserver 127.0.0.1\n'), false)
    assert.equal(namesOnlyResolvedStub('# nameserver 10.0.0.1\nnameserver 127.0.0.53\n'), true)
    assert.equal(namesOnlyResolvedStub(''), false)
  })

  it('tells a name an /etc/hosts line cannot hold', () => {
    for (const name of ['web', 'db_primary', 'api.example', 'bücher', 'x-1']) assert.equal(hostsNameProblem(name), undefined, name)
    for (const name of ['a b', 'a\tb', 'a\nb', 'x#y', 'a\u0000', 'a\u007f', 'a\u00a0b']) assert.match(hostsNameProblem(name) ?? '', /whitespace, '#' or control characters/, JSON.stringify(name))
    assert.equal(hostsNameProblem(''), 'it is empty')
  })

  it('replaces the host\'s nameservers, search domains and options with --dns, --dns-search and --dns-option', () => {
    const host = 'search lan\nnameserver 10.0.0.1\noptions ndots:2\n'
    assert.equal(containerResolvConf(host, {dns: ['10.9.9.9'], dnsSearch: [], dnsOptions: []}), 'search lan\noptions ndots:2\nnameserver 10.9.9.9\n')
    assert.equal(containerResolvConf(host, {dns: [], dnsSearch: ['a.test', 'b.test'], dnsOptions: ['timeout:1']}), 'nameserver 10.0.0.1\nsearch a.test b.test\noptions timeout:1\n')
    assert.equal(containerResolvConf(host, {dns: [], dnsSearch: ['.'], dnsOptions: []}), 'nameserver 10.0.0.1\noptions ndots:2\n')
  })

  it('keeps the host\'s resolv.conf on the host\'s network, loopback nameservers included, with the --dns overrides', () => {
    const host = 'search lan\nnameserver 127.0.0.53\n'
    assert.equal(containerResolvConf(host, {dns: [], dnsSearch: [], dnsOptions: []}, 'host'), host)
    assert.equal(containerResolvConf(host, {dns: ['10.9.9.9'], dnsSearch: [], dnsOptions: ['ndots:1']}, 'host'), 'search lan\nnameserver 10.9.9.9\noptions ndots:1\n')
    assert.equal(containerResolvConf(host, {dns: [], dnsSearch: ['a.test'], dnsOptions: []}, 'host'), 'nameserver 127.0.0.53\nsearch a.test\n')
  })

  it('gives a container on the host\'s network the host\'s /etc/hosts, or docker\'s own with the --add-host entries', () => {
    assert.equal(hostNetworkHosts('127.0.0.1\tlocalhost\n10.0.0.9\tlan-box\n', [], 'h'), '127.0.0.1\tlocalhost\n10.0.0.9\tlan-box\n')
    const own = hostNetworkHosts('10.0.0.9\tlan-box\n', ['10.1.2.3\tfoo'], 'h').trimEnd().split('\n')
    assert.equal(own[0], '127.0.0.1\tlocalhost')
    assert.equal(own.at(-1), '10.1.2.3\tfoo')
    assert.ok(!own.includes('10.0.0.9\tlan-box'))
  })

  it('writes docker hosts entries with the container addresses', () => {
    const hosts = hostsFile({hostname: 'abc', network: 'private', hostHostname: 'h', addresses: [{address: '10.4.0.2', names: []}, {address: '10.4.7.2', names: ['web', 'abc', 'web.front']}], extraHosts: ['1.2.3.4\tdb']})
    const lines = hosts.trimEnd().split('\n')
    assert.equal(lines[0], '127.0.0.1\tlocalhost')
    assert.ok(lines.includes('1.2.3.4\tdb'))
    assert.deepEqual(lines.slice(-2), ['10.4.0.2\tabc', '10.4.7.2\tabc web web.front'])
  })
})

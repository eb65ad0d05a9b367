import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {containerResolvConf, hostsFile} from '../../../src/container/etc-files.ts'

describe('etc files', () => {
  it('drops loopback nameservers from the host resolv.conf', () => {
    assert.equal(containerResolvConf('search lan\nnameserver 127.0.0.53\nnameserver 10.0.0.1\n'), 'search lan\nnameserver 10.0.0.1\n')
  })

  it('falls back to public resolvers when only loopback ones were there', () => {
    assert.equal(containerResolvConf('nameserver 127.0.0.53\noptions edns0\n'), 'options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n')
    assert.equal(containerResolvConf(''), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n')
  })

  it('replaces the host\'s nameservers, search domains and options with --dns, --dns-search and --dns-option', () => {
    const host = 'search lan\nnameserver 10.0.0.1\noptions ndots:2\n'
    assert.equal(containerResolvConf(host, {dns: ['10.9.9.9'], dnsSearch: [], dnsOptions: []}), 'search lan\noptions ndots:2\nnameserver 10.9.9.9\n')
    assert.equal(containerResolvConf(host, {dns: [], dnsSearch: ['a.test', 'b.test'], dnsOptions: ['timeout:1']}), 'nameserver 10.0.0.1\nsearch a.test b.test\noptions timeout:1\n')
    assert.equal(containerResolvConf(host, {dns: [], dnsSearch: ['.'], dnsOptions: []}), 'nameserver 10.0.0.1\noptions ndots:2\n')
  })

  it('writes docker hosts entries with the container addresses', () => {
    const hosts = hostsFile({hostname: 'abc', network: 'private', hostHostname: 'h', addresses: ['10.4.0.2'], extraHosts: ['1.2.3.4\tdb']})
    const lines = hosts.trimEnd().split('\n')
    assert.equal(lines[0], '127.0.0.1\tlocalhost')
    assert.ok(lines.includes('1.2.3.4\tdb'))
    assert.equal(lines.at(-1), '10.4.0.2\tabc')
  })
})

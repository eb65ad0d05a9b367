import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {linkEnv, linkHostsLine, parseLink, setLinkEnv} from '../../../src/container/links.ts'

describe('--link', () => {
  it('parses name, name:alias and inspect\'s /name:/parent/alias; refuses docker\'s bad forms', () => {
    assert.deepEqual(parseLink('db'), {container: 'db', alias: 'db'})
    assert.deepEqual(parseLink('db:database'), {container: 'db', alias: 'database'})
    assert.deepEqual(parseLink('/db:/web/database'), {container: 'db', alias: 'database'})
    assert.throws(() => parseLink(''), /^Error: empty string specified for links$/)
    assert.throws(() => parseLink('a:b:c'), /^Error: bad format for links: a:b:c$/)
  })

  it('orders ports TCP first, then by number, with a range for consecutive ones; leaves HOME and PATH out', () => {
    const env = linkEnv({parent: 'web', alias: 'my-db', address: '10.4.0.2', exposedPorts: ['53/udp', '81/tcp', '80/tcp'], env: ['PATH=/bin', 'HOME=/root', 'A=1=2', 'NOVALUE']})
    // As docker's, a run's _START/_END come once the run ends: after the first port that breaks it.
    assert.deepEqual(env.filter((entry) => !/_(ADDR|PORT|PROTO)=/.test(entry) || entry.startsWith('MY_DB_PORT=')), [
      'MY_DB_PORT=tcp://10.4.0.2:80',
      'MY_DB_PORT_80_TCP=tcp://10.4.0.2:80',
      'MY_DB_PORT_81_TCP=tcp://10.4.0.2:81',
      'MY_DB_PORT_53_UDP=udp://10.4.0.2:53',
      'MY_DB_PORT_80_TCP_START=tcp://10.4.0.2:80',
      'MY_DB_PORT_80_TCP_PORT_START=80',
      'MY_DB_PORT_80_TCP_END=tcp://10.4.0.2:81',
      'MY_DB_PORT_80_TCP_PORT_END=81',
      'MY_DB_NAME=/web/my-db',
      'MY_DB_ENV_A=1=2',
    ])
    assert.deepEqual(linkEnv({parent: 'web', alias: 'db', address: '10.4.0.2', exposedPorts: [], env: []}), ['DB_NAME=/web/db'])
  })

  it('names the linked container by alias and hostname, and by name unless that is the alias', () => {
    assert.equal(linkHostsLine({address: '10.4.0.2', alias: 'database', hostname: 'abc', name: 'db'}), '10.4.0.2\tdatabase abc db')
    assert.equal(linkHostsLine({address: '10.4.0.2', alias: 'db', hostname: 'abc', name: 'db'}), '10.4.0.2\tdb abc')
  })

  it('replaces the last start\'s link variables, never the container\'s own', () => {
    const spec = {process: {env: ['PATH=/bin', 'DB_NAME=mine', 'DB_PORT=tcp://10.4.0.2:80', 'DB_ENV_X=1'], args: [], cwd: '/'}} as never
    assert.equal(setLinkEnv(spec, ['db'], ['PATH=/bin', 'DB_NAME=mine'], ['DB_NAME=/web/db', 'DB_PORT=tcp://10.4.0.3:80']), true)
    assert.deepEqual((spec as {process: {env: string[]}}).process.env, ['PATH=/bin', 'DB_NAME=mine', 'DB_PORT=tcp://10.4.0.3:80'])
    assert.equal(setLinkEnv(spec, ['db'], ['PATH=/bin', 'DB_NAME=mine'], ['DB_NAME=/web/db', 'DB_PORT=tcp://10.4.0.3:80']), false)
  })
})

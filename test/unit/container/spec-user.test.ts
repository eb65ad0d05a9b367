import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {parseGroup, parsePasswd, resolveUser} from '../../../src/container/spec/index.ts'
import {NerdError} from '../../../src/errors.ts'

const passwd = [
  'root:x:0:0:root:/root:/bin/sh',
  '# a comment',
  '',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'app:x:1000:1000:App User:/home/app:/bin/sh',
  '1234:x:5000:5000::/home/numeric:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
].join('\n')

const group = [
  'root:x:0:',
  'wheel:x:10:root,app',
  'staff:x:50:app',
  'app:x:1000:',
  'docker:x:999:',
  'nogroup:x:65534:',
].join('\n')

const files = {passwd, group}

describe('passwd and group files', () => {
  it('parse names, ids, homes and members, skipping blanks and comments', () => {
    assert.deepEqual(parsePasswd(passwd)[2], {name: 'app', uid: 1000, gid: 1000, home: '/home/app'})
    assert.equal(parsePasswd(passwd).length, 5)
    assert.deepEqual(parseGroup(group)[1], {name: 'wheel', gid: 10, members: ['root', 'app']})
  })
})

describe('resolveUser', () => {
  const cases: [spec: string, uid: number, gid: number, additionalGids: number[], home: string][] = [
    ['', 0, 0, [0, 10], '/root'],
    ['root', 0, 0, [0, 10], '/root'],
    ['0', 0, 0, [0, 10], '/root'],
    ['app', 1000, 1000, [1000, 10, 50], '/home/app'],
    ['1000', 1000, 1000, [1000, 10, 50], '/home/app'],
    // A number is a uid even when a user is named like it.
    ['1234', 1234, 0, [0], '/'],
    ['app:staff', 1000, 50, [50], '/home/app'],
    ['app:999', 1000, 999, [999], '/home/app'],
    ['1000:docker', 1000, 999, [999], '/home/app'],
    ['4242:4343', 4242, 4343, [4343], '/'],
    // Fields after the group are ignored, as moby/sys/user's parseLine does.
    ['4242:4343:5000', 4242, 4343, [4343], '/'],
    ['nobody', 65534, 65534, [65534], '/nonexistent'],
  ]
  for (const [spec, uid, gid, additionalGids, home] of cases) {
    it(`-u '${spec}'`, () => {
      assert.deepEqual(resolveUser(spec, files), {uid, gid, additionalGids, home})
    })
  }

  it('runs an unknown numeric uid with gid 0, with or without passwd', () => {
    assert.deepEqual(resolveUser('4242', files), {uid: 4242, gid: 0, additionalGids: [0], home: '/'})
    assert.deepEqual(resolveUser('4242', {}), {uid: 4242, gid: 0, additionalGids: [0], home: '/'})
    assert.deepEqual(resolveUser('', {}), {uid: 0, gid: 0, additionalGids: [0], home: '/'})
  })

  it('refuses unknown names', () => {
    const fails = (spec: string, message: string, from: {passwd?: string; group?: string} = files) =>
      assert.throws(() => resolveUser(spec, from), (error: unknown) => error instanceof NerdError && error.exitCode === 125 && error.message === message)
    fails('ghost', 'unable to find user ghost: no matching entries in passwd file')
    fails('app', 'unable to find user app: no matching entries in passwd file', {})
    fails('app:ghosts', 'unable to find group ghosts: no matching entries in group file')
    fails('-1', 'uids and gids must be in range 0-2147483647')
  })

  it('adds --group-add groups by name or number after the user\'s own', () => {
    assert.deepEqual(resolveUser('app', files, ['docker', '4242', '10']).additionalGids, [1000, 10, 50, 999, 4242])
    assert.deepEqual(resolveUser('', {}, ['77']).additionalGids, [0, 77])
    assert.throws(() => resolveUser('app', files, ['ghosts']), {message: 'Unable to find group ghosts: no matching entries in group file'})
  })
})

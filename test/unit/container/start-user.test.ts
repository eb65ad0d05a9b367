import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import type {Mount} from '../../../src/containerd/index.ts'
import type {ContainerRecord} from '../../../src/container/model.ts'
import type {Spec} from '../../../src/container/spec/index.ts'
import {refreshUser, userFilesDigest, writeUserFilesRecord} from '../../../src/container/start-user.ts'
import {containerPaths} from '../../../src/container/store.ts'

describe('the user resolved again at start', () => {
  let work: string
  let rootfs: Mount[]
  let container: {record: ContainerRecord; paths: ReturnType<typeof containerPaths>}
  const files = (passwd: string, group: string) => {
    writeFileSync(join(work, 'root', 'etc', 'passwd'), passwd)
    writeFileSync(join(work, 'root', 'etc', 'group'), group)
    return {'/etc/passwd': passwd, '/etc/group': group}
  }
  const storedSpec = (): Spec => ({ociVersion: '1.0.2', process: {user: {uid: 65534, gid: 65534, additionalGids: [65534]}, args: ['id'], cwd: '/', env: ['PATH=/bin', 'HOME=/']}, root: {path: 'rootfs'}} as Spec)

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'nerd-start-user-'))
    mkdirSync(join(work, 'root', 'etc'), {recursive: true})
    rootfs = [{type: 'bind', source: join(work, 'root'), target: '', options: ['rbind']} as Mount]
    const paths = containerPaths(join(work, 'data'), 'default', 'c1')
    mkdirSync(paths.dir, {recursive: true})
    container = {record: {Config: {User: 'app', Env: ['PATH=/bin']}, HostConfig: {GroupAdd: null}} as unknown as ContainerRecord, paths}
  })
  after(() => rmSync(work, {recursive: true, force: true}))

  it('resolves the user from the container\'s files until a resolution of the same files is recorded', async () => {
    const read = files('root:x:0:0::/root:/bin/sh\napp:x:1000:50::/srv/app:/bin/sh\n', 'staff:x:50:\nwheel:x:10:app\n')
    await writeUserFilesRecord(container.paths, {digest: userFilesDigest(read), resolved: false})
    const refresh = await refreshUser(container, rootfs)
    assert.ok(refresh)
    const spec = storedSpec()
    assert.equal(refresh.change(spec), true)
    assert.deepEqual(spec.process!.user, {uid: 1000, gid: 50, additionalGids: [50, 10]})
    assert.deepEqual(spec.process!.env, ['PATH=/bin', 'HOME=/srv/app'])
    assert.equal(refresh.change(spec), false, 'nothing left to change')
    await refresh.recorded()
    assert.equal(await refreshUser(container, rootfs), undefined, 'same files: nothing to do')
    files('app:x:1001:50::/home/app:/bin/sh\n', 'staff:x:50:\n')
    assert.ok(await refreshUser(container, rootfs), 'new files: resolved again')
  })

  it('keeps a HOME the image or -e set, and fails a user the files lack with docker\'s message (exit 1)', async () => {
    files('app:x:1000:50::/srv/app:/bin/sh\n', '')
    const withHome = {...container, record: {...container.record, Config: {...container.record.Config, Env: ['HOME=/data']}} as ContainerRecord}
    const spec = storedSpec()
    spec.process!.env = ['PATH=/bin', 'HOME=/data']
    ;(await refreshUser(withHome, rootfs))!.change(spec)
    assert.deepEqual(spec.process!.env, ['PATH=/bin', 'HOME=/data'])
    files('root:x:0:0::/root:/bin/sh\n', '')
    await assert.rejects(refreshUser(container, rootfs), {message: 'unable to find user app: no matching entries in passwd file', exitCode: 1})
  })
})

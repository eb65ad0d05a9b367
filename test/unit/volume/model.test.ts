import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {naturalCompare} from '../../../src/format/go-values.ts'
import {checkLocalOptions, validateVolumeName, volumeFilesystem} from '../../../src/volume/model.ts'

describe('volume names', () => {
  it('takes docker names: a letter or digit, then letters, digits, _ . -', () => {
    for (const name of ['ab', 'data', 'my_vol.1-2', '0a', 'A'.repeat(200)]) assert.doesNotThrow(() => validateVolumeName(name), name)
  })

  it('refuses a one-character name as too short, in docker words', () => {
    assert.throws(() => validateVolumeName('x'), {message: 'create x: volume name is too short, names should be at least two alphanumeric characters'})
  })

  it('counts a name\'s length in bytes, as Go\'s len: `é` is two, refused for its characters', () => {
    assert.throws(() => validateVolumeName('é'), {message: 'create é: "é" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'})
  })

  it('takes names up to 241 characters, what its lock file (<name>.takeover.lock) leaves of a file name, and refuses longer ones on one line', () => {
    assert.doesNotThrow(() => validateVolumeName('v'.repeat(241)))
    const long = 'v'.repeat(242)
    assert.throws(() => validateVolumeName(long), {message: `create ${long}: volume name is too long, names should be at most 241 characters`})
  })

  it('refuses other characters with docker message, host paths included', () => {
    for (const name of ['/data', '../up', '_lead', '.hidden', 'has space', 'a/b', 'ü1']) {
      assert.throws(
        () => validateVolumeName(name),
        {message: `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`},
        name,
      )
    }
  })
})

describe('volume driver options', () => {
  it('accepts the local driver options together', () => {
    assert.doesNotThrow(() => checkLocalOptions('v', {type: 'tmpfs', device: 'tmpfs', o: 'size=10m'}))
    assert.doesNotThrow(() => checkLocalOptions('v', {type: 'none', device: '/srv', o: 'bind'}))
    assert.doesNotThrow(() => checkLocalOptions('v', {}))
  })

  it('refuses unknown options and incomplete sets with docker messages', () => {
    assert.throws(() => checkLocalOptions('v', {foo: 'bar'}), {message: 'create v: invalid option: "foo"'})
    assert.throws(() => checkLocalOptions('v', {type: 'tmpfs'}), {message: 'create v: missing required option: "device"'})
    assert.throws(() => checkLocalOptions('v', {device: 'tmpfs'}), {message: 'create v: missing required option: "type"'})
    assert.throws(() => checkLocalOptions('v', {o: 'size=1m', device: 'tmpfs'}), {message: 'create v: missing required option: "type"'})
  })

  it('refuses a size quota, which needs quota support nerd does not set up', () => {
    assert.throws(() => checkLocalOptions('v', {size: '10m'}), {message: 'create v: quota size requested but no quota support'})
    assert.throws(() => checkLocalOptions('v', {size: 'lots'}), {message: "create v: invalid size: 'lots'"})
    assert.doesNotThrow(() => checkLocalOptions('v', {size: '0'}))
  })

  it('mounts the filesystem of a volume with driver options, a bind of a host directory with its own options, as docker\'s local driver', () => {
    assert.equal(volumeFilesystem(null), undefined)
    assert.equal(volumeFilesystem({}), undefined)
    assert.deepEqual(volumeFilesystem({type: 'none', o: 'bind,ro', device: '/srv/data'}), {type: 'none', device: '/srv/data', options: 'bind,ro'})
    assert.deepEqual(volumeFilesystem({type: 'none', o: 'ro,rbind', device: '/srv/data'}), {type: 'none', device: '/srv/data', options: 'ro,rbind'})
    assert.deepEqual(volumeFilesystem({type: 'tmpfs', device: 'tmpfs', o: 'size=10m'}), {type: 'tmpfs', device: 'tmpfs', options: 'size=10m'})
    assert.deepEqual(volumeFilesystem({type: 'tmpfs', device: 'tmpfs'}), {type: 'tmpfs', device: 'tmpfs', options: ''})
  })
})

describe('volume helpers', () => {
  it('sorts names naturally, as docker volume ls', () => {
    assert.deepEqual(['v10', 'v9', 'a', 'v1', 'B', 'v01x'].sort(naturalCompare), ['B', 'a', 'v1', 'v01x', 'v9', 'v10'])
  })
})

describe("volume inspect's Go value (volume.Volume)", async () => {
  const {formatInspect} = await import('../../../src/format/output.ts')
  const {withGoType} = await import('../../../src/format/go-types.ts')
  const {VOLUME_TYPE} = await import('../../../src/volume/model.ts')
  const volume = () =>
    withGoType({CreatedAt: '2026-11-25T10:00:00Z', Driver: 'local', Labels: {env: 'qa'}, Mountpoint: '/data/v/_data', Name: 'qvol', Options: null, Scope: 'local'}, VOLUME_TYPE)
  const render = (format: string) => {
    const {text, errors} = formatInspect([volume()], format, {rawFallback: false})
    return errors[0] ?? text
  }

  it("prints {{.}} in the struct's field order, ClusterVolume first", () => {
    assert.equal(render('{{.}}'), '{<nil> 2026-11-25T10:00:00Z local map[env:qa] /data/v/_data qvol map[] local map[] <nil>}\n')
  })

  it('names its nil pointers by their types', () => {
    assert.equal(render('{{printf "%T %T %T" . .UsageData .ClusterVolume}}'), 'volume.Volume *volume.UsageData *volume.ClusterVolume\n')
    assert.equal(render('{{.UsageData.Size}}'), 'template parsing error: template: :1:12: executing "" at <.UsageData.Size>: nil pointer evaluating *volume.UsageData.Size')
  })
})

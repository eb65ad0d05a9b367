import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import type {ContainerRecord, MountPoint} from '../../../src/container/model.ts'
import {containerPaths, createContainerDir, writeRecord} from '../../../src/container/store.ts'
import {withFileLock, writeJsonAtomic} from '../../../src/files.ts'
import {containersUsingVolume, volumeUsers} from '../../../src/volume/in-use.ts'

const id = (digit: string) => digit.repeat(64)

/** A record with what reading one checks (container/store.ts), and these mounts. */
function recordWith(containerId: string, mounts: MountPoint[]): ContainerRecord {
  return {
    Id: containerId,
    Name: `c-${containerId[0]}`,
    Namespace: 'ns',
    Created: '2026-11-23T02:00:00Z',
    Path: 'true',
    Args: [],
    ImageRef: 'docker.io/library/busybox:latest',
    Image: 'sha256:0',
    Platform: 'linux/amd64',
    Snapshotter: 'overlayfs',
    Config: {Tty: false, OpenStdin: false, Env: [], Image: 'busybox'},
    HostConfig: {NetworkMode: 'none', PortBindings: {}, RestartPolicy: {Name: 'no', MaximumRetryCount: 0}, AutoRemove: false, LogConfig: {Type: 'json-file', Config: {}}},
    Mounts: mounts,
    StopSignal: 'SIGTERM',
    StopTimeout: 10,
    LogPath: '',
    AnonymousVolumes: [],
  } as unknown as ContainerRecord
}

function volumeMount(name: string, destination: string): MountPoint {
  return {Type: 'volume', Name: name, Source: `/data/volumes/ns/${name}/_data`, Destination: destination, Driver: 'local', Mode: '', RW: true, Propagation: ''}
}

describe('volumes in use', () => {
  let dataRoot: string
  const scope = () => ({dataRoot, namespace: 'ns'})

  before(async () => {
    dataRoot = await mkdtemp(join(tmpdir(), 'nerd-volume-in-use-'))
    const containers: Array<[string, MountPoint[]]> = [
      [id('b'), [volumeMount('shared', '/a'), volumeMount('only-b', '/b')]],
      [id('a'), [volumeMount('shared', '/x'), {Type: 'bind', Source: '/srv/shared', Destination: '/y', Mode: '', RW: true, Propagation: 'rprivate'}]],
      [id('c'), [{Type: 'tmpfs', Source: '', Destination: '/shared', Mode: '', RW: true, Propagation: ''}]],
    ]
    for (const [containerId, mounts] of containers) {
      const paths = containerPaths(dataRoot, 'ns', containerId)
      await createContainerDir(paths)
      await writeRecord(paths, recordWith(containerId, mounts))
    }
    // Being created: a state directory without its record yet.
    await createContainerDir(containerPaths(dataRoot, 'ns', id('d')))
    // Another namespace's container uses a volume of the same name there, not here.
    const elsewhere = containerPaths(dataRoot, 'other', id('e'))
    await createContainerDir(elsewhere)
    await writeRecord(elsewhere, recordWith(id('e'), [volumeMount('only-e', '/e')]))
  })
  after(() => rm(dataRoot, {recursive: true, force: true}))

  it('lists the containers whose records mount each volume, IDs in order', async () => {
    assert.deepEqual(await volumeUsers(scope()), new Map([['shared', [id('a'), id('b')]], ['only-b', [id('b')]]]))
  })

  it('answers for one volume, none for a bind source, a tmpfs target or another namespace', async () => {
    assert.deepEqual(await containersUsingVolume(scope(), 'shared'), [id('a'), id('b')])
    assert.deepEqual(await containersUsingVolume(scope(), 'only-e'), [])
    assert.deepEqual(await containersUsingVolume(scope(), 'unused'), [])
    assert.deepEqual(await containersUsingVolume({dataRoot, namespace: 'other'}, 'only-e'), [id('e')])
  })

  it('counts the volumes a create under way has claimed, not those a killed create claimed', async () => {
    const creating = containerPaths(dataRoot, 'ns', id('d'))
    await writeJsonAtomic(creating.volumeClaims, ['only-b', 'claimed'])
    // Nobody holds the create's lifecycle lock: the create was killed, its claim is void.
    assert.deepEqual(await containersUsingVolume(scope(), 'claimed'), [])
    await withFileLock(creating.lifecycle, async () => {
      assert.deepEqual(await containersUsingVolume(scope(), 'claimed'), [id('d')])
      assert.deepEqual(await containersUsingVolume(scope(), 'only-b'), [id('b'), id('d')])
    })
  })
})

import assert from 'node:assert/strict'
import {existsSync, rmSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, rm, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {
  NameConflictError,
  NoSuchContainerError,
  containerPaths,
  createContainerDir,
  idOfName,
  readState,
  releaseName,
  removeContainerFiles,
  removeOrphanedContainerFiles,
  reserveName,
  resolveContainerId,
  updateState,
} from '../../../src/container/store.ts'

const id = (digit: string): string => digit.repeat(64)
let root: string

/** A container as a finished create leaves it in the store: its state directory with its record. */
async function storedContainer(namespace: string, containerId: string): Promise<void> {
  const paths = containerPaths(root, namespace, containerId)
  await createContainerDir(paths)
  await writeFile(paths.record, '{}')
}

/** The lifecycle lock of `containerId` as a create holding it leaves it, refreshed `ageMs` ago (stale after 10 s). */
async function lifecycleLock(namespace: string, containerId: string, ageMs: number): Promise<void> {
  const lock = `${containerPaths(root, namespace, containerId).lifecycle}.lock`
  await mkdir(lock, {recursive: true})
  const time = new Date(Date.now() - ageMs)
  await utimes(lock, time, time)
}

describe('container store', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'nerd-store-'))
  })

  after(async () => {
    await rm(root, {recursive: true, force: true})
  })

  it('gives a name to exactly one of many concurrent claimants', async () => {
    const ids = ['1', '2', '3', '4', '5', '6', '7', '8'].map(id)
    await Promise.all(ids.map((each) => storedContainer('ns', each)))
    const results = await Promise.allSettled(ids.map((each) => reserveName(root, 'ns', 'web', each)))
    const won = results.filter((result) => result.status === 'fulfilled')
    assert.equal(won.length, 1)
    const owner = await idOfName(root, 'ns', 'web')
    for (const result of results) {
      if (result.status === 'rejected') {
        assert.ok(result.reason instanceof NameConflictError)
        assert.match(result.reason.message, new RegExp(`already in use by container "${owner}"`))
      }
    }
  })

  it('takes over a name whose owner is gone, and releases only its own', async () => {
    await storedContainer('ns', id('a'))
    await reserveName(root, 'ns', 'stale', id('a'))
    await removeContainerFiles(root, 'ns', id('a'), undefined)
    await storedContainer('ns', id('b'))
    await reserveName(root, 'ns', 'stale', id('b'))
    await releaseName(root, 'ns', 'stale', id('a'))
    assert.equal(await idOfName(root, 'ns', 'stale'), id('b'))
  })

  it('takes over a name whose owner a create killed before its record left (no lock held), not one a create under way holds', async () => {
    for (const [digit, name] of [['d', 'ghost'], ['e', 'creating']] as const) {
      const paths = containerPaths(root, 'ns4', id(digit))
      await createContainerDir(paths)
      await writeFile(paths.networkPlan, '{}')
      await reserveName(root, 'ns4', name, id(digit))
    }
    await lifecycleLock('ns4', id('d'), 30_000)
    await lifecycleLock('ns4', id('e'), 0)
    await storedContainer('ns4', id('f'))
    await reserveName(root, 'ns4', 'ghost', id('f'))
    assert.equal(await idOfName(root, 'ns4', 'ghost'), id('f'))
    await assert.rejects(reserveName(root, 'ns4', 'creating', id('f')), NameConflictError)
  })

  it('sweeps what a killed create left, whatever files it holds, with its name; never a create under way or a container with a record', async () => {
    const ghost = containerPaths(root, 'ns5', id('1'))
    await createContainerDir(ghost)
    await writeFile(ghost.networkPlan, '{}')
    await writeFile(join(ghost.dir, 'hostname'), 'x\n')
    await reserveName(root, 'ns5', 'ghost', id('1'))
    await lifecycleLock('ns5', id('1'), 30_000)
    const creating = containerPaths(root, 'ns5', id('2'))
    await createContainerDir(creating)
    await writeFile(creating.networkPlan, '{}')
    await reserveName(root, 'ns5', 'creating', id('2'))
    await lifecycleLock('ns5', id('2'), 0)
    // Nerd's record without containerd's container: remains that `ps -a` lists and `rm` removes.
    await storedContainer('ns5', id('3'))
    await reserveName(root, 'ns5', 'recorded', id('3'))
    await removeOrphanedContainerFiles(root, 'ns5', new Set())
    assert.deepEqual([existsSync(ghost.dir), existsSync(creating.dir), existsSync(containerPaths(root, 'ns5', id('3')).dir)], [false, true, true])
    const namesDir = join(root, 'names', 'ns5')
    assert.deepEqual(['ghost', 'creating', 'recorded'].map((name) => existsSync(join(namesDir, name))), [false, true, true])
  })

  it('resolves full ids, names and unique prefixes, and refuses ambiguous ones', async () => {
    await storedContainer('ns2', `ab${'0'.repeat(62)}`)
    await createContainerDir(containerPaths(root, 'ns2', `ac${'0'.repeat(62)}`))
    await reserveName(root, 'ns2', 'named', `ab${'0'.repeat(62)}`)
    assert.equal(await resolveContainerId(root, 'ns2', 'named'), `ab${'0'.repeat(62)}`)
    assert.equal(await resolveContainerId(root, 'ns2', 'ac'), `ac${'0'.repeat(62)}`)
    await assert.rejects(resolveContainerId(root, 'ns2', 'a'), /multiple IDs found with provided prefix: a/)
    await assert.rejects(resolveContainerId(root, 'ns2', 'zz'), /No such container: zz/)
  })

  it('serializes state updates', async () => {
    const paths = containerPaths(root, 'ns3', id('c'))
    await createContainerDir(paths)
    await Promise.all(Array.from({length: 10}, () => updateState(paths, (state) => ({RestartCount: state.RestartCount + 1}))))
    assert.equal((await readState(paths)).RestartCount, 10)
  })

  it('calls a state update whose container a racing removal took meanwhile no such container, not a missing file', async () => {
    const paths = containerPaths(root, 'ns3', id('d'))
    await createContainerDir(paths)
    // The removal lands between the check that the directory exists and the write.
    const update = updateState(paths, () => {
      rmSync(paths.dir, {recursive: true, force: true})
      return {ExplicitlyStopped: true}
    })
    await assert.rejects(update, (error: Error) => error instanceof NoSuchContainerError && error.message === `No such container: ${id('d')}`)
    assert.equal(existsSync(paths.dir), false)
  })

  it("judges whether the last run of a state an older nerd wrote (no ExitUnrecorded) has its exit recorded, from its times and its task's creation (init.pid's time), and writes no judgement into the file", async () => {
    const paths = containerPaths(root, 'ns4', id('e'))
    await createContainerDir(paths)
    const taskMade = new Date('2026-11-23T10:00:00.000Z')
    await writeFile(paths.initPid, '4242 1000')
    await utimes(paths.initPid, taskMade, taskMade)
    const judged = async (state: Record<string, unknown>): Promise<boolean | undefined> => {
      await writeFile(paths.state, JSON.stringify({ExitCode: 0, Error: '', OOMKilled: false, RestartCount: 0, ExplicitlyStopped: false, ...state}))
      return (await readState(paths)).ExitUnrecorded
    }
    // Never started; a start that cleared FinishedAt (until 2464dcc); a start after a recorded exit, which kept it.
    assert.equal(await judged({StartedAt: '', FinishedAt: ''}), undefined)
    assert.equal(await judged({StartedAt: '2026-11-23T10:00:00.100Z', FinishedAt: ''}), true)
    assert.equal(await judged({StartedAt: '2026-11-23T10:00:00.100Z', FinishedAt: '2026-11-23T09:00:00.000000000Z'}), true)
    // Recorded: the exit after the start, or a process ended at once, before that nerd stamped its start.
    assert.equal(await judged({StartedAt: '2026-11-23T10:00:00.100Z', FinishedAt: '2026-11-23T10:05:00.000000000Z'}), undefined)
    assert.equal(await judged({StartedAt: '2026-11-23T10:00:00.100Z', FinishedAt: '2026-11-23T10:00:00.050000000Z'}), undefined)
    // A start that failed after its task was made: the run before it stays recorded.
    assert.equal(await judged({StartedAt: '2026-11-23T08:00:00.000Z', FinishedAt: '2026-11-23T09:00:00.000000000Z'}), undefined)
    // A state this nerd wrote says it, whatever its times.
    assert.equal(await judged({StartedAt: '2026-11-23T10:00:00.100Z', FinishedAt: '2026-11-23T10:05:00.000000000Z', ExitUnrecorded: true}), true)

    await judged({StartedAt: '2026-11-23T10:00:00.100Z', FinishedAt: ''})
    assert.equal((await updateState(paths, () => ({RestartCount: 1}))).ExitUnrecorded, true)
    assert.equal('ExitUnrecorded' in JSON.parse(await readFile(paths.state, 'utf8')), false)
    await updateState(paths, () => ({ExitUnrecorded: undefined, FinishedAt: '2026-11-23T10:05:00.000000000Z'}))
    assert.equal((await readState(paths)).ExitUnrecorded, undefined)
  })
})

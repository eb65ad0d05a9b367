import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {repositoryAndTag} from '../../../src/image/list.ts'
import type {ImageSummary} from '../../../src/image/list.ts'
import {planPrune, planRemoval} from '../../../src/image/remove.ts'
import type {ImageUser} from '../../../src/image/remove.ts'

const hex = (char: string): string => `sha256:${char.repeat(64)}`
const ID = hex('a')

function image(name: string, id = ID, root = hex('f')): ImageSummary {
  const [repository, tag] = repositoryAndTag(name)
  return {record: {name, target: {mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: root, size: 1}, labels: {}}, repository, tag, digest: root, id, platform: 'linux/amd64', size: 1}
}

const busybox = image('docker.io/library/busybox:latest')
const other = image('docker.io/library/other:1')
const running: ImageUser = {id: 'c'.repeat(64), imageId: ID, imageName: 'docker.io/library/gone:1', running: true}
const stopped: ImageUser = {...running, id: 'd'.repeat(64), running: false}
const names = (plan: {records: ImageSummary[]}): string[] => plan.records.map((summary) => summary.record.name)

describe('planRemoval (docker rmi)', () => {
  it('untags a tag the image has others of, whatever containers use the image', () => {
    for (const force of [false, true]) {
      assert.deepEqual(planRemoval([busybox, other], 'other:1', {force, users: [running, stopped]}), {records: [other], keep: false})
    }
  })

  it('refuses to untag the single reference of an image a container uses, unless forced', () => {
    // In the words of docker's containerd store, the reference as it names the image.
    assert.throws(() => planRemoval([busybox], 'busybox', {force: false, users: [stopped]}), {
      message: `conflict: unable to delete busybox:latest (must be forced) - container dddddddddddd is using its referenced image aaaaaaaaaaaa`,
    })
    // A digest name of the same repository leaves it the single reference.
    const byDigest = image(`docker.io/library/busybox@${hex('f')}`)
    assert.throws(() => planRemoval([busybox, byDigest], 'busybox', {force: false, users: [stopped]}), /must be forced/)
  })

  it('counts a container that mounts the image (--mount type=image) by its name, not by its ID, as docker\'s containerd store', () => {
    const mounting: ImageUser = {id: 'e'.repeat(64), imageId: hex('b'), imageName: 'docker.io/library/other:1', mountedImageIds: [ID], running: true}
    assert.throws(() => planRemoval([busybox], 'docker.io/library/busybox', {force: false, users: [mounting]}), {
      message: `conflict: unable to delete busybox:latest (must be forced) - container eeeeeeeeeeee is using its referenced image aaaaaaaaaaaa`,
    })
    assert.deepEqual(planRemoval([busybox], 'busybox', {force: true, users: [mounting]}), {records: [busybox], keep: true})
    assert.deepEqual(planRemoval([busybox], ID, {force: false, users: [mounting]}), {records: [busybox], keep: false, deleted: ID})
  })

  it('-f of the last name keeps an image a container uses, running or stopped, nameless (docker\'s containerd store)', () => {
    assert.deepEqual(planRemoval([busybox], 'busybox', {force: true, users: [running]}), {records: [busybox], keep: true})
    assert.deepEqual(planRemoval([busybox], 'busybox', {force: true, users: [stopped]}), {records: [busybox], keep: true})
    assert.deepEqual(planRemoval([busybox], 'busybox', {force: false, users: []}), {records: [busybox], keep: false, deleted: ID})
  })

  it('by ID: a running container is a conflict -f cannot override, a stopped one and several repositories need -f', () => {
    for (const force of [false, true]) {
      assert.throws(() => planRemoval([busybox], 'aaaa', {force, users: [running]}), {
        message: 'conflict: unable to delete aaaaaaaaaaaa (cannot be forced) - image is being used by running container cccccccccccc',
      })
    }
    assert.throws(() => planRemoval([busybox], ID, {force: false, users: [stopped]}), {
      message: 'conflict: unable to delete aaaaaaaaaaaa (must be forced) - image is being used by stopped container dddddddddddd',
    })
    assert.throws(() => planRemoval([busybox, other], 'sha256:aaaa', {force: false, users: []}), {
      message: 'conflict: unable to delete aaaaaaaaaaaa (must be forced) - image is referenced in multiple repositories',
    })
    assert.deepEqual(planRemoval([busybox, other], ID, {force: true, users: [stopped]}), {records: [busybox, other], keep: false, deleted: ID})
  })

  it('finds the users of a container another client made by the record it names', () => {
    const made = {id: 'e'.repeat(64), imageName: busybox.record.name, running: true}
    assert.throws(() => planRemoval([busybox, other], ID, {force: true, users: [made]}), /running container eeeeeeeeeeee/)
    assert.deepEqual(planRemoval([busybox, other], ID, {force: true, users: [{...made, imageName: 'docker.io/library/gone:1'}]}).deleted, ID)
  })

  it('drops the digest names of a repository with its last tag, and untags the tags of a name@digest', () => {
    const byDigest = image(`docker.io/library/busybox@${hex('f')}`)
    assert.deepEqual(names(planRemoval([busybox, byDigest, other], 'busybox', {force: false, users: []})), [busybox.record.name, byDigest.record.name])
    const second = image('docker.io/library/busybox:2')
    assert.deepEqual(names(planRemoval([busybox, second, byDigest], 'busybox:2', {force: false, users: []})), [second.record.name])
    assert.deepEqual(names(planRemoval([busybox, second, other], `busybox@${hex('f')}`, {force: false, users: []})), [busybox.record.name, second.record.name])
  })

  it('keeps an image others were committed from as a dangling record when its only name goes unforced, reporting it deleted (docker\'s containerd store)', () => {
    const child: ImageSummary = {...image('docker.io/library/child:1', hex('b'), hex('e')), record: {...image('docker.io/library/child:1', hex('b'), hex('e')).record, labels: {'org.mobyproject.image.parent': ID}}}
    for (const word of ['busybox', ID]) {
      assert.deepEqual(planRemoval([busybox, child], word, {force: false, users: []}), {records: [busybox], keep: true, deleted: ID})
      assert.deepEqual(planRemoval([busybox, child], word, {force: true, users: []}), {records: [busybox], keep: false, deleted: ID})
    }
    // A nameless image goes, children or not.
    const dangling = image(`nerd-dangling@${hex('f')}`)
    assert.deepEqual(planRemoval([dangling, child], ID, {force: false, users: []}), {records: [dangling], keep: false, deleted: ID})
  })

  it('prunes the nameless images it was committed from, up to one with a name or a container, unless told not to (docker\'s deleteAll)', () => {
    const committed = (name: string, id: string, parent?: string): ImageSummary => {
      const made = image(name, id, id)
      return {...made, record: {...made.record, labels: parent ? {'org.mobyproject.image.parent': parent} : {}}}
    }
    const base = committed('docker.io/library/base:1', hex('1'))
    const grandparent = committed(`nerd-dangling@${hex('2')}`, hex('2'), hex('1'))
    const parent = committed(`nerd-dangling@${hex('3')}`, hex('3'), hex('2'))
    const kid = committed('docker.io/library/kid:1', hex('4'), hex('3'))
    const summaries = [base, grandparent, parent, kid]
    const plan = (word: string, options: {users?: ImageUser[]; prune?: boolean; images?: ImageSummary[]} = {}) => planRemoval(options.images ?? summaries, word, {force: false, users: options.users ?? [], prune: options.prune ?? true})
    assert.deepEqual(plan('kid:1'), {records: [kid], keep: false, deleted: hex('4'), parents: [[parent], [grandparent]]})
    assert.deepEqual(plan('kid:1', {prune: false}), {records: [kid], keep: false, deleted: hex('4')})
    // A container of the grandparent keeps it, and what is above it.
    const user: ImageUser = {id: 'c'.repeat(64), imageId: hex('2'), imageName: grandparent.record.name, running: false}
    assert.deepEqual(plan('kid:1', {users: [user]}).parents, [[parent]])
    // A named parent stops the walk: base stays.
    assert.deepEqual(plan('kid:1', {images: [base, kid].map((summary) => (summary === kid ? committed('docker.io/library/kid:1', hex('4'), hex('1')) : summary))}).parents, undefined)
    // An image with another record (here by ID, forced), or a chain that names an image gone, prunes none.
    assert.deepEqual(planRemoval([...summaries, committed('docker.io/library/kid:2', hex('4'), hex('3'))], hex('4'), {force: true, users: [], prune: true}).parents, undefined)
    assert.deepEqual(plan('kid:1', {images: [parent, kid]}).parents, undefined)
    // Untagging a name the image has others of deletes nothing, and prunes nothing.
    assert.deepEqual(plan('kid:1', {images: [...summaries, committed('docker.io/library/kid:2', hex('4'), hex('3'))]}).parents, undefined)
  })

  it('names a missing image as docker does', () => {
    assert.throws(() => planRemoval([busybox], 'nosuch', {force: false, users: []}), {message: 'No such image: nosuch:latest'})
  })
})

describe('planPrune (docker image prune)', () => {
  const all = {all: true, filter: {labels: []}}
  const extra = image('docker.io/qf/extra:1')
  const unused = image('docker.io/library/unused:1', hex('b'), hex('e'))
  const steps = (plan: ReturnType<typeof planPrune>): string[] => plan.map((step) => `${step.summary.record.name}${step.deleted ? ` ${step.deleted}` : ''}`)
  const user = (reference: string, imageName = busybox.record.name): ImageUser => ({id: 'c'.repeat(64), imageId: ID, imageName, reference, running: true})

  it('keeps the name a container was created with and untags the image\'s others; an unused image goes with its last name', () => {
    assert.deepEqual(steps(planPrune([busybox, other, extra, unused], {...all, users: [user('busybox')]})), [
      other.record.name,
      `${unused.record.name} ${hex('b')}`,
      extra.record.name,
    ])
    // name:tag@digest keeps name:tag too.
    assert.deepEqual(steps(planPrune([busybox, other], {...all, users: [user(`busybox:latest@${hex('f')}`)]})), [other.record.name])
  })

  it('keeps the last name, by name, of the image a container was created from by ID or digest, or whose creation name now names another', () => {
    for (const reference of ['aaaaaaaaaaaa', ID, `busybox@${hex('f')}`, 'docker.io/library/gone:1']) {
      assert.deepEqual(steps(planPrune([busybox, other, extra], {...all, users: [user(reference, extra.record.name)]})), [busybox.record.name, other.record.name], reference)
    }
  })

  it('keeps the dangling record of an image a container uses, and prunes the others only when dangling', () => {
    const dangling = image(`nerd-dangling@${hex('f')}`)
    const unusedDangling = image(`nerd-dangling@${hex('d')}`, hex('c'), hex('d'))
    for (const allOrDangling of [true, false]) {
      assert.deepEqual(steps(planPrune([dangling, unusedDangling, unused], {all: allOrDangling, filter: {labels: []}, users: [user('gone:1', 'docker.io/library/gone:1')]})), [
        ...(allOrDangling ? [`${unused.record.name} ${hex('b')}`] : []),
        `${unusedDangling.record.name} ${hex('c')}`,
      ])
    }
  })

  it('counts a name the filters keep as a name the image still has', () => {
    const old = {...extra, record: {...extra.record, createdAt: new Date('2020-01-01')}}
    const fresh = {...busybox, record: {...busybox.record, createdAt: new Date()}}
    assert.deepEqual(steps(planPrune([old, fresh], {all: true, filter: {until: new Date('2021-01-01'), labels: []}, users: []})), [old.record.name])
  })
})

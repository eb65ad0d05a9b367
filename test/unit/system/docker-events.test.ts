import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {dockerEvent, eventLine, eventMatches, parseEventFilters} from '../../../src/system/events.ts'
import type {ContainerFacts} from '../../../src/system/events.ts'

const facts = {of: async (id: string) => ({name: id === 'c1' ? 'web' : id.slice(0, 12), image: 'busybox', labels: {tier: 'front'}})} as unknown as ContainerFacts
const at = {seconds: '1795414339', nanos: 776624384}

describe('docker events from containerd events', () => {
  it('translates task and container events, with the exit code of a die', async () => {
    const die = await dockerEvent({topic: '/tasks/exit', namespace: 'default', timestamp: at, event: null, payload: {containerId: 'c1', exitStatus: 3}}, facts)
    assert.deepEqual(die?.Actor, {ID: 'c1', Attributes: {tier: 'front', image: 'busybox', name: 'web', exitCode: '3'}})
    assert.equal(die?.Action, 'die')
    assert.equal(die?.time, 1795414339)
    const destroy = await dockerEvent({topic: '/containers/delete', namespace: 'default', timestamp: at, event: null, payload: {id: 'c1'}}, facts)
    assert.equal(destroy?.Action, 'destroy')
    assert.equal(await dockerEvent({topic: '/snapshot/prepare', namespace: 'default', timestamp: at, event: null, payload: {key: 'x'}}, facts), undefined)
    assert.equal((await dockerEvent({topic: '/images/delete', namespace: 'default', timestamp: at, event: null, payload: {name: 'busybox:latest'}}, facts))?.Type, 'image')
  })

  it('prints docker\'s line and filters as docker does', async () => {
    const start = (await dockerEvent({topic: '/tasks/start', namespace: 'default', timestamp: at, event: null, payload: {containerId: 'c1', pid: 9}}, facts))!
    assert.match(eventLine(start), /^2026-11-\d\dT\d\d:\d\d:19\.7766\d{5}Z container start c1 \(image=busybox, name=web, tier=front\)$/)
    assert.equal(eventMatches(start, parseEventFilters(['event=start', 'event=die'])), true)
    assert.equal(eventMatches(start, parseEventFilters(['event=die'])), false)
    assert.equal(eventMatches(start, parseEventFilters(['container=web', 'label=tier=front', 'type=container'])), true)
    assert.equal(eventMatches(start, parseEventFilters(['image=alpine'])), false)
    assert.throws(() => parseEventFilters(['colour=red']), /invalid filter 'colour'/)
    assert.throws(() => parseEventFilters(['event']), /bad format of filter/)
  })
})

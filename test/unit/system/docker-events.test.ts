import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {packAny} from '../../../src/containerd/index.ts'
import type {ContainerdEvent} from '../../../src/containerd/index.ts'
import Events from '../../../src/commands/events.ts'
import {renderItems} from '../../../src/format/index.ts'
import {ContainerFacts, dockerEvent, dockerEvents, eventLine, eventMatches, eventRenderer, eventTemplateData} from '../../../src/system/events.ts'
import type {DockerEvent} from '../../../src/system/events.ts'
import {filterTerms} from '../../../src/filter-terms.ts'
import {nerdEventOf} from '../../../src/system/nerd-events.ts'

/** Facts of c1 (`web`, renamed `shop` once forgotten) and of any other container. */
function fakeFacts(): ContainerFacts {
  let name = 'web'
  return {
    of: async (id: string) => ({name: id === 'c1' ? name : id.slice(0, 12), image: 'busybox', labels: {tier: 'front'}}),
    forget: (id: string) => {
      if (id === 'c1') name = 'shop'
    },
    started: () => undefined,
    destroyed: () => undefined,
    ranSeconds: async () => 4,
  } as unknown as ContainerFacts
}
const facts = fakeFacts()
const at = {seconds: '1795414339', nanos: 776624384}

function containerd(topic: string, payload: Record<string, unknown>): ContainerdEvent {
  return {topic, namespace: 'default', timestamp: at, event: null, payload}
}

/** An event of nerd's own as `nerd events` receives it: the payload decoded from the Any that was published. */
function published(topic: string, id: string, attributes: Record<string, string>): ContainerdEvent {
  return {topic, namespace: 'default', timestamp: at, event: packAny('nerd.events.v1.Actor', {id, attributes}), payload: {id, attributes}}
}

describe('docker events from containerd events', () => {
  it('translates task and container events, with the exit code of a die', async () => {
    const die = await dockerEvent(containerd('/tasks/exit', {containerId: 'c1', id: 'c1', exitStatus: 3}), facts)
    assert.deepEqual(die?.Actor, {ID: 'c1', Attributes: {tier: 'front', image: 'busybox', name: 'web', exitCode: '3', execDuration: '4'}})
    assert.equal(die?.Action, 'die')
    assert.equal(die?.Time, 1795414339)
    assert.equal(die?.TimeNano, 1795414339776624384n)
    const destroy = await dockerEvent(containerd('/containers/delete', {id: 'c1'}), facts)
    assert.equal(destroy?.Action, 'destroy')
    assert.equal(await dockerEvent(containerd('/snapshot/prepare', {key: 'x'}), facts), undefined)
  })

  it("gives a die docker's execDuration: the whole seconds since the start seen, or since the state's StartedAt", async () => {
    const real = new ContainerFacts('/nonexistent', 'default')
    await dockerEvent(containerd('/tasks/start', {containerId: 'c2', pid: 9}), real)
    const exit = (seconds: number, nanos: number) => containerd('/tasks/exit', {containerId: 'c2', id: 'c2', exitStatus: 0, exitedAt: {seconds: String(seconds), nanos}})
    assert.equal((await dockerEvent(exit(1795414346, 776624383), real))?.Actor.Attributes.execDuration, '6')
    // No start seen (and no state to read): 0.
    assert.equal((await dockerEvent(exit(1795414400, 0), real))?.Actor.Attributes.execDuration, '0')
  })

  it("reports the end of an exec'd process as exec_die, not as the container's die", async () => {
    const execDie = await dockerEvent(containerd('/tasks/exit', {containerId: 'c1', id: 'exec-7', exitStatus: 2}), facts)
    assert.equal(execDie?.Action, 'exec_die')
    assert.deepEqual(execDie?.Actor, {ID: 'c1', Attributes: {execID: 'exec-7', exitCode: '2', tier: 'front', image: 'busybox', name: 'web'}})
  })

  it("leaves containerd's container updates out: they are nerd's label changes, and update is nerd's own event", async () => {
    assert.equal(await dockerEvent(containerd('/containers/update', {id: 'c1', labels: {}}), facts), undefined)
  })

  it("leaves containerd's image records and exec processes to nerd's own events, which name them as docker does", async () => {
    for (const topic of ['/images/create', '/images/update', '/images/delete']) assert.equal(await dockerEvent(containerd(topic, {name: 'docker.io/qa/tagged:latest'}), facts), undefined)
    for (const topic of ['/tasks/exec-added', '/tasks/exec-started']) assert.equal(await dockerEvent(containerd(topic, {containerId: 'c1', execId: 'e1'}), facts), undefined)
    const untag = await dockerEvent(published('/nerd/image/untag', 'sha256:abc', {name: 'qa/tagged:v1'}), facts)
    assert.deepEqual([untag?.Type, untag?.Action, untag?.Status, untag?.ID, untag?.From], ['image', 'untag', 'untag', 'sha256:abc', ''])
    assert.deepEqual(untag?.Actor, {ID: 'sha256:abc', Attributes: {name: 'qa/tagged:v1'}})
  })

  it("gives exec_create and exec_start docker's action text, the command after a colon", async () => {
    const create = await dockerEvent(published('/nerd/container/exec_create', 'c1', {execID: 'e1', exec_create: 'ls -l /'}), facts)
    assert.equal(create?.Action, 'exec_create: ls -l /')
    assert.equal(create?.Status, 'exec_create: ls -l /')
    assert.deepEqual(create?.Actor.Attributes, {execID: 'e1', tier: 'front', image: 'busybox', name: 'web'})
    const start = (await dockerEvent(published('/nerd/container/exec_start', 'c1', {execID: 'e1', exec_start: 'true '}), facts))!
    assert.equal(start.Action, 'exec_start: true ')
    assert.equal(eventMatches(start, filterTerms(['event=exec_start'])), true)
    assert.equal(eventMatches(start, filterTerms(['event=exec_create'])), false)
  })

  it("matches every event value as a prefix of the action once health_status, exec_create or exec_start is among them, as docker's daemon", async () => {
    const die = (await dockerEvent(containerd('/tasks/exit', {containerId: 'c1', id: 'c1', exitStatus: 0}), facts))!
    const create = (await dockerEvent(published('/nerd/container/exec_create', 'c1', {execID: 'e1', exec_create: 'ls'}), facts))!
    assert.equal(eventMatches(die, filterTerms(['event=exec_create', 'event=d'])), true)
    assert.equal(eventMatches(create, filterTerms(['event=exec_create', 'event=d'])), true)
    assert.equal(eventMatches(die, filterTerms(['event=health_status', 'event=di'])), true)
    assert.equal(eventMatches(die, filterTerms(['event=exec_start', 'event=x'])), false)
    // Without one of them, exact.
    assert.equal(eventMatches(die, filterTerms(['event=d', 'event=start'])), false)
  })

  it("gives a destroy the name, image and labels nerd's mark before the removal carries, its record gone; the mark is no event of its own", async () => {
    const real = new ContainerFacts('/nonexistent', 'default')
    const labels = JSON.stringify({app: 'web'})
    assert.equal(await dockerEvent(published('/nerd/container/removing', 'c3c3c3c3c3c3c3c3', {name: 'fz1', image: 'nerd-test/busybox', labels}), real), undefined)
    const destroy = await dockerEvent(containerd('/containers/delete', {id: 'c3c3c3c3c3c3c3c3'}), real)
    assert.deepEqual(destroy?.Actor.Attributes, {app: 'web', image: 'nerd-test/busybox', name: 'fz1'})
    assert.equal(destroy?.From, 'nerd-test/busybox')
    // Nothing kept of it after: a long `nerd events` does not grow with the containers gone.
    assert.deepEqual((await dockerEvent(containerd('/containers/delete', {id: 'c3c3c3c3c3c3c3c3'}), real))?.Actor.Attributes, {name: 'c3c3c3c3c3c3'})
  })

  it("translates nerd's own events: containers with their name, image and labels, volumes and networks as published", async () => {
    const kill = await dockerEvent(published('/nerd/container/kill', 'c1', {signal: '15'}), facts)
    assert.equal(kill?.Action, 'kill')
    assert.deepEqual(kill?.Actor.Attributes, {signal: '15', tier: 'front', image: 'busybox', name: 'web'})
    assert.equal(kill?.From, 'busybox')
    const rename = await dockerEvent(published('/nerd/container/rename', 'c1', {oldName: '/web'}), fakeFacts())
    assert.deepEqual(rename?.Actor.Attributes, {oldName: '/web', tier: 'front', image: 'busybox', name: 'shop'})
    const volume = await dockerEvent(published('/nerd/volume/create', 'data', {driver: 'local'}), facts)
    assert.deepEqual({...volume}, {Status: '', ID: '', From: '', Type: 'volume', Action: 'create', Actor: {ID: 'data', Attributes: {driver: 'local'}}, Scope: 'local', Time: 1795414339, TimeNano: 1795414339776624384n})
    const connect = await dockerEvent(published('/nerd/network/connect', 'n1', {container: 'c1', name: 'front', type: 'bridge'}), facts)
    assert.equal(connect?.Type, 'network')
    assert.deepEqual(connect?.Actor, {ID: 'n1', Attributes: {container: 'c1', name: 'front', type: 'bridge'}})
  })

  describe("docker's order around a container's end", () => {
    const later = {seconds: '1795414341', nanos: 5}
    const exit = (id: string) => containerd('/tasks/exit', {containerId: id, id, exitStatus: 137})
    // The run started 7.78 s before the exit (at).
    const ended = (id: string, attributes: Record<string, string> = {startedAt: new Date((Number(at.seconds) - 7) * 1000).toISOString()}) => ({...published('/nerd/container/task_ended', id, attributes), timestamp: later})
    const disconnect = published('/nerd/network/disconnect', 'n1', {container: 'c1', name: 'none', type: 'null'})
    const unmount = published('/nerd/volume/unmount', 'data', {container: 'c1', driver: 'local'})
    async function* stream(events: ContainerdEvent[], thenWaitMs = 0): AsyncGenerator<ContainerdEvent> {
      yield* events
      if (thenWaitMs > 0) await new Promise((resolve) => setTimeout(resolve, thenWaitMs))
    }
    const shown = async (events: AsyncIterable<ContainerdEvent>, holdMs?: number) => {
      const out: DockerEvent[] = []
      for await (const event of dockerEvents(events, facts, holdMs)) out.push(event)
      return out
    }
    const actions = (events: DockerEvent[]) => events.map((event) => `${event.Type} ${event.Action} ${event.Actor.ID}`)

    it("shows a die after the networks and volumes its task let go, in place of the mark of its end, at its time, its execDuration counted from the run's StartedAt", async () => {
      const events = await shown(stream([exit('c1'), containerd('/tasks/start', {containerId: 'c2', pid: 9}), disconnect, unmount, ended('c1'), published('/nerd/container/stop', 'c1', {})]))
      assert.deepEqual(actions(events), ['container start c2', 'network disconnect n1', 'volume unmount data', 'container die c1', 'container stop c1'])
      const die = events[3]!
      assert.deepEqual(die.Actor.Attributes, {execDuration: '7', exitCode: '137', image: 'busybox', name: 'web', tier: 'front'})
      assert.deepEqual([die.Time, die.TimeNano], [1795414341, 1795414341000000005n])
    })

    it("lets an OOM pass a die held back; another event of the container's, the stream's end or the wait's end shows it", async () => {
      const oom = containerd('/tasks/oom', {containerId: 'c1'})
      assert.deepEqual(actions(await shown(stream([exit('c1'), oom, ended('c1', {})]))), ['container oom c1', 'container die c1'])
      assert.deepEqual(actions(await shown(stream([exit('c1'), containerd('/tasks/start', {containerId: 'c1', pid: 9}), ended('c1')]))), ['container die c1', 'container start c1'])
      assert.deepEqual(actions(await shown(stream([exit('c1')]))), ['container die c1'])
      const waited = dockerEvents(stream([exit('c1')], 1000), facts, 20)
      const started = Date.now()
      assert.equal((await waited.next()).value?.Action, 'die')
      assert.ok(Date.now() - started < 900, 'before the stream goes on')
      await waited.return(undefined)
    })

    it('never shows the mark itself; one without a StartedAt leaves the execDuration as it was', async () => {
      assert.deepEqual(actions(await shown(stream([ended('c1'), disconnect]))), ['network disconnect n1'])
      assert.equal((await shown(stream([exit('c1'), ended('c1', {})])))[0]?.Actor.Attributes.execDuration, '4')
    })
  })

  it('takes only its own payload under its own topics', () => {
    assert.deepEqual(nerdEventOf(published('/nerd/volume/destroy', 'v', {driver: 'local'})), {type: 'volume', action: 'destroy', id: 'v', attributes: {driver: 'local'}})
    assert.equal(nerdEventOf(published('/nerd/daemon/reload', 'v', {})), undefined)
    assert.equal(nerdEventOf(published('/nerd/volume', 'v', {})), undefined)
    assert.equal(nerdEventOf(published('/nerd/volume/create/more', 'v', {})), undefined)
    assert.equal(nerdEventOf({...published('/nerd/volume/create', 'v', {}), event: {typeUrl: 'containerd.events.TaskExit', value: new Uint8Array()}}), undefined)
    assert.equal(nerdEventOf(containerd('/tasks/exit', {containerId: 'c1'})), undefined)
  })

  it("shows templates docker's field names and JSON docker's keys, with an exact timeNano", async () => {
    const start = (await dockerEvent(containerd('/tasks/start', {containerId: 'c1', pid: 9}), facts))!
    const render = (format: string) => renderItems([eventTemplateData(start)], {format, defaultTable: '', headers: {}})
    assert.equal(render('{{.ID}} {{.Status}} {{.From}} {{.Type}} {{.Action}} {{.Scope}} {{.Time}} {{.TimeNano}}'), 'c1 start busybox container start local 1795414339 1795414339776624384\n')
    const json = '{"status":"start","id":"c1","from":"busybox","Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"image":"busybox","name":"web","tier":"front"}},"scope":"local","time":1795414339,"timeNano":1795414339776624384}\n'
    assert.equal(render('{{json .}}'), json)
    assert.equal(render('json'), json)
    assert.equal(render('{{json .Actor.Attributes}}'), '{"image":"busybox","name":"web","tier":"front"}\n')
    // events.Message's Time and TimeNano are int64s, which Go's int64 arithmetic and comparisons take as numbers.
    assert.equal(render('{{printf "%T %T %d" .Time .TimeNano .Time}} {{json .Time}} {{eq .Time 1795414339}} {{lt .Time 1795414340}}'), 'int64 int64 1795414339 1795414339 true true\n')
    const volume = (await dockerEvent(published('/nerd/volume/destroy', 'data', {driver: 'local'}), facts))!
    assert.equal(renderItems([eventTemplateData(volume)], {format: 'json', defaultTable: '', headers: {}}), '{"Type":"volume","Action":"destroy","Actor":{"ID":"data","Attributes":{"driver":"local"}},"scope":"local","time":1795414339,"timeNano":1795414339776624384}\n')
    assert.equal(renderItems([eventTemplateData(volume)], {format: '[{{.ID}}] {{.Actor.ID}}', defaultTable: '', headers: {}}), '[] data\n')
  })

  it('runs templates on a Go struct: a field events.Message or events.Actor lacks is an error', async () => {
    const start = (await dockerEvent(containerd('/tasks/start', {containerId: 'c1', pid: 9}), facts))!
    // As docker's CLI, before any event: the template is tried on an empty *events.Message.
    assert.throws(() => eventRenderer('{{.Actor.Attributes.name}} {{.Nope}}'), {
      message: `Error parsing format: template: :1:29: executing "" at <.Nope>: can't evaluate field Nope in type *events.Message`,
      exitCode: 64,
    })
    assert.throws(() => eventRenderer('{{.Actor.Nope}}'), {message: `Error parsing format: template: :1:8: executing "" at <.Actor.Nope>: can't evaluate field Nope in type events.Actor`})
    assert.deepEqual(eventRenderer('{{.Actor.Attributes.nope}}')(start), {text: '<no value>'})
    // One that fails on an event gives what it wrote, and Go's error as it is.
    const {text, failure} = eventRenderer('{{.Action}} {{if .ID}}{{index .ID 99}}{{end}}')(start)
    assert.equal(text, 'start ')
    assert.equal(failure?.message, 'template: :1:24: executing "" at <index .ID 99>: error calling index: index out of range: 99')
    assert.equal(failure?.exitCode, 1)
    assert.throws(() => eventRenderer('{{range .}}{{end}}'), /range can't iterate over/)
  })

  it("runs --format as docker's events do: `table` and `\\t` are text like any other", async () => {
    const start = (await dockerEvent(containerd('/tasks/start', {containerId: 'c1', pid: 9}), facts))!
    assert.equal(eventRenderer('table {{.Type}}\\t{{.Action}}')(start).text, 'table container\\tstart')
    assert.equal(eventRenderer(' {{.Action}} ')(start).text, ' start ')
    assert.match(eventRenderer('json')(start).text, /^\{"status":"start",/)
    assert.throws(() => eventRenderer('{{.Type'), {message: 'Error parsing format: template: :1: unclosed action', exitCode: 64})
    assert.equal(eventRenderer(undefined)(start).text, eventLine(start))
  })

  it("prints docker's line and filters as docker does", async () => {
    const start = (await dockerEvent(containerd('/tasks/start', {containerId: 'c1', pid: 9}), facts))!
    // In the local zone (event-line.test.ts runs it in a known one).
    assert.match(eventLine(start), /^2026-11-\d\dT\d\d:\d\d:19\.776624384(Z|[+-]\d\d:\d\d) container start c1 \(image=busybox, name=web, tier=front\)$/)
    assert.equal(eventMatches(start, filterTerms(['event=start', 'event=die'])), true)
    assert.equal(eventMatches(start, filterTerms(['event=die'])), false)
    assert.equal(eventMatches(start, filterTerms(['container=web', 'label=tier=front', 'type=container'])), true)
    assert.equal(eventMatches(start, filterTerms(['container=we'])), true)
    assert.equal(eventMatches(start, filterTerms(['label=tier=front', 'label=tier=back'])), false)
    assert.equal(eventMatches(start, filterTerms(['image=alpine'])), false)
    assert.equal(eventMatches(start, filterTerms(['image=busybox'])), true)
    // docker's daemon takes any key: the ones it knows filter, the others are ignored.
    assert.equal(eventMatches(start, filterTerms(['colour=red', 'scope=local'])), true)
    assert.equal(eventMatches(start, filterTerms(['scope=swarm'])), false)
    assert.equal(eventMatches(start, filterTerms(['daemon=c'])), true)
    for (const key of ['daemon', 'plugin', 'node', 'service', 'secret', 'config']) assert.equal(eventMatches(start, filterTerms([`${key}=x`])), false, key)
    assert.throws(() => filterTerms(['event']), /bad format of filter/)
  })

  it('--filter\'s help names every key that filters, docker\'s keys all', async () => {
    const start = (await dockerEvent(containerd('/tasks/start', {containerId: 'c1', pid: 9}), facts))!
    const named = /\(([^)]*)\)$/.exec(Events.flags.filter.description ?? '')?.[1].split(', ') ?? []
    assert.deepEqual([...named].sort(), ['config', 'container', 'daemon', 'event', 'image', 'label', 'network', 'node', 'plugin', 'scope', 'secret', 'service', 'type', 'volume'])
    // A key docker's daemon does not know is ignored: each one named here leaves out an event it does not match.
    for (const key of named) assert.equal(eventMatches(start, filterTerms([`${key}=nosuch`])), false, key)
  })

  it('filters volume and network events by type, name and ID', async () => {
    const volume = (await dockerEvent(published('/nerd/volume/create', 'data', {driver: 'local'}), facts))!
    const network = (await dockerEvent(published('/nerd/network/connect', 'f00d', {container: 'c1', name: 'front', type: 'bridge'}), facts))!
    assert.equal(eventMatches(volume, filterTerms(['type=volume', 'volume=data'])), true)
    assert.equal(eventMatches(volume, filterTerms(['type=network'])), false)
    assert.equal(eventMatches(network, filterTerms(['type=network', 'network=front', 'event=connect'])), true)
    assert.equal(eventMatches(network, filterTerms(['network=f00'])), true)
    assert.equal(eventMatches(network, filterTerms(['network=back'])), false)
    // As docker's: a container filter looks at the actor, and a network's actor is the network.
    assert.equal(eventMatches(network, filterTerms(['container=c1'])), false)
  })

  it('filters image events by name and repository', async () => {
    const tag = (await dockerEvent(published('/nerd/image/tag', 'sha256:abc', {name: 'qa/tagged:v1'}), facts))!
    assert.equal(eventMatches(tag, filterTerms(['image=qa/tagged:v1'])), true)
    assert.equal(eventMatches(tag, filterTerms(['image=qa/tagged'])), true)
    assert.equal(eventMatches(tag, filterTerms(['image=qa/other'])), false)
  })
})

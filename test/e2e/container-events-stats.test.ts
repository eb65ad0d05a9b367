/**
 * events and stats end to end: what a background `nerd events` prints as containers, execs, images,
 * volumes and networks change (containerd's events and nerd's own, in docker's order and shape), and
 * stats of running containers.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawn} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {setTimeout as delay} from 'node:timers/promises'
import {inspectContainer, nerdOk, removeAllContainers, until} from '../helpers/containers.ts'
import {eventsSubscribed, fileNamespace, loadTestImage, nerd, nerdCommandLine, nerdEntry, nerdGlobals, testEnvironment} from '../helpers/e2e.ts'

const IMG = 'docker.io/nerd-test/busybox:latest'
const suffix = fileNamespace().slice(2, 8)

interface Watch {
  /** The `nerd events` process. */
  pid: number
  /** The lines printed so far. */
  lines(): string[]
  /** Waits for a line that `matches`, and returns it. */
  line(what: string, matches: (line: string) => boolean): Promise<string>
  /** Ends `nerd events` with `signal` (SIGTERM unless given); its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** A `nerd events` in the background, subscribed by the time this resolves. */
async function watchEvents(args: string[]): Promise<Watch> {
  const events = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'events', ...args], {stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  events.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const closed = new Promise<number | null>((resolve) => events.on('close', resolve))
  const killer = setTimeout(() => events.kill('SIGKILL'), 90_000)
  await eventsSubscribed(events.pid!)
  const lines = () => output.split('\n').filter((line) => line !== '')
  return {
    pid: events.pid!,
    lines,
    line: (what, matches) => until(what, async () => lines().find(matches), 15_000),
    async stop(signal = 'SIGTERM') {
      clearTimeout(killer)
      events.kill(signal)
      return closed
    },
  }
}

type Event = Record<string, any>

/** The events of one container: its own, and those of networks and volumes that name it. */
function eventsOf(lines: string[], id: string): Event[] {
  return lines.map((line) => JSON.parse(line) as Event).filter((event) => event.Actor.ID === id || event.Actor.Attributes.container === id)
}

describe('events and stats', () => {
  let workDir: string

  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
    workDir = await mkdtemp(join(tmpdir(), 'nerd-events-'))
  })

  after(async () => {
    await removeAllContainers()
    await rm(workDir, {recursive: true, force: true})
  })

  it('events --filter event=start prints the start of a container, in docker\'s shape', async () => {
    const watch = await watchEvents(['--filter', 'event=start', '--format', '{{json .}}'])
    try {
      const id = (await nerdOk(['run', '-d', '--name', 'watched', IMG, 'sleep', '30'])).trim()
      const line = await watch.line('the start event', (text) => text.includes(id))
      const event = JSON.parse(line) as Event
      assert.equal(event.status, 'start')
      assert.equal(event.id, id)
      assert.equal(event.from, IMG)
      assert.equal(event.Type, 'container')
      assert.equal(event.Action, 'start')
      assert.equal(event.Actor.ID, id)
      assert.equal(event.Actor.Attributes.name, 'watched')
      assert.equal(event.Actor.Attributes.image, IMG)
      assert.equal(event.scope, 'local')
      // Printed exactly, all 19 digits: JSON.parse would round it.
      const timeNano = /"timeNano":(\d+)\}$/.exec(line)?.[1]
      assert.ok(timeNano?.length === 19 && timeNano.startsWith(String(event.time)), line)
      assert.ok(!watch.lines().some((text) => text.includes('"Action":"create"')))
    } finally {
      // As docker's CLI: 128 + the signal's number, no message.
      assert.equal(await watch.stop(), 143)
    }
  })

  it("events --format sees docker's field names: .ID, .Status, .From, .Time, .TimeNano", async () => {
    const watch = await watchEvents(['--filter', 'container=formatted', '--format', '{{.ID}}|{{.Status}}|{{.From}}|{{.Type}}|{{.Action}}|{{.Scope}}|{{.Time}}|{{.TimeNano}}|{{.Actor.Attributes.name}}'])
    let code
    try {
      const id = (await nerdOk(['run', '-d', '--name', 'formatted', IMG, 'sleep', '30'])).trim()
      const line = await watch.line('the start event', (text) => text.includes('|start|'))
      const [shownId, status, from, type, action, scope, time, timeNano, name] = line.split('|')
      assert.deepEqual([shownId, status, from, type, action, scope, name], [id, 'start', IMG, 'container', 'start', 'local', 'formatted'])
      assert.match(time!, /^\d{10}$/)
      assert.match(timeNano!, /^\d{19}$/)
      assert.ok(timeNano!.startsWith(time!))
    } finally {
      code = await watch.stop('SIGINT')
    }
    // As docker's CLI, whose stream ends with ctrl-c's cancellation as its error: 130, no message.
    assert.equal(code, 130)
  })

  it("an exec is exec_create and exec_start with docker's command text, and its end exec_die with its exit code; the container keeps running and has no die", async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'execd', IMG, 'sleep', '60'])).trim()
    const watch = await watchEvents(['--filter', `container=${id}`, '--format', '{{json .}}'])
    try {
      assert.equal((await nerd(['exec', 'execd', 'sh', '-c', 'exit 3'])).code, 3)
      const execDie = JSON.parse(await watch.line('the exec_die event', (text) => text.includes('"Action":"exec_die"'))) as Event
      assert.deepEqual(execDie.Actor.Attributes, {execID: execDie.Actor.Attributes.execID, exitCode: '3', image: IMG, name: 'execd'})
      assert.match(execDie.Actor.Attributes.execID, /^[0-9a-f]{64}$/)
      const [create, start] = watch.lines().slice(0, 2).map((line) => JSON.parse(line) as Event)
      assert.deepEqual([create!.Action, start!.Action], ['exec_create: sh -c exit 3', 'exec_start: sh -c exit 3'])
      assert.equal(create!.status, 'exec_create: sh -c exit 3')
      assert.deepEqual(start!.Actor.Attributes, {execID: execDie.Actor.Attributes.execID, image: IMG, name: 'execd'})
      assert.equal(create!.Actor.Attributes.execID, execDie.Actor.Attributes.execID)
      assert.match(await nerdOk(['ps', '--filter', 'name=execd', '--format', '{{.Status}}']), /^Up /)
      // What follows the exec's end comes after it: a die would have come by the time the kill's line does.
      await nerdOk(['kill', '-s', 'USR1', 'execd'])
      const kill = JSON.parse(await watch.line('the kill event', (text) => text.includes('"Action":"kill"'))) as Event
      assert.equal(kill.Actor.Attributes.signal, '10')
      assert.ok(!watch.lines().some((text) => text.includes('"Action":"die"')), watch.lines().join('\n'))
    } finally {
      await watch.stop()
    }
  })

  it("stop, restart, rename, update and commit: docker's events, in docker's order", async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'cycled', IMG, 'sleep', '60'])).trim()
    const watch = await watchEvents(['--filter', `container=${id}`, '--filter', 'type=container', '--format', '{{.Action}} {{json .Actor.Attributes}}'])
    try {
      // sleep, as the container's first process, ignores SIGTERM: the stop ends with SIGKILL.
      await nerdOk(['restart', '-t', '1', 'cycled'])
      await watch.line('the restart event', (text) => text.startsWith('restart '))
      await nerdOk(['rename', 'cycled', 'renamed'])
      await nerdOk(['update', '--memory', '64m', 'renamed'])
      await nerdOk(['commit', 'renamed', `qa/committed-${suffix}`])
      await nerdOk(['stop', '-t', '0', 'renamed'])
      await watch.line('the stop event', (text) => text.startsWith('stop ') && text.includes('"name":"renamed"'))
      const events = watch.lines().map((line) => ({action: line.slice(0, line.indexOf(' ')), attributes: JSON.parse(line.slice(line.indexOf(' ') + 1)) as Record<string, string>}))
      assert.deepEqual(events.map((event) => event.action), [
        'kill', 'kill', 'die', 'stop', 'start', 'restart',
        'rename',
        'update',
        'pause', 'commit', 'unpause',
        'kill', 'kill', 'die', 'stop',
      ])
      assert.deepEqual(events.filter((event) => event.action === 'kill').map((event) => event.attributes.signal), ['15', '9', '15', '9'])
      assert.equal(events[2]!.attributes.exitCode, '137')
      assert.match(events[2]!.attributes.execDuration!, /^\d+$/)
      assert.deepEqual(events[6]!.attributes, {image: IMG, name: 'renamed', oldName: '/cycled'})
      const commit = events.find((event) => event.action === 'commit')!.attributes
      assert.equal(commit.imageRef, `qa/committed-${suffix}:latest`)
      assert.match(commit.imageID!, /^sha256:[0-9a-f]{64}$/)
      assert.equal(commit.comment, '')
    } finally {
      await watch.stop()
    }
  })

  it('an attached run is what docker reports: create, attach, network connect, volume mount, start, network disconnect, volume unmount, die (exit code, seconds run), destroy', async () => {
    const network = `events-run-${suffix}`
    const networkId = (await nerdOk(['network', 'create', network])).trim()
    const watch = await watchEvents(['--format', '{{json .}}'])
    try {
      assert.equal((await nerd(['run', '--rm', '--name', 'ran', '--network', network, '-v', 'ran-volume:/data:ro', IMG, 'sh', '-c', 'sleep 1.2; exit 3'])).code, 3)
      await watch.line('the destroy event', (text) => text.includes('"Action":"destroy"') && text.includes('"name":"ran"'))
      const id = (JSON.parse(watch.lines().find((text) => text.includes('"Action":"create"') && text.includes('"name":"ran"'))!) as Event).Actor.ID as string
      const events = eventsOf(watch.lines(), id)
      assert.deepEqual(events.map((event) => `${event.Type} ${event.Action}`), [
        'container create', 'container attach', 'network connect', 'volume mount', 'container start',
        'network disconnect', 'volume unmount', 'container die', 'container destroy',
      ])
      assert.deepEqual(events[2]!.Actor, {ID: networkId, Attributes: {container: id, name: network, type: 'bridge'}})
      assert.deepEqual(events[3]!.Actor, {ID: 'ran-volume', Attributes: {container: id, destination: '/data', driver: 'local', propagation: '', 'read/write': 'false'}})
      const {exitCode, execDuration} = events[7]!.Actor.Attributes
      assert.equal(exitCode, '3')
      assert.ok(Number(execDuration) >= 1 && Number(execDuration) <= 5, `execDuration=${String(execDuration)}`)
      assert.deepEqual(events[5]!.Actor, events[2]!.Actor)
      assert.deepEqual(events[6]!.Actor, {ID: 'ran-volume', Attributes: {container: id, driver: 'local'}})
    } finally {
      await watch.stop()
      await nerd(['network', 'rm', network])
    }
  })

  it("a container's end is in docker's monitor's order (stop, an exit, rm -f): the kills, network disconnect, volume unmount, die, then stop or destroy; die's execDuration counts from State.StartedAt", async () => {
    const watch = await watchEvents(['--format', '{{json .}}'])
    try {
      const id = (await nerdOk(['run', '-d', '--network', 'none', '-v', 'ended-volume:/data', IMG, 'sleep', '60'])).trim()
      await nerdOk(['stop', '-t', '0', id])
      await nerdOk(['start', id])
      // Killed 2.02 s after its StartedAt (taken before the task is made, as docker's): a run of 2 s,
      // where the time since containerd's start (after the task was made) is less.
      const {StartedAt, Pid} = (await inspectContainer(id)).State as {StartedAt: string; Pid: number}
      await delay(Date.parse(StartedAt) + 2020 - Date.now())
      process.kill(Pid, 'SIGKILL')
      await watch.line('the die of the killed process', (text) => text.includes('"Action":"die"') && text.includes('"exitCode":"137"') && eventsOf(watch.lines(), id).filter((event) => event.Action === 'die').length === 2)
      await nerdOk(['start', id])
      await nerdOk(['rm', '-f', id])
      await watch.line('the destroy event', (text) => text.includes('"Action":"destroy"') && text.includes(id))
      const events = eventsOf(watch.lines(), id)
      const started = ['network connect', 'volume mount', 'container start']
      const ended = ['network disconnect', 'volume unmount', 'container die']
      assert.deepEqual(events.map((event) => `${event.Type} ${event.Action}`), [
        'container create', ...started,
        'container kill', 'container kill', ...ended, 'container stop',
        ...started, ...ended,
        ...started, 'container kill', ...ended, 'container destroy',
      ])
      const dies = events.filter((event) => event.Action === 'die')
      assert.equal(dies[1]!.Actor.Attributes.execDuration, '2')
      // Each die comes after what it follows in time too.
      for (const [index, event] of events.entries()) if (event.Action === 'die') assert.ok(event.timeNano >= events[index - 1]!.timeNano)
    } finally {
      await watch.stop()
      await nerd(['volume', 'rm', 'ended-volume'])
    }
  })

  it('a volume that create (as run) makes (-v, --mount, anonymous) is a volume create event before the container\'s create, as docker\'s volume store logs it; one already there is none', async () => {
    const watch = await watchEvents(['--format', '{{json .}}'])
    try {
      const id = (await nerdOk(['create', '-v', 'made-by-v:/a', '--mount', 'type=volume,src=made-by-mount,dst=/b', '-v', '/anon', IMG, 'true'])).trim()
      const anonymous = (await nerdOk(['inspect', '-f', '{{range .Mounts}}{{if eq .Destination "/anon"}}{{.Name}}{{end}}{{end}}', id])).trim()
      const again = (await nerdOk(['create', '-v', 'made-by-v:/a', IMG, 'true'])).trim()
      await watch.line('the second container\'s create', (text) => text.includes('"Action":"create"') && text.includes(again))
      const creates = watch.lines().map((text) => JSON.parse(text) as Event).filter((event) => event.Action === 'create')
      const shown = creates.map((event) => `${event.Type} ${event.Actor.ID}`)
      assert.deepEqual([...shown.slice(0, 3).sort(), ...shown.slice(3)], [`volume ${anonymous}`, 'volume made-by-mount', 'volume made-by-v', `container ${id}`, `container ${again}`])
      assert.deepEqual(creates[0]!.Actor.Attributes, {driver: 'local'})
      await nerdOk(['rm', '-v', id, again])
      // rm -v's anonymous volume goes before its container, as docker's daemon removes it first, each told (the named one stays, untold).
      await watch.line('the container\'s destroy', (text) => text.includes('"Action":"destroy"') && text.includes(id))
      const destroys = watch.lines().map((text) => JSON.parse(text) as Event).filter((event) => event.Action === 'destroy').map((event) => `${event.Type} ${event.Actor.ID}`)
      assert.deepEqual(destroys.filter((shown) => shown !== `container ${again}`), [`volume ${anonymous}`, `container ${id}`])
      await nerdOk(['volume', 'rm', 'made-by-v', 'made-by-mount'])
    } finally {
      await watch.stop()
    }
  })

  it('start -a is attach, network connect, start, network disconnect, die; --network none joins docker\'s none network', async () => {
    const noneId = (await nerdOk(['network', 'inspect', 'none', '--format', '{{.Id}}'])).trim()
    const id = (await nerdOk(['create', '--network', 'none', IMG, 'true'])).trim()
    const watch = await watchEvents(['--format', '{{json .}}'])
    try {
      await nerdOk(['start', '-a', id])
      await watch.line('the die event', (text) => text.includes('"Action":"die"') && text.includes(id))
      const events = eventsOf(watch.lines(), id)
      assert.deepEqual(events.map((event) => `${event.Type} ${event.Action}`), ['container attach', 'network connect', 'container start', 'network disconnect', 'container die'])
      assert.deepEqual(events[1]!.Actor, {ID: noneId, Attributes: {container: id, name: 'none', type: 'null'}})
    } finally {
      await watch.stop()
    }
  })

  it('image events name the image by its ID: tag, untag and with the last name delete, save, load, import; pull and push by the reference', async () => {
    const imageId = (await nerdOk(['image', 'inspect', IMG, '--format', '{{.Id}}'])).trim()
    const tagged = `qa/tagged-${suffix}`
    const pulled = `${testEnvironment.registry}/qa/pulled-${suffix}:1`
    const archive = join(workDir, 'saved.tar')
    const rootfs = join(workDir, 'rootfs')
    await rm(rootfs, {recursive: true, force: true})
    await nerdOk(['tag', IMG, pulled])
    await nerdOk(['push', pulled])
    await nerdOk(['rmi', pulled])
    const watch = await watchEvents(['--filter', 'type=image', '--format', '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}} {{.Actor.Attributes.made}}'])
    try {
      await nerdOk(['tag', IMG, tagged])
      await nerdOk(['tag', IMG, `${tagged}:two`])
      await nerdOk(['rmi', tagged])
      await nerdOk(['save', '-o', archive, `${tagged}:two`])
      await nerdOk(['rmi', `${tagged}:two`])
      await nerdOk(['load', '-i', archive])
      await mkdtemp(join(workDir, 'rootfs-')).then(async (dir) => {
        await writeFile(join(dir, 'file'), 'imported\n')
        execFileSync('tar', ['-cf', `${rootfs}.tar`, '-C', dir, 'file'])
      })
      const importedId = (await nerdOk(['import', '-c', 'LABEL made=here', `${rootfs}.tar`, `qa/imported-${suffix}:1`])).trim()
      await nerdOk(['rmi', `qa/imported-${suffix}:1`])
      await nerdOk(['pull', '-q', pulled])
      await nerdOk(['push', '-q', pulled])
      await watch.line('the push event', (text) => text.startsWith('push '))
      assert.deepEqual(watch.lines(), [
        `tag ${imageId} ${tagged}:latest <no value>`,
        `tag ${imageId} ${tagged}:two <no value>`,
        `untag ${imageId} ${tagged}:latest <no value>`,
        `save ${imageId} ${imageId} <no value>`,
        `untag ${imageId} ${tagged}:two <no value>`,
        `load ${imageId} ${imageId} <no value>`,
        `tag ${importedId} qa/imported-${suffix}:1 here`,
        `import ${importedId} ${importedId} here`,
        `untag ${importedId} qa/imported-${suffix}:1 here`,
        `delete ${importedId} ${importedId} <no value>`,
        `pull ${pulled} ${pulled.replace(/:1$/, '')} <no value>`,
        `push ${pulled} ${pulled.replace(/:1$/, '')} <no value>`,
      ])
    } finally {
      await watch.stop()
    }
  })

  it("top, export, cp (both ways) and attach are reported as docker's events; --format runs as it is, table or not", async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'examined', IMG, 'sleep', '60'])).trim()
    const watch = await watchEvents(['--filter', `container=${id}`, '--format', 'table {{.Action}}\\t{{.Actor.Attributes.name}}'])
    const attach = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'attach', '--no-stdin', 'examined'], {stdio: 'ignore'})
    try {
      await watch.line('the attach event', (text) => text.startsWith('table attach'))
      await nerdOk(['top', 'examined'])
      await nerdOk(['export', '-o', join(workDir, 'examined.tar'), 'examined'])
      await nerdOk(['cp', 'examined:/etc/hostname', join(workDir, 'hostname')])
      await nerdOk(['cp', join(workDir, 'hostname'), 'examined:/tmp/'])
      await watch.line('the extract-to-dir event', (text) => text.startsWith('table extract-to-dir'))
      assert.deepEqual(watch.lines(), ['attach', 'top', 'export', 'archive-path', 'extract-to-dir'].map((action) => `table ${action}\\texamined`))
    } finally {
      attach.kill('SIGKILL')
      await watch.stop()
    }
  })

  it('volume and network commands are seen as docker reports them, and filtered by type', async () => {
    const network = `events-${suffix}`
    const watch = await watchEvents(['--filter', 'type=volume', '--filter', 'type=network'])
    try {
      await nerdOk(['volume', 'create', 'watched-volume'])
      await nerdOk(['volume', 'create', 'watched-volume'])
      await nerdOk(['volume', 'rm', 'watched-volume'])
      await nerdOk(['volume', 'rm', '-f', 'watched-volume'])
      const networkId = (await nerdOk(['network', 'create', network])).trim()
      const bridgeId = (await nerdOk(['network', 'inspect', 'bridge', '--format', '{{.Id}}'])).trim()
      const id = (await nerdOk(['run', '-d', '--name', 'networked', IMG, 'sleep', '60'])).trim()
      await nerdOk(['network', 'connect', network, 'networked'])
      await nerdOk(['network', 'disconnect', network, 'networked'])
      await nerdOk(['network', 'rm', network])
      await watch.line('the network destroy event', (text) => text.includes(' network destroy '))
      // Containers of the tests before may end meanwhile, leaving their networks.
      const lines = watch.lines().map((line) => line.replace(/^\S+ /, '')).filter((line) => !line.includes('container=') || line.includes(`container=${id}`))
      assert.deepEqual(lines, [
        'volume create watched-volume (driver=local)',
        'volume destroy watched-volume (driver=local)',
        `network create ${networkId} (name=${network}, type=bridge)`,
        // The container's start joins its own network.
        `network connect ${bridgeId} (container=${id}, name=bridge, type=bridge)`,
        `network connect ${networkId} (container=${id}, name=${network}, type=bridge)`,
        `network disconnect ${networkId} (container=${id}, name=${network}, type=bridge)`,
        `network destroy ${networkId} (name=${network}, type=bridge)`,
      ])
    } finally {
      await watch.stop()
    }
  })

  it("a destroy names the container, its image and labels, also to an `events` started after its create (its record gone by then): name and label filters see every one", async () => {
    const names = Array.from({length: 6}, (_, index) => `gone${index}`)
    for (const name of names) await nerdOk(['create', '--name', name, '-l', 'app=gone', IMG, 'true'])
    const watch = await watchEvents(['--filter', 'label=app=gone', '--filter', 'event=destroy', '--format', '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.image}}'])
    try {
      // The stream reads its events only once the containers are gone, records and all, as a busy `nerd events` may.
      process.kill(watch.pid, 'SIGSTOP')
      try {
        await Promise.all(names.map((name) => nerdOk(['rm', name])))
      } finally {
        process.kill(watch.pid, 'SIGCONT')
      }
      await until('every destroy', async () => (watch.lines().length >= names.length ? true : undefined), 15_000)
      assert.deepEqual(watch.lines().sort(), names.map((name) => `destroy ${name} ${IMG}`))
    } finally {
      await watch.stop()
    }
  })

  it("run --rm's anonymous volume is destroyed before its container, as docker's daemon removes it first (rm -v: above)", async () => {
    const watch = await watchEvents(['--filter', 'event=destroy', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'])
    try {
      await nerdOk(['run', '--rm', '--name', 'anon-rm', '-v', '/anon', IMG, 'true'])
      await watch.line('the destroy', (line) => line === 'container destroy anon-rm')
      assert.deepEqual(
        watch.lines().map((line) => line.replace(/^volume destroy .*/, 'volume destroy')),
        ['volume destroy', 'container destroy anon-rm'],
      )
    } finally {
      await watch.stop()
    }
  })

  it("a terminal's sizes are resize events (run -it, attach's redraw, each change; not an exec's), and the detach keys detach, or exec_detach for an exec", async () => {
    const pane = `nerd-events-${process.pid}`
    const tmux = (...args: string[]) => execFileSync('tmux', args, {encoding: 'utf8'})
    const shows = (what: string) => until(what, async () => (tmux('capture-pane', '-p', '-t', pane).includes(what) ? true : undefined), 15_000)
    tmux('new-session', '-d', '-s', pane, '-x', '100', '-y', '30', 'sleep 600')
    const size = () => tmux('display', '-p', '-t', pane, '#{pane_height}x#{pane_width}').trim()
    const watch = await watchEvents(['--filter', 'container=sized', '--format', '{{.Action}} {{.Actor.Attributes.name}}{{if .Actor.Attributes.height}} {{.Actor.Attributes.height}}x{{.Actor.Attributes.width}}{{end}}{{if .Actor.Attributes.execID}} exec{{end}}'])
    try {
      const first = size()
      tmux('respawn-pane', '-k', '-t', pane, `${nerdCommandLine(['run', '-it', '--name', 'sized1', IMG, 'sh'])}; sleep 600`)
      await watch.line('the resize of run -it', (line) => line.startsWith('resize sized1'))
      tmux('send-keys', '-t', pane, 'echo in-$((1+1))', 'Enter')
      await shows('in-2')
      tmux('resize-window', '-t', pane, '-x', '120', '-y', '40')
      const second = size()
      await watch.line('the resize to the new size', (line) => line === `resize sized1 ${second}`)
      tmux('send-keys', '-t', pane, 'C-p', 'C-q')
      await watch.line('the detach of run -it', (line) => line.startsWith('detach sized1'))
      tmux('respawn-pane', '-k', '-t', pane, `${nerdCommandLine(['attach', 'sized1'])}; sleep 600`)
      await watch.line('the attach', (line) => line.startsWith('attach sized1'))
      const [height, width] = second.split('x').map(Number)
      await watch.line("attach's second resize", (line) => line === `resize sized1 ${second}` && watch.lines().includes(`resize sized1 ${height! + 1}x${width! + 1}`))
      tmux('send-keys', '-t', pane, 'C-p', 'C-q')
      await watch.line('the detach of attach', (line) => watch.lines().filter((text) => text.startsWith('detach sized1')).length === 2)
      tmux('respawn-pane', '-k', '-t', pane, `${nerdCommandLine(['exec', '-it', 'sized1', 'sh'])}; sleep 600`)
      await watch.line('the exec start', (line) => line.startsWith('exec_start'))
      tmux('send-keys', '-t', pane, 'echo ex-$((1+1))', 'Enter')
      await shows('ex-2')
      tmux('send-keys', '-t', pane, 'C-p', 'C-q')
      await watch.line('the exec_detach', (line) => line.startsWith('exec_detach'))
      const told = watch.lines().filter((line) => /^(resize|detach|exec_detach|attach) /.test(line))
      assert.deepEqual(told, [
        'attach sized1',
        `resize sized1 ${first}`,
        `resize sized1 ${second}`,
        'detach sized1',
        'attach sized1',
        `resize sized1 ${height! + 1}x${width! + 1}`,
        `resize sized1 ${second}`,
        'detach sized1',
        'exec_detach sized1 exec',
      ])
    } finally {
      await watch.stop()
      tmux('kill-session', '-t', pane)
      await nerd(['rm', '-f', 'sized1'])
    }
  })

  it('stats --no-stream shows the memory a container uses and the limit --memory set', async () => {
    await nerdOk(['run', '-d', '--name', 'limited', '--memory', '64m', IMG, 'sh', '-c', 'head -c 8000000 /dev/zero > /dev/shm/fill; sleep 60'])
    await nerdOk(['run', '-d', '--name', 'free', IMG, 'sleep', '60'])
    const table = await nerdOk(['stats', '--no-stream'])
    assert.match(table, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/m)
    const row = await until('memory use to show', async () => {
      const line = await nerdOk(['stats', '--no-stream', '--format', '{{.Name}}|{{.MemUsage}}|{{.PIDs}}|{{.NetIO}}', 'limited'])
      return /^limited\|[1-9][\d.]*(KiB|MiB) \/ 64MiB\|\d+\|/.test(line) ? line : undefined
    }, 15_000)
    assert.match(row, /\/ 64MiB\|[12]\|/)
    assert.match(await nerdOk(['stats', '--no-stream', '--format', '{{.Name}}']), /^free$/m)
    await nerdOk(['stop', '-t', '0', 'free'])
    assert.doesNotMatch(await nerdOk(['stats', '--no-stream', '--format', '{{.Name}}']), /^free$/m)
    assert.match(await nerdOk(['stats', '--no-stream', '-a', '--format', '{{.Name}} {{.MemUsage}}']), /^free 0B \/ 0B$/m)
    // docker's JSON keys are sorted; config.json's statsFormat is the default format.
    const json = JSON.parse(await nerdOk(['stats', '--no-stream', '--format', 'json', 'free']))
    assert.deepEqual(Object.keys(json), [...Object.keys(json)].sort())
    const dockerConfig = await mkdtemp(join(tmpdir(), 'nerd-docker-config-'))
    await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({statsFormat: 'S {{.Name}}'}))
    assert.equal(await nerdOk(['stats', '--no-stream', 'free'], {env: {DOCKER_CONFIG: dockerConfig}}), 'S free\n')
    await rm(dockerConfig, {recursive: true})
    const missing = await nerd(['stats', '--no-stream', 'nosuch'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /No such container: nosuch/)
  })

  it("stats lists newest first, shows each reference once as typed, reports every missing container, and shows 0B of network for --network host", async () => {
    const ids: string[] = []
    for (const name of ['order1', 'order2', 'order3']) ids.push((await nerdOk(['run', '-d', '--name', name, '--network', 'none', IMG, 'sleep', '60'])).trim())
    const listed = (await nerdOk(['stats', '--no-stream', '--format', '{{.Name}}'])).split('\n').filter((name) => name.startsWith('order'))
    assert.deepEqual(listed, ['order3', 'order2', 'order1'])
    const prefix = ids[0]!.slice(0, 10)
    assert.equal(await nerdOk(['stats', '--no-stream', '--format', '{{.Container}} {{.Name}}', 'order1', 'order1', prefix]), `order1 order1\n${prefix} order1\n`)
    const missing = await nerd(['stats', '--no-stream', 'order1', 'nosuch1', 'nosuch2'])
    assert.deepEqual({code: missing.code, stdout: missing.stdout, stderr: missing.stderr}, {code: 1, stdout: '', stderr: 'Error: No such container: nosuch1\nError: No such container: nosuch2\n'})
    await nerdOk(['run', '-d', '--name', 'hostnet', '--network', 'host', IMG, 'sleep', '60'])
    assert.equal(await nerdOk(['stats', '--no-stream', '--format', '{{.NetIO}}', 'hostnet']), '0B / 0B\n')
  })

  it("stats of named containers keeps streaming when one is removed: its row shows --, the others go on, in docker's frames (cursor home, each line erased, the rest erased, off a terminal too) every half second", async () => {
    await nerdOk(['run', '-d', '--name', 'streamed', '--network', 'none', IMG, 'sleep', '60'])
    await nerdOk(['run', '-d', '--name', 'removed', '--network', 'none', IMG, 'sleep', '60'])
    const stats = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'stats', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}', 'removed', 'streamed'], {stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    let errors = ''
    const frameTimes: number[] = []
    stats.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      frameTimes.push(...chunk.toString().split('\x1b[H').slice(1).map(() => Date.now()))
    })
    stats.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
    const closed = new Promise<number | null>((resolve) => stats.on('close', resolve))
    // The frames written whole, each from its cursor home on.
    const frames = (from = 0) => output.slice(from).split('\x1b[H').slice(1).filter((frame) => frame.endsWith('\x1b[J'))
    const row = String.raw`\d+\.\d+% \S+ \/ \S+ [1-9]\d*`
    try {
      await until('a first frame', async () => (frames().length > 0 ? true : undefined), 15_000)
      assert.match(frames()[0]!, new RegExp(String.raw`^removed ${row} \x1b\[K\nstreamed ${row} \x1b\[K\n \x1b\[K\n\x1b\[J$`))
      await nerdOk(['rm', '-f', 'removed'])
      const removedAt = output.length
      await until('two frames after the removal', async () => (frames(removedAt).length >= 2 ? true : undefined), 15_000)
      assert.match(frames(removedAt).at(-1)!, new RegExp(String.raw`^removed -- -- / -- -- \x1b\[K\nstreamed ${row} \x1b\[K\n \x1b\[K\n\x1b\[J$`))
      assert.equal(stats.exitCode, null, errors)
      const gaps = frameTimes.slice(1).map((time, index) => time - frameTimes[index]!)
      assert.ok(Math.min(...gaps) < 900, `frames ${gaps.join(', ')} ms apart`)
    } finally {
      stats.kill('SIGTERM')
      await closed
    }
  })

  it("events --since and --until refuse a value that is no time or duration in docker's words", async () => {
    for (const flag of ['--since', '--until']) {
      const bad = await nerd(['events', flag, 'bogus'])
      assert.deepEqual({code: bad.code, stdout: bad.stdout, stderr: bad.stderr}, {code: 1, stdout: '', stderr: 'Error: failed to parse value as time or duration: "bogus"\n'})
    }
  })

  it("events tells a bad format before any event, exit 64; one that fails on an event prints what it wrote and the newline, then Go's error", async () => {
    const bad = await nerd(['events', '--format', '{{.ID'])
    assert.deepEqual([bad.code, bad.stdout, bad.stderr], [64, '', 'Error: Error parsing format: template: :1: unclosed action\n'])
    const unknown = await nerd(['events', '--format', '{{.Bogus}}'])
    assert.deepEqual([unknown.code, unknown.stdout, unknown.stderr], [64, '', `Error: Error parsing format: template: :1:2: executing "" at <.Bogus>: can't evaluate field Bogus in type *events.Message\n`])
    // An image event's ID is the image's: shorter than 99 bytes, where the empty message's is empty.
    const stream = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'events', '--filter', 'type=image', '--format', '{{.Action}} {{if .ID}}{{index .ID 99}}{{end}}'], {stdio: ['ignore', 'pipe', 'pipe']})
    let [stdout, stderr] = ['', '']
    stream.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    stream.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const ended = new Promise<number | null>((resolve) => stream.once('close', resolve))
    const killer = setTimeout(() => stream.kill('SIGKILL'), 30_000)
    await eventsSubscribed(stream.pid!)
    await nerdOk(['tag', IMG, `qa/failing-${suffix}:1`])
    const code = await ended
    clearTimeout(killer)
    await nerdOk(['rmi', `qa/failing-${suffix}:1`])
    assert.deepEqual({code, stdout, stderr}, {code: 1, stdout: 'tag \n', stderr: 'Error: template: :1:24: executing "" at <index .ID 99>: error calling index: index out of range: 99\n'})
  })

  it("events --until past Node's longest timer (24.8 days away) streams until then: it does not end at once", async () => {
    const watch = await watchEvents(['--until', String(Math.floor(Date.now() / 1000) + 30 * 86_400), '--filter', 'type=image', '--format', '{{.Action}} {{.Actor.Attributes.name}}'])
    await new Promise((resolve) => setTimeout(resolve, 500))
    await nerdOk(['tag', IMG, `qa/far-${suffix}:1`])
    await watch.line('the tag', (line) => line === `tag qa/far-${suffix}:1`)
    await watch.stop()
    await nerdOk(['rmi', `qa/far-${suffix}:1`])
  })

  it("events --since to come leaves out the events before it; a --since after --until is refused in docker's words; a past --since warns that nothing is replayed", async () => {
    // Seconds enough for the stream to subscribe and the early tag to be made before --since, on a loaded machine too.
    const since = Math.floor(Date.now() / 1000) + 8
    const stream = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'events', '--filter', 'type=image', '--since', String(since), '--until', String(since + 4), '--format', '{{.Action}} {{.Actor.Attributes.name}}'], {stdio: ['ignore', 'pipe', 'pipe']})
    let [stdout, stderr] = ['', '']
    stream.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    stream.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const streamed = new Promise<number | null>((resolve) => stream.once('close', resolve))
    await eventsSubscribed(stream.pid!)
    await nerdOk(['tag', IMG, `qa/early-${suffix}:1`])
    assert.ok(Date.now() < since * 1000, 'the early tag was made before --since')
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, since * 1000 + 500 - Date.now())))
    await nerdOk(['tag', IMG, `qa/late-${suffix}:1`])
    assert.deepEqual({code: await streamed, stdout, stderr}, {code: 0, stdout: `tag qa/late-${suffix}:1\n`, stderr: ''})
    await nerdOk(['rmi', `qa/early-${suffix}:1`, `qa/late-${suffix}:1`])

    const reversed = await nerd(['events', '--since', '1700000600', '--until', '1700000000'])
    assert.deepEqual({code: reversed.code, stdout: reversed.stdout, stderr: reversed.stderr}, {code: 1, stdout: '', stderr: 'Error: `since` time (1700000600) cannot be after `until` time (1700000000)\n'})
    const past = await nerd(['events', '--since', '1m', '--until', '0s'])
    assert.deepEqual({code: past.code, stdout: past.stdout}, {code: 0, stdout: ''})
    assert.match(past.stderr, /^WARNING: nerd cannot replay past events \(containerd keeps none\): only those from now on are shown\n$/)
  })
})

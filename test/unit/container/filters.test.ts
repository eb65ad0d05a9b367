import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {NerdError} from '../../../src/errors.ts'
import {filterContainers, newestFirst, parsePsFilters, selectContainers} from '../../../src/container/filters.ts'
import type {PsFilter} from '../../../src/container/filters.ts'
import type {ContainerStatus, ContainerView, MountPoint} from '../../../src/container/model.ts'

const BUSYBOX = `sha256:${'b'.repeat(64)}`
const NGINX = `sha256:${'e'.repeat(64)}`

interface Spec {
  id: string
  name: string
  created: string
  status: ContainerStatus
  exitCode?: number
  started?: boolean
  image?: string
  labels?: Record<string, string>
  mounts?: MountPoint[]
  network?: string
  exposed?: string[]
  ports?: Record<string, {HostIp: string; HostPort: string}[]>
}

/** Only what the filters read of a container; anything else they touched would be undefined and fail. */
function view(spec: Spec): ContainerView {
  return {
    record: {
      Id: spec.id,
      Name: spec.name,
      Created: spec.created,
      Image: spec.image ?? BUSYBOX,
      Config: {Labels: spec.labels ?? {}, ExposedPorts: Object.fromEntries((spec.exposed ?? []).map((port) => [port, {}]))},
      HostConfig: {NetworkMode: spec.network ?? 'default'},
      Mounts: spec.mounts ?? [],
    },
    state: {StartedAt: spec.started === false ? '' : '2026-11-23T03:00:00Z'},
    labels: {},
    status: spec.status,
    pid: 0,
    exitCode: spec.exitCode ?? 0,
    ports: spec.ports,
  } as unknown as ContainerView
}

const old = view({
  id: '1'.repeat(64),
  name: 'old',
  created: '2026-11-23T02:00:00Z',
  status: 'exited',
  labels: {tier: 'db'},
  mounts: [{Type: 'volume', Name: 'data', Source: '/var/lib/nerd/volumes/data/_data', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: ''}],
})
const web = view({
  id: `ab${'2'.repeat(62)}`,
  name: 'web',
  created: '2026-11-23T02:01:00Z',
  status: 'running',
  image: NGINX,
  labels: {tier: 'web', env: 'prod'},
  mounts: [{Type: 'bind', Source: '/srv', Destination: '/usr/share/html', Mode: '', RW: false, Propagation: 'rprivate'}],
  network: 'host',
})
const canary = view({id: `ac${'3'.repeat(62)}`, name: 'web-canary', created: '2026-11-23T02:02:00Z', status: 'paused', image: NGINX, labels: {tier: 'web', env: 'test'}})
const job = view({id: '4'.repeat(64), name: 'job', created: '2026-11-23T02:03:00Z', status: 'created', started: false, network: 'none'})
const crashed = view({id: '5'.repeat(64), name: 'crashed', created: '2026-11-23T02:04:00Z', status: 'exited', exitCode: 3})
const loop = view({id: '6'.repeat(64), name: 'loop', created: '2026-11-23T02:05:00Z', status: 'restarting', exitCode: 1})
const every = [old, web, canary, job, crashed, loop]

const IMAGES: Record<string, string[]> = {busybox: [BUSYBOX], 'busybox:latest': [BUSYBOX], nginx: [NGINX], [NGINX.slice(7, 19)]: [NGINX]}
const context = {
  resolve: (image: string): string[] => {
    if (image === 'Bad') throw new NerdError('invalid reference format: repository name must be lowercase')
    return IMAGES[image] ?? []
  },
}

function names(views: readonly ContainerView[]): string[] {
  return views.map((container) => container.record.Name)
}

function filtered(...texts: string[]): string[] {
  return names(filterContainers(every, parsePsFilters(texts), context))
}

function failure(message: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof NerdError, String(error))
    assert.equal(error.message, message)
    return true
  }
}

describe('parsePsFilters', () => {
  it('reads key=value, the key case-insensitive, both trimmed, repeats once', () => {
    assert.deepEqual(parsePsFilters(['name=web', ' Status = running ', 'label=a=b', 'name=web', '', 'exited=-1']), [
      {key: 'name', value: 'web'},
      {key: 'status', value: 'running'},
      {key: 'label', value: 'a=b'},
      {key: 'exited', value: '-1'},
    ])
  })

  it('refuses what docker refuses, with docker\'s messages', () => {
    assert.throws(() => parsePsFilters(['nosuch=1']), failure("invalid filter 'nosuch'"))
    assert.throws(() => parsePsFilters(['name=x', 'Color=red']), failure("invalid filter 'color'"))
    assert.throws(() => parsePsFilters(['running']), failure('bad format of filter (expected name=value)'))
    assert.throws(() => parsePsFilters(['exited=abc']), failure(`invalid filter 'exited=abc': strconv.Atoi: parsing "abc": invalid syntax`))
    assert.throws(() => parsePsFilters(['exited=99999999999999999999']), failure(`invalid filter 'exited=99999999999999999999': strconv.Atoi: parsing "99999999999999999999": value out of range`))
    assert.throws(
      () => parsePsFilters(['status=up']),
      failure("invalid filter 'status=up': invalid value for state (up): must be one of created, running, paused, restarting, removing, exited, dead"),
    )
    assert.throws(() => parsePsFilters(['health=sick']), failure("invalid filter 'health=sick': invalid value for health (sick): must be one of none, starting, healthy, unhealthy"))
    assert.throws(() => parsePsFilters(['is-task=maybe']), failure("invalid filter 'is-task=[maybe]'"))
    assert.throws(() => parsePsFilters(['is-task=true', 'is-task=0']), failure("invalid filter 'is-task=[true 0]'"))
  })

  it('knows every key docker takes on Linux except the port ones', () => {
    for (const key of ['ancestor', 'before', 'exited', 'health', 'id', 'is-task', 'isolation', 'label', 'name', 'network', 'since', 'status', 'volume']) {
      const value = {exited: '0', health: 'none', 'is-task': 'false', status: 'running'}[key] ?? 'x'
      assert.deepEqual(parsePsFilters([`${key}=${value}`]), [{key, value}])
    }
  })
})

describe('newestFirst', () => {
  it('orders by creation time to the nanosecond, newest first', () => {
    const first = view({id: 'f'.repeat(64), name: 'first', created: '2026-11-23T02:00:00.000000001Z', status: 'running'})
    const second = view({id: '0'.repeat(64), name: 'second', created: '2026-11-23T02:00:00.000000002Z', status: 'running'})
    const third = view({id: '7'.repeat(64), name: 'third', created: '2026-11-23T02:00:00.1Z', status: 'running'})
    assert.deepEqual(names(newestFirst([first, third, second])), ['third', 'second', 'first'])
    assert.deepEqual(names(newestFirst(every)), ['loop', 'crashed', 'job', 'web-canary', 'web', 'old'])
  })
})

describe('filterContainers', () => {
  it('keeps every container without filters, newest first', () => {
    assert.deepEqual(filtered(), ['loop', 'crashed', 'job', 'web-canary', 'web', 'old'])
  })

  it('matches ids by unique prefix', () => {
    assert.deepEqual(filtered('id=ab'), ['web'])
    assert.deepEqual(filtered(`id=${crashed.record.Id}`), ['crashed'])
    assert.deepEqual(filtered('id=a'), [])
    assert.deepEqual(filtered('id=1', 'id=ab'), ['web', 'old'])
    assert.deepEqual(filtered('id=9'), [])
  })

  it('matches names like docker: equal, or a regular expression found in the name', () => {
    assert.deepEqual(filtered('name=web'), ['web-canary', 'web'])
    assert.deepEqual(filtered('name=^web$'), ['web'])
    assert.deepEqual(filtered('name=^/web$'), ['web'])
    assert.deepEqual(filtered('name=(?i)^WEB$'), ['web'])
    assert.deepEqual(filtered('name=old', 'name=job'), ['job', 'old'])
    assert.deepEqual(filtered('name=['), [])
    assert.deepEqual(filtered('name=web', 'id=ac'), ['web-canary'])
  })

  it('requires every label', () => {
    assert.deepEqual(filtered('label=tier'), ['web-canary', 'web', 'old'])
    assert.deepEqual(filtered('label=tier=web'), ['web-canary', 'web'])
    assert.deepEqual(filtered('label=tier=web', 'label=env=prod'), ['web'])
    assert.deepEqual(filtered('label=tier=db', 'label=env'), [])
    assert.deepEqual(filtered('label=tier='), [])
  })

  it('matches exit codes of containers that ran and stopped', () => {
    assert.deepEqual(filtered('exited=0'), ['old'])
    assert.deepEqual(filtered('exited=3'), ['crashed'])
    assert.deepEqual(filtered('exited=0', 'exited=3'), ['crashed', 'old'])
    assert.deepEqual(filtered('exited=1'), [])
  })

  it('matches status, and health and is-task as for containers without health checks outside swarm', () => {
    assert.deepEqual(filtered('status=running'), ['web'])
    assert.deepEqual(filtered('status=exited', 'status=created'), ['crashed', 'job', 'old'])
    assert.deepEqual(filtered('status=paused', 'label=tier=web'), ['web-canary'])
    assert.deepEqual(filtered('health=none').length, 6)
    assert.deepEqual(filtered('health=healthy'), [])
    assert.deepEqual(filtered('is-task=false').length, 6)
    assert.deepEqual(filtered('is-task=1'), [])
    assert.deepEqual(filtered('isolation=default').length, 6)
  })

  it('matches volumes by destination, name, or the source of a bind', () => {
    assert.deepEqual(filtered('volume=/data'), ['old'])
    assert.deepEqual(filtered('volume=data'), ['old'])
    assert.deepEqual(filtered('volume=/var/lib/nerd/volumes/data/_data'), [])
    assert.deepEqual(filtered('volume=/srv'), ['web'])
    assert.deepEqual(filtered('volume=/usr/share/html', 'volume=data'), ['web', 'old'])
  })

  it('matches ancestors by the image IDs they resolve to', () => {
    assert.deepEqual(filtered('ancestor=busybox'), ['loop', 'crashed', 'job', 'old'])
    assert.deepEqual(filtered(`ancestor=${NGINX.slice(7, 19)}`), ['web-canary', 'web'])
    assert.deepEqual(filtered('ancestor=busybox', 'ancestor=nosuch'), ['loop', 'crashed', 'job', 'old'])
    assert.deepEqual(filtered('ancestor=nosuch'), [])
    assert.deepEqual(filtered('ancestor=Bad'), [])
    assert.deepEqual(filtered('ancestor=Bad', 'ancestor=nginx'), ['web-canary', 'web'])
    const broken = {resolve: () => { throw new TypeError('bug') }}
    assert.throws(() => filterContainers(every, parsePsFilters(['ancestor=x']), broken), TypeError)
  })

  it('matches the containers of images committed from an ancestor, down the generations, as docker walks their parents', () => {
    const COMMITTED = `sha256:${'c'.repeat(64)}`
    const GRANDCHILD = `sha256:${'d'.repeat(64)}`
    const derived = view({id: '7'.repeat(64), name: 'derived', created: '2026-11-23T02:06:00Z', status: 'running', image: COMMITTED})
    const further = view({id: '8'.repeat(64), name: 'further', created: '2026-11-23T02:07:00Z', status: 'running', image: GRANDCHILD})
    // A cycle (records another client made) ends the walk.
    const children: Record<string, string[]> = {[NGINX]: [COMMITTED], [COMMITTED]: [GRANDCHILD], [GRANDCHILD]: [NGINX]}
    const walking = {...context, children: (id: string) => children[id] ?? []}
    const ancestry = (ancestor: string) => names(filterContainers([...every, derived, further], parsePsFilters([`ancestor=${ancestor}`]), walking))
    assert.deepEqual(ancestry('nginx'), ['further', 'derived', 'web-canary', 'web'])
    assert.deepEqual(ancestry('busybox'), ['loop', 'crashed', 'job', 'old'])
    assert.deepEqual(names(filterContainers([...every, derived], parsePsFilters(['ancestor=nginx']), context)), ['web-canary', 'web'])
  })

  it('matches networks by name', () => {
    assert.deepEqual(filtered('network=bridge'), ['loop', 'crashed', 'web-canary', 'old'])
    assert.deepEqual(filtered('network=host'), ['web'])
    assert.deepEqual(filtered('network=none', 'network=host'), ['job', 'web'])
  })

  it('matches publish= against host ports and expose= against container ports, either one keeping a container', () => {
    const bound = {'80/tcp': [{HostIp: '0.0.0.0', HostPort: '8080'}], '90/udp': [{HostIp: '127.0.0.1', HostPort: '9090'}]}
    const running = view({id: '7'.repeat(64), name: 'running', created: '2026-11-23T02:06:00Z', status: 'running', exposed: ['80/tcp', '90/udp', '7000/tcp'], ports: {...bound, '7000/tcp': []}})
    const other = view({id: '8'.repeat(64), name: 'other', created: '2026-11-23T02:07:00Z', status: 'paused', exposed: ['80/tcp'], ports: {'80/tcp': [{HostIp: '', HostPort: '18010'}]}})
    const containers = [running, other]
    const matching = (...texts: string[]) => names(filterContainers(containers, parsePsFilters(texts), context))
    assert.deepEqual(matching('publish=8080'), ['running'])
    assert.deepEqual(matching('publish=18010/tcp'), ['other'])
    assert.deepEqual(matching('publish=80'), [])
    assert.deepEqual(matching('publish=90/udp'), [])
    assert.deepEqual(matching('publish=9090/udp'), ['running'])
    assert.deepEqual(matching('expose=80'), ['other', 'running'])
    assert.deepEqual(matching('expose=7000'), ['running'])
    assert.deepEqual(matching('publish=9999', 'expose=7000'), ['running'])
    assert.deepEqual(matching('publish=18010', 'expose=7000'), ['other', 'running'])
  })

  it('matches no stopped or created container on publish= or expose=, as docker drops their ports', () => {
    const ports = {'80/tcp': [{HostIp: '', HostPort: '8080'}]}
    const stopped = view({id: '7'.repeat(64), name: 'stopped', created: '2026-11-23T02:06:00Z', status: 'exited', exposed: ['80/tcp'], ports})
    const created = view({id: '8'.repeat(64), name: 'created', created: '2026-11-23T02:07:00Z', status: 'created', started: false, exposed: ['80/tcp']})
    for (const filter of ['publish=8080', 'expose=80']) assert.deepEqual(names(filterContainers([stopped, created], parsePsFilters([filter]), context)), [], filter)
  })

  it('keeps the containers created before or since the one named', () => {
    assert.deepEqual(filtered('before=job'), ['web-canary', 'web', 'old'])
    assert.deepEqual(filtered('since=job'), ['loop', 'crashed'])
    assert.deepEqual(filtered('before=/job'), ['web-canary', 'web', 'old'])
    assert.deepEqual(filtered(`since=${job.record.Id}`), ['loop', 'crashed'])
    assert.deepEqual(filtered('since=5'), ['loop'])
    assert.deepEqual(filtered('before=crashed', 'since=web'), ['job', 'web-canary'])
    assert.deepEqual(filtered('before=crashed', 'since=web', 'status=paused'), ['web-canary'])
    // docker walks the list once: a since container passed before the before one is reached does not stop it.
    assert.deepEqual(filtered('before=web', 'since=crashed'), ['old'])
    assert.throws(() => filtered('before=nosuch'), failure('No such container: nosuch'))
    assert.throws(() => filtered('since=a'), failure('No such container: a'))
  })
})

describe('selectContainers', () => {
  it('shows running containers (paused and restarting ones too) unless -a', () => {
    assert.deepEqual(names(selectContainers(every, {filters: []})), ['loop', 'web-canary', 'web'])
    assert.deepEqual(names(selectContainers(every, {all: true, filters: []})), ['loop', 'crashed', 'job', 'web-canary', 'web', 'old'])
  })

  it('shows the last N created with -n, stopped ones included', () => {
    assert.deepEqual(names(selectContainers(every, {last: 2, filters: []})), ['loop', 'crashed'])
    assert.deepEqual(names(selectContainers(every, {last: 1, filters: []})), ['loop'])
    assert.deepEqual(names(selectContainers(every, {last: 0, filters: []})), ['loop', 'web-canary', 'web'])
    assert.deepEqual(names(selectContainers(every, {last: -1, filters: []})), ['loop', 'web-canary', 'web'])
  })

  it('shows stopped containers when a status filter is used', () => {
    const filters: PsFilter[] = [{key: 'status', value: 'exited'}]
    const exited = filterContainers(every, filters, context)
    assert.deepEqual(names(selectContainers(exited, {filters})), ['crashed', 'old'])
    assert.deepEqual(names(selectContainers(filterContainers(every, parsePsFilters(['label=tier']), context), {filters: parsePsFilters(['label=tier'])})), ['web-canary', 'web'])
  })

  it('applies -n after the filters', () => {
    const filters = parsePsFilters(['ancestor=busybox'])
    assert.deepEqual(names(selectContainers(filterContainers(every, filters, context), {last: 3, filters})), ['loop', 'crashed', 'job'])
  })
})

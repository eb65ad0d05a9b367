import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {formatInspect, formatValue, goJSON, renderItems, sprintf} from '../../../src/format/index.ts'
import type {ContainerRecord, ContainerState, ContainerStatus, ContainerView, DockerHostConfig} from '../../../src/container/model.ts'
import {commandLine, emptyNetworkSettings, inspectContainer, isRunning, networkNames, PS_HEADERS, psFormat, psRow, psTemplateReadsSize, statusText, ZERO_TIME} from '../../../src/container/view.ts'
import {INITIAL_STATE} from '../../../src/container/store.ts'
import {knownTask, viewOf, withProcessStart} from '../../../src/container/lifecycle.ts'
import {recordInitProcess} from '../../../src/container/host-process.ts'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Process} from '../../../src/containerd/index.ts'

const IMAGE_ID = `sha256:${'9'.repeat(64)}`

function hostConfig(overrides: Partial<DockerHostConfig> = {}): DockerHostConfig {
  return {
    Binds: null,
    NetworkMode: 'default',
    PortBindings: {},
    RestartPolicy: {Name: 'no', MaximumRetryCount: 0},
    AutoRemove: false,
    LogConfig: {Type: 'json-file', Config: {}},
    Privileged: false,
    ReadonlyRootfs: false,
    CapAdd: null,
    CapDrop: null,
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: null,
    GroupAdd: null,
    IpcMode: 'private',
    PidMode: '',
    UTSMode: '',
    CgroupnsMode: 'private',
    SecurityOpt: null,
    Tmpfs: null,
    ShmSize: 67108864,
    Runtime: 'runc',
    Init: null,
    Sysctls: null,
    Ulimits: null,
    Devices: null,
    Memory: 0,
    MemorySwap: 0,
    MemoryReservation: 0,
    NanoCpus: 0,
    CpuShares: 0,
    CpuPeriod: 0,
    CpuQuota: 0,
    CpusetCpus: '',
    CpusetMems: '',
    PidsLimit: null,
    OomKillDisable: false,
    CgroupParent: '',
    Annotations: null,
    ...overrides,
  }
}

interface ViewSpec {
  id?: string
  name?: string
  created?: string
  status?: ContainerStatus
  state?: Partial<ContainerState>
  exitCode?: number
  pid?: number
  image?: string
  imageRef?: string
  imageId?: string
  labels?: Record<string, string>
  record?: Partial<ContainerRecord>
  hostConfig?: Partial<DockerHostConfig>
}

/** A container view; the ID repeats one hex digit unless given. */
function makeView(spec: ViewSpec = {}): ContainerView {
  const id = spec.id ?? 'a'.repeat(64)
  const labels = spec.labels ?? {}
  const record: ContainerRecord = {
    Id: id,
    Name: spec.name ?? 'web',
    Namespace: 'default',
    Created: spec.created ?? '2026-11-23T02:00:00.123456789Z',
    Path: 'sleep',
    Args: ['infinity'],
    ImageRef: spec.imageRef ?? 'docker.io/library/busybox:latest',
    Image: spec.imageId ?? IMAGE_ID,
    Platform: 'linux/amd64',
    Snapshotter: 'overlayfs',
    Config: {
      Hostname: id.slice(0, 12),
      Domainname: '',
      User: '',
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['sleep', 'infinity'],
      Image: spec.image ?? 'busybox',
      Volumes: null,
      WorkingDir: '',
      Entrypoint: null,
      Labels: labels,
    },
    HostConfig: hostConfig(spec.hostConfig),
    Mounts: [],
    StopSignal: 'SIGTERM',
    StopTimeout: 10,
    LogPath: `/var/lib/nerd/containers/default/${id}/${id}-json.log`,
    AnonymousVolumes: [],
    ...spec.record,
  }
  const state: ContainerState = {...INITIAL_STATE, ...spec.state}
  return {record, state, labels: {...labels, 'nerd/name': record.Name}, status: spec.status ?? 'created', pid: spec.pid ?? 0, exitCode: spec.exitCode ?? state.ExitCode}
}

const CREATED = new Date('2026-11-23T02:00:00.123456789Z')
const later = (milliseconds: number): Date => new Date(CREATED.getTime() + milliseconds)
const ago = (milliseconds: number, now: Date): string => new Date(now.getTime() - milliseconds).toISOString()
const SECOND = 1000
const MINUTE = 60 * SECOND
const NOW = later(10 * MINUTE)

describe('statusText', () => {
  it('reads like docker\'s STATUS column', () => {
    assert.equal(statusText(makeView({status: 'created'}), NOW), 'Created')
    assert.equal(statusText(makeView({status: 'running', state: {StartedAt: ago(5 * SECOND, NOW)}}), NOW), 'Up 5 seconds')
    assert.equal(statusText(makeView({status: 'running', state: {StartedAt: ago(90 * SECOND, NOW)}}), NOW), 'Up About a minute')
    assert.equal(statusText(makeView({status: 'paused', state: {StartedAt: ago(2 * MINUTE, NOW)}}), NOW), 'Up 2 minutes (Paused)')
    assert.equal(statusText(makeView({status: 'exited', exitCode: 3, state: {StartedAt: ago(9 * MINUTE, NOW), FinishedAt: ago(4 * MINUTE, NOW), ExitCode: 3}}), NOW), 'Exited (3) 4 minutes ago')
    assert.equal(statusText(makeView({status: 'restarting', exitCode: 1, state: {StartedAt: ago(9 * MINUTE, NOW), FinishedAt: ago(2 * SECOND, NOW)}}), NOW), 'Restarting (1) 2 seconds ago')
    assert.equal(statusText(makeView({status: 'removing'}), NOW), 'Removal In Progress')
    assert.equal(statusText(makeView({status: 'dead'}), NOW), 'Dead')
  })

  it('takes the exit code from the view, which may come from the stopped task', () => {
    const view = makeView({status: 'exited', exitCode: 137, state: {StartedAt: ago(MINUTE * 3, NOW), FinishedAt: ago(3 * 3600 * SECOND, NOW), ExitCode: 0}})
    assert.equal(statusText(view, NOW), 'Exited (137) 3 hours ago')
  })
})

describe('isRunning', () => {
  it('is docker\'s State.Running: also paused and restarting containers', () => {
    const running = (['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'] as const).filter((status) => isRunning(makeView({status})))
    assert.deepEqual(running, ['running', 'paused', 'restarting'])
  })
})

describe('viewOf', () => {
  const {record} = makeView()
  const task = (status: Process['status']): Process => ({id: record.Id, pid: 0, status, exitStatus: 0}) as Process
  const statusOf = (state: Partial<ContainerState>, found?: Process): ContainerStatus => viewOf(record, {...INITIAL_STATE, ...state}, {}, found).status

  it('shows created only before the first start: a task made for a later start is a pending restart\'s, or else exited', () => {
    assert.equal(statusOf({}), 'created')
    assert.equal(statusOf({}, task('CREATED')), 'created')
    const started = {StartedAt: '2026-11-23T02:00:01Z'}
    assert.equal(statusOf({...started, RestartDueAt: Date.now()}, task('CREATED')), 'restarting')
    assert.equal(statusOf({...started, RestartDueAt: Date.now()}), 'restarting')
    assert.equal(statusOf(started, task('CREATED')), 'exited')
    assert.equal(statusOf({...started, RestartDueAt: Date.now(), ExplicitlyStopped: true}, task('CREATED')), 'exited')
    assert.equal(statusOf({...started, RestartDueAt: Date.now()}, task('RUNNING')), 'running')
    // The task read before the state of the start that cleared the mark: a container with a policy is restarting.
    const always = {...record, HostConfig: {...record.HostConfig, RestartPolicy: {Name: 'always', MaximumRetryCount: 0}}}
    assert.equal(viewOf(always, {...INITIAL_STATE, ...started}, {}, task('CREATED')).status, 'restarting')
    assert.equal(viewOf(always, {...INITIAL_STATE, ...started, ExplicitlyStopped: true}, {}, task('CREATED')).status, 'exited')
  })

  it("shows a process its policy restarts with the count it runs again with, before its exit handler has recorded the exit, as docker's RestartCount++ with SetRestarting", () => {
    const always = {...record, HostConfig: {...record.HostConfig, RestartPolicy: {Name: 'always', MaximumRetryCount: 0}}}
    const stopped = {...task('STOPPED'), exitStatus: 7}
    assert.equal(viewOf(always, {...INITIAL_STATE, StartedAt: '2026-11-23T02:00:01Z', RestartCount: 2, ExitUnrecorded: true}, {}, stopped).state.RestartCount, 3)
    // Recorded, the count is the state's.
    assert.equal(viewOf(always, {...INITIAL_STATE, StartedAt: '2026-11-23T02:00:01Z', RestartCount: 3, RestartDueAt: Date.now() + 1000}, {}, stopped).state.RestartCount, 3)
  })

  it('shows a running or paused process with exit code 0, also before its start has written the state (a policy restart after exit 137)', () => {
    const exited = {StartedAt: '2026-11-23T02:00:01Z', ExitCode: 137}
    for (const status of ['RUNNING', 'PAUSED'] as const) {
      const view = viewOf(record, {...INITIAL_STATE, ...exited}, {}, task(status))
      assert.deepEqual([view.exitCode, view.state.ExitCode], [0, 0], status)
    }
    assert.equal(viewOf(record, {...INITIAL_STATE, ...exited}, {}, undefined).exitCode, 137)
  })

  it("shows a run whose exit went unseen while containerd's restart monitor made its next task (after a containerd restart) as restarting with 255, not the 0 of the state", () => {
    const always = {...record, HostConfig: {...record.HostConfig, RestartPolicy: {Name: 'always', MaximumRetryCount: 0}}}
    // Before the monitor's start is recorded (the state of the run that ended), and after its logger wrote it (ExitCode 0).
    for (const state of [{StartedAt: '2026-11-23T02:00:01Z', ExitCode: 0, ExitUnrecorded: true}, {StartedAt: new Date().toISOString(), ExitCode: 0, ExitUnrecorded: true}]) {
      const view = viewOf(always, {...INITIAL_STATE, ...state}, {}, task('CREATED'))
      assert.deepEqual([view.status, view.exitCode, view.state.ExitCode], ['restarting', 255, 255])
    }
    // Once it runs, the code is 0, as docker's SetRunning.
    assert.equal(viewOf(always, {...INITIAL_STATE, StartedAt: '2026-11-23T02:00:01Z', ExitUnrecorded: true}, {}, task('RUNNING')).exitCode, 0)
  })

  it('shows a run whose task went unseen (a reboot) as exited 255 now, or restarting when its policy restarts it, not as the exit before', () => {
    const gone = {StartedAt: '2026-11-23T02:00:01Z', FinishedAt: '2026-11-23T01:00:00.000000000Z', ExitCode: 0, ExitUnrecorded: true}
    const view = viewOf(record, {...INITIAL_STATE, ...gone}, {}, undefined)
    assert.deepEqual([view.status, view.exitCode, view.state.ExitCode], ['exited', 255, 255])
    assert.ok(Date.now() - Date.parse(view.state.FinishedAt) < 5000, view.state.FinishedAt)
    const onFailure = {...record, HostConfig: {...record.HostConfig, RestartPolicy: {Name: 'on-failure', MaximumRetryCount: 0}}}
    assert.equal(viewOf(onFailure, {...INITIAL_STATE, ...gone}, {}, undefined).status, 'restarting')
    assert.equal(viewOf(onFailure, {...INITIAL_STATE, ...gone, ExplicitlyStopped: true}, {}, undefined).status, 'exited')
  })
})

describe('withProcessStart', () => {
  const running = {id: 'c', pid: process.pid, status: 'RUNNING'} as Process
  const lastRun = {...INITIAL_STATE, StartedAt: '2001-01-01T00:00:00Z', FinishedAt: '2001-01-01T00:00:05Z'}

  it("takes the process's start time while the start's record is not written (the last run's exit recorded), as docker's SetRunning writes both at once", () => {
    const shown = Date.parse(withProcessStart(lastRun, running).StartedAt)
    assert.ok(shown > Date.parse('2020-01-01T00:00:00Z') && shown <= Date.now(), String(shown))
    // Never before the last run ended (/proc tells the second).
    const justEnded = {...lastRun, FinishedAt: new Date(Date.now() + 60_000).toISOString()}
    assert.equal(withProcessStart(justEnded, running).StartedAt, justEnded.FinishedAt)
  })

  it('keeps the state of the run it records, and of a process that does not run', () => {
    const recorded = {...lastRun, ExitUnrecorded: true}
    assert.equal(withProcessStart(recorded, running), recorded)
    assert.equal(withProcessStart(lastRun, {...running, status: 'STOPPED'}), lastRun)
    assert.equal(withProcessStart(lastRun, {...running, status: 'CREATED'}), lastRun)
  })
})

describe('knownTask', () => {
  const unknown = {id: 'c', containerId: '', pid: 0, status: 'UNKNOWN', exitStatus: 0} as Process

  it('takes a task whose shim did not answer (UNKNOWN) for running while the init process its hook recorded lives', async (context) => {
    const dir = await mkdtemp(join(tmpdir(), 'nerd-known-task-'))
    context.after(() => rm(dir, {recursive: true, force: true}))
    const initPid = join(dir, 'init.pid')
    // This test's own process stands for the container's.
    await recordInitProcess(initPid, process.pid)
    assert.deepEqual(knownTask(unknown, initPid), {...unknown, status: 'RUNNING', pid: process.pid})
    const running = {...unknown, status: 'RUNNING', pid: 7} as Process
    assert.equal(knownTask(running, initPid), running)
  })

  it('leaves it UNKNOWN (not running) when that process is gone or was never recorded', async (context) => {
    const dir = await mkdtemp(join(tmpdir(), 'nerd-known-task-'))
    context.after(() => rm(dir, {recursive: true, force: true}))
    assert.equal(knownTask(unknown, join(dir, 'none')), unknown)
    const initPid = join(dir, 'init.pid')
    // A pid reused since: its start time is not the recorded one.
    const {writeFile} = await import('node:fs/promises')
    await writeFile(initPid, `${process.pid} 1`)
    assert.equal(knownTask(unknown, initPid), unknown)
  })
})

describe('commandLine', () => {
  it('joins Path and Args, quoting arguments with spaces', () => {
    assert.equal(commandLine({Path: 'sh', Args: ['-c', 'echo hi']}), "sh -c 'echo hi'")
    assert.equal(commandLine({Path: '/bin/true', Args: []}), '/bin/true')
    assert.equal(commandLine({Path: 'ls', Args: ['-la', '/']}), 'ls -la /')
  })
})

describe('networkNames', () => {
  it('follows the network mode', () => {
    const names = (NetworkMode: string) => networkNames({record: {HostConfig: hostConfig({NetworkMode})} as ContainerView['record']})
    assert.deepEqual(names('default'), ['bridge'])
    assert.deepEqual(names('bridge'), ['bridge'])
    assert.deepEqual(names('host'), ['host'])
    assert.deepEqual(names('none'), ['none'])
    assert.deepEqual(names('mynet'), ['mynet'])
    assert.deepEqual(names(`container:${'b'.repeat(64)}`), [])
  })

  it('lists the networks of the plan when the container has one, connected ones included', () => {
    assert.deepEqual(networkNames({record: {HostConfig: hostConfig({NetworkMode: 'front'})} as ContainerView['record'], networks: ['front', 'back']}), ['front', 'back'])
  })
})

describe('psRow', () => {
  const running = makeView({
    status: 'running',
    state: {StartedAt: ago(5 * SECOND, NOW)},
    record: {Path: 'sh', Args: ['-c', 'while true; do sleep 1; done']},
    labels: {tier: 'web', 'com.example.role': 'front', app: 'shop'},
  })

  it('gives docker\'s fields, truncated as docker truncates them', () => {
    const row = psRow(running, {now: NOW})
    const {Label, Platform, ...fields} = row
    assert.deepEqual(fields, {
      Command: `"sh -c 'while true; …"`,
      CreatedAt: '2026-11-23 02:00:00 +0000 UTC',
      ID: 'aaaaaaaaaaaa',
      Image: 'busybox',
      Labels: 'app=shop,com.example.role=front,tier=web',
      LocalVolumes: '0',
      Mounts: '',
      Names: 'web',
      Networks: 'bridge',
      Ports: '',
      RunningFor: '10 minutes ago',
      Size: '0B',
      State: 'running',
      Status: 'Up 5 seconds',
    })
    assert.equal(Label('com.example.role'), 'front')
    assert.equal(Label('nosuch'), '')
    // docker's formatter.Platform: a Stringer for templates, an OCI platform in JSON, nil when unknown.
    assert.equal(formatValue(Platform), 'linux/amd64')
    assert.equal(goJSON(Platform), '{"architecture":"amd64","os":"linux"}')
    const arm = psRow(makeView({record: {Platform: 'linux/arm64/v8'}}), {now: NOW}).Platform
    assert.equal(goJSON(arm), '{"architecture":"arm64","os":"linux","variant":"v8"}')
    const unknown = psRow(makeView({record: {Platform: ''}}), {now: NOW}).Platform
    assert.equal(`${formatValue(unknown)} ${goJSON(unknown)} ${sprintf('%T %T', [unknown, Platform])}`, '<nil> null *formatter.Platform *formatter.Platform')
  })

  it("fails on a field of the empty row's Platform as docker's does on its nil *formatter.Platform", () => {
    assert.throws(() => psTemplateReadsSize('{{.Platform.OS}}'), {message: 'failed to execute template: template: :1:11: executing "" at <.Platform.OS>: nil pointer evaluating *formatter.Platform.OS'})
    assert.equal(psTemplateReadsSize('{{if .Platform}}{{.Platform.OS}}{{end}}'), false)
  })

  it('has no HealthStatus, which docker\'s CLI gained in v29, not in 28.5.2\'s ContainerContext', () => {
    const healthy = {...makeView({status: 'running'}), health: {Status: 'healthy' as const, FailingStreak: 0, Log: []}}
    assert.equal('HealthStatus' in psRow(healthy, {now: NOW}), false)
  })

  it('keeps everything whole with --no-trunc', () => {
    const row = psRow(running, {now: NOW, noTrunc: true})
    assert.equal(row.ID, 'a'.repeat(64))
    assert.equal(row.Command, `"sh -c 'while true; do sleep 1; done'"`)
  })

  it('quotes the command like Go\'s strconv.Quote', () => {
    const view = makeView({record: {Path: 'echo', Args: ['say "hi"', 'tab\there']}})
    assert.equal(psRow(view, {noTrunc: true, now: NOW}).Command, String.raw`"echo 'say \"hi\"' tab\there"`)
    assert.equal(psRow(makeView({record: {Path: 'true', Args: []}}), {now: NOW}).Command, '"true"')
  })

  it('shows the image as typed, familiar and without digest unless --no-trunc', () => {
    const digest = `sha256:${'d'.repeat(64)}`
    const image = (typed: string, options: {noTrunc?: boolean} = {}) => psRow(makeView({image: typed}), {...options, now: NOW}).Image
    assert.equal(image('busybox'), 'busybox')
    assert.equal(image('docker.io/library/busybox:1.36'), 'busybox:1.36')
    assert.equal(image('docker.io/library/busybox:1.36', {noTrunc: true}), 'docker.io/library/busybox:1.36')
    assert.equal(image(`busybox@${digest}`), 'busybox')
    assert.equal(image(`busybox:1@${digest}`), 'busybox:1')
    assert.equal(image(`busybox@${digest}`, {noTrunc: true}), `busybox@${digest}`)
    assert.equal(image('127.0.0.1:5000/team/app:2'), '127.0.0.1:5000/team/app:2')
    assert.equal(image(IMAGE_ID), '999999999999')
    assert.equal(image('9'.repeat(64)), '999999999999')
    assert.equal(image('999999'), '999999')
    assert.equal(image(''), '<no image>')
  })

  it('shows the image ID once the reference names another image', () => {
    const view = makeView({image: 'busybox:1'})
    assert.equal(psRow(view, {now: NOW, imageIdOf: () => IMAGE_ID}).Image, 'busybox:1')
    assert.equal(psRow(view, {now: NOW, imageIdOf: () => `sha256:${'1'.repeat(64)}`}).Image, '999999999999')
    assert.equal(psRow(view, {now: NOW, imageIdOf: () => undefined}).Image, '999999999999')
    assert.equal(psRow(view, {now: NOW, noTrunc: true, imageIdOf: () => undefined}).Image, IMAGE_ID)
  })

  it('shows the image containerd names for a container it has without nerd\'s record, whose image ID nobody knows', () => {
    const view = makeView({image: 'docker.io/library/busybox:latest', imageId: ''})
    assert.equal(psRow(view, {now: NOW, imageIdOf: () => IMAGE_ID}).Image, 'busybox:latest')
    assert.equal(psRow(view, {now: NOW, imageIdOf: () => undefined}).Image, 'busybox:latest')
  })

  it('lists mounts by volume name or source, cut to 15 columns', () => {
    const view = makeView({
      record: {
        Mounts: [
          {Type: 'volume', Name: 'data', Source: '/var/lib/nerd/volumes/data/_data', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: ''},
          {Type: 'bind', Source: '/home/someone/project', Destination: '/src', Mode: '', RW: false, Propagation: 'rprivate'},
        ],
      },
    })
    const row = psRow(view, {now: NOW})
    assert.equal(row.Mounts, 'data,/home/someone/…')
    assert.equal(row.LocalVolumes, '1')
    assert.equal(psRow(view, {now: NOW, noTrunc: true}).Mounts, 'data,/home/someone/project')
  })

  it('prints sizes like docker ps -s', () => {
    assert.equal(psRow(running, {now: NOW, size: {rw: 1234, rootFs: 4_567_890}}).Size, '1.23kB (virtual 4.57MB)')
    assert.equal(psRow(running, {now: NOW, size: {rw: 0, rootFs: 0}}).Size, '0B')
    assert.equal(psRow(running, {now: NOW, size: {rw: 2_000_000, rootFs: 0}}).Size, '2MB')
  })

  it('names the networks its mode implies', () => {
    assert.equal(psRow(makeView({hostConfig: {NetworkMode: 'host'}}), {now: NOW}).Networks, 'host')
    assert.equal(psRow(makeView({hostConfig: {NetworkMode: 'container:x'}}), {now: NOW}).Networks, '')
  })
})

describe('ps output', () => {
  const views = [
    makeView({
      id: 'b'.repeat(64),
      name: 'api',
      status: 'running',
      state: {StartedAt: ago(2 * MINUTE, NOW)},
      record: {Path: 'nginx', Args: ['-g', 'daemon off;']},
      image: 'nginx:1.27',
      labels: {'com.example.role': 'proxy'},
    }),
    makeView({id: 'c'.repeat(64), name: 'job', status: 'exited', exitCode: 0, state: {StartedAt: ago(9 * MINUTE, NOW), FinishedAt: ago(3 * MINUTE, NOW)}}),
  ]
  const render = (format: string | undefined, options: {quiet?: boolean; size?: boolean} = {}, rowOptions = {}) =>
    renderItems(
      views.map((view) => psRow(view, {now: NOW, ...rowOptions})),
      {format: psFormat(format, options), defaultTable: psFormat(undefined, options), headers: PS_HEADERS},
    )

  it('prints docker\'s default table', () => {
    assert.equal(
      render(undefined),
      [
        'CONTAINER ID   IMAGE        COMMAND                  CREATED          STATUS                     PORTS     NAMES',
        'bbbbbbbbbbbb   nginx:1.27   "nginx -g \'daemon of…"   10 minutes ago   Up 2 minutes                         api',
        'cccccccccccc   busybox      "sleep infinity"         10 minutes ago   Exited (0) 3 minutes ago             job',
        '',
      ].join('\n'),
    )
  })

  it('adds SIZE with -s', () => {
    const lines = render('table', {size: true}, {size: {rw: 12, rootFs: 4_400_000}}).split('\n')
    assert.match(lines[0], /PORTS +NAMES +SIZE$/)
    assert.match(lines[1], /api +12B \(virtual 4\.4MB\)$/)
  })

  it('prints only IDs with -q, whatever the format', () => {
    assert.equal(render(undefined, {quiet: true}), 'bbbbbbbbbbbb\ncccccccccccc\n')
    assert.equal(render('{{.Names}}', {quiet: true}), 'bbbbbbbbbbbb\ncccccccccccc\n')
    assert.equal(render('json', {quiet: true}), 'bbbbbbbbbbbb\ncccccccccccc\n')
  })

  it('runs custom templates, with Label and docker\'s header for it (the key\'s last part)', () => {
    assert.equal(render('{{.Names}} {{.State}} {{.Label "com.example.role"}}'), 'api running proxy\njob exited \n')
    assert.equal(render('table {{.Names}}\t{{.Label "com.example.role"}}\t{{.RunningFor}}'), 'NAMES     role      CREATED\napi       proxy     10 minutes ago\njob                 10 minutes ago\n')
  })

  it("checks a format on docker's ContainerContext, whose fields are methods: Names takes no argument, Label a string", () => {
    assert.throws(() => psTemplateReadsSize('{{.Names 1}}'), {message: 'failed to execute template: template: :1:2: executing "" at <.Names>: wrong number of args for Names: want 0 got 1'})
    assert.throws(() => psTemplateReadsSize('{{.Label 1}}'), {message: 'failed to execute template: template: :1:9: executing "" at <1>: expected string; found 1'})
    assert.equal(psTemplateReadsSize('{{.Label "a"}} {{.Size}}'), true)
  })

  it("fails on len of the row as docker's does on its ContainerContext", () => {
    assert.throws(() => psTemplateReadsSize('{{len .}}'), {message: 'failed to execute template: template: :1:2: executing "" at <len .>: error calling len: len of type formatter.ContainerContext'})
  })

  it('prints one JSON object a line with docker\'s keys in docker\'s order', () => {
    const [first] = render('json').split('\n')
    assert.equal(
      first,
      '{"Command":"\\"nginx -g \'daemon of…\\"","CreatedAt":"2026-11-23 02:00:00 +0000 UTC","ID":"bbbbbbbbbbbb","Image":"nginx:1.27",' +
        '"Labels":"com.example.role=proxy","LocalVolumes":"0","Mounts":"","Names":"api","Networks":"bridge","Platform":{"architecture":"amd64","os":"linux"},' +
        '"Ports":"","RunningFor":"10 minutes ago","Size":"0B","State":"running","Status":"Up 2 minutes"}',
    )
  })

  it('prints docker\'s raw format', () => {
    assert.equal(
      render('raw').split('\n\n')[1],
      [
        'container_id: cccccccccccc',
        'image: busybox',
        'command: "sleep infinity"',
        'created_at: 2026-11-23 02:00:00 +0000 UTC',
        'state: exited',
        'status: Exited (0) 3 minutes ago',
        'names: job',
        'labels:',
        'ports:',
      ].join('\n'),
    )
    assert.equal(render('raw', {quiet: true}), 'container_id: bbbbbbbbbbbb\ncontainer_id: cccccccccccc\n')
  })
})

describe('inspectContainer', () => {
  const dataRoot = '/var/lib/nerd'
  const id = 'e'.repeat(64)
  const dir = `${dataRoot}/containers/default/${id}`

  it('has docker\'s members in docker\'s order', () => {
    const document = inspectContainer(makeView({id}), {dataRoot})
    assert.deepEqual(Object.keys(document), [
      'Id', 'Created', 'Path', 'Args', 'State', 'Image', 'ResolvConfPath', 'HostnamePath', 'HostsPath', 'LogPath', 'Name', 'RestartCount',
      'Driver', 'Platform', 'MountLabel', 'ProcessLabel', 'AppArmorProfile', 'ExecIDs', 'HostConfig', 'GraphDriver', 'Mounts', 'Config',
      'NetworkSettings',
    ])
    assert.deepEqual(Object.keys(document.State), ['Status', 'Running', 'Paused', 'Restarting', 'OOMKilled', 'Dead', 'Pid', 'ExitCode', 'Error', 'StartedAt', 'FinishedAt'])
  })

  it('describes a created container', () => {
    const document = inspectContainer(makeView({id, name: 'web'}), {dataRoot})
    assert.equal(document.Id, id)
    assert.equal(document.Created, '2026-11-23T02:00:00.123456789Z')
    assert.equal(document.Path, 'sleep')
    assert.deepEqual(document.Args, ['infinity'])
    assert.deepEqual(document.State, {
      Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: '',
      StartedAt: ZERO_TIME, FinishedAt: '0001-01-01T00:00:00Z',
    })
    assert.equal(document.Image, IMAGE_ID)
    assert.equal(document.ResolvConfPath, `${dir}/resolv.conf`)
    assert.equal(document.HostnamePath, `${dir}/hostname`)
    assert.equal(document.HostsPath, `${dir}/hosts`)
    assert.equal(document.LogPath, `${dir}/${id}-json.log`)
    assert.equal(document.Name, '/web')
    assert.equal(document.Driver, 'overlayfs')
    assert.equal(document.Platform, 'linux')
    assert.equal(document.AppArmorProfile, '')
    assert.equal(document.ExecIDs, null)
    assert.deepEqual(document.GraphDriver, {Data: null, Name: 'overlayfs'})
    assert.deepEqual(document.NetworkSettings, emptyNetworkSettings())
  })

  it('reports the state of running, paused, restarting and exited containers', () => {
    const started = '2026-11-23T02:00:01.500000000Z'
    const running = inspectContainer(makeView({id, status: 'running', pid: 4242, state: {StartedAt: started, RestartCount: 2}}), {dataRoot})
    assert.equal(running.State.Running, true)
    assert.equal(running.State.Pid, 4242)
    assert.equal(running.State.StartedAt, '2026-11-23T02:00:01.5Z')
    assert.equal(running.RestartCount, 2)
    const paused = inspectContainer(makeView({id, status: 'paused', pid: 4242}), {dataRoot}).State
    assert.deepEqual([paused.Status, paused.Running, paused.Paused, paused.Restarting], ['paused', true, true, false])
    const restarting = inspectContainer(makeView({id, status: 'restarting', exitCode: 1}), {dataRoot}).State
    assert.deepEqual([restarting.Running, restarting.Restarting, restarting.ExitCode], [true, true, 1])
    const exited = inspectContainer(
      makeView({id, status: 'exited', exitCode: 137, state: {StartedAt: started, FinishedAt: '2026-11-23T02:05:00.000000000Z', OOMKilled: true, Error: 'boom'}}),
      {dataRoot},
    ).State
    assert.deepEqual([exited.Running, exited.ExitCode, exited.OOMKilled, exited.Error, exited.FinishedAt], [false, 137, true, 'boom', '2026-11-23T02:05:00Z'])
    assert.equal(inspectContainer(makeView({id, status: 'dead'}), {dataRoot}).State.Dead, true)
  })

  it("gives the health log's times to the nanosecond as Go's RFC3339Nano, as docker's time.Now() results", () => {
    const probe = {Start: '2026-11-23T02:00:01.492817260Z', End: '2026-11-23T02:00:02.000000000Z', ExitCode: 0, Output: 'ok\n'}
    const view = {...makeView({id, status: 'running'}), health: {Status: 'healthy' as const, FailingStreak: 0, Log: [probe]}}
    assert.deepEqual(inspectContainer(view, {dataRoot}).State.Health, {Status: 'healthy', FailingStreak: 0, Log: [{...probe, Start: '2026-11-23T02:00:01.49281726Z', End: '2026-11-23T02:00:02Z'}]})
  })

  it('lays out HostConfig as docker does', () => {
    const {HostConfig} = inspectContainer(makeView({id, hostConfig: {Init: false, Tmpfs: {'/run': 'rw'}}}), {dataRoot})
    const keys = Object.keys(HostConfig)
    assert.deepEqual(keys.slice(0, 12), ['Binds', 'ContainerIDFile', 'LogConfig', 'NetworkMode', 'PortBindings', 'RestartPolicy', 'AutoRemove', 'VolumeDriver', 'VolumesFrom', 'ConsoleSize', 'CapAdd', 'CapDrop'])
    assert.deepEqual(keys.slice(-8), ['Ulimits', 'CpuCount', 'CpuPercent', 'IOMaximumIOps', 'IOMaximumBandwidth', 'MaskedPaths', 'ReadonlyPaths', 'Init'])
    // A record from before nerd kept the paths shows the defaults for its privilege.
    assert.equal((HostConfig.MaskedPaths as string[]).length, 12)
    assert.deepEqual(HostConfig.ReadonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'])
    const privileged = inspectContainer(makeView({id, hostConfig: {Privileged: true}}), {dataRoot}).HostConfig
    assert.deepEqual([privileged.MaskedPaths, privileged.ReadonlyPaths], [null, null])
    const unconfined = inspectContainer(makeView({id, hostConfig: {MaskedPaths: [], ReadonlyPaths: []}}), {dataRoot}).HostConfig
    assert.deepEqual([unconfined.MaskedPaths, unconfined.ReadonlyPaths], [[], []])
    assert.equal(HostConfig.Init, false)
    assert.deepEqual(HostConfig.Tmpfs, {'/run': 'rw'})
    assert.equal(HostConfig.Runtime, 'runc')
    assert.equal(HostConfig.ShmSize, 67108864)
    assert.equal(HostConfig.Links, null)
    assert.ok(!('Annotations' in HostConfig) && !('Sysctls' in HostConfig))
    const bare = inspectContainer(makeView({id}), {dataRoot}).HostConfig
    assert.ok(!('Init' in bare) && !('Tmpfs' in bare))
  })

  it('lays out Config and Mounts as docker does', () => {
    const view = makeView({
      id,
      labels: {a: '1'},
      record: {Mounts: [{Propagation: 'rprivate', RW: true, Mode: '', Destination: '/src', Source: '/home/me', Type: 'bind'}]},
    })
    const document = inspectContainer(view, {dataRoot})
    assert.deepEqual(Object.keys(document.Config), [
      'Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce', 'Env', 'Cmd', 'Image',
      'Volumes', 'WorkingDir', 'Entrypoint', 'OnBuild', 'Labels',
    ])
    assert.equal(document.Config.OnBuild, null)
    assert.deepEqual(document.Config.Labels, {a: '1'})
    assert.deepEqual(document.Mounts, [{Type: 'bind', Source: '/home/me', Destination: '/src', Mode: '', RW: true, Propagation: 'rprivate'}])
    assert.deepEqual(Object.keys(document.Mounts[0]), ['Type', 'Source', 'Destination', 'Mode', 'RW', 'Propagation'])
    const withPorts = inspectContainer(makeView({id, record: {Config: {...view.record.Config, ExposedPorts: {'80/tcp': {}}, StopSignal: 'SIGQUIT', StopTimeout: 3}}}), {dataRoot})
    assert.deepEqual(Object.keys(withPorts.Config).filter((key) => ['AttachStderr', 'ExposedPorts', 'Tty', 'Labels', 'StopSignal', 'StopTimeout'].includes(key)), ['AttachStderr', 'ExposedPorts', 'Tty', 'Labels', 'StopSignal', 'StopTimeout'])
    // Go sets (map[string]struct{}): their values print {}.
    const withVolumes = inspectContainer(makeView({id, record: {Config: {...view.record.Config, ExposedPorts: {'9000/tcp': {}}, Volumes: {'/data': {}}}}}), {dataRoot})
    assert.equal(formatInspect([withVolumes], '{{.Config.ExposedPorts}} {{.Config.Volumes}} {{json .Config.ExposedPorts}}').text, 'map[9000/tcp:{}] map[/data:{}] {"9000/tcp":{}}\n')
  })

  it("names the document's Go types as docker 28's: container.InspectResponse, pointers to structs with their star", async () => {
    const document = inspectContainer(makeView({id}), {dataRoot})
    assert.equal(formatInspect([document], '{{printf "%T %T %T %T" . .State .HostConfig .GraphDriver}}').text, 'container.InspectResponse *container.State *container.HostConfig storage.DriverData\n')
    assert.deepEqual(formatInspect([document], '{{.State.Nope}}', {rawFallback: false}).errors, ['template parsing error: template: :1:8: executing "" at <.State.Nope>: can\'t evaluate field Nope in type *container.State'])
  })

  it('takes exec IDs, AppArmor profile, sizes and network settings from the caller', () => {
    const network = {...emptyNetworkSettings(), IPAddress: '10.4.0.2', Networks: {bridge: {}}}
    const document = inspectContainer(makeView({id}), {dataRoot, execIds: ['exec-1'], appArmorProfile: 'nerd-default', size: {rw: 10, rootFs: 20}, networkSettings: network})
    assert.deepEqual(document.ExecIDs, ['exec-1'])
    assert.equal(document.AppArmorProfile, 'nerd-default')
    assert.equal(document.NetworkSettings.IPAddress, '10.4.0.2')
    const keys = Object.keys(document)
    assert.deepEqual(keys.slice(keys.indexOf('GraphDriver')), ['GraphDriver', 'SizeRw', 'SizeRootFs', 'Mounts', 'Config', 'NetworkSettings'])
    assert.deepEqual([document.SizeRw, document.SizeRootFs], [10, 20])
  })

  it('trims trailing zeros of times like Go\'s RFC3339Nano', () => {
    const view = makeView({id, created: '2026-11-23T02:00:00.120000000Z', state: {StartedAt: '2026-11-23T02:00:00.000000000Z', FinishedAt: '2026-11-23T02:00:07.000001Z'}})
    const document = inspectContainer(view, {dataRoot})
    assert.equal(document.Created, '2026-11-23T02:00:00.12Z')
    assert.equal(document.State.StartedAt, '2026-11-23T02:00:00Z')
    assert.equal(document.State.FinishedAt, '2026-11-23T02:00:07.000001Z')
  })
})

/**
 * The container lifecycle under concurrent commands and interrupted ones, with docker as the
 * reference: a container's state stays whole, every command succeeds or fails on one clear line,
 * and nothing is left behind (tasks, containerd records, snapshots, state directories, names).
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {constants, existsSync, readdirSync, readFileSync} from 'node:fs'
import {mkdir, mkdtemp, open, readFile, rm, utimes, writeFile} from 'node:fs/promises'
import type {FileHandle} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {inspectContainer, nerdOk, remainsOf, removeAllContainers, until} from '../helpers/containers.ts'
import {ctr, fileDataRoot, fileNamespace, loadTestImage, nerd, testEnvironment} from '../helpers/e2e.ts'

const IMG = 'nerd-test/busybox'

/** Whether the process runs (neither gone nor a zombie). */
function processRuns(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}
/** This file's networks: the CNI configuration directory is the whole run's. */
const networkNames = Array.from({length: 6}, (_, index) => `conc${index + 1}-${fileNamespace().slice(2, 8)}`)
const halfConnected = `conchalf-${fileNamespace().slice(2, 8)}`
const cgroupFile = (v1: string, v2: string) => `cat /sys/fs/cgroup/${v1} 2>/dev/null || cat /sys/fs/cgroup/${v2}`

/** The networks inspect shows the container on, with their addresses. */
async function networksOf(container: string): Promise<Record<string, string>> {
  const networks = (await inspectContainer(container)).NetworkSettings.Networks as Record<string, {IPAddress: string}>
  return Object.fromEntries(Object.entries(networks).map(([name, endpoint]) => [name, endpoint.IPAddress]))
}

/** The IPv4 addresses of the container's interfaces but its loopback. */
async function interfaceAddresses(container: string): Promise<string[]> {
  const lines = (await nerdOk(['exec', container, 'ip', '-o', '-4', 'addr'])).split('\n').filter((line) => line !== '' && !/^\d+: lo /.test(line))
  return lines.map((line) => /inet (\S+)\//.exec(line)![1]!).sort()
}

describe('the container lifecycle under concurrency and interruption', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await removeAllContainers()
    for (const network of [...networkNames, halfConnected]) await nerd(['network', 'rm', network])
  })

  it('stop and rm -f of many containers see their processes out themselves: no exit handler starts, nothing is left', async () => {
    const names = Array.from({length: 10}, (_, index) => `many-${index}`)
    const ids: string[] = []
    for (const name of names) ids.push((await nerdOk(['run', '-d', '--network', 'none', '--name', name, IMG, 'sleep', '600'])).trim())
    // An exit handler is a process of its own (task-exit.js) for a while: looked for every 20 ms.
    const handlers = new Set<string>()
    let watching = true
    const watched = (async () => {
      while (watching) {
        const {stdout} = await promisify(execFile)('ps', ['-eo', 'pid=,args='])
        for (const line of stdout.split('\n')) if (line.includes('task-exit.js') && ids.some((id) => line.includes(id))) handlers.add(line.trim())
        await delay(20)
      }
    })()
    try {
      await nerdOk(['stop', '-t', '0', ...names.slice(0, 5)])
      await nerdOk(['rm', '-f', ...names.slice(5)])
      await delay(500)
    } finally {
      watching = false
      await watched
    }
    assert.deepEqual([...handlers], [])
    for (const name of names.slice(0, 5)) assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name]), 'exited 137\n')
    for (const id of ids.slice(0, 5)) assert.equal(existsSync(join(fileDataRoot(), 'containers', fileNamespace(), id, 'stopping')), false)
    for (const id of ids.slice(5)) assert.deepEqual(await remainsOf(id), {tasks: [], containers: [], snapshots: [], directories: []})
    await nerdOk(['rm', ...names.slice(0, 5)])
  })

  it('parallel starts of a stopped container all succeed, and one task runs', async () => {
    const id = (await nerdOk(['create', '--network', 'none', '--name', 'starts', IMG, 'sleep', '600'])).trim()
    const results = await Promise.all(Array.from({length: 8}, () => nerd(['start', 'starts'])))
    for (const result of results) assert.deepEqual([result.code, result.stdout, result.stderr], [0, 'starts\n', ''])
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'starts']), 'running\n')
    assert.equal((await remainsOf(id)).tasks.length, 1)
    // And so do parallel restarts.
    const restarts = await Promise.all(Array.from({length: 4}, () => nerd(['restart', '-t', '0', 'starts'])))
    for (const result of restarts) assert.deepEqual([result.code, result.stderr], [0, ''])
    assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', 'starts']), 'running\n')
    await nerdOk(['rm', '-f', 'starts'])
  })

  it('rm -f among parallel start, stop, restart, kill, pause and unpause removes everything, and the others fail on one line (start then docker\'s closing one)', async () => {
    const commands = [['start'], ['stop', '-t', '0'], ['restart', '-t', '0'], ['kill'], ['rm', '-f'], ['pause'], ['unpause'], ['restart', '-t', '0'], ['start'], ['stop', '-t', '0']]
    for (let round = 0; round < 4; round++) {
      const id = (await nerdOk(['run', '-d', '--network', 'none', '--name', 'raced', IMG, 'sleep', '600'])).trim()
      const results = await Promise.all(commands.map((command) => nerd([...command, 'raced'])))
      const removal = results[commands.findIndex((command) => command[0] === 'rm')]!
      assert.deepEqual([removal.code, removal.stderr], [0, ''], `round ${round}: rm -f failed`)
      for (const [index, result] of results.entries()) {
        const closing = commands[index]![0] === 'start' ? 'Error: failed to start containers: raced\n' : ''
        if (result.code !== 0) assert.match(result.stderr, new RegExp(`^Error: [^\\n]+\\n${closing}$`), `round ${round}: ${commands[index]!.join(' ')}`)
      }
      assert.deepEqual(await remainsOf(id), {tasks: [], containers: [], snapshots: [], directories: []}, `round ${round}`)
      assert.equal((await nerd(['inspect', 'raced'])).code, 1)
    }
  })

  it('rm -f removes what an interrupted create or rm left (no containerd container), and frees its name', async () => {
    const id = (await nerdOk(['create', '--network', 'none', '--name', 'halfway', IMG, 'true'])).trim()
    // As an rm killed after containerd's record went: nerd's state directory and name stay.
    assert.equal((await ctr(['containers', 'rm', id])).code, 0)
    const reuse = await nerd(['create', '--network', 'none', '--name', 'halfway', IMG, 'true'])
    assert.match(reuse.stderr, new RegExp(`^Error: Conflict. The container name "/halfway" is already in use by container "${id}"`))
    assert.equal(await nerdOk(['rm', '-f', 'halfway']), 'halfway\n')
    assert.deepEqual(await remainsOf(id), {tasks: [], containers: [], snapshots: [], directories: []})
    await nerdOk(['create', '--network', 'none', '--name', 'halfway', IMG, 'true'])
    await nerdOk(['rm', 'halfway'])
  })

  it('rm -f removes a running container whose state directory went (by hand), as containerd has it', async () => {
    const id = (await nerdOk(['run', '-d', '--network', 'none', '--name', 'stateless', IMG, 'sleep', '600'])).trim()
    await rm(join(fileDataRoot(), 'containers', fileNamespace(), id), {recursive: true})
    assert.equal(await nerdOk(['ps', '--format', '{{.Names}} {{.State}}', '--filter', 'name=stateless']), 'stateless running\n')
    const removal = await nerd(['rm', '-f', 'stateless'])
    assert.deepEqual([removal.code, removal.stdout, removal.stderr], [0, 'stateless\n', ''])
    assert.deepEqual(await remainsOf(id), {tasks: [], containers: [], snapshots: [], directories: []})
    assert.equal(existsSync(join(fileDataRoot(), 'names', fileNamespace(), 'stateless')), false)
  })

  it('a name left empty by a create killed while reserving it is taken over', async () => {
    const namesDir = join(fileDataRoot(), 'names', fileNamespace())
    await nerdOk(['create', '--network', 'none', '--name', 'other', IMG, 'true'])
    await writeFile(join(namesDir, 'emptyname'), '')
    await nerdOk(['create', '--network', 'none', '--name', 'emptyname', IMG, 'true'])
    assert.equal(await nerdOk(['inspect', '-f', '{{.Name}}', 'emptyname']), '/emptyname\n')
    await nerdOk(['rm', 'emptyname', 'other'])
  })

  it('a create killed before it wrote its record (lock gone stale) leaves no name in use: run takes the name, rm and prune remove what it left', async () => {
    const containers = join(fileDataRoot(), 'containers', fileNamespace())
    const names = join(fileDataRoot(), 'names', fileNamespace())
    /** What a create SIGKILLed after its network plan, before its record, leaves: state directory, name, stale lifecycle lock. */
    const leftByKilledCreate = async (digit: string, name: string) => {
      const id = digit.repeat(64)
      await mkdir(join(containers, id), {recursive: true})
      await writeFile(join(containers, id, 'network-plan.json'), '{}')
      await mkdir(names, {recursive: true})
      await writeFile(join(names, name), id)
      await mkdir(join(containers, `.${id}.lock`))
      const refreshed = new Date(Date.now() - 30_000)
      await utimes(join(containers, `.${id}.lock`), refreshed, refreshed)
      return id
    }
    await leftByKilledCreate('a', 'ghost')
    const taker = (await nerdOk(['create', '--network', 'none', '--name', 'ghost', IMG, 'true'])).trim()
    assert.equal(await nerdOk(['inspect', '-f', '{{.Id}}', 'ghost']), `${taker}\n`)
    const pruned = await leftByKilledCreate('b', 'ghost-pruned')
    await nerdOk(['container', 'prune', '-f'])
    assert.deepEqual([existsSync(join(containers, pruned)), existsSync(join(names, 'ghost-pruned'))], [false, false])
    const removed = await leftByKilledCreate('c', 'ghost-removed')
    assert.equal(await nerdOk(['rm', 'ghost-removed']), 'ghost-removed\n')
    assert.deepEqual([existsSync(join(containers, removed)), existsSync(join(names, 'ghost-removed'))], [false, false])
  })

  it('the prunes end a containerd shim that serves no container or task of the namespace (a killed task creation leaves one), and no other', async () => {
    const running = (await nerdOk(['run', '-d', '--network', 'none', '--name', 'served', IMG, 'sleep', '600'])).trim()
    /** A shim as containerd starts one for a task (`start`, which leaves the shim daemon running), with no container or task. */
    const startShim = async (namespace: string, id: string) => {
      const bundle = await mkdtemp(join(tmpdir(), 'nerd-shim-'))
      await writeFile(join(bundle, 'config.json'), '{"ociVersion":"1.0.2"}')
      await promisify(execFile)('mkfifo', [join(bundle, 'log')])
      // The shim writes its log into the fifo, which containerd reads.
      const log = await open(join(bundle, 'log'), constants.O_RDONLY | constants.O_NONBLOCK)
      // Its stdin empty: `start` reads the runtime's options from it to its end.
      const start = spawn('containerd-shim-runc-v2', ['-namespace', namespace, '-id', id, '-address', testEnvironment.address, 'start'], {cwd: bundle, stdio: 'ignore'})
      assert.equal(await new Promise((resolve) => start.once('exit', resolve)), 0)
      const {stdout} = await promisify(execFile)('pgrep', ['-f', '--', `-namespace ${namespace} -id ${id} -address`])
      const shim = {pid: Number(stdout.trim()), bundle, log}
      shims.push(shim)
      return shim
    }
    const shims: {pid: number; bundle: string; log: FileHandle}[] = []
    try {
      const orphan = await startShim(fileNamespace(), 'c'.repeat(64))
      const elsewhere = await startShim(`${fileNamespace()}-other`, 'c'.repeat(64))
      assert.ok(processRuns(orphan.pid) && processRuns(elsewhere.pid))
      // Past the grace a shim just started gets.
      await delay(5500)
      await nerdOk(['container', 'prune', '-f'])
      // Killed (SIGKILL, not waited for): gone once the kernel has torn it down.
      await until('the orphan to end', async () => (processRuns(orphan.pid) ? undefined : true), 5000)
      assert.deepEqual([processRuns(orphan.pid), processRuns(elsewhere.pid)], [false, true])
      assert.equal(await nerdOk(['inspect', '-f', '{{.State.Status}}', running]), 'running\n')
    } finally {
      for (const shim of shims) {
        if (processRuns(shim.pid)) process.kill(shim.pid, 'SIGKILL')
        await shim.log.close()
        const socket = (await readFile(join(shim.bundle, 'address'), 'utf8').catch(() => '')).replace(/^unix:\/\//, '')
        if (socket) await rm(socket, {force: true})
        await rm(shim.bundle, {recursive: true, force: true})
      }
      await nerdOk(['rm', '-f', running])
    }
  })

  it('parallel network connects and disconnects of one container are all attached, recorded and kept; a second disconnect fails as docker\'s', async () => {
    for (const network of networkNames) await nerdOk(['network', 'create', network])
    const id = (await nerdOk(['run', '-d', '--name', 'hub', IMG, 'sleep', '600'])).trim()
    const connects = await Promise.all(networkNames.map((network) => nerd(['network', 'connect', network, 'hub'])))
    for (const result of connects) assert.deepEqual([result.code, result.stderr], [0, ''])
    const connected = await networksOf('hub')
    assert.deepEqual(Object.keys(connected).sort(), ['bridge', ...networkNames].sort())
    for (const [network, address] of Object.entries(connected)) assert.match(address, /^\d+\.\d+\.\d+\.\d+$/, network)
    assert.deepEqual(await interfaceAddresses('hub'), Object.values(connected).sort())

    // Four networks disconnected at once, the first of them twice: one of those two finds it gone.
    const leaving = [...networkNames.slice(0, 4), networkNames[0]!]
    const disconnects = await Promise.all(leaving.map((network) => nerd(['network', 'disconnect', network, 'hub'])))
    for (const result of disconnects.slice(1, 4)) assert.deepEqual([result.code, result.stderr], [0, ''])
    const twice = [disconnects[0]!, disconnects[4]!].sort((one, other) => one.code - other.code)
    assert.deepEqual(twice.map((result) => result.code), [0, 1])
    assert.equal(twice[1]!.stderr, `Error: container ${id} is not connected to network ${networkNames[0]}\n`)
    const kept = ['bridge', ...networkNames.slice(4)].sort()
    assert.deepEqual(Object.keys(await networksOf('hub')).sort(), kept)
    await nerdOk(['restart', '-t', '0', 'hub'])
    const restarted = await networksOf('hub')
    assert.deepEqual(Object.keys(restarted).sort(), kept)
    assert.deepEqual(await interfaceAddresses('hub'), Object.values(restarted).sort())

    // Every address given back: none leaked by an attachment that was not recorded.
    await nerdOk(['rm', '-f', 'hub'])
    for (const network of networkNames) {
      const networkId = ((JSON.parse(await nerdOk(['network', 'inspect', network])) as {Id: string}[])[0]!).Id
      const ipam = join(fileDataRoot(), 'networks', networkId, 'ipam', network)
      const leases = existsSync(ipam) ? readdirSync(ipam).filter((file) => /^\d+\.\d+\.\d+\.\d+$/.test(file)) : []
      assert.deepEqual(leases, [], network)
    }
  })

  it('a connect killed after the CNI ADD, before it recorded the attachment, is taken back and made anew by the next connect, not refused as an endpoint that exists', async () => {
    await nerdOk(['network', 'create', halfConnected])
    const id = (await nerdOk(['run', '-d', '--name', 'halfjoined', IMG, 'sleep', '600'])).trim()
    await nerdOk(['network', 'connect', halfConnected, 'halfjoined'])
    // What that connect leaves: the network planned, its attachment pending (interface made, address held), none recorded.
    const stateFile = join(fileDataRoot(), 'containers', fileNamespace(), id, 'network.json')
    const state = JSON.parse(await readFile(stateFile, 'utf8'))
    const {networkId, conflist, ifName, capabilityArgs} = state.attachments[halfConnected]
    delete state.attachments[halfConnected]
    state.pending = {[halfConnected]: {networkId, conflist, ifName, capabilityArgs}}
    await writeFile(stateFile, JSON.stringify(state))
    assert.equal((await networksOf('halfjoined'))[halfConnected], '')

    const connect = await nerd(['network', 'connect', halfConnected, 'halfjoined'])
    assert.deepEqual([connect.code, connect.stderr], [0, ''])
    const connected = await networksOf('halfjoined')
    assert.match(connected[halfConnected]!, /^\d+\.\d+\.\d+\.\d+$/)
    assert.deepEqual(await interfaceAddresses('halfjoined'), Object.values(connected).sort())
    const members = JSON.parse(await nerdOk(['network', 'inspect', '-f', '{{json .Containers}}', halfConnected])) as Record<string, {Name: string}>
    assert.deepEqual(Object.entries(members).map(([member, {Name}]) => [member, Name]), [[id, 'halfjoined']])
    const again = await nerd(['network', 'connect', halfConnected, 'halfjoined'])
    assert.equal(again.stderr, `Error: endpoint with name halfjoined already exists in network ${halfConnected}\n`)

    // The half attachment's address given back with it.
    await nerdOk(['rm', '-f', 'halfjoined'])
    const ipam = join(fileDataRoot(), 'networks', networkId, 'ipam', halfConnected)
    assert.deepEqual(readdirSync(ipam).filter((file) => /^\d+\.\d+\.\d+\.\d+$/.test(file)), [])
    await nerdOk(['network', 'rm', halfConnected])
  })

  it('parallel updates of one container all take effect and survive a restart; an update racing a rename keeps the new name', async () => {
    await nerdOk(['run', '-d', '--network', 'none', '--name', 'updated', IMG, 'sleep', '600'])
    const changes = [['--memory', '64m'], ['--cpus', '1'], ['--pids-limit', '50'], ['--restart', 'always']]
    const results = await Promise.all(changes.map((change) => nerd(['update', ...change, 'updated'])))
    for (const result of results) assert.deepEqual([result.code, result.stdout, result.stderr], [0, 'updated\n', ''])
    const recorded = async () => {
      const host = (await inspectContainer('updated')).HostConfig
      return [host.Memory, host.NanoCpus, host.PidsLimit, host.RestartPolicy.Name]
    }
    assert.deepEqual(await recorded(), [64 * 2 ** 20, 1_000_000_000, 50, 'always'])
    await nerdOk(['restart', '-t', '0', 'updated'])
    assert.deepEqual(await recorded(), [64 * 2 ** 20, 1_000_000_000, 50, 'always'])
    const cgroup = await nerdOk(['exec', 'updated', 'sh', '-c', `${cgroupFile('memory/memory.limit_in_bytes', 'memory.max')}; ${cgroupFile('pids/pids.max', 'pids.max')}`])
    assert.equal(cgroup, `${64 * 2 ** 20}\n50\n`)
    await nerdOk(['rm', '-f', 'updated'])

    for (let round = 0; round < 4; round++) {
      const id = (await nerdOk(['run', '-d', '--network', 'none', '--name', `before${round}`, IMG, 'sleep', '600'])).trim()
      const [update, rename] = await Promise.all([nerd(['update', '--cpus', '1', `before${round}`]), nerd(['rename', `before${round}`, `after${round}`])])
      assert.deepEqual([rename.code, rename.stderr], [0, ''], `round ${round}`)
      // An update that looked the container up after the rename finds no such name, as docker's.
      if (update.code !== 0) assert.equal(update.stderr, `Error: No such container: before${round}\n`, `round ${round}`)
      const document = await inspectContainer(id)
      assert.equal(document.Name, `/after${round}`, `round ${round}`)
      if (update.code === 0) assert.equal(document.HostConfig.NanoCpus, 1_000_000_000, `round ${round}`)
      assert.equal((await nerd(['inspect', `before${round}`])).code, 1, `round ${round}`)
      assert.equal(await nerdOk(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Names}}']), `after${round}\n`)
      await nerdOk(['rm', '-f', `after${round}`])
    }
  })
})

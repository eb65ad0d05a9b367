/**
 * The container lifecycle under concurrent commands and interrupted ones, with docker as the
 * reference: a container's state stays whole, every command succeeds or fails on one clear line,
 * and nothing is left behind (tasks, containerd records, snapshots, state directories, names).
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {nerdOk, remainsOf, removeAllContainers} from '../helpers/containers.ts'
import {ctr, fileDataRoot, fileNamespace, loadTestImage, nerd} from '../helpers/e2e.ts'

const IMG = 'nerd-test/busybox'

describe('the container lifecycle under concurrency and interruption', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await removeAllContainers()
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

  it('a name left empty by a create killed while reserving it is taken over', async () => {
    const namesDir = join(fileDataRoot(), 'names', fileNamespace())
    await nerdOk(['create', '--network', 'none', '--name', 'other', IMG, 'true'])
    await writeFile(join(namesDir, 'emptyname'), '')
    await nerdOk(['create', '--network', 'none', '--name', 'emptyname', IMG, 'true'])
    assert.equal(await nerdOk(['inspect', '-f', '{{.Name}}', 'emptyname']), '/emptyname\n')
    await nerdOk(['rm', 'emptyname', 'other'])
  })
})

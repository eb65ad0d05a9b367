/** events and stats end to end: a start event seen by a background `nerd events`, and stats of running containers. */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {after, before, describe, it} from 'node:test'
import {nerdOk, removeAllContainers, until} from '../helpers/containers.ts'
import {loadTestImage, nerd, nerdEntry, nerdGlobals} from '../helpers/e2e.ts'

const IMG = 'docker.io/nerd-test/busybox:latest'

describe('events and stats', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await removeAllContainers()
  })

  it('events --filter event=start prints the start of a container, in docker\'s shape', async () => {
    const events = spawn(process.execPath, [nerdEntry, ...nerdGlobals(), 'events', '--filter', 'event=start', '--format', '{{json .}}'], {stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    events.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const killer = setTimeout(() => events.kill('SIGKILL'), 30_000)
    try {
      // The subscription is live once nerd has connected: a container started after that is seen.
      await new Promise((resolve) => setTimeout(resolve, 1500))
      const id = (await nerdOk(['run', '-d', '--name', 'watched', IMG, 'sleep', '30'])).trim()
      const line = await until('the start event', async () => output.split('\n').find((text) => text.includes(id)), 15_000)
      const event = JSON.parse(line) as Record<string, any>
      assert.equal(event.Type, 'container')
      assert.equal(event.Action, 'start')
      assert.equal(event.Actor.ID, id)
      assert.equal(event.Actor.Attributes.name, 'watched')
      assert.equal(event.Actor.Attributes.image, IMG)
      assert.equal(typeof event.timeNano, 'number')
      assert.doesNotMatch(output, /"Action":"create"/)
    } finally {
      clearTimeout(killer)
      events.kill('SIGTERM')
    }
    const code = await new Promise((resolve) => events.on('close', resolve))
    assert.ok(code === 0 || code === null, `events exited ${String(code)}`)
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
    const missing = await nerd(['stats', '--no-stream', 'nosuch'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /No such container: nosuch/)
  })
})

import assert from 'node:assert/strict'
import {readdirSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {COMMANDS} from '../../../src/command-index.ts'
import {NERD_COMMAND_WORDS} from '../../../src/config/argv.ts'

const commandsDir = fileURLToPath(new URL('../../../src/commands', import.meta.url))

function commandFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) =>
    entry.isDirectory() ? commandFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )
}

describe('command index', () => {
  it('lists every file under src/commands under the id its path gives', async () => {
    const expected = commandFiles(commandsDir)
      .map((file) => relative(commandsDir, file).replace(/\.ts$/, '').replaceAll('/', ':'))
      .sort()
    assert.deepEqual(Object.keys(COMMANDS).sort(), expected)
    for (const id of expected) {
      const module = (await import(join(commandsDir, `${id.replaceAll(':', '/')}.ts`))) as {default: unknown}
      assert.equal(COMMANDS[id as keyof typeof COMMANDS], module.default, `${id} maps to the wrong class`)
    }
  })

  it('names every first word of nerd\'s commands and aliases for the argv splitter, and no other', () => {
    const words = new Set(['help'])
    for (const [id, command] of Object.entries(COMMANDS)) {
      for (const name of [id, ...((command as {aliases?: string[]}).aliases ?? [])]) words.add(name.split(':')[0]!)
    }
    assert.deepEqual([...NERD_COMMAND_WORDS].sort(), [...words].sort())
  })

  it('has the aliases docker 28\'s image and container commands have (cobra Aliases)', () => {
    const names = new Map<string, string>()
    for (const [id, command] of Object.entries(COMMANDS)) {
      for (const name of [id, ...((command as {aliases?: string[]}).aliases ?? [])]) names.set(name, id)
    }
    const docker = {'image:ls': ['image:list'], 'image:rm': ['image:rmi', 'image:remove'], 'container:ls': ['container:ps', 'container:list'], 'container:rm': ['container:remove']}
    for (const [name, aliases] of Object.entries(docker)) {
      assert.ok(names.has(name), name)
      for (const alias of aliases) assert.equal(names.get(alias), names.get(name), alias)
    }
  })
})

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
})

/** The flags plugins declare for nerd's commands: what install and link refuse, what a command takes. */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {flagDeclarationConflict, offeredFlags, oclifFlags, readFlagDeclarations} from '../../../src/plugins/declared-flags.ts'
import type {OwnFlags} from '../../../src/plugins/declared-flags.ts'

const withFlags = (flags: unknown) => ({name: 'p', nerd: {hookApi: '^1', flags}})
const problem = (flags: unknown) => {
  const read = readFlagDeclarations('p', withFlags(flags))
  return 'problem' in read ? read.problem : undefined
}
const runOwn: OwnFlags = {rm: {}, 'sig-proxy': {allowNo: true}, network: {aliases: ['net']}}
const own = () => runOwn

describe('readFlagDeclarations', () => {
  it('takes string, boolean and integer flags, repeatable ones and defaults, for pull, push, run and create', () => {
    const flags = {
      run: {greeting: {type: 'string', description: 'Say this'}, loud: {type: 'boolean', description: 'Shout', default: false}},
      pull: {'cosign-key': {type: 'string', description: 'Key', multiple: true, default: ['a']}, tries: {type: 'integer', description: 'Tries', default: 3}},
      push: {},
      create: {k2: {type: 'integer', description: 'Numbers', multiple: true}},
    }
    assert.deepEqual(readFlagDeclarations('p', withFlags(flags)), {declarations: flags})
    assert.deepEqual(readFlagDeclarations('p', {name: 'p'}), {declarations: {}})
    assert.deepEqual(readFlagDeclarations('p', {name: 'p', nerd: {hookApi: '^1'}}), {declarations: {}})
  })

  it('refuses what nerd cannot take, naming the plugin and the flag', () => {
    const spec = {type: 'string', description: 'd'}
    assert.equal(problem([]), 'plugin "p" has a "nerd.flags" that is not an object of commands in its package.json')
    assert.equal(problem({exec: {}}), 'plugin "p" has flags for "exec" in "nerd.flags" (plugins declare flags for pull, push, run, create) in its package.json')
    assert.equal(problem({run: []}), 'plugin "p" has a "nerd.flags.run" that is not an object of flags in its package.json')
    for (const name of ['x', 'Greeting', 'greet_ing', '-greeting', 'greeting-', 'a--b', '9lives']) {
      assert.match(problem({run: {[name]: spec}}) ?? '', /whose name is not lowercase letters/, name)
    }
    assert.equal(problem({run: {greeting: 'string'}}), 'plugin "p" has a flag "greeting" for run that is not an object in its package.json')
    assert.match(problem({run: {greeting: {...spec, char: 'g'}}}) ?? '', /with an unknown key "char"/)
    assert.match(problem({run: {greeting: {...spec, type: 'option'}}}) ?? '', /whose type is not "string", "boolean" or "integer"/)
    assert.match(problem({run: {greeting: {type: 'string'}}}) ?? '', /without a description/)
    assert.match(problem({run: {greeting: {...spec, multiple: 'yes'}}}) ?? '', /whose "multiple" is not true or false/)
    assert.match(problem({run: {loud: {type: 'boolean', description: 'd', multiple: true}}}) ?? '', /that is a repeatable boolean/)
    assert.match(problem({run: {nn: {type: 'integer', description: 'd', default: 1.5}}}) ?? '', /flag "nn" .*whose default is not a whole number/)
    assert.match(problem({run: {greeting: {...spec, default: 1}}}) ?? '', /whose default is not a string/)
    assert.match(problem({run: {greeting: {...spec, multiple: true, default: 'a'}}}) ?? '', /whose default is not a list of strings/)
  })
})

describe('flagDeclarationConflict', () => {
  const declared = {run: {greeting: {type: 'string' as const, description: 'd'}}}
  it('refuses a flag of the command\'s own (names, aliases, --no- of a negatable boolean) and nerd\'s global options', () => {
    for (const name of ['rm', 'net', 'no-sig-proxy', 'help']) {
      assert.match(flagDeclarationConflict('p', {run: {[name]: {type: 'string', description: 'd'}}}, own, []) ?? '', new RegExp(`^plugin "p" declares --${name} for run, which is `), name)
    }
    assert.equal(flagDeclarationConflict('p', {run: {rm: {type: 'string', description: 'd'}}}, own, []), 'plugin "p" declares --rm for run, which is a flag of nerd\'s run')
    assert.equal(flagDeclarationConflict('p', {run: {namespace: {type: 'string', description: 'd'}}}, own, []), 'plugin "p" declares --namespace for run, which is one of nerd\'s global options')
  })

  it('refuses a flag another plugin declares for the same command, not for another one', () => {
    const other = {name: 'q', pjson: withFlags({run: {greeting: {type: 'boolean', description: 'x'}}})}
    assert.equal(flagDeclarationConflict('p', declared, own, [other]), 'plugin "p" declares --greeting for run, which plugin "q" declares too')
    const elsewhere = {name: 'q', pjson: withFlags({create: {greeting: {type: 'boolean', description: 'x'}}})}
    assert.equal(flagDeclarationConflict('p', declared, own, [elsewhere]), undefined)
  })
})

describe('offeredFlags', () => {
  it('gives each plugin\'s flags for the command; of a clash the first plugin\'s, with a warning; ignores broken declarations and flags nerd has', () => {
    const plugins = [
      {name: 'a', pjson: withFlags({run: {greeting: {type: 'string', description: 'A'}, rm: {type: 'string', description: 'mine'}}})},
      {name: 'b', pjson: withFlags({run: {greeting: {type: 'boolean', description: 'B'}, loud: {type: 'boolean', description: 'L'}}, pull: {key: {type: 'string', description: 'K'}}})},
      {name: 'c', pjson: withFlags({run: {Bad: {type: 'string', description: 'X'}}})},
      {name: 'd', pjson: {name: 'd'}},
    ]
    const {flags, warnings} = offeredFlags(plugins, 'run', runOwn)
    assert.deepEqual(flags, {greeting: {plugin: 'a', flag: {type: 'string', description: 'A'}}, loud: {plugin: 'b', flag: {type: 'boolean', description: 'L'}}})
    assert.deepEqual(warnings, [
      'plugin "a" declares --rm for run, which is a flag of nerd\'s run; ignoring the plugin\'s',
      'plugin "b" declares --greeting for run, which plugin "a" declares too; plugin "a"\'s is used',
      'plugin "c" has a flag "Bad" for run whose name is not lowercase letters and digits in words joined by "-" (two characters at least) in its package.json; ignoring the flags it declares',
    ])
  })

  it('turns them into oclif flags described with their plugin', () => {
    const defined = oclifFlags({
      greeting: {plugin: 'a', flag: {type: 'string', description: 'Say', multiple: true, default: ['hi']}},
      loud: {plugin: 'b', flag: {type: 'boolean', description: 'Shout'}},
      tries: {plugin: 'b', flag: {type: 'integer', description: 'Tries', default: 2}},
    })
    assert.deepEqual(
      Object.fromEntries(Object.entries(defined).map(([name, flag]) => [name, [flag.type, flag.name, flag.description, flag.multiple ?? false, flag.default]])),
      {greeting: ['option', 'greeting', 'Say (plugin a)', true, ['hi']], loud: ['boolean', 'loud', 'Shout (plugin b)', false, undefined], tries: ['option', 'tries', 'Tries (plugin b)', false, 2]},
    )
  })
})

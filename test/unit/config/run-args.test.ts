import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {Args, Flags, Parser} from '@oclif/core'
import {
  asksHelp,
  containerCommandArgv,
  flagSetsOf,
  keepLastOfEachFlag,
  normalizeBooleanFlags,
  normalizeCommandBooleans,
  splitGlobalArgs,
  splitRunArgs,
  unshieldingParsers,
  CONTAINER_COMMAND_VALUE_FLAGS,
  withHelpFlag,
  type FlagDefinitionShape,
} from '../../../src/config/index.ts'
import {NerdError} from '../../../src/errors.ts'

const valueFlags = new Set(['p', 'e', 'a', 'u', 'publish', 'env', 'name', 'attach', 'user'])

describe('splitRunArgs', () => {
  const cases: Record<string, [string[], string[], string[]]> = {
    'values are not the image': [
      ['-p', '8080:80', '-e', 'A=B', '--name', 'x', 'img', 'ls', '-la'],
      ['-p', '8080:80', '-e', 'A=B', '--name', 'x'],
      ['img', 'ls', '-la'],
    ],
    'flags of the container command stay with it': [['--rm', 'img', 'ls', '-n', '5'], ['--rm'], ['img', 'ls', '-n', '5']],
    'combined booleans': [['-dit', 'img', 'sh'], ['-dit'], ['img', 'sh']],
    'glued short value': [['-p8080:80', 'img'], ['-p8080:80'], ['img']],
    'short value with =': [['-e=A=B', 'img'], ['-e=A=B'], ['img']],
    'combined flags ending with a value flag': [['-itp', '80:80', 'img'], ['-itp', '80:80'], ['img']],
    'combined flags with a glued value': [['-itp80:80', 'img'], ['-itp80:80'], ['img']],
    'long value with =': [['--name=x', 'img'], ['--name=x'], ['img']],
    'boolean with =false': [['--rm=false', 'img'], ['--rm=false'], ['img']],
    'short boolean with =false (its value contains a value-flag letter)': [['-d=false', 'img'], ['-d=false'], ['img']],
    'a value may start with a dash': [['--name', '--rm', 'img'], ['--name', '--rm'], ['img']],
    '-- ends the flags and is dropped': [['--rm', '--', 'img', '--rm'], ['--rm'], ['img', '--rm']],
    '-- after the image is the container\'s': [['img', '--', 'x'], [], ['img', '--', 'x']],
    'a lone dash is a positional': [['-i', '-', 'x'], ['-i'], ['-', 'x']],
    'no positional': [['--rm', '-d'], ['--rm', '-d'], []],
    'empty': [[], [], []],
  }
  for (const [name, [argv, flags, positional]] of Object.entries(cases)) {
    it(name, () => {
      assert.deepEqual(splitRunArgs(argv, valueFlags), {flags, positional})
    })
  }

  const missing: Record<string, [string[], string]> = {
    'long': [['--name'], 'flag needs an argument: --name'],
    'short': [['--rm', '-p'], "flag needs an argument: 'p' in -p"],
    'combined': [['-dp'], "flag needs an argument: 'p' in -p"],
  }
  for (const [name, [argv, message]] of Object.entries(missing)) {
    it(`a ${name} value flag at the end is a usage error (exit 125)`, () => {
      assert.throws(
        () => splitRunArgs(argv, valueFlags),
        (error: unknown) => error instanceof NerdError && error.message === message && error.exitCode === 125,
      )
    })
  }
})

describe('normalizeBooleanFlags', () => {
  const booleans = new Set(['rm', 'sig-proxy', 'detach'])

  it('rewrites =true and =false of boolean flags only', () => {
    assert.deepEqual(
      normalizeBooleanFlags(
        ['--rm=true', '--rm=false', '--sig-proxy=false', '-d', '--name=x', '--detach=1', '--other=false', '-d=false', '--rm'],
        booleans,
      ),
      ['--rm', '--no-rm', '--no-sig-proxy', '-d', '--name=x', '--detach', '--other=false', '-d=false', '--rm'],
    )
  })

  it('rewrites short forms through chars, drops =false of flags without --no-, keeps what follows --', () => {
    assert.deepEqual(
      normalizeBooleanFlags(['-d=true', '-H=false', '--detach=false', '--rm=false', '--', '--rm=false'], booleans, {
        chars: new Map([['d', 'detach'], ['H', 'human']]),
        negatable: new Set(['rm']),
      }),
      ['--detach', '-H=false', '--no-rm', '--', '--rm=false'],
    )
  })

  it("splits a group whose last letter takes =value, as pflag reads it: -it=false is -i -t=false", () => {
    const chars = new Map([['i', 'interactive'], ['t', 'tty'], ['d', 'detach']])
    assert.deepEqual(
      normalizeBooleanFlags(['-it=false', '-dt=1', '-de=A=1', '-xt=false'], new Set(['interactive', 'tty', 'detach']), {chars}),
      ['-i', '--no-tty', '-d', '--tty', '-d', '-e=A=1', '-xt=false'],
    )
  })

  it('normalizeCommandBooleans reads booleans, chars and allowNo from flag definitions', () => {
    const definitions = {human: {type: 'boolean' as const, char: 'H'}, quiet: {type: 'boolean' as const, char: 'q', allowNo: true}, format: {type: 'option' as const}}
    assert.deepEqual(normalizeCommandBooleans(['-H=false', '-q=false', '--format=x', '--human=1'], definitions), ['--no-quiet', '--format=x', '--human'])
  })

  it('rejects a value that is not a boolean (exit 125)', () => {
    assert.throws(
      () => normalizeBooleanFlags(['--rm=maybe'], booleans),
      (error: unknown) =>
        error instanceof NerdError &&
        error.exitCode === 125 &&
        error.message === 'invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
    )
  })
})

describe('flagSetsOf', () => {
  it('splits definitions into value flags (with their chars) and booleans', () => {
    const {valueFlags: values, booleanFlags} = flagSetsOf({
      rm: {type: 'boolean'},
      detach: {type: 'boolean', char: 'd'},
      publish: {type: 'option', char: 'p'},
      name: {type: 'option'},
    })
    assert.deepEqual([...values].sort(), ['name', 'p', 'publish'])
    assert.deepEqual([...booleanFlags].sort(), ['detach', 'rm'])
  })
})

describe('containerCommandArgv handed to oclif', () => {
  // A run-like command declared the way nerd's commands are expected to: booleans with allowNo,
  // repeatable flags non-greedy.
  const flags = {
    rm: Flags.boolean({allowNo: true}),
    detach: Flags.boolean({char: 'd', allowNo: true}),
    interactive: Flags.boolean({char: 'i', allowNo: true}),
    tty: Flags.boolean({char: 't', allowNo: true}),
    'sig-proxy': Flags.boolean({allowNo: true, default: true}),
    publish: Flags.string({char: 'p', multiple: true, multipleNonGreedy: true}),
    env: Flags.string({char: 'e', multiple: true, multipleNonGreedy: true}),
    name: Flags.string(),
  }
  const parse = async (argv: string[]) => {
    const result = await Parser.parse(containerCommandArgv(argv, flags), {
      flags,
      args: {image: Args.string({required: true})},
      strict: false,
    })
    return {flags: result.flags, argv: result.argv}
  }

  it('leaves the container command alone and reads docker-style booleans', async () => {
    const parsed = await parse([
      '-p', '8080:80', '-eA=B', '--rm=false', '--sig-proxy=false', '-it', '--name', 'web', 'img', 'ls', '-la', '--rm',
    ])
    assert.deepEqual(parsed.argv, ['img', 'ls', '-la', '--rm'])
    assert.deepEqual(parsed.flags.publish, ['8080:80'])
    assert.deepEqual(parsed.flags.env, ['A=B'])
    assert.equal(parsed.flags.rm, false)
    assert.equal(parsed.flags['sig-proxy'], false)
    assert.equal(parsed.flags.interactive, true)
    assert.equal(parsed.flags.tty, true)
    assert.equal(parsed.flags.name, 'web')
  })

  it('lets the last of --rm / --rm=false win, as docker does', async () => {
    assert.equal((await parse(['--rm', '--rm=false', 'img'])).flags.rm, false)
    assert.equal((await parse(['--rm=false', '--rm=true', 'img'])).flags.rm, true)
  })

  it('reads -it=false and -ti=false as docker does: the last letter takes the value', async () => {
    const parsed = await parse(['-it=false', 'img'])
    assert.deepEqual([parsed.flags.interactive, parsed.flags.tty], [true, false])
    const swapped = await parse(['-ti=false', '-d', 'img', 'sh'])
    assert.deepEqual([swapped.flags.interactive, swapped.flags.tty, swapped.flags.detach, swapped.argv], [false, true, true, ['img', 'sh']])
  })

  it('passes a dash-leading value through', async () => {
    const parsed = await parse(['-e', '-x', 'img'])
    assert.deepEqual(parsed.flags.env, ['-x'])
    assert.deepEqual(parsed.argv, ['img'])
  })
})

describe('a flag\'s value that begins with -, handed to oclif', () => {
  // A create-like command's flags, declared the way nerd's are.
  const flags = {
    attach: Flags.string({char: 'a', multiple: true, multipleNonGreedy: true}),
    detach: Flags.boolean({char: 'd', allowNo: true}),
    rm: Flags.boolean({allowNo: true}),
    env: Flags.string({char: 'e', multiple: true, multipleNonGreedy: true}),
    label: Flags.string({char: 'l', multiple: true, multipleNonGreedy: true}),
    hostname: Flags.string({char: 'h'}),
    domainname: Flags.string(),
    name: Flags.string(),
    entrypoint: Flags.string(),
    workdir: Flags.string({char: 'w'}),
    'cpu-shares': Flags.integer({char: 'c'}),
  }
  /** What nerd hands oclif's parser (cli.ts's reading of argv, then NerdCommand's init and parse), and what it reads. */
  const parse = async (...argv: string[]) => {
    const [, ...words] = splitGlobalArgs(['create', ...argv, 'img', '-a'], {valueFlags: flagSetsOf(flags).valueFlags, shieldValues: true}).rest
    const handed = containerCommandArgv(words, withHelpFlag(flags))
    const result = await Parser.parse(handed, {flags: unshieldingParsers(flags), args: {image: Args.string({required: true})}, strict: false})
    return {help: asksHelp(handed, flags), flags: result.flags, argv: result.argv}
  }

  it('is what follows `=`, as pflag reads it, even when it starts like one of the command\'s flags', async () => {
    const parsed = await parse('--hostname=-ab', '--label=-ab', '--domainname=-a', '-e=-a', '-l=-ac', '-de-x')
    assert.deepEqual(parsed.flags, {hostname: '-ab', label: ['-ab', '-ac'], domainname: '-a', env: ['-a', '-x'], detach: true})
    assert.deepEqual(parsed.argv, ['img', '-a'])
  })

  it('is the next word, whatever it looks like: a flag\'s name, --help, a negative number', async () => {
    const parsed = await parse('--name', '--rm', '-e', '--rm', '--entrypoint', '--rm', '-w', '--help', '-c', '-5')
    assert.deepEqual(parsed, {help: false, flags: {name: '--rm', env: ['--rm'], entrypoint: '--rm', workdir: '--help', 'cpu-shares': -5}, argv: ['img', '-a']})
  })

  it('is "=" for -e=, as pflag reads it', async () => {
    assert.deepEqual((await parse('-e=')).flags, {env: ['=']})
  })
})

describe('CONTAINER_COMMAND_VALUE_FLAGS', () => {
  it('has every name of each command whose flags end at its first positional, with its value flags and none of its booleans', async () => {
    // oclif's manifest, which the build writes from the commands, carries their flags and the static.
    const manifest = (await import('../../../oclif.manifest.json', {with: {type: 'json'}})).default as {
      commands: Record<string, {aliases: string[]; flags: Record<string, FlagDefinitionShape>; flagsEndAtFirstPositional?: boolean}>
    }
    const commands = Object.entries(manifest.commands).filter(([, command]) => command.flagsEndAtFirstPositional)
    assert.ok(commands.length >= 6)
    for (const [id, command] of commands) {
      const {valueFlags, booleanFlags} = flagSetsOf(command.flags)
      for (const name of [id, ...command.aliases].map((words) => words.replaceAll(':', ' '))) {
        const known = CONTAINER_COMMAND_VALUE_FLAGS[name]
        assert.ok(known, `${name} is not listed`)
        for (const flag of valueFlags) assert.ok(known.has(flag), `${name} misses ${flag}`)
        for (const flag of booleanFlags) assert.ok(!known.has(flag), `${name} takes ${flag} for a value flag`)
      }
    }
  })

  it('lists no boolean flag of docker run/exec as taking a value', () => {
    // A boolean listed here would make splitGlobalArgs take the image for its value.
    const dockerBooleans = ['d', 'i', 't', 'P', 'q', 'rm', 'detach', 'interactive', 'tty', 'privileged', 'init', 'read-only',
      'publish-all', 'quiet', 'sig-proxy', 'no-healthcheck', 'oom-kill-disable', 'rootfs', 'help', 'snapshotter']
    for (const [command, values] of Object.entries(CONTAINER_COMMAND_VALUE_FLAGS)) {
      for (const name of dockerBooleans) assert.ok(!values.has(name), `${command}: ${name}`)
    }
  })
})

describe('keepLastOfEachFlag', () => {
  const definitions = {
    format: {type: 'option', char: 'f'},
    workdir: {type: 'option', char: 'w'},
    env: {type: 'option', char: 'e', multiple: true},
    interactive: {type: 'boolean', char: 'i'},
    tty: {type: 'boolean', char: 't'},
    detach: {type: 'boolean', char: 'd'},
    'sig-proxy': {type: 'boolean', allowNo: true},
  } as const

  it('keeps only the last occurrence of a flag, whatever its spelling', () => {
    assert.deepEqual(keepLastOfEachFlag(['--format', 'a', 'x', '--format=b', '-f', 'c'], definitions), ['x', '-f', 'c'])
    assert.deepEqual(keepLastOfEachFlag(['-w/tmp', '-w=/etc', '--workdir', '/usr'], definitions), ['--workdir', '/usr'])
    assert.deepEqual(keepLastOfEachFlag(['-d', '--detach=false'], definitions), ['--detach=false'])
    assert.deepEqual(keepLastOfEachFlag(['--sig-proxy=false', '--no-sig-proxy', '--sig-proxy'], definitions), ['--sig-proxy'])
  })

  it('takes a dropped flag out of a group of short flags, keeping the others, and keeps every repeatable flag', () => {
    assert.deepEqual(keepLastOfEachFlag(['-itw', '/tmp', '-e', 'A=1', '-e', 'B=2', '-w', '/etc'], definitions), ['-it', '-e', 'A=1', '-e', 'B=2', '-w', '/etc'])
    assert.deepEqual(keepLastOfEachFlag(['-dit', '--detach=false'], definitions), ['-it', '--detach=false'])
    assert.deepEqual(keepLastOfEachFlag(['-id=false', '-d'], definitions), ['-i', '-d'])
    assert.deepEqual(keepLastOfEachFlag(['-d', '-d'], definitions), ['-d'])
  })

  it('leaves what follows -- and a flag given once as they are', () => {
    assert.deepEqual(keepLastOfEachFlag(['-w', '/tmp', '--', 'img', '-w', '/etc'], definitions), ['-w', '/tmp', '--', 'img', '-w', '/etc'])
    assert.deepEqual(keepLastOfEachFlag(['-f', '{{.ID}}', '-it'], definitions), ['-f', '{{.ID}}', '-it'])
  })

  it('lets the last boolean win once handed to oclif: `-d --detach=false` is not detached', () => {
    assert.deepEqual(normalizeCommandBooleans(['-d', '--detach=false', '-q'], {...definitions, quiet: {type: 'boolean', char: 'q'}}), ['-q'])
  })
})

describe("docker's help flag", () => {
  const ps = {quiet: {type: 'boolean', char: 'q'}, all: {type: 'boolean', char: 'a'}, filter: {type: 'option', char: 'f'}} as const
  const run = {hostname: {type: 'option', char: 'h'}, detach: {type: 'boolean', char: 'd'}} as const
  /** What a command's init does: argv rewritten with the help flag, then help asked or not. */
  const read = (argv: string[], definitions: Record<string, FlagDefinitionShape>) => {
    const rewritten = normalizeCommandBooleans(argv, withHelpFlag(definitions))
    return {help: asksHelp(rewritten, definitions), argv: rewritten}
  }

  it('takes -h in a group of short flags where pflag reaches it, not where it is a value', () => {
    for (const argv of [['-h'], ['-qh'], ['-hq'], ['-aqh', 'x'], ['--help']]) assert.equal(read(argv, ps).help, true, argv.join(' '))
    for (const argv of [['-fh'], ['-qfh'], ['-q', '--', '-h']]) assert.equal(read(argv, ps).help, false, argv.join(' '))
    // run's -h is --hostname.
    assert.equal(read(['-dh', 'box'], run).help, false)
  })

  it('reads --help=false and -h=false as the boolean they are: the command runs, without them; the last one wins', () => {
    assert.deepEqual(read(['--help=false', '-q'], ps), {help: false, argv: ['-q']})
    assert.deepEqual(read(['-qh=false'], ps), {help: false, argv: ['-q']})
    assert.deepEqual(read(['--help', '--help=false'], ps), {help: false, argv: []})
    assert.deepEqual(read(['-qh=false', '-h'], ps).help, true)
    assert.deepEqual(read(['--help=true'], ps).help, true)
  })

  it('refuses a value no boolean has in pflag\'s words, naming the flag by its long name (its shorthand is deprecated)', () => {
    for (const argv of [['--help=x'], ['-h=x']]) {
      assert.throws(() => read(argv, ps), {message: 'invalid argument "x" for "--help" flag: strconv.ParseBool: parsing "x": invalid syntax'})
    }
  })
})

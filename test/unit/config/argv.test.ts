import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {resolve} from 'node:path'
import {splitGlobalArgs, type CommandReading, type GlobalFlags} from '../../../src/config/index.ts'
import {NerdError, UnprefixedError} from '../../../src/errors.ts'

interface Case {
  argv: string[]
  globals: GlobalFlags
  rest: string[]
  command: string[]
  /** For a plugin's command of the management command's name (`compose`). */
  asTyped?: string[]
}

const cases: Record<string, Case> = {
  'nothing': {argv: [], globals: {}, rest: [], command: []},
  'short namespace before the command': {argv: ['-n', 'k8s.io', 'ps'], globals: {namespace: 'k8s.io'}, rest: ['ps'], command: ['ps']},
  'short namespace glued': {argv: ['-nk8s.io', 'ps'], globals: {namespace: 'k8s.io'}, rest: ['ps'], command: ['ps']},
  'short namespace with =': {argv: ['-n=k8s.io', 'ps'], globals: {namespace: 'k8s.io'}, rest: ['ps'], command: ['ps']},
  'long namespace': {argv: ['--namespace', 'k8s.io', 'ps'], globals: {namespace: 'k8s.io'}, rest: ['ps'], command: ['ps']},
  'long namespace with =': {argv: ['--namespace=k8s.io', 'ps'], globals: {namespace: 'k8s.io'}, rest: ['ps'], command: ['ps']},
  '-H strips unix://': {argv: ['-H', 'unix:///x.sock', 'info'], globals: {address: '/x.sock'}, rest: ['info'], command: ['info']},
  '--host=unix://': {argv: ['--host=unix:///x.sock', 'info'], globals: {address: '/x.sock'}, rest: ['info'], command: ['info']},
  '-a path': {argv: ['-a', '/x.sock', 'images'], globals: {address: '/x.sock'}, rest: ['images'], command: ['images']},
  '--address path': {argv: ['--address', '/x.sock', 'images'], globals: {address: '/x.sock'}, rest: ['images'], command: ['images']},
  'long form after the command': {
    argv: ['ps', '--namespace', 'k8s.io', '-a'],
    globals: {namespace: 'k8s.io'},
    rest: ['ps', '-a'],
    command: ['ps'],
  },
  'docker\'s -D': {argv: ['-D', 'ps'], globals: {debug: true}, rest: ['ps'], command: ['ps']},
  'docker\'s --log-level debug': {argv: ['--log-level', 'debug', 'ps'], globals: {debug: true}, rest: ['ps'], command: ['ps']},
  'docker\'s -l info': {argv: ['-l', 'info', 'ps'], globals: {}, rest: ['ps'], command: ['ps']},
  'ps -l is ps\'s own flag': {argv: ['ps', '-l'], globals: {}, rest: ['ps', '-l'], command: ['ps']},
  'ps -n is ps\'s own flag': {argv: ['ps', '-n', '5'], globals: {}, rest: ['ps', '-n', '5'], command: ['ps']},
  'ps -a is ps\'s own flag': {argv: ['ps', '-a'], globals: {}, rest: ['ps', '-a'], command: ['ps']},
  'logs -n, then a long global': {
    argv: ['logs', '-n', '5', 'c1', '--debug'],
    globals: {debug: true},
    rest: ['logs', '-n', '5', 'c1'],
    command: ['logs'],
  },
  'start -a is start\'s': {argv: ['start', '-a', 'c1'], globals: {}, rest: ['start', '-a', 'c1'], command: ['start']},
  'history -H is history\'s': {argv: ['history', '-H', 'img'], globals: {}, rest: ['history', '-H', 'img'], command: ['history']},
  'run: -n after the image belongs to the container': {
    argv: ['run', '--rm', 'img', 'ls', '-n', '5'],
    globals: {},
    rest: ['run', '--rm', '--', 'img', 'ls', '-n', '5'],
    command: ['run'],
  },
  'run: long globals before the image are lifted, not after': {
    argv: ['run', '--rm', '--namespace', 'x', 'img', 'ls', '--debug'],
    globals: {namespace: 'x'},
    rest: ['run', '--rm', '--', 'img', 'ls', '--debug'],
    command: ['run'],
  },
  'run: flag values are not the image': {
    argv: ['run', '-p', '8080:80', '-e', 'A=B', '--name', 'x', '--debug', 'img', 'ls', '-la'],
    globals: {debug: true},
    rest: ['run', '-p', '8080:80', '-e', 'A=B', '--name', 'x', '--', 'img', 'ls', '-la'],
    command: ['run'],
  },
  'run: nothing lifted after the image, which a -- marks for oclif (`run img ls --help` is the container\'s)': {
    argv: ['run', '-p', '8080:80', 'img', '--debug'],
    globals: {},
    rest: ['run', '-p', '8080:80', '--', 'img', '--debug'],
    command: ['run'],
  },
  'run: combined booleans are one token': {
    argv: ['run', '-dit', 'img', '--namespace', 'x'],
    globals: {},
    rest: ['run', '-dit', '--', 'img', '--namespace', 'x'],
    command: ['run'],
  },
  'run: combined flags ending with a value flag take the next token': {
    argv: ['run', '-itp', '80:80', '--debug', 'img'],
    globals: {debug: true},
    rest: ['run', '-itp', '80:80', '--', 'img'],
    command: ['run'],
  },
  'run: glued short value': {
    argv: ['run', '-p8080:80', '--debug', 'img'],
    globals: {debug: true},
    rest: ['run', '-p8080:80', '--', 'img'],
    command: ['run'],
  },
  'run: --rm=false is one token': {
    argv: ['run', '--rm=false', '--debug', 'img'],
    globals: {debug: true},
    rest: ['run', '--rm=false', '--', 'img'],
    command: ['run'],
  },
  'create: a value flag takes the next token even when it looks like a global': {
    argv: ['create', '--name', '--debug', 'img'],
    globals: {},
    rest: ['create', '--name', '--debug', '--', 'img'],
    command: ['create'],
  },
  'container run: --snapshotter is global before the image only': {
    argv: ['--debug', 'container', 'run', '--snapshotter', 'stargz', 'img', '--snapshotter', 'x'],
    globals: {debug: true, snapshotter: 'stargz'},
    rest: ['container', 'run', '--', 'img', '--snapshotter', 'x'],
    command: ['container', 'run'],
  },
  'exec: nothing lifted after the container': {
    argv: ['exec', '-it', 'c1', 'sh', '--debug'],
    globals: {},
    rest: ['exec', '-it', '--', 'c1', 'sh', '--debug'],
    command: ['exec'],
  },
  'exec: value flags before the container': {
    argv: ['exec', '-u', 'root', '--debug', 'c1', 'sh'],
    globals: {debug: true},
    rest: ['exec', '-u', 'root', '--', 'c1', 'sh'],
    command: ['exec'],
  },
  'image tag: its --help after the images is an argument, as docker reads it': {
    argv: ['image', 'tag', 'a', 'b', '--help'],
    globals: {},
    rest: ['image', 'tag', '--', 'a', 'b', '--help'],
    command: ['image', 'tag'],
  },
  'commit: value flags before the container, the words after it are arguments': {
    argv: ['commit', '-m', 'msg', '--pause=false', 'c1', 'img', '-a', 'me'],
    globals: {},
    rest: ['commit', '-m', 'msg', '--pause=false', '--', 'c1', 'img', '-a', 'me'],
    command: ['commit'],
  },
  'nothing lifted after --': {argv: ['ps', '--', '--debug'], globals: {}, rest: ['ps', '--', '--debug'], command: ['ps']},
  'run: nothing lifted after --': {
    argv: ['run', '--', 'img', '--debug'],
    globals: {},
    rest: ['run', '--', 'img', '--debug'],
    command: ['run'],
  },
  '-- before the command ends the global options, as docker\'s root parser reads it': {argv: ['--debug', '--', 'ps', '-a'], globals: {debug: true}, rest: ['ps', '-a'], command: ['ps']},
  '-- before run': {argv: ['--', 'run', '--rm', 'img', '--debug'], globals: {}, rest: ['run', '--rm', '--', 'img', '--debug'], command: ['run']},
  'a lone --': {argv: ['--'], globals: {}, rest: [], command: []},
  'topic and subcommand': {
    argv: ['namespace', 'ls', '--debug'],
    globals: {debug: true},
    rest: ['namespace', 'ls'],
    command: ['namespace', 'ls'],
  },
  'global between topic and subcommand': {
    argv: ['image', '--namespace=k8s.io', 'ls', '-a'],
    globals: {namespace: 'k8s.io'},
    rest: ['image', 'ls', '-a'],
    command: ['image', 'ls'],
  },
  'compose run: compose flags after the subcommand, then nothing after the service': {
    argv: ['compose', '-f', 'x.yml', '--namespace', 'n', 'run', '--rm', '-e', 'A=1', 'svc', 'ls', '--debug'],
    globals: {namespace: 'n'},
    rest: ['compose', 'run', '-f', 'x.yml', '--rm', '-e', 'A=1', '--', 'svc', 'ls', '--debug'],
    command: ['compose', 'run'],
    asTyped: ['compose', '-f', 'x.yml', 'run', '--rm', '-e', 'A=1', 'svc', 'ls', '--debug'],
  },
  'compose run without compose flags: the words as typed have no --': {
    argv: ['compose', 'run', 'svc', 'ls'],
    globals: {},
    rest: ['compose', 'run', '--', 'svc', 'ls'],
    command: ['compose', 'run'],
    asTyped: ['compose', 'run', 'svc', 'ls'],
  },
  'compose up: long globals anywhere': {
    argv: ['compose', '-f', 'x.yml', 'up', '--debug', '-d'],
    globals: {debug: true},
    rest: ['compose', 'up', '-f', 'x.yml', '-d'],
    command: ['compose', 'up'],
    asTyped: ['compose', '-f', 'x.yml', 'up', '-d'],
  },
  'without the command\'s flags, a word after one of its flags may be its value: not lifted': {
    argv: ['logs', '-f', '--namespace', 'x', 'c', '--debug', '--since=1m', '--debug=false', '-t', '--', '--debug'],
    globals: {debug: false},
    rest: ['logs', '-f', '--namespace', 'x', 'c', '--since=1m', '-t', '--', '--debug'],
    command: ['logs'],
  },
  'a subcommand without management command flags is read one way': {argv: ['compose', 'up', '-d'], globals: {}, rest: ['compose', 'up', '-d'], command: ['compose', 'up']},
  'nerd\'s own management commands are read one way': {
    argv: ['container', '--help', 'run', 'img'],
    globals: {},
    rest: ['container', 'run', '--help', '--', 'img'],
    command: ['container', 'run'],
  },
  'boolean =false': {argv: ['--debug=false', 'ps'], globals: {debug: false}, rest: ['ps'], command: ['ps']},
  'boolean =1': {argv: ['--debug-full=1', 'ps'], globals: {debugFull: true}, rest: ['ps'], command: ['ps']},
  'a boolean does not take the next token': {
    argv: ['--debug', 'false'],
    globals: {debug: true},
    rest: ['false'],
    command: ['false'],
  },
  'hosts-dir repeats and splits on commas': {
    argv: ['--hosts-dir', '/a', '--hosts-dir=/b,/c', 'pull', 'x'],
    globals: {hostsDir: ['/a', '/b', '/c']},
    rest: ['pull', 'x'],
    command: ['pull'],
  },
  'empty hosts-dir means none': {argv: ['--hosts-dir=', 'pull', 'x'], globals: {hostsDir: []}, rest: ['pull', 'x'], command: ['pull']},
  'every other global': {
    argv: [
      '--cgroup-manager', 'systemd', '--data-root', '/d', '--cni-path', '/c', '--cni-netconfpath', '/n',
      '--insecure-registry', '--experimental=false', '--storage-driver', 'native', 'info',
    ],
    globals: {
      cgroupManager: 'systemd',
      dataRoot: '/d',
      cniPath: '/c',
      cniNetconfPath: '/n',
      insecureRegistry: true,
      experimental: false,
      snapshotter: 'native',
    },
    rest: ['info'],
    command: ['info'],
  },
  'directories are made absolute from the working directory, as docker\'s daemon takes --data-root': {
    argv: ['--data-root', 'rel', '--cni-netconfpath=./net.d', '--hosts-dir', 'certs', 'ps'],
    globals: {dataRoot: resolve('rel'), cniNetconfPath: resolve('net.d'), hostsDir: [resolve('certs')]},
    rest: ['ps'],
    command: ['ps'],
  },
  'docker\'s help before the command goes first, for oclif': {
    argv: ['-n', 'foo', '--help', 'ps'],
    globals: {namespace: 'foo'},
    rest: ['--help', 'ps'],
    command: ['ps'],
  },
  '-h in a group is help': {argv: ['-Dh', 'ps'], globals: {debug: true}, rest: ['--help', 'ps'], command: ['ps']},
  'globals only': {argv: ['--debug'], globals: {debug: true}, rest: [], command: []},
  'a boolean short option lets its group go on, as pflag\'s (-Dn x is -D -n x)': {
    argv: ['-Dn', 'k8s.io', 'ps'],
    globals: {debug: true, namespace: 'k8s.io'},
    rest: ['ps'],
    command: ['ps'],
  },
  'a group ending in a value option glued to its value': {argv: ['-DDnk8s.io', 'ps'], globals: {debug: true, namespace: 'k8s.io'}, rest: ['ps'], command: ['ps']},
  'a boolean short option with =false ends its group': {argv: ['-D=false', 'ps'], globals: {debug: false}, rest: ['ps'], command: ['ps']},
  'a group ending in -l': {argv: ['-Dl', 'info', 'ps'], globals: {debug: true}, rest: ['ps'], command: ['ps']},
  'help after a management command stays': {argv: ['container', '--help'], globals: {}, rest: ['container', '--help'], command: ['container']},
  'a plugin\'s management command keeps its flags, after its subcommand': {argv: ['compose', '--dry-run', 'up'], globals: {}, rest: ['compose', 'up', '--dry-run'], command: ['compose', 'up'], asTyped: ['compose', '--dry-run', 'up']},
  'a management command\'s flags and nothing after them': {argv: ['compose', '-f', 'x.yml'], globals: {}, rest: ['compose', '-f', 'x.yml'], command: ['compose']},
  'a plugin\'s command keeps every flag after its command word, globals\' names too': {
    argv: ['-n', 'a', 'qa', 'info', '--namespace', 'x', '--debug', '-n', 'y', '--data-root=/z'],
    globals: {namespace: 'a'},
    rest: ['qa', 'info', '--namespace', 'x', '--debug', '-n', 'y', '--data-root=/z'],
    command: ['qa'],
  },
  'the last of a repeated global wins': {
    argv: ['-n', 'a', 'ps', '--namespace=b'],
    globals: {namespace: 'b'},
    rest: ['ps'],
    command: ['ps'],
  },
}

/** What splitGlobalArgs says of the arguments left and of -v. */
function pick({rest, version}: ReturnType<typeof splitGlobalArgs>): {rest: string[]; version: true | undefined} {
  return {rest, version}
}

describe('splitGlobalArgs', () => {
  for (const [name, {argv, globals, rest, command, asTyped}] of Object.entries(cases)) {
    it(name, () => {
      assert.deepEqual(splitGlobalArgs(argv), {globals, rest, command, ...(asTyped ? {asTyped} : {})})
    })
  }

  it('takes docker\'s --config before the command only', () => {
    assert.deepEqual(splitGlobalArgs(['--config', '/d', '-n', 'x', 'logout']), {globals: {namespace: 'x'}, rest: ['logout'], command: ['logout'], dockerConfig: '/d'})
    assert.equal(splitGlobalArgs(['--config=/e', 'ps']).dockerConfig, '/e')
    assert.deepEqual(splitGlobalArgs(['logs', '--config', 'x']).rest, ['logs', '--config', 'x'])
  })

  it("accepts docker's -c/--context default (or empty, unset) before the command, as pflag reads a short flag, and refuses any other context (exit 1)", () => {
    const forms = [['--context', 'default', 'ps'], ['--context=default', 'ps'], ['-c', 'default', '-n', 'x', 'ps'], ['-c=default', 'ps'], ['-Dc', 'default', 'ps'], ['-cdefault', 'ps'], ['-c', '', 'ps'], ['--context=', 'ps']]
    for (const argv of forms) {
      assert.deepEqual(splitGlobalArgs(argv).rest, ['ps'], argv.join(' '))
    }
    assert.throws(
      () => splitGlobalArgs(['--context', 'remote', 'ps']),
      (error: unknown) => error instanceof NerdError && error.exitCode === 1 && error.message === 'context "remote" does not exist: nerd has the "default" context only (use -H or CONTAINERD_ADDRESS)',
    )
    assert.throws(() => splitGlobalArgs(['--context']), (error: unknown) => error instanceof NerdError && error.exitCode === 125)
    // Checked once the flags are read, as docker resolves it after parsing them.
    assert.throws(() => splitGlobalArgs(['-c', 'remote', '--bogus', 'ps']), (error: unknown) => error instanceof NerdError && error.message === 'unknown flag: --bogus')
  })

  it("takes docker's -v, --version before the command, alone, grouped or with a command (which docker then runs)", () => {
    for (const argv of [['-v'], ['--version'], ['-Dv'], ['-v', '-n', 'x'], ['--version=true']]) {
      assert.deepEqual(pick(splitGlobalArgs(argv)), {rest: [], version: true}, argv.join(' '))
    }
    assert.deepEqual(pick(splitGlobalArgs(['-v', 'images'])), {rest: ['images'], version: true})
    assert.deepEqual(pick(splitGlobalArgs(['--version=false', 'images'])), {rest: ['images'], version: undefined})
    assert.deepEqual(pick(splitGlobalArgs(['-v', '--help'])), {rest: ['--help'], version: true})
    // A command's --version is the command's (none of nerd's has one).
    assert.deepEqual(pick(splitGlobalArgs(['images', '--version'])), {rest: ['images', '--version'], version: undefined})
  })

  it("takes docker's log levels (logrus's, any case): debug and trace are nerd's debug setting; pflag keeps the last", () => {
    for (const level of ['debug', 'DEBUG', 'Trace']) assert.deepEqual(splitGlobalArgs(['-l', level, 'ps']).globals, {debug: true}, level)
    for (const level of ['panic', 'fatal', 'error', 'warn', 'warning', 'WARNING', 'Info', '']) assert.deepEqual(splitGlobalArgs(['-l', level, 'ps']).globals, {}, level)
    assert.deepEqual(splitGlobalArgs(['-l', 'foo', '-l', 'info', 'ps']).globals, {})
    assert.deepEqual(splitGlobalArgs(['-Dl', 'info', 'ps']).globals, {debug: true})
  })

  it("refuses a log level as docker does (its line alone, exit 1), before what its parser refused after it", () => {
    const refused = (text: string) => (error: unknown) => error instanceof UnprefixedError && error.exitCode === 1 && error.message === `Unable to parse logging level: ${text}`
    assert.throws(() => splitGlobalArgs(['-l', 'foo', 'version']), refused('foo'))
    assert.throws(() => splitGlobalArgs(['--log-level=foo', 'version']), refused('foo'))
    assert.throws(() => splitGlobalArgs(['ps', '--log-level', 'foo']), refused('foo'))
    // pflag's `-l=` is "=".
    assert.throws(() => splitGlobalArgs(['-l=', 'version']), refused('='))
    assert.throws(() => splitGlobalArgs(['-l', 'foo', '--bogus', 'ps']), refused('foo'))
    assert.throws(() => splitGlobalArgs(['-l', 'foo', '-c', 'remote', 'ps']), refused('foo'))
    // A flag refused before the level was read is what docker reports.
    assert.throws(() => splitGlobalArgs(['--debug=x', '-l', 'foo']), (error: unknown) => error instanceof NerdError && error.exitCode === 125 && /^invalid argument "x" for "-D, --debug"/.test(error.message))
  })

  describe('with the command\'s value flags, as pflag reads them', () => {
    const logs: CommandReading = {valueFlags: new Set(['n', 'tail', 'since', 'until']), shieldValues: true}
    const create: CommandReading = {valueFlags: new Set(['e', 'env', 'l', 'label', 'h', 'hostname', 'w', 'workdir', 'name', 'domainname']), shieldValues: true}

    it('takes the word after a value flag for its value, whatever it looks like: no global option, nor a --', () => {
      assert.deepEqual(splitGlobalArgs(['logs', '--since', '--namespace', 'c'], logs), {globals: {}, rest: ['logs', '--since=\0--namespace', 'c'], command: ['logs']})
      assert.deepEqual(splitGlobalArgs(['logs', '-n', '--debug', '-f', '--debug', 'c'], logs), {globals: {debug: true}, rest: ['logs', '-n=\0--debug', '-f', 'c'], command: ['logs']})
      assert.deepEqual(splitGlobalArgs(['logs', '--since', '--', '--namespace', 'x', 'c'], logs), {globals: {namespace: 'x'}, rest: ['logs', '--since=\0--', 'c'], command: ['logs']})
      assert.deepEqual(splitGlobalArgs(['logs', '--until', '1m', '--', '--namespace', 'x'], logs).rest, ['logs', '--until', '1m', '--', '--namespace', 'x'])
      // What cannot be a value is lifted: after a boolean, a positional or a value given with `=`.
      assert.deepEqual(splitGlobalArgs(['logs', '-f', '--namespace', 'x', 'c', '--since=1m', '--debug'], logs).globals, {namespace: 'x', debug: true})
    })

    it('gives oclif a value that begins with - glued to its flag, shielded by a NUL (run-args.ts shieldedFlag); others as typed', () => {
      const read = (...argv: string[]) => splitGlobalArgs(['create', ...argv, 'img', '-a'], create).rest
      assert.deepEqual(read('--hostname=-ab', '--label=-ab', '--domainname=-a'), ['create', '--hostname=\0-ab', '--label=\0-ab', '--domainname=\0-a', '--', 'img', '-a'])
      assert.deepEqual(read('-e=-a', '-l=-ab', '-e-x', '-dil-y'), ['create', '-e=\0-a', '-l=\0-ab', '-e=\0-x', '-dil=\0-y', '--', 'img', '-a'])
      assert.deepEqual(read('--name', '--rm', '-e', '--rm', '-dw', '--help'), ['create', '--name=\0--rm', '-e=\0--rm', '-dw=\0--help', '--', 'img', '-a'])
      assert.deepEqual(read('--name', 'x', '-e', 'A=-1', '-ew/', '--rm=false', '-d=false'), ['create', '--name', 'x', '-e', 'A=-1', '-ew/', '--rm=false', '-d=false', '--', 'img', '-a'])
      // pflag's -e= is the value "=", which oclif reads from -e== only.
      assert.deepEqual(read('-e='), ['create', '-e==', '--', 'img', '-a'])
      // A plugin's command gets its words as typed.
      assert.deepEqual(splitGlobalArgs(['create', '--name', '--rm', 'img'], {...create, shieldValues: false}).rest, ['create', '--name', '--rm', '--', 'img'])
    })
  })

  it('does not modify its input', () => {
    const argv = ['-n', 'x', 'ps', '--debug']
    splitGlobalArgs(argv)
    assert.deepEqual(argv, ['-n', 'x', 'ps', '--debug'])
  })

  const errors: Record<string, [string[], RegExp]> = {
    'short option without its value': [['-n'], /^flag needs an argument: 'n' in -n$/],
    'long option without its value': [['ps', '--namespace'], /^flag needs an argument: --namespace$/],
    'bad cgroup manager': [['--cgroup-manager', 'foo', 'ps'], /^invalid argument "foo" for "--cgroup-manager" flag: invalid cgroup manager "foo": must be one of "cgroupfs", "systemd", "none"$/],
    // The flag named as pflag names it, whichever form was typed.
    'bad boolean': [['--debug=maybe', 'ps'], /^invalid argument "maybe" for "-D, --debug" flag: strconv\.ParseBool: parsing "maybe": invalid syntax$/],
    'bad boolean in a group': [['-D=maybe', 'ps'], /^invalid argument "maybe" for "-D, --debug" flag: strconv\.ParseBool/],
    'tcp address': [['-H', 'tcp://1.2.3.4:2375', 'ps'], /^invalid argument "tcp:\/\/1.2.3.4:2375" for "-H, --host" flag: unsupported address/],
    'empty address': [['--address', '', 'ps'], /^invalid argument "" for "-a, --address" flag: the socket path is empty$/],
    'bad namespace': [['--namespace=a/b', 'ps'], /^invalid argument "a\/b" for "-n, --namespace" flag: invalid namespace "a\/b"/],
    'bad short namespace': [['-n', 'bad!', 'ps'], /^invalid argument "bad!" for "-n, --namespace" flag: invalid namespace "bad!"/],
    'bad storage driver': [['--storage-driver', '', 'ps'], /^invalid argument "" for "--storage-driver" flag: the value is empty$/],
    'unknown option before the command': [['--bogus', 'ps'], /^unknown flag: --bogus$/],
    // docker's parser reads all its flags before it answers help.
    'unknown option after help': [['--help', '--bogus'], /^unknown flag: --bogus$/],
    'unknown option before help': [['-x', '--help', 'ps'], /^unknown shorthand flag: 'x' in -x$/],
    'unknown option after -v': [['--version', '--bogus'], /^unknown flag: --bogus$/],
    'unknown option in a group after -v': [['-vx'], /^unknown shorthand flag: 'x' in -x$/],
    'the first error pflag meets': [['--bogus', '-n'], /^unknown flag: --bogus$/],
    'group going on with an unknown option': [['-Dx', 'ps'], /^unknown shorthand flag: 'x' in -x$/],
    'group ending in a value option without its value': [['-Dn'], /^flag needs an argument: 'n' in -n$/],
    '--config without its value': [['--config'], /^flag needs an argument: --config$/],
    'unknown flag of a management command': [['container', '--bogus', 'ls'], /^unknown flag: --bogus$/],
    'short global option after a management command': [['image', '-n', 'x', 'ls'], /^unknown shorthand flag: 'n' in -n$/],
    'group after a management command': [['volume', '-hq', 'ls'], /^unknown shorthand flag: 'q' in -q$/],
  }
  for (const [name, [argv, message]] of Object.entries(errors)) {
    it(`rejects ${name} with a usage error (exit 125)`, () => {
      assert.throws(
        () => splitGlobalArgs(argv),
        (error: unknown) => error instanceof NerdError && message.test(error.message) && error.exitCode === 125,
      )
    })
  }
})

import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {dockerFlagError, numberTakenForFlag, pflagUsageError} from '../../../src/config/flag-errors.ts'
import {FlagError} from '../../../src/errors.ts'

const flags = {last: {char: 'n'}, format: {}, tail: {char: 'n'}, driver: {char: 'd'}}

describe('oclif flag errors in pflag\'s words', () => {
  const cases: [string, string[], string][] = [
    ['Parsing --last \n\tExpected an integer but received: abc\nSee more help with --help', ['-n', 'abc'], 'invalid argument "abc" for "-n, --last" flag: strconv.ParseInt: parsing "abc": invalid syntax'],
    ['Flag --format expects a value', ['--format'], 'flag needs an argument: --format'],
    ['Flag --tail expects a value', ['-n'], "flag needs an argument: 'n' in -n"],
    ['Expected --driver=x to be one of: bridge, macvlan\nSee more help with --help', ['-d', 'x'], 'invalid argument "x" for "-d, --driver" flag: must be one of bridge, macvlan'],
  ]
  for (const [message, argv, expected] of cases) {
    it(expected, () => {
      const error = dockerFlagError(message, flags, argv, 'ps')
      assert.ok(error instanceof FlagError)
      assert.equal(error.message, expected)
      assert.equal(error.exitCode, 125)
      assert.equal(error.usageOf, 'ps')
    })
  }

  it('names the value a flag\'s own parse refused, not the last one typed', () => {
    const error = dockerFlagError('Parsing --filter \n\tbad format of filter (expected name=value)\nSee more help with --help', {filter: {char: 'f'}}, ['-f', 'foo', '-f', 'a=b'], 'ps', 'foo')
    assert.equal(error?.message, 'invalid argument "foo" for "-f, --filter" flag: bad format of filter (expected name=value)')
  })

  it('leaves other errors alone', () => {
    assert.equal(dockerFlagError('No such container: x', flags, [], 'ps'), undefined)
  })
})

describe('pflagUsageError: what pflag stops at in a command\'s words', () => {
  const images = {all: {char: 'a', type: 'boolean'}, format: {type: 'option'}, filter: {char: 'f', type: 'option'}, quiet: {char: 'q', type: 'boolean'}, timeout: {char: 't', type: 'option', aliases: ['time']}, proxy: {type: 'boolean', allowNo: true}}
  const cases: [string[], string | undefined][] = [
    [['--help', '--x'], 'unknown flag: --x'],
    [['--x', '--help'], 'unknown flag: --x'],
    [['--help', '--x=1'], 'unknown flag: --x'],
    [['-h', '-aZ'], "unknown shorthand flag: 'Z' in -Z"],
    [['--help', '-aZq'], "unknown shorthand flag: 'Z' in -Zq"],
    [['--help', '--format'], 'flag needs an argument: --format'],
    [['--help', '-qf'], "flag needs an argument: 'f' in -f"],
    // A value flag takes the rest of its group, or the next word, whatever it looks like.
    [['--help', '-fZ', '--format', '--x', 'repo'], undefined],
    [['-a', '-q=true', '--time', '5', '--no-proxy', '--filter=a=b', 'repo', '--help'], undefined],
    [['--help', '--', '--x'], undefined],
  ]
  for (const [argv, expected] of cases) {
    it(`${argv.join(' ')}: ${expected ?? 'reads'}`, () => {
      const error = pflagUsageError(argv, images, 'images')
      assert.equal(error?.message, expected)
      if (error) assert.deepEqual([error.exitCode, error.usageOf], [125, 'images'])
    })
  }

  it('takes -h for the command\'s own flag when it has one', () => {
    assert.equal(pflagUsageError(['-h', 'x', '--help'], {hostname: {char: 'h', type: 'option'}}, 'run'), undefined)
    assert.equal(pflagUsageError(['--help', '-h'], {hostname: {char: 'h', type: 'option'}}, 'run')?.message, "flag needs an argument: 'h' in -h")
  })
})

describe('numberTakenForFlag: a negative number where pflag reads flags, which oclif takes for an argument', () => {
  const ps = {all: {char: 'a', type: 'boolean'}, last: {char: 'n', type: 'option'}, 'cpu-shares': {char: 'c', type: 'option'}} as const
  const cases: [string[], string | undefined][] = [
    [['c', '-1'], "unknown shorthand flag: '1' in -1"],
    [['-1'], "unknown shorthand flag: '1' in -1"],
    [['-a12'], "unknown shorthand flag: '1' in -12"],
    // A value, whatever it looks like; the container's words after `--`.
    [['-n', '-1', '--cpu-shares', '-5', '-c-5', '-n=-2'], undefined],
    [['--', 'img', '-1'], undefined],
    // pflag stops at the first usage error: oclif reports any other as pflag does.
    [['--bogus', '-1'], undefined],
    [['-x1'], undefined],
  ]
  for (const [argv, expected] of cases) {
    it(`${argv.join(' ')}: ${expected ?? 'none'}`, () => {
      const error = numberTakenForFlag(argv, ps)
      assert.equal(error?.message, expected)
      if (error) assert.deepEqual([error instanceof FlagError, error.exitCode], [true, 125])
    })
  }
})

import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {argumentsAsGiven, decodeName, encodeName, fsPath, hasEscapedBytes} from '../../src/byte-names.ts'

describe('byte names', () => {
  it('decodes UTF-8 names as Node does, U+FFFD itself included', () => {
    for (const name of ['plain', 'ünï cødé', '\ufffd', '𝄞 clef', '']) {
      assert.equal(decodeName(Buffer.from(name)), name)
      assert.deepEqual(encodeName(name), Buffer.from(name))
      assert.equal(hasEscapedBytes(name), false)
      assert.equal(fsPath(name), name)
    }
  })

  it('escapes each byte that is no part of a UTF-8 character, and gives it back', () => {
    const cases = [
      'caf\xe9', // Latin-1
      '\xc3', // cut short
      '\xc0\xaf', // overlong
      '\xed\xa0\x80', // a surrogate
      '\xf4\x90\x80\x80', // above U+10FFFF
      '\xff\xfe ok \xe2\x82', // several, and a character cut short at the end
    ]
    for (const latin1 of cases) {
      const bytes = Buffer.from(latin1, 'latin1')
      const name = decodeName(bytes)
      assert.equal(hasEscapedBytes(name), true, latin1)
      assert.equal(name.includes('\ufffd'), false, latin1)
      assert.deepEqual(encodeName(name), bytes, latin1)
      assert.deepEqual(fsPath(name), bytes, latin1)
    }
    assert.equal(decodeName(Buffer.from('caf\xe9 é', 'latin1').subarray(0, 4)), 'caf\udce9')
    assert.equal(decodeName(Buffer.concat([Buffer.from('é\ufffd'), Buffer.of(0xe9)])), 'é\ufffd\udce9')
  })
})

describe('argumentsAsGiven', () => {
  const commandLine = (...args: string[]): Buffer => Buffer.concat(args.map((arg) => Buffer.concat([Buffer.from(arg, 'latin1'), Buffer.of(0)])))

  it('restores the bytes of arguments that are no UTF-8 from the command line', () => {
    const line = commandLine('node', '--stack-size=900', '/bin/nerd', 'cp', 'c:/caf\xe9', '', '-')
    const decoded = ['cp', 'c:/caf\ufffd', '', '-']
    assert.deepEqual(argumentsAsGiven(decoded, () => line), ['cp', 'c:/caf\udce9', '', '-'])
  })

  it('leaves arguments as they are when all are UTF-8 (reading nothing), or the command line is another', () => {
    assert.deepEqual(argumentsAsGiven(['cp', 'ü'], () => assert.fail('read')), ['cp', 'ü'])
    assert.deepEqual(argumentsAsGiven(['cp', 'c:/caf\ufffd'], () => commandLine('node', 'x', 'cp', 'c:/other\xe9')), ['cp', 'c:/caf\ufffd'])
    assert.deepEqual(argumentsAsGiven(['a', 'b', 'c:/caf\ufffd'], () => commandLine('c:/caf\xe9')), ['a', 'b', 'c:/caf\ufffd'])
  })
})

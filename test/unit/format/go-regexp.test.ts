import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {goRegExp} from '../../../src/format/go-regexp.ts'

const matches = (pattern: string, text: string): boolean => goRegExp(pattern).test(text)
const refused = (pattern: string, message: string): void => assert.throws(() => goRegExp(pattern), {message: `error parsing regexp: ${message}`}, pattern)

describe('Go regular expressions (RE2) run by JavaScript', () => {
  it('takes flag settings for the rest of their group, alternatives included, and flag groups', () => {
    assert.ok(matches('(?i)^foo', 'FOOBAR'))
    assert.ok(matches('a(?i)b|c', 'C'))
    assert.ok(!matches('^(a(?i)b|c)$', 'A'))
    assert.ok(matches('^(a(?i)b|c)$', 'aB'))
    assert.ok(!matches('(?i:a)b', 'AB'))
    assert.ok(matches('(?i:a)b', 'Ab'))
    assert.ok(matches('(?i)a(?-i)b', 'Ab'))
    assert.ok(!matches('(?i)a(?-i)b', 'AB'))
    assert.ok(matches('(?s)a.b', 'a\nb'))
    assert.ok(!matches('a.b', 'a\nb'))
    assert.ok(matches('a.b', 'a\rb'))
    assert.ok(matches('(?m)^b$', 'a\nb\nc'))
    assert.ok(!matches('^b$', 'a\nb\nc'))
    assert.equal(goRegExp('(?U)a+').exec('aaa')?.[0], 'a')
    assert.equal(goRegExp('(?U)a+?').exec('aaa')?.[0], 'aaa')
  })

  it('writes no RegExp modifier group, which V8 before 12.5 (Node 22, supported) cannot compile', () => {
    for (const pattern of ['(?i)web', 'a(?i)b|c', '(?i:a)b', '(?i)a(?-i)b', '(?is-m:x.)y', '(?i)[[:^alpha:]\\pL]']) {
      assert.doesNotMatch(goRegExp(pattern).source, /\(\?-?[imsU]/, pattern)
    }
  })

  it('folds case under (?i) as Go does: Unicode simple case folding, classes folded before they are negated', () => {
    assert.ok(matches('^(?i)k$', '\u212a'))
    assert.ok(matches('^(?i)s$', '\u017f'))
    assert.ok(matches('^(?i)σ$', 'ς'))
    assert.ok(matches('^(?i)ß$', '\u1e9e'))
    assert.ok(matches('^(?i)\u0390$', '\u1fd3'))
    assert.ok(!matches('^(?i)i$', '\u0131'))
    assert.ok(matches('^(?i)\\x41\\Qb.\\E$', 'aB.'))
    assert.ok(matches('^(?i)[a-c]$', 'B'))
    assert.ok(!matches('^(?i)[^k]$', '\u212a'))
    assert.ok(!matches('^(?i)[\\W]$', '\u017f'))
    assert.ok(matches('^[\\W]$', '\u017f'))
    assert.ok(matches('^(?i)\\p{Lu}$', 'a'))
    assert.ok(!matches('^(?i)[\\P{Lu}]$', 'a'))
    assert.ok(matches('^(?i)[\\P{Lu}]$', '1'))
    assert.ok(!matches('^(?i)[[:^upper:]]$', 'a'))
  })

  it('reads \\A, \\z, \\Q…\\E, named groups, POSIX and Perl classes, Unicode classes and escapes as Go', () => {
    assert.ok(matches('\\AFOO\\z', 'FOO'))
    assert.ok(!matches('\\AFOO\\z', 'FOO\n'))
    assert.ok(!matches('FOO$', 'FOO\n'))
    assert.ok(matches('\\Qa.b*\\E$', 'xa.b*'))
    assert.ok(!matches('\\Qa.b\\E', 'axb'))
    assert.equal(goRegExp('(?P<word>[[:alpha:]]+)').exec('12ab3')?.groups?.word, 'ab')
    assert.ok(matches('^[[:^digit:]]+$', 'ab'))
    assert.ok(!matches('^[[:^digit:]]+$', 'a1'))
    assert.ok(!matches('\\s', '\u00a0'))
    assert.ok(matches('\\pL\\p{Greek}\\P{Lu}', 'xαa'))
    assert.ok(matches('^\\x41\\x{1F600}\\101\\-\\_\\#$', 'A😀A-_#'))
    assert.ok(matches('^a{2}b{1,}c{0,1}{$', 'aabbc{'))
    assert.ok(matches('[]a]', ']'))
    assert.ok(matches('^*', 'x'))
  })

  it('refuses what Go refuses, in its words', () => {
    refused('(', 'missing closing ): `(`')
    refused('a)', 'unexpected ): `a)`')
    refused('^F(?=O)', 'invalid or unsupported Perl syntax: `(?=`')
    refused('(?!x)', 'invalid or unsupported Perl syntax: `(?!`')
    refused('(?<=x)y', 'invalid named capture: `(?<=x)y`')
    refused('(?P=n)', 'invalid or unsupported Perl syntax: `(?P`')
    refused('(a)\\1', 'invalid escape sequence: `\\1`')
    refused('\\y', 'invalid escape sequence: `\\y`')
    refused('a**', 'invalid nested repetition operator: `**`')
    refused('a++', 'invalid nested repetition operator: `++`')
    refused('*a', 'missing argument to repetition operator: `*`')
    refused('a|?', 'missing argument to repetition operator: `?`')
    refused('a{1001}', 'invalid repeat count: `{1001}`')
    refused('a{3,2}', 'invalid repeat count: `{3,2}`')
    refused('[a', 'missing closing ]: `[a`')
    refused('[z-a]', 'invalid character class range: `z-a`')
    refused('[[:foo:]]', 'invalid character class range: `[:foo:]`')
    refused('\\p{Foo}', 'invalid character class range: `\\p{Foo}`')
    refused('a\\', 'trailing backslash at end of expression: ``')
  })
})

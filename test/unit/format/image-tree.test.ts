import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {renderImageTree, terminalLayout} from '../../../src/format/image-tree.ts'
import type {TreeChild, TreeImage} from '../../../src/format/image-tree.ts'

const hex = (char: string) => `sha256:${char.repeat(64)}`
const WARNING = "WARNING: This is an experimental feature. The output may change and shouldn't be depended on."
/** docker's legend off a terminal, right-aligned to its 80 columns. */
const LEGEND = `${' '.repeat(61)} Info ->  U In Use `
const plain = {color: false, columns: 0}

function child(platform: string, overrides: Partial<TreeChild> = {}): TreeChild {
  return {platform, available: true, id: hex('b'), diskUsage: 4_400_000, contentSize: 2_200_000, inUse: false, ...overrides}
}

function image(names: string[], children: TreeChild[], overrides: Partial<TreeImage> = {}): TreeImage {
  return {names, id: hex('a'), diskUsage: 4_400_000, contentSize: 2_200_000, inUse: false, children, ...overrides}
}

describe('renderImageTree', () => {
  it('lays out an image and its platform as docker does off a terminal: the first column as wide as the widest row (a platform row counts └─ as Go counts its bytes)', () => {
    assert.equal(renderImageTree([image(['busybox:1'], [child('linux/amd64')])], plain), [
      WARNING,
      LEGEND,
      '',
      'IMAGE                ID             DISK USAGE   CONTENT SIZE   EXTRA',
      'busybox:1            aaaaaaaaaaaa        4.4MB          2.2MB        ',
      '└─ linux/amd64       bbbbbbbbbbbb        4.4MB          2.2MB        ',
      '',
      '',
    ].join('\n'))
  })

  it('marks what is in use with U (a blank for the rest), lists the other names longest first on lines of their own, ├─ before the last platform', () => {
    const tree = [
      image(['a:1', 'longer/name:1'], [child('linux/amd64', {inUse: true}), child('linux/arm64', {available: false, id: hex('c'), diskUsage: 0, contentSize: 0})], {inUse: true}),
      image([], [child('linux/amd64')], {id: hex('d')}),
    ]
    assert.equal(renderImageTree(tree, plain), [
      WARNING,
      LEGEND,
      '',
      'IMAGE                ID             DISK USAGE   CONTENT SIZE   EXTRA',
      'longer/name:1',
      'a:1                  aaaaaaaaaaaa        4.4MB          2.2MB   U    ',
      '├─ linux/amd64       bbbbbbbbbbbb        4.4MB          2.2MB   U    ',
      '└─ linux/arm64       cccccccccccc           0B             0B        ',
      '',
      '<untagged>           dddddddddddd        4.4MB          2.2MB        ',
      '└─ linux/amd64       bbbbbbbbbbbb        4.4MB          2.2MB        ',
      '',
      '',
    ].join('\n'))
  })

  it('cuts a name longer than the room left by the other columns with …, and drops the columns that leave the first fewer than 12 on a narrow terminal', () => {
    const long = `registry.example.com/${'x'.repeat(30)}:1`
    const lines = renderImageTree([image([long], [child('linux/amd64')])], plain).split('\n')
    assert.equal(lines[3], 'IMAGE                           ID             DISK USAGE   CONTENT SIZE   EXTRA')
    assert.equal(lines[4], `${long.slice(0, 28)}…   aaaaaaaaaaaa        4.4MB          2.2MB        `)
    const narrow = renderImageTree([image(['busybox:1'], [child('linux/amd64')])], {color: false, columns: 40}).split('\n')
    assert.deepEqual(narrow.slice(3, 6), ['IMAGE          ID             DISK USAGE', 'busybox:1      aaaaaaaaaaaa        4.4MB', '└─ linux/am…   bbbbbbbbbbbb        4.4MB'])
  })

  it('with no platform rows at all puts no blank line between images', () => {
    const lines = renderImageTree([image(['a:1'], []), image(['b:1'], [], {id: hex('e')})], plain).split('\n')
    assert.deepEqual(lines.slice(4), ['a:1     aaaaaaaaaaaa        4.4MB          2.2MB        ', 'b:1     eeeeeeeeeeee        4.4MB          2.2MB        ', ''])
  })

  it('colours a terminal as docker does: fancy legend and U chip, greyed unavailable platforms', () => {
    const out = renderImageTree([image(['a:1'], [child('linux/amd64', {inUse: true}), child('linux/arm64', {available: false})], {inUse: true})], {color: true, columns: 100})
    const lines = out.split('\n')
    assert.equal(lines[0], `\x1b[93m${WARNING}\x1b[0m`)
    assert.ok(lines[1].endsWith('\x1b[1m\x1b[106m\x1b[30mi\x1b[0m\x1b[0m \x1b[96mInfo → \x1b[0m\x1b[0m \x1b[38;5;0m\x1b[48;5;14m U \x1b[0m In Use '))
    assert.equal(lines[1].indexOf('\x1b'), 100 - 'i Info →   U  In Use '.length)
    assert.ok(lines[4].startsWith('\x1b[34m\x1b[1ma:1\x1b[0m'))
    assert.ok(lines[4].endsWith('   \x1b[38;5;0m\x1b[48;5;14m U \x1b[0m  '))
    assert.ok(lines[6].startsWith('\x1b[39m\x1b[2m└─ linux/arm64\x1b[0m'))
  })
})

describe('terminalLayout', () => {
  it('colours only a terminal without NO_COLOR, and takes its width', () => {
    assert.deepEqual(terminalLayout({isTTY: true, columns: 120}, {}), {color: true, columns: 120})
    assert.deepEqual(terminalLayout({isTTY: true, columns: 120}, {NO_COLOR: '1'}), {color: false, columns: 120})
    assert.deepEqual(terminalLayout({columns: 120}, {}), {color: false, columns: 0})
  })
})

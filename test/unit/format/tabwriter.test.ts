// Expected layouts are what docker 28 prints through its tabwriter (minwidth 10, padding 3).
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {alignColumns, DOCKER_TABLE} from '../../../src/format/index.ts'

function lines(...rows: string[]): string {
  return rows.map((row) => `${row}\n`).join('')
}

describe('alignColumns with docker settings', () => {
  it('pads each column to its widest cell plus 3, at least 10, and leaves the last cell alone', () => {
    const text = lines('CONTAINER ID\tIMAGE\tNAMES', 'c1a2b3c4d5e6\tnginx:latest\tweb', 'ffeeddccbbaa\talpine\tx')
    assert.equal(
      alignColumns(text, DOCKER_TABLE),
      lines(
        'CONTAINER ID   IMAGE          NAMES', //
        'c1a2b3c4d5e6   nginx:latest   web',
        'ffeeddccbbaa   alpine         x',
      ),
    )
  })

  it('gives narrow columns the minimum width of 10', () => {
    assert.equal(alignColumns(lines('NAME\tSTATE\tX', 'a\tb\tc'), DOCKER_TABLE), lines('NAME      STATE     X', 'a         b         c'))
  })

  it('pads a tab-terminated empty last cell, as docker does when the last column is empty', () => {
    assert.equal(alignColumns(lines('NAME\tERROR', 'a\t'), DOCKER_TABLE), lines('NAME      ERROR', 'a         '))
    assert.equal(alignColumns(lines('A\tB\t', 'x\ty\t'), DOCKER_TABLE), lines('A         B         ', 'x         y         '))
  })

  it('lines up rows with more cells only among themselves', () => {
    // From `docker context ls` with a description holding a tab: the extra cell gets its own column.
    const text = lines('NAME\tDESCRIPTION\tDOCKER ENDPOINT\tERROR', 'bb\t\ttcp://1.2.3.4:2375\t', 'dd\ta\ttab\tunix:///z\t', 'default *\tCurrent DOCKER_HOST based configuration\tunix:///var/run/docker.sock\t')
    assert.equal(
      alignColumns(text, DOCKER_TABLE),
      lines(
        'NAME        DESCRIPTION                               DOCKER ENDPOINT               ERROR',
        'bb                                                    tcp://1.2.3.4:2375            ',
        'dd          a                                         tab                           unix:///z   ',
        'default *   Current DOCKER_HOST based configuration   unix:///var/run/docker.sock   ',
      ),
    )
  })

  it('counts wide characters as two columns and combining marks as none', () => {
    const text = lines('NAME\tDESCRIPTION\tEND', 'a\t日本語の説明\tx', 'b\te\u0301 and 🚀\ty', 'c\tplain\tz')
    assert.equal(
      alignColumns(text, DOCKER_TABLE),
      lines(
        'NAME      DESCRIPTION    END', //
        'a         日本語の説明   x',
        'b         e\u0301 and 🚀       y',
        'c         plain          z',
      ),
    )
  })

  it('breaks the columns at a line without tabs', () => {
    assert.equal(alignColumns(lines('a\tb', 'long-name-here\tc', 'no tabs', 'x\ty'), DOCKER_TABLE), lines('a                b', 'long-name-here   c', 'no tabs', 'x         y'))
  })

  it('ends a cell at a vertical tab and every column at a form feed', () => {
    assert.equal(alignColumns('a\vb\nlong-name-here\vc\n', DOCKER_TABLE), lines('a                b', 'long-name-here   c'))
    assert.equal(alignColumns('a\tb\flong-name-here\tc\n', DOCKER_TABLE), lines('a         b', 'long-name-here   c'))
  })

  it('keeps text without a final newline unterminated', () => {
    assert.equal(alignColumns('a\tb\nc\td', DOCKER_TABLE), 'a         b\nc         d')
    assert.equal(alignColumns('', DOCKER_TABLE), '')
  })
})

describe('alignColumns with other settings', () => {
  it('uses the given minimum width and padding', () => {
    assert.equal(alignColumns(lines('a\tbb\tc', 'aaa\tb\tc'), {minWidth: 0, padding: 1}), lines('a   bb c', 'aaa b  c'))
  })
})

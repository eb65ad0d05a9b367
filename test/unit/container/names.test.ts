import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {NerdError} from '../../../src/errors.ts'
import {generatedNames, generateName, isFullId, newContainerId, validateName} from '../../../src/container/names.ts'

/** A RandomInt answering the given values in turn (each must be below the bound asked for). */
function sequence(...values: number[]): (bound: number) => number {
  let index = 0
  return (bound) => {
    const value = values[index++ % values.length]
    assert.ok(value < bound, `${value} < ${bound}`)
    return value
  }
}

describe('validateName', () => {
  it('accepts docker\'s names and returns them without a leading slash', () => {
    assert.equal(validateName('web'), 'web')
    assert.equal(validateName('a1'), 'a1')
    assert.equal(validateName('My_app.v2-blue'), 'My_app.v2-blue')
    assert.equal(validateName('/db'), 'db')
    assert.equal(validateName('0abc'), '0abc')
  })

  it('takes a one-character name, which docker refuses', () => {
    assert.equal(validateName('w'), 'w')
  })

  it('refuses other names with docker\'s message', () => {
    for (const name of ['', '/', '_x', '.x', '-x', 'a b', 'a/b', 'wé', 'x:y', '//x']) {
      assert.throws(() => validateName(name), (error: unknown) => {
        assert.ok(error instanceof NerdError)
        assert.equal(error.message, `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`)
        return true
      }, name)
    }
  })
})

describe('validateName and long names', () => {
  it('takes a name as long as a file name (its record in the name store), and refuses a longer one on one line', () => {
    assert.equal(validateName('n'.repeat(255)), 'n'.repeat(255))
    assert.equal(validateName(`/${'n'.repeat(255)}`), 'n'.repeat(255))
    const long = 'n'.repeat(256)
    assert.throws(() => validateName(long), {message: `Invalid container name (${long}), names are at most 255 characters long`})
  })
})

describe('container IDs', () => {
  it('makes 64 lowercase hex IDs, different each time, whose short form is not a number', () => {
    const ids = new Set(Array.from({length: 200}, () => newContainerId()))
    assert.equal(ids.size, 200)
    for (const id of ids) {
      assert.match(id, /^[0-9a-f]{64}$/)
      assert.doesNotMatch(id.slice(0, 12), /^\d+$/)
    }
  })

  it('tells a full ID from a prefix or a name', () => {
    assert.equal(isFullId('a'.repeat(64)), true)
    assert.equal(isFullId(newContainerId()), true)
    assert.equal(isFullId('a'.repeat(63)), false)
    assert.equal(isFullId('A'.repeat(64)), false)
    assert.equal(isFullId('g'.repeat(64)), false)
    assert.equal(isFullId('web'), false)
  })
})

describe('generateName', () => {
  it('pairs an adjective with a surname', () => {
    assert.equal(generateName(sequence(0, 0)), 'agile_agnesi')
    assert.equal(generateName(sequence(2, 9)), 'ardent_conway')
  })

  it('appends a digit on later attempts', () => {
    assert.equal(generateName(sequence(0, 0, 7), 1), 'agile_agnesi7')
  })

  it('makes valid lowercase names from at least 50 adjectives and 50 surnames', () => {
    const adjectives = new Set<string>()
    const surnames = new Set<string>()
    for (let index = 0; index < 200; index++) {
      const name = generateName((bound) => index % bound)
      assert.match(name, /^[a-z]+_[a-z]+$/)
      assert.equal(validateName(name), name)
      const [adjective, surname] = name.split('_')
      adjectives.add(adjective)
      surnames.add(surname)
    }
    assert.ok(adjectives.size >= 50, `${adjectives.size} adjectives`)
    assert.ok(surnames.size >= 50, `${surnames.size} surnames`)
    assert.match(generateName(), /^[a-z]+_[a-z]+$/)
  })
})

describe('generatedNames', () => {
  it('tries six generated names, digits after the first, then the short ID', () => {
    const id = `0123456789ab${'c'.repeat(52)}`
    const names = [...generatedNames(id, () => 1)]
    assert.deepEqual(names, ['amused_archimedes', ...Array<string>(5).fill('amused_archimedes1'), '0123456789ab'])
  })
})

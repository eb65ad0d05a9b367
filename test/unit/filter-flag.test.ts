import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {RefusedFlagValue} from '../../src/errors.ts'
import {filterFlag} from '../../src/filter-flag.ts'
import {filterTerms} from '../../src/filter-terms.ts'

describe('--filter values, read as docker\'s FilterOpt', () => {
  it('takes an empty value for no filter, trims name and value and lower-cases the name', () => {
    assert.deepEqual(filterTerms(['', ' Label = app ', 'label= app', 'a=b=c', '=x']), [
      {key: 'label', value: 'app'},
      {key: 'label', value: 'app'},
      {key: 'a', value: 'b=c'},
      {key: '', value: 'x'},
    ])
  })

  it('refuses a value without =', () => {
    assert.throws(() => filterTerms(['foo']), {message: 'bad format of filter (expected name=value)'})
  })

  it('the flag refuses it while flags are parsed, naming the value refused', async () => {
    const flag = filterFlag({char: 'f', description: 'x'})
    const parse = (text: string) => flag.parse(text, {} as never, flag as never)
    assert.equal(await parse(''), '')
    assert.equal(await parse(' a = b '), ' a = b ')
    await assert.rejects(parse('foo'), (error: unknown) => error instanceof RefusedFlagValue && error.value === 'foo' && error.message === 'bad format of filter (expected name=value)')
  })
})

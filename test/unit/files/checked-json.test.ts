import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {InvalidFileError} from '../../../src/errors.ts'
import {readCheckedJson} from '../../../src/files.ts'
import {arrayOf, nullable, objectOf, oneOf, optional, recordOf, shapeMismatch} from '../../../src/json-shape.ts'
import {suiteDirectory} from '../../helpers/temporary.ts'

const SHAPE = objectOf({
  Name: 'string',
  Created: 'time',
  Args: arrayOf('string'),
  Cmd: nullable(arrayOf('string')),
  Config: objectOf({Labels: recordOf('string'), Tty: 'boolean', Kind: optional(oneOf('a', 'b'))}),
  Started: optional('time-or-empty'),
})

const fitting = {Name: 'x', Created: '2024-01-02T03:04:05Z', Args: ['a'], Cmd: null, Config: {Labels: {k: 'v'}, Tty: false}}

describe('shapeMismatch', () => {
  it('passes what fits, members it does not describe included', () => {
    assert.equal(shapeMismatch({...fitting, Other: 5}, SHAPE), undefined)
    assert.equal(shapeMismatch({...fitting, Started: ''}, SHAPE), undefined)
    assert.equal(shapeMismatch({...fitting, Config: {...fitting.Config, Kind: 'b'}}, SHAPE), undefined)
  })

  it('names the member at fault and what it is', () => {
    assert.equal(shapeMismatch(5, SHAPE), 'the content is the number 5, not an object')
    assert.equal(shapeMismatch([], SHAPE), 'the content is an array, not an object')
    assert.equal(shapeMismatch({...fitting, Name: undefined}, SHAPE), 'Name is missing')
    assert.equal(shapeMismatch({...fitting, Args: ['a', 5]}, SHAPE), 'Args[1] is the number 5, not a string')
    assert.equal(shapeMismatch({...fitting, Config: 5}, SHAPE), 'Config is the number 5, not an object')
    assert.equal(shapeMismatch({...fitting, Config: {Tty: false}}, SHAPE), 'Config.Labels is missing')
    assert.equal(shapeMismatch({...fitting, Config: {Labels: {k: null}, Tty: false}}, SHAPE), 'Config.Labels.k is null, not a string')
    assert.equal(shapeMismatch({...fitting, Config: {...fitting.Config, Kind: 'c'}}, SHAPE), 'Config.Kind is the string "c", not one of "a", "b"')
    assert.equal(shapeMismatch({...fitting, Created: 'yesterday'}, SHAPE), 'Created is the string "yesterday", not a time')
    assert.equal(shapeMismatch({...fitting, Created: ''}, SHAPE), 'Created is the string "", not a time')
    assert.equal(shapeMismatch({...fitting, Started: 'soon'}, SHAPE), 'Started is the string "soon", not a time')
    assert.equal(shapeMismatch({...fitting, Cmd: 'ls'}, SHAPE), 'Cmd is the string "ls", not an array')
  })
})

describe('readCheckedJson', () => {
  const scratch = suiteDirectory('nerd-checked-json-')

  const failure = async (content: string): Promise<string> => {
    const path = join(scratch(), 'record.json')
    await writeFile(path, content)
    const error = await readCheckedJson(path, 'test record', SHAPE).then(() => undefined, (caught: unknown) => caught)
    assert.ok(error instanceof InvalidFileError, `no InvalidFileError for ${JSON.stringify(content)}`)
    assert.equal(error.path, path)
    return error.message.replace(path, 'PATH')
  }

  it('reads a file that fits; undefined for one that is not there', async () => {
    const path = join(scratch(), 'fits.json')
    await writeFile(path, JSON.stringify(fitting))
    assert.deepEqual(await readCheckedJson(path, 'test record', SHAPE), fitting)
    assert.equal(await readCheckedJson(join(scratch(), 'none.json'), 'test record', SHAPE), undefined)
  })

  it('fails on one line naming the file when it is empty, not JSON or not of the shape', async () => {
    assert.equal(await failure(''), 'invalid test record PATH: the file is empty')
    assert.equal(await failure(' \n'), 'invalid test record PATH: the file is empty')
    assert.equal(await failure('['), 'invalid test record PATH: Unexpected end of JSON input')
    assert.equal(await failure('garbage{\n'), `invalid test record PATH: Unexpected token 'g', "garbage{\\n" is not valid JSON`)
    assert.equal(await failure('{"Config": 5}'), 'invalid test record PATH: Name is missing')
  })
})

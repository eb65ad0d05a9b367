import assert from 'node:assert/strict'
import {it} from 'node:test'
import {fileNamespace, uniqueNamespace} from '../../helpers/e2e.ts'

// containerd's identifier rule for namespaces, with its length limit.
const IDENTIFIER = /^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$/

it('gives each test file its own valid namespace, the same on every call', () => {
  const system = uniqueNamespace('/repo/test/e2e/system.test.ts')
  const nested = uniqueNamespace('file:///repo/test/e2e/image/Pull_Resume.test.ts')
  assert.match(system, IDENTIFIER)
  assert.match(nested, IDENTIFIER)
  assert.match(nested, /-pull-resume$/)
  assert.notEqual(system, nested)
  assert.equal(uniqueNamespace('/repo/test/e2e/system.test.ts'), system)
  assert.match(`${system}-made`, IDENTIFIER)
  const long = uniqueNamespace(`/x/${'very-long-name_'.repeat(10)}.test.ts`)
  assert.match(long, IDENTIFIER)
  assert.ok(long.length <= 76)
})

it('tells apart two files with the same name in different directories', () => {
  const one = uniqueNamespace('/a/same.test.ts')
  const two = uniqueNamespace('/b/same.test.ts')
  assert.notEqual(one, two)
  assert.match(two, IDENTIFIER)
})

it('shares one run prefix between the namespaces of a run', () => {
  const prefix = (namespace: string) => namespace.split('-')[0]
  assert.equal(prefix(uniqueNamespace('/x/a.test.ts')), prefix(fileNamespace()))
  assert.match(fileNamespace(), /^nt[a-z0-9]+-/)
})

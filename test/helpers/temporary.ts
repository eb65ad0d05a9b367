/** Scratch directories for tests that need a file system of their own. */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before} from 'node:test'

/**
 * A directory made before the tests of the enclosing describe and removed after them. Call it in
 * the describe's body; the returned function gives the path once the tests run.
 */
export function suiteDirectory(prefix: string): () => string {
  let path: string | undefined
  before(async () => {
    path = await mkdtemp(join(tmpdir(), prefix))
  })
  after(async () => {
    if (path) await rm(path, {recursive: true, force: true})
  })
  return () => {
    if (path === undefined) throw new Error(`${prefix}: the suite's directory exists only while its tests run`)
    return path
  }
}

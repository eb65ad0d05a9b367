/**
 * withFileLock held longer than half its stale time: proper-lockfile refreshes the lock then, and
 * takes a lock directory whose mtime it did not set for another process's takeover, which it throws
 * from a timer (ECOMPROMISED) and kills the process. The owner file nerd writes into that directory
 * must not count as such a change. In a child process, which such a throw ends.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'

const filesModule = fileURLToPath(new URL('../../../src/files.ts', import.meta.url))

describe('withFileLock', () => {
  it('keeps a lock held past its first refresh (5 s), its owner file in place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nerd-file-lock-'))
    try {
      const script = `
        import {readFileSync} from 'node:fs'
        import {setTimeout as delay} from 'node:timers/promises'
        import {withFileLock} from ${JSON.stringify(filesModule)}
        await withFileLock(${JSON.stringify(join(dir, 'held'))}, async () => {
          await delay(6500)
          process.stdout.write(readFileSync(${JSON.stringify(join(dir, 'held.lock', 'owner'))}, 'utf8') === '' ? 'no owner\\n' : 'owned\\n')
        })
        process.stdout.write('released\\n')
      `
      const {stdout} = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script])
      assert.equal(stdout, 'owned\nreleased\n')
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

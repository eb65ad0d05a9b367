/**
 * withFileLock's locks last as long as their holder, however long it holds one (its owner file says
 * whether it lives), and a crashed holder's is taken over. proper-lockfile, left to judge by age,
 * took over a live holder's lock whose refresh came late, and the holder died of it (ECOMPROMISED,
 * thrown from a timer): a holder past that age runs in a child process, which such a throw ends.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdir, mkdtemp, rm, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {isLocked, LockTimeoutError, withFileLock, withFileLockUnless} from '../../../src/files.ts'
import {ownerTag} from '../../../src/owner.ts'
import {deadOwnerTag} from '../../helpers/owners.ts'

const filesModule = fileURLToPath(new URL('../../../src/files.ts', import.meta.url))

describe('withFileLock', () => {
  it('keeps a lock held past proper-lockfile\'s refresh time (5 s), its owner file in place', async () => {
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

  it('withFileLockUnless: a waiter is spared once what it waits to do was done by the holder; it runs when not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nerd-file-lock-'))
    try {
      const path = join(dir, 'refresh')
      let done = 0
      const ran: string[] = []
      let needed: Promise<void | undefined> | undefined
      await withFileLock(path, async () => {
        const spared = withFileLockUnless(path, async () => done >= 1, async () => {
          ran.push('spared')
        })
        needed = withFileLockUnless(path, async () => done >= 2, async () => {
          ran.push('needed')
        })
        await new Promise((resolve) => setTimeout(resolve, 100))
        done = 1
        assert.equal(await spared, undefined)
        assert.deepEqual(ran, [])
      })
      // Released: the waiter not spared takes the lock and runs.
      await needed
      assert.deepEqual(ran, ['needed'])
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })

  it('says once that it waits for another holder, and waits as long as it is told', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nerd-file-lock-'))
    try {
      const path = join(dir, 'plugins')
      let waits = 0
      const onWait = () => waits++
      await withFileLock(path, async () => undefined, {onWait})
      assert.equal(waits, 0)
      await withFileLock(path, async () => {
        await assert.rejects(withFileLock(path, async () => undefined, {waitMs: 300, onWait, guards: 'the plugins'}), (error: unknown) => {
          assert.ok(error instanceof LockTimeoutError)
          assert.equal(error.message, 'timed out after 0.3 s waiting for the lock of the plugins: another nerd command holds it')
          return true
        })
      })
      assert.equal(waits, 1)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

/** A lock directory on `path` as withFileLock makes it, owned by `owner`, made a minute ago. */
const staleLock = async (path: string, owner: string | undefined): Promise<void> => {
  await mkdir(`${path}.lock`)
  if (owner !== undefined) await writeFile(join(`${path}.lock`, 'owner'), owner)
  const minuteAgo = new Date(Date.now() - 60_000)
  await utimes(`${path}.lock`, minuteAgo, minuteAgo)
}

describe('withFileLock takeovers', () => {
  it('never takes the lock of a holder that still runs, however old; takes a dead holder\'s, and an old one without an owner', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nerd-file-lock-'))
    try {
      const held = join(dir, 'held')
      await staleLock(held, ownerTag())
      let ran = false
      const waiter = withFileLock(held, async () => {
        ran = true
      })
      await new Promise((resolve) => setTimeout(resolve, 500))
      assert.equal(ran, false, 'the waiter took the lock of a live holder')
      // The holder releases it: the waiter goes on.
      await rm(`${held}.lock`, {recursive: true})
      await waiter
      assert.equal(ran, true)

      await staleLock(join(dir, 'crashed'), await deadOwnerTag())
      await staleLock(join(dir, 'unowned'), undefined)
      // A holder killed while it wrote its owner file (made, still empty).
      await staleLock(join(dir, 'half-owned'), '')
      const taken: string[] = []
      await withFileLock(join(dir, 'crashed'), async () => void taken.push('crashed'))
      await withFileLock(join(dir, 'unowned'), async () => void taken.push('unowned'))
      await withFileLock(join(dir, 'half-owned'), async () => void taken.push('half-owned'), {waitMs: 2000})
      assert.deepEqual(taken, ['crashed', 'unowned', 'half-owned'])
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

describe('isLocked', () => {
  it('counts a lock whose holder still runs however long it went unrefreshed (a stopped holder), not one whose holder is gone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nerd-is-locked-'))
    try {
      await staleLock(join(dir, 'stopped'), ownerTag())
      assert.equal(await isLocked(join(dir, 'stopped')), true)
      await staleLock(join(dir, 'crashed'), await deadOwnerTag())
      assert.equal(await isLocked(join(dir, 'crashed')), false)
      await staleLock(join(dir, 'unowned'), undefined)
      assert.equal(await isLocked(join(dir, 'unowned')), false)
      await staleLock(join(dir, 'half-owned'), '')
      assert.equal(await isLocked(join(dir, 'half-owned')), false)
      assert.equal(await isLocked(join(dir, 'none')), false)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

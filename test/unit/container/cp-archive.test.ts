import assert from 'node:assert/strict'
import {lstat, mkdir, mkdtemp, readFile, readlink, readdir, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {after, before, beforeEach, describe, it} from 'node:test'
import {Header} from 'tar'
import {extractInto, packAs} from '../../../src/container/cp-archive.ts'

interface Entry {
  path: string
  type: 'File' | 'Directory' | 'SymbolicLink' | 'Link'
  linkpath?: string
  body?: string
  mtime?: Date
}

/** An archive of `entries` as crafted by hand: names and link targets exactly as given. */
function archive(entries: Entry[]): Readable {
  const blocks = entries.flatMap(({path, type, linkpath, body = '', mtime = new Date(0)}) => {
    const header = new Header({path, type, linkpath, mode: type === 'Directory' ? 0o755 : 0o644, uid: 0, gid: 0, size: body.length, mtime})
    header.encode()
    const content = Buffer.from(body)
    return [header.block as Buffer, content, Buffer.alloc((512 - (content.length % 512)) % 512)]
  })
  return Readable.from([Buffer.concat([...blocks, Buffer.alloc(1024)])])
}

describe('cp archives', () => {
  let work: string
  let into: string
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'nerd-cp-archive-'))
  })
  after(async () => rm(work, {recursive: true, force: true}))
  beforeEach(async () => {
    into = await mkdtemp(join(work, 'into-'))
  })

  it('writes symbolic links as they are, absolute targets and targets above the directory included', async () => {
    await extractInto(
      archive([
        {path: 'hn', type: 'SymbolicLink', linkpath: '/etc/hostname'},
        {path: 'up', type: 'SymbolicLink', linkpath: '../../elsewhere'},
      ]),
      into,
      false,
    )
    assert.equal(await readlink(join(into, 'hn')), '/etc/hostname')
    assert.equal(await readlink(join(into, 'up')), '../../elsewhere')
  })

  it('replaces a file with a new one that has the archive\'s mode', async () => {
    await writeFile(join(into, 'f'), 'old', {mode: 0o600})
    await extractInto(archive([{path: 'f', type: 'File', body: 'new'}]), into, false)
    assert.equal(await readFile(join(into, 'f'), 'utf8'), 'new')
    assert.equal((await lstat(join(into, 'f'))).mode & 0o777, 0o644)
  })

  it('names entries from the directory: a leading / counts from it, .. is refused', async () => {
    await extractInto(archive([{path: '/abs.txt', type: 'File', body: 'abs'}]), into, false)
    assert.equal(await readFile(join(into, 'abs.txt'), 'utf8'), 'abs')
    await assert.rejects(extractInto(archive([{path: '../evil', type: 'File', body: 'x'}]), into, false), /"\.\.\/evil" is outside of/)
    await assert.rejects(extractInto(archive([{path: 'a/../../evil', type: 'File', body: 'x'}]), into, false), /is outside of/)
    await assert.rejects(extractInto(archive([{path: 'h', type: 'Link', linkpath: '../../etc/passwd'}]), into, false), /"\.\.\/\.\.\/etc\/passwd" is outside of/)
    await assert.rejects(readFile(join(work, 'evil')), {code: 'ENOENT'})
  })

  it('never writes through a symbolic link, one from the same archive or one already there', async () => {
    const outside = join(work, 'outside')
    await mkdir(outside, {recursive: true})
    await assert.rejects(
      extractInto(
        archive([
          {path: 'l', type: 'SymbolicLink', linkpath: outside},
          {path: 'l/x', type: 'File', body: 'pwned'},
        ]),
        into,
        false,
      ),
      /cannot extract "l\/x" through the symbolic link "l"/,
    )
    await symlink(outside, join(into, 'there'))
    await assert.rejects(extractInto(archive([{path: 'there/sub/x', type: 'File', body: 'pwned'}]), into, false), /through the symbolic link "there"/)
    await assert.rejects(extractInto(archive([{path: 'h', type: 'Link', linkpath: 'there/secret'}]), into, false), /through the symbolic link "there"/)
    assert.deepEqual(await readdir(outside), [])
  })

  it('replaces a link the archive made by a directory before writing into it', async () => {
    await extractInto(
      archive([
        {path: 'd', type: 'SymbolicLink', linkpath: '/etc'},
        {path: 'd/', type: 'Directory'},
        {path: 'd/x', type: 'File', body: 'in'},
      ]),
      into,
      false,
    )
    assert.ok((await lstat(join(into, 'd'))).isDirectory())
    assert.equal(await readFile(join(into, 'd/x'), 'utf8'), 'in')
  })

  it('restores directory times after writing their entries, and leaves the directory itself as it is', async () => {
    const old = new Date('2001-02-03T04:05:06Z')
    await extractInto(
      archive([
        {path: './', type: 'Directory', mtime: old},
        {path: './sub/', type: 'Directory', mtime: old},
        {path: './sub/f', type: 'File', body: 'f'},
      ]),
      into,
      false,
    )
    assert.deepEqual((await lstat(join(into, 'sub'))).mtime, old)
    assert.equal((await lstat(into)).mode & 0o777, 0o700)
  })

  it('names the top entry of a packed tree, file or directory, as asked', async () => {
    const tree = join(work, 'tree')
    await mkdir(join(tree, 'sub'), {recursive: true})
    await writeFile(join(tree, 'sub/f'), 'f')
    const names = async (stream: Awaited<ReturnType<typeof packAs>>): Promise<string[]> => {
      const listed: string[] = []
      const {Parser} = await import('tar')
      const parser = new Parser({onReadEntry: (entry) => {
          listed.push(entry.path)
          entry.resume()
        },
      })
      for await (const chunk of stream) parser.write(chunk as Buffer)
      parser.end()
      return listed.sort()
    }
    assert.deepEqual(await names(await packAs(tree, true, 'link')), ['link/', 'link/sub/', 'link/sub/f'])
    assert.deepEqual(await names(await packAs(tree, true, '.')), ['./', './sub/', './sub/f'])
    assert.deepEqual(await names(await packAs(join(tree, 'sub/f'), false, 'renamed')), ['renamed'])
  })
})

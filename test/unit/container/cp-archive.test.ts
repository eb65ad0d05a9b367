import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {createReadStream, createWriteStream} from 'node:fs'
import {link, lstat, mkdir, mkdtemp, readFile, readlink, readdir, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {after, before, beforeEach, describe, it} from 'node:test'
import {promisify} from 'node:util'
import {Header} from 'tar'
import {closeSync} from 'node:fs'
import {extractInto, packAs} from '../../../src/container/cp-archive.ts'
import type {Owner} from '../../../src/container/cp-archive.ts'
import {openRoot, pathParts} from '../../../src/container/cp-root.ts'

const run = promisify(execFile)

interface Entry {
  path: string
  type: 'File' | 'Directory' | 'SymbolicLink' | 'Link'
  linkpath?: string
  body?: string
  mtime?: Date
  mode?: number
}

/** An archive of `entries` as crafted by hand: names and link targets exactly as given. */
function archive(entries: Entry[]): Readable {
  const blocks = entries.flatMap(({path, type, linkpath, body = '', mtime = new Date(0), mode = type === 'Directory' ? 0o755 : 0o644}) => {
    const header = new Header({path, type, linkpath, mode, uid: 0, gid: 0, size: body.length, mtime})
    header.encode()
    const content = Buffer.from(body)
    return [header.block as Buffer, content, Buffer.alloc((512 - (content.length % 512)) % 512)]
  })
  return Readable.from([Buffer.concat([...blocks, Buffer.alloc(1024)])])
}

/** Extracts into the host directory `into`, as a copy out of a container does: links under it refused. */
async function extractOnHost(stream: NodeJS.ReadableStream, into: string): Promise<void> {
  const root = openRoot('/')
  try {
    await extractInto(stream, {root, directory: pathParts(into), refuseLinks: true}, {})
  } finally {
    closeSync(root)
  }
}

/** Extracts into `directory` of the tree `root` as into a container whose root it is: links resolved inside it. */
async function extractInRoot(stream: NodeJS.ReadableStream, root: string, directory = '/'): Promise<void> {
  const fd = openRoot(root)
  try {
    await extractInto(stream, {root: fd, directory: pathParts(directory), refuseLinks: false}, {})
  } finally {
    closeSync(fd)
  }
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

  it('writes symbolic links as they are, absolute targets included, and refuses a relative one that climbs out of the directory, as docker\'s untar', async () => {
    await extractOnHost(
      archive([
        {path: 'hn', type: 'SymbolicLink', linkpath: '/etc/hostname'},
        {path: 'd/up', type: 'SymbolicLink', linkpath: '../sibling'},
      ]), into)
    assert.equal(await readlink(join(into, 'hn')), '/etc/hostname')
    assert.equal(await readlink(join(into, 'd/up')), '../sibling')
    await assert.rejects(extractOnHost(archive([{path: 'd/out', type: 'SymbolicLink', linkpath: '../../elsewhere'}]), into), {message: `invalid symlink "${into}/d/out" -> "../../elsewhere"`})
    await assert.rejects(extractInRoot(archive([{path: 'out', type: 'SymbolicLink', linkpath: '../../../etc/shadow'}]), into, '/tmp'), {message: 'invalid symlink "/tmp/out" -> "../../../etc/shadow"'})
    await assert.rejects(lstat(join(into, 'd/out')), {code: 'ENOENT'})
  })

  it('extracts GNU tar\'s PAX sparse files (formats 0.0, 0.1, 1.0) whole under their real names, as Go\'s archive/tar reads them', async () => {
    const source = join(work, 'sparse-src')
    await mkdir(source, {recursive: true})
    await run('truncate', ['-s', '3M', join(source, 'sparse')])
    await run('sh', ['-c', `printf HEAD | dd of=${source}/sparse conv=notrunc 2>/dev/null; printf TAIL | dd of=${source}/sparse bs=1 seek=2097152 conv=notrunc 2>/dev/null; echo plain > ${source}/plain`])
    const expected = await readFile(join(source, 'sparse'))
    for (const version of ['0.0', '0.1', '1.0']) {
      const tarball = join(work, `sparse-${version}.tar`)
      await run('tar', ['-S', '--format=posix', `--sparse-version=${version}`, '-C', source, '-cf', tarball, 'sparse', 'plain'])
      const target = await mkdtemp(join(work, 'sparse-into-'))
      await extractOnHost(createReadStream(tarball), target)
      assert.deepEqual((await readdir(target)).sort(), ['plain', 'sparse'], version)
      assert.ok(expected.equals(await readFile(join(target, 'sparse'))), version)
      assert.equal(await readFile(join(target, 'plain'), 'utf8'), 'plain\n')
    }
  })

  it('fails on an entry type docker\'s untar does not make (GNU\'s old sparse file, a dump directory), where it was left out silently', async () => {
    const source = join(work, 'old-sparse')
    await mkdir(source, {recursive: true})
    await run('sh', ['-c', `truncate -s 1M ${source}/sparse && printf HEAD | dd of=${source}/sparse conv=notrunc 2>/dev/null`])
    const tarball = join(work, 'old-sparse.tar')
    await run('tar', ['-S', '--format=gnu', '-C', source, '-cf', tarball, 'sparse'])
    await assert.rejects(extractOnHost(createReadStream(tarball), into), {message: 'unhandled tar header type 83'})
    const dump = new Header({path: 'dump/', type: 'GNUDumpDir', mode: 0o755, size: 0, mtime: new Date(0)})
    dump.encode()
    await assert.rejects(extractOnHost(Readable.from([Buffer.concat([dump.block as Buffer, Buffer.alloc(1024)])]), into), {message: 'unhandled tar header type 68'})
  })

  it('gives what it extracts the archive\'s owners, or the owner asked for, or leaves it to the user nerd runs as', async () => {
    const owned = new Header({path: 'owned', type: 'File', mode: 0o644, uid: 1234, gid: 5678, size: 0, mtime: new Date(0)})
    owned.encode()
    const tarball = (): Readable => Readable.from([Buffer.concat([owned.block as Buffer, Buffer.alloc(1024)])])
    const root = openRoot('/')
    try {
      const ids = async (owner?: Owner): Promise<number[]> => {
        const target = await mkdtemp(join(work, 'owned-'))
        await extractInto(tarball(), {root, directory: pathParts(target), refuseLinks: true}, {owner})
        const info = await lstat(join(target, 'owned'))
        return [info.uid, info.gid]
      }
      assert.deepEqual(await ids('archive'), [1234, 5678])
      assert.deepEqual(await ids({uid: 1000, gid: 1001}), [1000, 1001])
      assert.deepEqual(await ids(), [process.getuid!(), process.getgid!()])
    } finally {
      closeSync(root)
    }
  })

  it('replaces a file with a new one that has the archive\'s mode', async () => {
    await writeFile(join(into, 'f'), 'old', {mode: 0o600})
    await extractOnHost(archive([{path: 'f', type: 'File', body: 'new'}]), into)
    assert.equal(await readFile(join(into, 'f'), 'utf8'), 'new')
    assert.equal((await lstat(join(into, 'f'))).mode & 0o777, 0o644)
  })

  it('names entries from the directory: a leading / counts from it, .. is refused', async () => {
    await extractOnHost(archive([{path: '/abs.txt', type: 'File', body: 'abs'}]), into)
    assert.equal(await readFile(join(into, 'abs.txt'), 'utf8'), 'abs')
    await assert.rejects(extractOnHost(archive([{path: '../evil', type: 'File', body: 'x'}]), into), /"\.\.\/evil" is outside of/)
    await assert.rejects(extractOnHost(archive([{path: 'a/../../evil', type: 'File', body: 'x'}]), into), /is outside of/)
    await assert.rejects(extractOnHost(archive([{path: 'h', type: 'Link', linkpath: '../../etc/passwd'}]), into), /"\.\.\/\.\.\/etc\/passwd" is outside of/)
    await assert.rejects(readFile(join(work, 'evil')), {code: 'ENOENT'})
  })

  it('on the host, never writes through a symbolic link, one from the same archive or one already there', async () => {
    const outside = join(work, 'outside')
    await mkdir(outside, {recursive: true})
    await assert.rejects(
      extractOnHost(
        archive([
          {path: 'l', type: 'SymbolicLink', linkpath: outside},
          {path: 'l/x', type: 'File', body: 'pwned'},
        ]), into),
      /cannot extract "l\/x" through the symbolic link "l"/,
    )
    await symlink(outside, join(into, 'there'))
    await assert.rejects(extractOnHost(archive([{path: 'there/sub/x', type: 'File', body: 'pwned'}]), into), /through the symbolic link "there"/)
    await assert.rejects(extractOnHost(archive([{path: 'h', type: 'Link', linkpath: 'there/secret'}]), into), /through the symbolic link "there"/)
    assert.deepEqual(await readdir(outside), [])
  })

  it('in a container, follows a symbolic link above an entry inside the root, as docker\'s chrooted untar, and .. still cannot leave the directory', async () => {
    const outside = join(work, 'outside-root')
    await mkdir(outside, {recursive: true})
    await mkdir(join(into, 'usr/lib'), {recursive: true})
    await mkdir(join(into, 'tmp'))
    await symlink('../usr/lib', join(into, 'tmp/mlib'))
    await symlink(outside, join(into, 'tmp/hostlink'))
    await symlink('../../../../..', join(into, 'tmp/up'))
    await extractInRoot(
      archive([
        {path: 'mlib/x.so', type: 'File', body: 'so'},
        // Absolute and climbing targets count from the root, never the host's.
        {path: 'hostlink/f', type: 'File', body: 'in root'},
        {path: 'up/etc-file', type: 'File', body: 'top'},
        {path: 'l', type: 'SymbolicLink', linkpath: '/etc'},
        {path: 'l/passwd-ish', type: 'File', body: 'p'},
      ]),
      into,
      '/tmp',
    )
    assert.equal(await readFile(join(into, 'usr/lib/x.so'), 'utf8'), 'so')
    assert.equal(await readFile(join(into, outside, 'f'), 'utf8'), 'in root')
    assert.equal(await readFile(join(into, 'etc-file'), 'utf8'), 'top')
    assert.equal(await readFile(join(into, 'etc/passwd-ish'), 'utf8'), 'p')
    assert.deepEqual(await readdir(outside), [])
    await assert.rejects(extractInRoot(archive([{path: '../evil', type: 'File', body: 'x'}]), into, '/tmp'), /"\.\.\/evil" is outside of "\/tmp"/)
  })

  it('makes device nodes from GNU-format headers with their numbers (tar decodes them for ustar only)', async () => {
    const tree = join(work, 'gnu')
    await mkdir(tree)
    await run('mknod', [join(tree, 'bdev'), 'b', '7', '200'])
    const packed = join(work, 'gnu.tar')
    await run('tar', ['--format=gnu', '-cf', packed, '-C', tree, 'bdev'])
    await extractOnHost(createReadStream(packed), into)
    const device = await lstat(join(into, 'bdev'))
    assert.ok(device.isBlockDevice())
    assert.equal(device.rdev, (await lstat(join(tree, 'bdev'))).rdev)
  })

  it('never replaces a directory by a non-directory, nor a file or link by a directory, from the disk or the same archive', async () => {
    await mkdir(join(into, 'dir/inner'), {recursive: true})
    await writeFile(join(into, 'file'), 'kept')
    await assert.rejects(extractOnHost(archive([{path: 'dir', type: 'File', body: 'x'}]), into), {message: `cannot overwrite directory "${into}/dir" with non-directory "${into}"`})
    await assert.rejects(extractOnHost(archive([{path: 'file/', type: 'Directory'}]), into), {message: `cannot overwrite non-directory "${into}/file" with directory "${into}"`})
    await assert.rejects(extractOnHost(archive([{path: 'file/x', type: 'File', body: 'x'}]), into), /"file\/x": ".*\/file" is not a directory/)
    await assert.rejects(
      extractOnHost(
        archive([
          {path: 'd', type: 'SymbolicLink', linkpath: '/etc'},
          {path: 'd/', type: 'Directory'},
        ]), into),
      /cannot overwrite non-directory ".*\/d" with directory/,
    )
    assert.ok((await lstat(join(into, 'dir/inner'))).isDirectory())
    assert.equal(await readFile(join(into, 'file'), 'utf8'), 'kept')
    // Of the same kind, it merges into a directory and replaces a file.
    await extractOnHost(archive([{path: 'dir/', type: 'Directory'}, {path: 'dir/new', type: 'File', body: 'n'}, {path: 'file', type: 'File', body: 'new'}]), into)
    assert.deepEqual((await readdir(join(into, 'dir'))).sort(), ['inner', 'new'])
    assert.equal(await readFile(join(into, 'file'), 'utf8'), 'new')
  })

  it('gives every entry the archive\'s mode exactly, whatever the umask: sticky, setuid and group/world write bits too', async () => {
    const umask = process.umask(0o077)
    try {
      await extractOnHost(
        archive([
          {path: 'shared/', type: 'Directory', mode: 0o1777},
          {path: 'shared/open', type: 'File', body: 'o', mode: 0o666},
          {path: 'shared/tool', type: 'File', body: 't', mode: 0o4755},
        ]), into)
    } finally {
      process.umask(umask)
    }
    assert.equal((await lstat(join(into, 'shared'))).mode & 0o7777, 0o1777)
    assert.equal((await lstat(join(into, 'shared/open'))).mode & 0o7777, 0o666)
    assert.equal((await lstat(join(into, 'shared/tool'))).mode & 0o7777, 0o4755)
  })

  it('packs FIFOs, device nodes and hard links as tar does, and extraction makes them again', async () => {
    const tree = join(work, 'special')
    await mkdir(tree)
    await run('mkfifo', [join(tree, 'pipe')])
    await run('mknod', [join(tree, 'null'), 'c', '1', '3'])
    await writeFile(join(tree, 'a'), 'linked')
    await link(join(tree, 'a'), join(tree, 'b'))
    // A name ustar cannot hold takes a PAX header, without the SCHILY.dev/ino/nlink records GNU tar warns about.
    await writeFile(join(tree, 'ünïcode'), 'u')
    const packed = join(work, 'special.tar')
    await pipeline(packAs(tree, 'special'), createWriteStream(packed))
    const {stdout: listed, stderr} = await run('tar', ['--numeric-owner', '-tvf', packed])
    assert.equal(stderr, '')
    assert.match(listed, /special\/ünïcode$/m)
    assert.match(listed, /^p[rw-]{9} 0\/0 .* special\/pipe$/m)
    assert.match(listed, /^c[rw-]{9} 0\/0 +1,3 .* special\/null$/m)
    assert.match(listed, /^h[rw-]{9} .* special\/b link to special\/a$/m)
    assert.doesNotMatch(listed, /PaxHeader/)

    await extractOnHost(createReadStream(packed), into)
    assert.ok((await lstat(join(into, 'special/pipe'))).isFIFO())
    const device = await lstat(join(into, 'special/null'))
    assert.ok(device.isCharacterDevice())
    assert.equal(device.rdev, (await lstat('/dev/null')).rdev)
    assert.equal((await lstat(join(into, 'special/a'))).ino, (await lstat(join(into, 'special/b'))).ino)
  })

  it('packs and extracts trees whose paths and link targets are longer than ustar holds (PAX), each entry where it was', async () => {
    for (const depth of [66, 300]) {
      // 257 and 1196 bytes below the tree, past ustar's 256 (name and prefix).
      const deep = Array.from({length: depth}, (_, index) => `d${index + 1}`).join('/')
      const tree = join(work, `deep-${depth}`)
      await mkdir(join(tree, deep), {recursive: true})
      await writeFile(join(tree, deep, 'f'), 'deep')
      await symlink(`/${deep}/f`, join(tree, deep, 'abs'))
      await link(join(tree, deep, 'f'), join(tree, deep, 'hard'))
      const target = join(into, String(depth))
      await mkdir(target)
      await extractOnHost(packAs(tree, 'top'), target)
      const {stdout} = await run('find', ['.'], {cwd: target, maxBuffer: 1 << 24})
      assert.equal(stdout.trim().split('\n').length, depth + 5, `depth ${depth}: ./, top, ${depth} directories, f, abs, hard`)
      assert.equal(await readFile(join(target, 'top', deep, 'f'), 'utf8'), 'deep')
      assert.equal(await readlink(join(target, 'top', deep, 'abs')), `/${deep}/f`)
      assert.equal((await lstat(join(target, 'top', deep, 'hard'))).ino, (await lstat(join(target, 'top', deep, 'f'))).ino)
    }
  })

  it('restores directory times after writing their entries, and leaves the directory itself as it is', async () => {
    const old = new Date('2001-02-03T04:05:06Z')
    await extractOnHost(
      archive([
        {path: './', type: 'Directory', mtime: old},
        {path: './sub/', type: 'Directory', mtime: old},
        {path: './sub/f', type: 'File', body: 'f'},
      ]), into)
    assert.deepEqual((await lstat(join(into, 'sub'))).mtime, old)
    assert.equal((await lstat(into)).mode & 0o777, 0o700)
  })

  it('names the top entry of a packed tree, file or directory, as asked', async () => {
    const tree = join(work, 'tree')
    await mkdir(join(tree, 'sub'), {recursive: true})
    await writeFile(join(tree, 'sub/f'), 'f')
    const names = async (stream: ReturnType<typeof packAs>): Promise<string[]> => {
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
    assert.deepEqual(await names(packAs(tree, 'link')), ['link/', 'link/sub/', 'link/sub/f'])
    assert.deepEqual(await names(packAs(tree, '.')), ['./', './sub/', './sub/f'])
    assert.deepEqual(await names(packAs(join(tree, 'sub/f'), 'renamed')), ['renamed'])
    assert.deepEqual(await names(packAs(tree, '')), ['sub/', 'sub/f'])
  })
})

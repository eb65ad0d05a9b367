import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {Header, Pax} from 'tar'
import {encodeName} from '../../../src/byte-names.ts'
import {NerdError} from '../../../src/errors.ts'
import {TruncatedArchiveError, readTar, startsLikeTar} from '../../../src/image/archive/tar-reader.ts'
import type {TarEntry} from '../../../src/image/archive/tar-reader.ts'
import {tarEnd, tarFile, tarHeader, tarPadding, ustarBlock} from '../../../src/image/archive/tar-writer.ts'

interface ReadEntry {
  path: string
  type: string
  size: number
  linkpath?: string
  content: string
}

/** Feeds `bytes` in pieces of `pieceSize`, as a slow pipe would. */
async function* pieces(bytes: Buffer, pieceSize: number): AsyncGenerator<Buffer> {
  for (let start = 0; start < bytes.length; start += pieceSize) yield bytes.subarray(start, start + pieceSize)
}

async function readAll(bytes: Buffer, options: {pieceSize?: number; chunkBytes?: number; skipBodies?: boolean} = {}): Promise<ReadEntry[]> {
  const entries: ReadEntry[] = []
  for await (const entry of readTar(pieces(bytes, options.pieceSize ?? 4096), {chunkBytes: options.chunkBytes})) {
    entries.push(await collect(entry, options.skipBodies ?? false))
  }
  return entries
}

async function collect(entry: TarEntry, skip: boolean): Promise<ReadEntry> {
  const chunks: Buffer[] = []
  if (!skip) for await (const chunk of entry.body) chunks.push(chunk)
  return {path: entry.path, type: entry.type, size: entry.size, ...(entry.linkpath ? {linkpath: entry.linkpath} : {}), content: Buffer.concat(chunks).toString('utf8')}
}

function archive(files: Array<[string, string]>): Buffer {
  return Buffer.concat([...files.flatMap(([path, content]) => tarFile(path, Buffer.from(content))), tarEnd()])
}

describe('readTar', () => {
  it('reads the files tarFile writes, whatever pieces the input arrives in', async () => {
    const bytes = archive([['a.txt', 'alpha'], ['dir/b.json', '{"b":1}'], ['empty', '']])
    for (const pieceSize of [1, 7, 512, 100_000]) {
      assert.deepEqual(await readAll(bytes, {pieceSize}), [
        {path: 'a.txt', type: 'File', size: 5, content: 'alpha'},
        {path: 'dir/b.json', type: 'File', size: 7, content: '{"b":1}'},
        {path: 'empty', type: 'File', size: 0, content: ''},
      ], `pieces of ${pieceSize} bytes`)
    }
  })

  it('gathers a body into chunks of the requested size', async () => {
    const content = Buffer.alloc(10_000, 'x')
    const sizes: number[] = []
    for await (const entry of readTar(pieces(archive([['big', content.toString()]]), 300), {chunkBytes: 4096})) {
      for await (const chunk of entry.body) sizes.push(chunk.length)
    }
    assert.deepEqual(sizes, [4096, 4096, 1808])
  })

  it('skips the body of an entry the consumer does not read', async () => {
    const bytes = archive([['skipped', 'x'.repeat(3000)], ['read', 'kept']])
    const entries = await readAll(bytes, {skipBodies: true})
    assert.deepEqual(entries.map((entry) => entry.path), ['skipped', 'read'])
    let second = ''
    let index = 0
    for await (const entry of readTar(pieces(bytes, 1000))) {
      if (index++ === 0) {
        // Read part of the body only: the rest must still be skipped.
        for await (const chunk of entry.body) {
          assert.ok(chunk.length > 0)
          break
        }
        continue
      }
      for await (const chunk of entry.body) second += chunk.toString()
    }
    assert.equal(second, 'kept')
  })

  it('applies PAX long paths (as tarHeader writes them) and GNU long names', async () => {
    const longPath = `blobs/${'d'.repeat(120)}/${'f'.repeat(40)}`
    const gnuName = `gnu/${'g'.repeat(150)}`
    const gnuHeader = new Header({path: '././@LongLink', type: 'NextFileHasLongPath', size: gnuName.length + 1, mode: 0o644, mtime: new Date(0)})
    gnuHeader.encode()
    const gnuFile = new Header({path: gnuName.slice(0, 99), type: 'File', size: 3, mode: 0o644, mtime: new Date(0)})
    gnuFile.encode()
    const bytes = Buffer.concat([
      tarHeader(longPath, 4), Buffer.from('long'), tarPadding(4),
      gnuHeader.block as Buffer, Buffer.from(`${gnuName}\0`), tarPadding(gnuName.length + 1),
      gnuFile.block as Buffer, Buffer.from('gnu'), tarPadding(3),
      tarEnd(),
    ])
    assert.deepEqual(await readAll(bytes), [
      {path: longPath, type: 'File', size: 4, content: 'long'},
      {path: gnuName, type: 'File', size: 3, content: 'gnu'},
    ])
  })

  it('takes a PAX path and link target whole, whatever the ustar name, prefix and link fields say', async () => {
    for (const length of [300, 1000]) {
      const deep = Array.from({length: Math.ceil(length / 4)}, (_, index) => `d${String(index).padStart(2, '0')}`).join('/').slice(0, length)
      // As other writers (and nerd's before) make them: the ustar fields hold the path split, the PAX record the whole.
      const entry = (fields: {path: string; type: 'File' | 'SymbolicLink' | 'Link'; linkpath?: string; size: number}): Buffer => {
        const header = new Header({...fields, mode: 0o644, uid: 0, gid: 0, mtime: new Date(0)})
        header.encode()
        return Buffer.concat([new Pax({path: fields.path, linkpath: fields.linkpath}).encode(), header.block as Buffer])
      }
      const bytes = Buffer.concat([
        entry({path: `${deep}/f`, type: 'File', size: 4}), Buffer.from('deep'), tarPadding(4),
        entry({path: `${deep}/s`, type: 'SymbolicLink', linkpath: `/${deep}/f`, size: 0}),
        entry({path: `${deep}/h`, type: 'Link', linkpath: `${deep}/f`, size: 0}),
        tarEnd(),
      ])
      assert.deepEqual(await readAll(bytes), [
        {path: `${deep}/f`, type: 'File', size: 4, content: 'deep'},
        {path: `${deep}/s`, type: 'SymbolicLink', size: 0, linkpath: `/${deep}/f`, content: ''},
        {path: `${deep}/h`, type: 'Link', size: 0, linkpath: `${deep}/f`, content: ''},
      ], `${length} bytes`)
    }
  })

  it('writes a PAX path as Go\'s archive/tar does: the ustar block without a prefix', async () => {
    const deep = `${'d/'.repeat(150)}f`
    const bytes = Buffer.concat([tarHeader(deep, 1), Buffer.from('x'), tarPadding(1), tarEnd()])
    assert.deepEqual(await readAll(bytes), [{path: deep, type: 'File', size: 1, content: 'x'}])
    const block = bytes.subarray(1024, 1536)
    assert.equal(block.subarray(257, 263).toString('latin1'), 'ustar\0')
    assert.ok(block.subarray(345, 500).every((byte) => byte === 0), 'no ustar prefix')
    assert.equal(block.subarray(0, 99).toString('latin1'), deep.slice(0, 99))
    const {block: fitting, needsPax} = ustarBlock({path: `${'p'.repeat(120)}/name`, type: 'File', size: 0})
    assert.equal(needsPax, false)
    assert.equal(fitting.subarray(345, 465).toString('latin1'), 'p'.repeat(120), 'a path ustar holds is split as before')
  })

  it('reports directories, symbolic and hard links without bodies', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nerd-tar-test-'))
    try {
      execFileSync('sh', ['-c', 'mkdir -p in/id && echo layer > in/layer.tar && ln -s ../layer.tar in/id/layer.tar && ln in/layer.tar in/hard.tar'], {cwd: directory})
      execFileSync('tar', ['-cf', 'out.tar', '-C', 'in', '--sort=name', 'hard.tar', 'id', 'layer.tar'], {cwd: directory})
      const entries = await readAll(readFileSync(join(directory, 'out.tar')))
      assert.deepEqual(entries, [
        {path: 'hard.tar', type: 'File', size: 6, content: 'layer\n'},
        {path: 'id/', type: 'Directory', size: 0, content: ''},
        {path: 'id/layer.tar', type: 'SymbolicLink', size: 0, linkpath: '../layer.tar', content: ''},
        {path: 'layer.tar', type: 'Link', size: 0, linkpath: 'hard.tar', content: ''},
      ])
    } finally {
      rmSync(directory, {recursive: true, force: true})
    }
  })

  it('reads what the system tar writes', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nerd-tar-test-'))
    try {
      writeFileSync(join(directory, 'manifest.json'), '[]')
      execFileSync('tar', ['-cf', 'out.tar', 'manifest.json'], {cwd: directory})
      assert.deepEqual(await readAll(readFileSync(join(directory, 'out.tar'))), [{path: 'manifest.json', type: 'File', size: 2, content: '[]'}])
    } finally {
      rmSync(directory, {recursive: true, force: true})
    }
  })

  it('keeps names that are no UTF-8 as their bytes, in ustar fields and PAX records', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nerd-tar-test-'))
    try {
      // caf\xe9 and a hard link to it: the link's entry names it as its target.
      const name = Buffer.from('caf\xe9', 'latin1')
      mkdirSync(join(directory, 'in'))
      writeFileSync(Buffer.concat([Buffer.from(`${directory}/in/`), name]), 'x')
      linkSync(Buffer.concat([Buffer.from(`${directory}/in/`), name]), join(directory, 'in', 'link'))
      for (const format of ['gnu', 'posix']) {
        execFileSync('tar', [`--format=${format}`, '-cf', 'out.tar', '-C', 'in', '--sort=name', '.'], {cwd: directory, env: {...process.env, LC_ALL: 'C'}})
        const entries = await readAll(readFileSync(join(directory, 'out.tar')))
        assert.deepEqual(encodeName(entries[1].path), Buffer.concat([Buffer.from('./'), name]), format)
        assert.deepEqual(encodeName(entries[2].linkpath ?? ''), Buffer.concat([Buffer.from('./'), name]), format)
      }
    } finally {
      rmSync(directory, {recursive: true, force: true})
    }
  })

  it('ends at the zero blocks, or when the input ends between entries or zero blocks, as Go\'s archive/tar', async () => {
    const files = archive([['a', '1']])
    assert.equal((await readAll(files.subarray(0, files.length - 512))).length, 1)
    assert.equal((await readAll(Buffer.concat([files, Buffer.from('anything after the end')]))).length, 1)
    await assert.rejects(readAll(files.subarray(0, files.length - 100)), TruncatedArchiveError)
    const headerAfterOneZeroBlock = Buffer.concat([files.subarray(0, files.length - 512), ...tarFile('b', Buffer.from('2'))])
    await assert.rejects(readAll(headerAfterOneZeroBlock), /invalid tar header: the archive is corrupt/)
    const withoutTrailer = Buffer.concat(tarFile('a', Buffer.from('1')))
    assert.equal((await readAll(withoutTrailer)).length, 1)
    assert.deepEqual(await readAll(Buffer.alloc(0)), [])
  })

  it('fails with unexpected EOF when the input ends inside a body or a header', async () => {
    const bytes = archive([['a', 'x'.repeat(2000)], ['b', 'y']])
    for (const cut of [100, 512 + 1000, 512 + 2048 + 200]) {
      await assert.rejects(readAll(bytes.subarray(0, cut)), (error: unknown) => {
        assert.ok(error instanceof TruncatedArchiveError)
        assert.equal((error as Error).message, 'unexpected EOF: the archive is truncated')
        return true
      }, `cut at ${cut}`)
    }
  })

  it('refuses input that is not a tar archive, and a corrupt header later on', async () => {
    await assert.rejects(readAll(Buffer.alloc(1024, 'not a tar')), (error: unknown) =>
      error instanceof NerdError && error.message === 'unrecognized image format: the input is not a tar archive')
    const corrupt = archive([['a', '1'], ['b', '2']])
    corrupt[1024 + 10] ^= 0xff
    await assert.rejects(readAll(corrupt), /invalid tar header: the archive is corrupt/)
    // Bytes tar cannot even decode as a header (0x80 starts a base-256 number of a bad length).
    const undecodable = Buffer.alloc(1024, 0x80)
    await assert.rejects(readAll(undecodable), (error: unknown) =>
      error instanceof NerdError && error.message === 'unrecognized image format: the input is not a tar archive')
  })
})

describe('startsLikeTar', () => {
  it('accepts a valid first header or the end marker, nothing else', () => {
    assert.ok(startsLikeTar(archive([['a', '1']])))
    assert.ok(startsLikeTar(tarEnd()))
    assert.ok(!startsLikeTar(Buffer.alloc(512, 'root:x:0:0:root:/root:/bin/sh\n')))
    assert.ok(!startsLikeTar(archive([['a', '1']]).subarray(0, 511)))
    assert.ok(!startsLikeTar(Buffer.alloc(512, 0x80)))
  })
})

describe('tar writer', () => {
  it('writes archives GNU tar lists with the same names, sizes and root ownership', () => {
    const directory = mkdtempSync(join(tmpdir(), 'nerd-tar-test-'))
    try {
      const longPath = `blobs/sha256/${'a'.repeat(64)}/${'b'.repeat(64)}`
      writeFileSync(join(directory, 'out.tar'), Buffer.concat([
        tarHeader('blobs/', 0),
        ...tarFile('index.json', Buffer.from('{}')),
        tarHeader(longPath, 3), Buffer.from('abc'), tarPadding(3),
        tarEnd(),
      ]))
      const listing = execFileSync('tar', ['-tvf', 'out.tar', '--numeric-owner'], {cwd: directory, encoding: 'utf8'}).trim().split('\n')
      assert.equal(listing.length, 3)
      assert.match(listing[0], /^drwxr-xr-x 0\/0\s+0 1970-01-01 00:00 blobs\/$/)
      assert.match(listing[1], /^-rw-r--r-- 0\/0\s+2 1970-01-01 00:00 index\.json$/)
      assert.match(listing[2], new RegExp(`^-rw-r--r-- 0/0\\s+3 1970-01-01 00:00 ${longPath}$`))
    } finally {
      rmSync(directory, {recursive: true, force: true})
    }
  })

  it('pads bodies to whole blocks', () => {
    assert.equal(tarPadding(0).length, 0)
    assert.equal(tarPadding(1).length, 511)
    assert.equal(tarPadding(512).length, 0)
    assert.equal(tarEnd().length, 1024)
  })
})

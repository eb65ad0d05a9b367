import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {gzipSync, zstdCompressSync} from 'node:zlib'
import {NerdError} from '../../../src/errors.ts'
import {decompress, detectCompression, peek} from '../../../src/image/archive/compression.ts'
import {TruncatedArchiveError} from '../../../src/image/archive/tar-reader.ts'
import {skippableZstdFrame, zstdFrames} from '../../helpers/oci-image.ts'


async function* pieces(bytes: Buffer, pieceSize: number): AsyncGenerator<Buffer> {
  for (let start = 0; start < bytes.length; start += pieceSize) yield bytes.subarray(start, start + pieceSize)
}

async function drain(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

const payload = Buffer.from('ustar-ish payload '.repeat(5000))

describe('detectCompression', () => {
  it('tells the formats apart by their magic numbers', () => {
    assert.equal(detectCompression(gzipSync(payload)), 'gzip')
    assert.equal(detectCompression(zstdCompressSync(payload)), 'zstd')
    assert.equal(detectCompression(Buffer.from('BZh91AY&SY')), 'bzip2')
    assert.equal(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00])), 'xz')
    assert.equal(detectCompression(payload), 'none')
    assert.equal(detectCompression(Buffer.alloc(0)), 'none')
    // A prefix of a magic number is not that format.
    assert.equal(detectCompression(Buffer.from([0x1f])), 'none')
    assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f])), 'none')
    // A zstd stream may open with a skippable frame (containerd's DetectCompression).
    assert.equal(detectCompression(skippableZstdFrame(3)), 'zstd')
    assert.equal(detectCompression(Buffer.from([0x50, 0x2a, 0x4d, 0x18])), 'zstd')
    assert.equal(detectCompression(Buffer.from([0x60, 0x2a, 0x4d, 0x18])), 'none')
  })
})

describe('peek', () => {
  it('returns the first bytes and the whole stream, however it is cut', async () => {
    for (const pieceSize of [1, 3, 100]) {
      const {head, rest} = await peek(pieces(payload.subarray(0, 50), pieceSize), 6)
      assert.deepEqual(head, payload.subarray(0, 6))
      assert.deepEqual(await drain(rest), payload.subarray(0, 50))
    }
    const short = await peek(pieces(Buffer.from('ab'), 1), 6)
    assert.deepEqual(short.head, Buffer.from('ab'))
    assert.deepEqual(await drain(short.rest), Buffer.from('ab'))
  })
})

describe('decompress', () => {
  it('undoes gzip and zstd and passes anything else through', async () => {
    assert.deepEqual(await drain(decompress(pieces(gzipSync(payload), 777), 'the archive')), payload)
    assert.deepEqual(await drain(decompress(pieces(zstdCompressSync(payload), 777), 'the archive')), payload)
    assert.deepEqual(await drain(decompress(pieces(payload, 777), 'the archive')), payload)
    assert.deepEqual(await drain(decompress(pieces(Buffer.alloc(0), 1), 'the archive')), Buffer.alloc(0))
  })

  it('reads every frame of a zstd stream of several, skippable frames included, however it is cut', async () => {
    const frames = zstdFrames(payload, [40000, 40001, 40001])
    const chunked = Buffer.concat([skippableZstdFrame(5), zstdFrames(payload, [40000]), skippableZstdFrame(0), zstdFrames(payload, [0])])
    for (const [stream, expected] of [[frames, payload], [chunked, Buffer.concat([payload, payload])]]) {
      for (const pieceSize of [1, 5, 13, 777, stream.length]) {
        assert.deepEqual(await drain(decompress(pieces(stream, pieceSize), 'the archive')), expected, `pieces of ${pieceSize}`)
      }
    }
  })

  it('reports a zstd stream cut inside a later frame as unexpected EOF, and garbage after a frame as invalid', async () => {
    const first = zstdCompressSync(payload)
    await assert.rejects(drain(decompress(pieces(Buffer.concat([first, first.subarray(0, 10)]), 100), 'the archive')), TruncatedArchiveError)
    await assert.rejects(drain(decompress(pieces(Buffer.concat([first, Buffer.from('not zstd')]), 100), 'the archive')), /^NerdError: the archive: invalid zstd data: /)
  })

  it('reports a cut-off gzip stream as unexpected EOF', async () => {
    const compressed = gzipSync(payload)
    await assert.rejects(drain(decompress(pieces(compressed.subarray(0, compressed.length - 20), 100), 'the archive')), TruncatedArchiveError)
  })

  for (const command of ['bzip2', 'xz'] as const) {
    it(`undoes ${command} with the ${command} command: a cut-off stream is unexpected EOF, corrupt data says so`, async () => {
      const compressed = execFileSync(command, ['-c'], {input: payload})
      assert.equal(detectCompression(compressed), command)
      assert.deepEqual(await drain(decompress(pieces(compressed, 777), 'the archive')), payload)
      await assert.rejects(drain(decompress(pieces(compressed.subarray(0, compressed.length - 20), 100), 'the archive')), TruncatedArchiveError)
      const corrupt = Buffer.from(compressed)
      corrupt.fill(0x55, 20, 60)
      await assert.rejects(drain(decompress(pieces(corrupt, 1000), 'the archive')), new RegExp(`^NerdError: the archive: invalid ${command} data: ${command}: `))
    })

    it(`says in one line that ${command} is needed when the command is missing`, async () => {
      const path = process.env.PATH
      process.env.PATH = mkdtempSync(join(tmpdir(), 'nerd-no-commands-'))
      try {
        await assert.rejects(drain(decompress(pieces(execFileSync(command, ['-c'], {input: payload, env: {PATH: path}}), 777), 'the archive')), (error: unknown) =>
          error instanceof NerdError && error.message === `the archive is ${command}-compressed: nerd reads it with the ${command} command, which is not installed`)
      } finally {
        rmSync(process.env.PATH, {recursive: true})
        process.env.PATH = path
      }
    })
  }

  it('stops the command when the reader stops early', async () => {
    const stream = decompress(pieces(execFileSync('xz', ['-c'], {input: payload}), 777), 'the archive')
    for await (const chunk of stream) {
      assert.ok(chunk.length > 0)
      break
    }
  })

  it('reports corrupt gzip data as such', async () => {
    const corrupt = gzipSync(payload)
    corrupt.fill(0x55, 20, 60)
    await assert.rejects(drain(decompress(pieces(corrupt, 1000), 'the archive')), /the archive: invalid gzip data/)
  })
})

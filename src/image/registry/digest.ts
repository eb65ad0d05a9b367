/** Content digests (`sha256:<hex>`): computing them and checking content against them. */
import {createHash} from 'node:crypto'
import type {Hash} from 'node:crypto'
import {parseDigest} from '../reference.ts'

/** The algorithm of a valid digest (`sha256`); throws docker's messages for invalid ones. */
export function digestAlgorithm(digest: string): string {
  parseDigest(digest)
  return digest.slice(0, digest.indexOf(':'))
}

/** A hash of the digest's algorithm, to feed content into and compare with `hashDigest`. */
export function createDigestHash(digest: string): Hash {
  return createHash(digestAlgorithm(digest))
}

export function hashDigest(hash: Hash, algorithm: string): string {
  return `${algorithm}:${hash.digest('hex')}`
}

export function digestOf(content: Uint8Array, algorithm = 'sha256'): string {
  return hashDigest(createHash(algorithm).update(content), algorithm)
}

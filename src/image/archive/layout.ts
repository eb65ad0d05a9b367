/**
 * The OCI image layout (image-spec `image-layout.md`) as a tar: `oci-layout` with the layout
 * version, `index.json` listing the images, and every blob at `blobs/<algorithm>/<hex>`.
 */
import {posix} from 'node:path'
import {NerdError} from '../../errors.ts'

export const OCI_LAYOUT_FILE = 'oci-layout'
export const OCI_INDEX_FILE = 'index.json'
export const OCI_LAYOUT_VERSION = '1.0.0'

/** `blobs/sha256/<hex>`: where an OCI layout (and docker 25's manifest.json) keeps a blob. */
export function blobPath(digest: string): string {
  const colon = digest.indexOf(':')
  return `blobs/${digest.slice(0, colon)}/${digest.slice(colon + 1)}`
}

/** The digest a `blobs/<algorithm>/<hex>` path names; undefined for any other path. */
export function digestOfBlobPath(path: string): string | undefined {
  const match = /^blobs\/(sha256|sha384|sha512)\/([a-f0-9]{64,128})$/.exec(path)
  return match ? `${match[1]}:${match[2]}` : undefined
}

/**
 * An archive member's path as nerd compares them: relative, without `./`, `..` or doubled slashes
 * (a path cannot climb above the archive's root). Undefined for the root itself.
 */
export function cleanArchivePath(path: string): string | undefined {
  const clean = posix.normalize(`/${path}`).slice(1).replace(/\/$/, '')
  return clean === '' ? undefined : clean
}

/** Checks the `oci-layout` file: nerd reads layouts of version 1.x. */
export function checkLayoutVersion(file: Uint8Array): void {
  let version: unknown
  try {
    version = (JSON.parse(Buffer.from(file).toString('utf8')) as {imageLayoutVersion?: unknown}).imageLayoutVersion
  } catch {
    version = undefined
  }
  if (typeof version !== 'string' || !version.startsWith('1.')) {
    throw new NerdError(`unsupported OCI layout version ${JSON.stringify(version ?? null)} in the archive's ${OCI_LAYOUT_FILE}`)
  }
}

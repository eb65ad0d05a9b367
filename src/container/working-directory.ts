/**
 * The working directory made at create, as docker's SetupWorkingDirectory makes it: inside the root
 * filesystem, links on the way resolved in it as the container sees them (`/dang -> /nowhere` makes
 * /nowhere there), never on the host. runc would fail on such a link at start (`mkdir /dang: file
 * exists`).
 */
import {closeSync} from 'node:fs'
import type {Mount} from '../containerd/index.ts'
import {EXIT_NERD_FAILED, NerdError} from '../errors.ts'
import {openRoot, WALK_FAILURE_TEXTS, walkInRoot, WalkError} from './cp-root.ts'
import {lookupInLayers, rootfsLayers} from './rootfs-files.ts'
import {withMountedRootfs} from './rootfs-mount.ts'

export async function makeWorkingDirectory(rootfs: Mount[], workdir: string): Promise<void> {
  // Most images have theirs: the layers tell without a mount.
  const existing = await lookupInLayers(rootfsLayers(rootfs), workdir, {followLast: true})
  if (existing?.stats.isDirectory()) return
  if (existing) throw new NerdError(`Cannot mkdir: ${workdir} is not a directory`, {exitCode: EXIT_NERD_FAILED})
  await withMountedRootfs(rootfs, [], async (root) => {
    const rootFd = openRoot(root)
    try {
      closeSync(walkInRoot(rootFd, workdir, {toDirectory: true, makeParents: true}).parent)
    } catch (error) {
      // A file on the way (`/etc/passwd/sub`), in Go's MkdirAll's words with the path the container sees.
      if (error instanceof WalkError) throw new NerdError(`mkdir ${error.path}: ${WALK_FAILURE_TEXTS[error.code]}`, {exitCode: EXIT_NERD_FAILED})
      throw error
    } finally {
      closeSync(rootFd)
    }
  })
}

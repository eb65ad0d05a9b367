/**
 * The images every e2e run has at hand, built offline from busybox-static by
 * `build-test-images.ts` into $NERD_TEST_IMAGES before the tests start. Tests rely on what is
 * written here (names, files, config), so change it with care.
 */
import {join} from 'node:path'
import {DEFAULT_PATH, busyboxRootfs, dir, file, opaqueWhiteout, whiteout} from './oci-image.ts'
import type {ArchiveSpec} from './oci-image.ts'

/**
 * - `nerd-test/busybox:latest`: one layer, the busybox root filesystem (see `busyboxRootfs`),
 *   `Cmd ["sh"]`, gzip, OCI media types.
 * - `nerd-test/multilayer:latest`: three layers over the same base. Layer 2 adds /data/keep.txt
 *   ("keep\n"), /data/removed.txt, /data/hidden/old.txt and /etc/layer2; layer 3 adds
 *   /etc/layer3, deletes /data/removed.txt (whiteout) and hides /data/hidden's old content (opaque
 *   whiteout) adding /data/hidden/new.txt. Its config sets every field a container inherits:
 *   Env (PATH, LAYERS=3), Entrypoint ["/bin/sh", "-c"], Cmd ["cat /data/keep.txt"],
 *   WorkingDir /data, User root, ExposedPorts 8080/tcp and 53/udp, Volumes /data/volume,
 *   Labels org.nerd-test.image=multilayer, StopSignal SIGQUIT.
 * - `nerd-test/multiarch:latest`: an index of linux/amd64 and linux/arm64/v8 manifests. Both
 *   hold the machine's busybox (the arm64 one cannot run here: it exists for platform selection);
 *   their configs differ in architecture and in the label org.nerd-test.platform.
 */
export async function standardTestImages(busybox?: string): Promise<ArchiveSpec[]> {
  const base = {entries: await busyboxRootfs(busybox), createdBy: 'busybox root filesystem'}
  return [
    {
      name: 'nerd-test/busybox:latest',
      images: [{layers: [base], config: {Env: [DEFAULT_PATH], Cmd: ['sh']}}],
    },
    {
      name: 'nerd-test/multilayer:latest',
      images: [{
        layers: [
          base,
          {
            entries: [
              dir('data'),
              file('data/keep.txt', 'keep\n'),
              file('data/removed.txt', 'removed in layer 3\n'),
              file('data/hidden/old.txt', 'hidden by layer 3\n'),
              file('etc/layer2', 'layer 2\n'),
            ],
            createdBy: 'layer 2: /data files',
          },
          {
            entries: [
              file('etc/layer3', 'layer 3\n'),
              whiteout('data/removed.txt'),
              opaqueWhiteout('data/hidden'),
              file('data/hidden/new.txt', 'added by layer 3\n'),
            ],
            createdBy: 'layer 3: whiteouts',
          },
        ],
        config: {
          Env: [DEFAULT_PATH, 'LAYERS=3'],
          Entrypoint: ['/bin/sh', '-c'],
          Cmd: ['cat /data/keep.txt'],
          WorkingDir: '/data',
          User: 'root',
          ExposedPorts: {'8080/tcp': {}, '53/udp': {}},
          Volumes: {'/data/volume': {}},
          Labels: {'org.nerd-test.image': 'multilayer'},
          StopSignal: 'SIGQUIT',
        },
      }],
    },
    {
      name: 'nerd-test/multiarch:latest',
      images: [
        {platform: {architecture: 'amd64'}, layers: [base], config: {Env: [DEFAULT_PATH], Cmd: ['sh'], Labels: {'org.nerd-test.platform': 'linux/amd64'}}},
        {platform: {architecture: 'arm64', variant: 'v8'}, layers: [base], config: {Env: [DEFAULT_PATH], Cmd: ['sh'], Labels: {'org.nerd-test.platform': 'linux/arm64/v8'}}},
      ],
    },
  ]
}

/** File name of an image's archive in $NERD_TEST_IMAGES: `nerd-test/busybox:latest` → `nerd-test_busybox_latest.tar`. */
export function archiveFileName(name: string): string {
  return `${name.replaceAll(/[/:@]/g, '_')}.tar`
}

/** Path of a standard test image's archive. */
export function testImageArchive(name: string, imagesDirectory = requiredEnv('NERD_TEST_IMAGES')): string {
  return join(imagesDirectory, archiveFileName(name))
}

export function requiredEnv(variable: string): string {
  const value = process.env[variable]
  if (!value) throw new Error(`${variable} is not set: run the tests with \`npm test\` (bash test/run.sh), which starts the test containerd and registry`)
  return value
}

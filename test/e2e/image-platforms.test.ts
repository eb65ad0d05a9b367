/**
 * Images whose platforms are not all here, end to end with the built nerd: an index loaded or
 * pulled for one platform only, the host's or another one. Each command uses the platform that is
 * present, as docker's containerd image store does, and push sends what it can.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {humanSize} from '../../src/format/human.ts'
import {formatPlatform, hostPlatform, normalizePlatform} from '../../src/image/platform.ts'
import {nerdOk} from '../helpers/containers.ts'
import {fileNamespace, loadTestImage, nerd, skopeo, testEnvironment, testImage} from '../helpers/e2e.ts'
import {buildImageArchive, busyboxRootfs, file} from '../helpers/oci-image.ts'
import type {BuiltArchive, BuiltManifest} from '../helpers/oci-image.ts'

/** The digest of what a registry's tag points at. */
async function registryDigest(reference: string): Promise<string> {
  const inspected = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reference}`])
  assert.equal(inspected.code, 0, inspected.stderr)
  const {createHash} = await import('node:crypto')
  return `sha256:${createHash('sha256').update(inspected.stdout).digest('hex')}`
}

/** The unpacked size of an unpacked image, exact, as image inspect gives it. */
async function unpackedSize(reference: string, options: {namespace?: string} = {}): Promise<number> {
  return Number((await nerdOk(['image', 'inspect', '-f', '{{.Size}}', reference], options)).trim())
}

/** A platform's content: its manifest, config and layers. */
function contentSize(manifest: BuiltManifest): number {
  return manifest.descriptor.size + manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0)
}

interface TreeRow {
  first: string
  id: string
  disk: number
  content: number
  extra: string
}

/** docker 28.5.2's `images --tree` off a terminal: 80 columns, the first as wide as its widest row (`widest`) allows. */
function treeOutput(rows: TreeRow[], widest: number, extraShown: boolean): string {
  const width = Math.min(29, widest)
  const first = (text: string) => (Array.from(text).length > width ? `${Array.from(text).slice(0, width - 1).join('')}…` : text.padEnd(width))
  const short = (digest: string) => digest.slice('sha256:'.length, 'sha256:'.length + 12)
  const lines = rows.map((row) => (row.first === '' ? '' : `${first(row.first)}   ${short(row.id)}   ${humanSize(row.disk).padStart(10)}   ${humanSize(row.content).padStart(12)}   ${(extraShown ? row.extra : '').padEnd(5)}`))
  return [
    "WARNING: This is an experimental feature. The output may change and shouldn't be depended on.",
    `${' '.repeat(61)} Info ->  U In Use `,
    '',
    `${'IMAGE'.padEnd(width)}   ID             DISK USAGE   CONTENT SIZE   EXTRA`,
    ...lines,
    '',
    '',
  ].join('\n')
}

const host = hostPlatform()
/** The platform of the test image that is not the host's (both run here: their files are the host's busybox). */
const other = host.architecture === 'arm64' ? {architecture: 'amd64'} : {architecture: 'arm64', variant: 'v8'}
const otherName = formatPlatform({os: 'linux', ...other})
/** How nerd lists the platform: normalised (arm64's v8 is left out). */
const otherListed = formatPlatform(normalizePlatform({os: 'linux', ...other}))
const repository = `${testEnvironment.registry}/${fileNamespace()}`
let workDir: string
/** Loaded from its archive (its blobs are no other test's: what one leaves behind until the garbage collector runs is present to the next). */
let loaded: BuiltArchive
let image: BuiltArchive
/** Like image, with layers of its own: none of them is unpacked, so inspect's sizes are the content's. */
let sized: BuiltArchive
let otherManifest: BuiltManifest
/** The host's platform and linux/arm/v7 (whose files are the host's too). */
let shared: BuiltArchive
/** Pulled, saved, removed and loaded again. */
let again: BuiltArchive
/** Listed as a tree. */
let tree: BuiltArchive

describe('images with platforms missing', () => {
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'nerd-image-platforms-'))
    const base = {entries: await busyboxRootfs(), createdBy: 'busybox'}
    // The host's image has a large second layer, the other platform's a small one: their sizes differ.
    const build = (key: string) => buildImageArchive({
      name: `${repository}/${key}:1`,
      images: [
        {platform: {architecture: host.architecture, ...(host.variant ? {variant: host.variant} : {})}, layers: [base, {entries: [file('etc/arch', `${key} host\n`), file('big', {pseudoRandom: 400_000, seed: key})]}]},
        {platform: other, layers: [base, {entries: [file('etc/arch', `${key} other\n`)]}], config: {Cmd: ['sh'], Labels: {platform: 'other'}}},
      ],
    }, join(workDir, `${key}.tar`))
    loaded = await build('load')
    image = await build('plat')
    sized = await build('sized')
    again = await build('again')
    tree = await build('tree')
    shared = await buildImageArchive({
      name: `${repository}/shared:1`,
      images: [
        {platform: {architecture: host.architecture, ...(host.variant ? {variant: host.variant} : {})}, layers: [base, {entries: [file('etc/arch', 'shared host\n')]}]},
        {platform: {architecture: 'arm', variant: 'v7'}, layers: [base, {entries: [file('etc/arch', 'shared arm\n')]}]},
      ],
    }, join(workDir, 'shared.tar'))
    for (const [key, built] of [['load', loaded], ['plat', image], ['sized', sized], ['again', again], ['tree', tree], ['shared', shared]] as const) {
      const copied = await skopeo(['copy', '--quiet', '--all', '--dest-tls-verify=false', `oci-archive:${built.file}`, `docker://${repository}/${key}:1`])
      assert.equal(copied.code, 0, copied.stderr)
    }
    otherManifest = image.manifests[1]
  })

  after(async () => {
    await rm(workDir, {recursive: true, force: true})
  })

  it('a default load of a multi-platform archive loads every platform, the host\'s unpacked, and push sends them all, as docker 28', async () => {
    assert.match(await nerdOk(['load', '-i', loaded.file]), /Loaded image: /)
    await nerdOk(['tag', `${repository}/load:1`, `${repository}/loaded:1`])
    const pushed = await nerdOk(['push', `${repository}/loaded:1`])
    assert.ok(pushed.endsWith(`1: digest: ${loaded.target.digest} size: ${loaded.target.size}\n`), pushed)
    assert.equal(await registryDigest(`${repository}/loaded:1`), loaded.target.digest)
    const [hostManifest, otherLoaded] = loaded.manifests
    const inspect = async (...flags: string[]) => (await nerdOk(['image', 'inspect', ...flags, '-f', '{{.Id}} {{.Architecture}}', `${repository}/loaded:1`])).trim()
    assert.equal(await inspect(), `${hostManifest.config.digest} ${host.architecture}`)
    assert.equal(await inspect('--platform', otherName), `${otherLoaded.config.digest} ${other.architecture}`)
    // The archive saved again holds both platforms.
    await nerdOk(['save', '-o', join(workDir, 'loaded-again.tar'), `${repository}/loaded:1`])
    const members = execFileSync('tar', ['-tf', join(workDir, 'loaded-again.tar')], {encoding: 'utf8'})
    for (const manifest of loaded.manifests) assert.ok(members.includes(`blobs/sha256/${manifest.layers[1].digest.slice(7)}`), members)
    assert.equal((await nerdOk(['run', '--rm', `${repository}/loaded:1`, 'cat', '/etc/arch'])), 'load host\n')
    await nerdOk(['rmi', `${repository}/load:1`, `${repository}/loaded:1`])
  })

  it('an archive of another platform\'s image only loads without --platform, nothing unpacked, and is that platform\'s', async () => {
    const name = `${repository}/plat:1`
    await nerdOk(['pull', '-q', '--platform', otherName, name])
    const archive = join(workDir, 'other-only.tar')
    await nerdOk(['save', '-o', archive, name])
    await nerdOk(['rmi', name])
    assert.equal(await nerdOk(['load', '-i', archive]), `Loaded image: ${name}\n`)
    const contentSize = image.target.size + otherManifest.descriptor.size + otherManifest.config.size + otherManifest.layers.reduce((sum, layer) => sum + layer.size, 0)
    assert.equal((await nerdOk(['image', 'inspect', '-f', '{{.Id}} {{.Architecture}} {{.Size}}', name])).trim(), `${otherManifest.config.digest} ${other.architecture} ${contentSize}`)
    await nerdOk(['rmi', name])
  })

  it('push --platform refuses a platform the image does not provide exactly, and an unparsable one before anything, as docker', async () => {
    await loadTestImage('nerd-test/busybox:latest')
    const single = `${repository}/single:1`
    await nerdOk(['tag', 'nerd-test/busybox:latest', single])
    const mismatched = await nerd(['push', '--platform', otherName, single])
    assert.deepEqual([mismatched.code, mismatched.stderr], [1, `Error: image with reference ${single} was found but does not provide the specified platform (${otherListed})\n`])
    const unparsable = await nerd(['push', '--platform', 'foo/bar/baz/qux', single])
    assert.deepEqual([unparsable.code, unparsable.stdout, unparsable.stderr], [1, '', 'Error: Invalid platform foo/bar/baz/qux: "foo/bar/baz/qux": cannot parse platform specifier: invalid argument\n'])
    assert.notEqual((await skopeo(['inspect', '--tls-verify=false', `docker://${single}`])).code, 0, 'nothing was pushed')

    const pushed = await nerdOk(['push', '--platform', formatPlatform(host), single])
    assert.ok(pushed.startsWith('\n Info -> Using --platform pushes only the specified platform manifest of a multi-platform image index.\n' +
      '         Other components, like attestations, will not be included.\n         To push the complete multi-platform image, remove the --platform flag.\n         \n'), pushed)
    assert.equal(await registryDigest(single), testImage('nerd-test/busybox:latest').target.digest)

    // An index's manifest must be the platform asked for, not one a machine of it also runs (containerd's OnlyStrict).
    const name = `${repository}/shared:1`
    await nerdOk(['pull', '-q', '--platform', 'linux/arm/v7', name])
    const older = await nerd(['push', '--platform', 'linux/arm/v8', name])
    assert.deepEqual([older.code, older.stderr], [1, `Error: image with reference ${name} was found but does not provide the specified platform (linux/arm/v8)\n`])
    await nerdOk(['rmi', single, name])
  })

  it('run --platform of a single-platform image of another platform pulls it and then refuses it, as docker\'s daemon', async () => {
    await loadTestImage('nerd-test/busybox:latest')
    const single = `${repository}/single-run:1`
    await nerdOk(['tag', 'nerd-test/busybox:latest', single])
    await nerdOk(['push', '-q', single])
    await nerdOk(['rmi', single])
    const ran = await nerd(['run', '--rm', '--platform', otherName, single, 'echo', 'ran'])
    const mismatch = `image with reference ${single} was found but its platform (${formatPlatform(host)}) does not match the specified platform (${otherListed})`
    assert.deepEqual([ran.code, ran.stdout, ran.stderr.split('\n').slice(-2)], [125, '', [`Error: ${mismatch}`, '']])
    await nerdOk(['rmi', single])
  })

  it('an image pulled for another platform only is that platform\'s everywhere: images, inspect, history, push, save, run (with docker\'s warning)', async () => {
    const name = `${repository}/plat:1`
    await nerdOk(['pull', '-q', '--platform', otherName, name])
    const [row] = (await nerdOk(['images', '--no-trunc', '--format', '{{.ID}} {{.Platform}}', name])).trim().split('\n')
    assert.equal(row, `${otherManifest.config.digest} ${otherListed}`)
    const [document] = JSON.parse(await nerdOk(['image', 'inspect', name])) as Array<Record<string, unknown>>
    assert.equal(document.Id, otherManifest.config.digest)
    assert.equal(document.Architecture, other.architecture)
    assert.deepEqual((document.RootFS as {Layers: string[]}).Layers, otherManifest.diffIds)
    assert.ok((document.Size as number) > 0)
    assert.equal((await nerdOk(['history', '-q', '--no-trunc', name])).trim().split('\n')[0], otherManifest.config.digest)

    await nerdOk(['tag', name, `${repository}/otheronly:1`])
    await nerdOk(['push', `${repository}/otheronly:1`])
    assert.equal(await registryDigest(`${repository}/otheronly:1`), otherManifest.descriptor.digest)
    await nerdOk(['save', '-o', join(workDir, 'other.tar'), name])

    const ran = await nerd(['run', '--rm', name, 'cat', '/etc/arch'])
    assert.equal(ran.code, 0, ran.stderr)
    assert.equal(ran.stdout, 'plat other\n')
    const warning = /^WARNING: The requested image's platform \((.+)\) does not match the detected host platform \((.+)\) and no specific platform was requested$/m.exec(ran.stderr)
    assert.ok(warning, ran.stderr)
    assert.equal(warning[1], otherName)
    assert.match(warning[2], new RegExp(`^${formatPlatform(host)}(/v\\d+)?$`))
    // Asked for, the platform is no surprise: no warning.
    const asked = await nerd(['run', '--rm', '--platform', otherName, name, 'true'])
    assert.equal(asked.code, 0, asked.stderr)
    assert.doesNotMatch(asked.stderr, /WARNING/)
    await nerdOk(['rmi', name, `${repository}/otheronly:1`])
  })

  it('an image pulled for another platform only is that platform\'s though another namespace of the data root pulled and listed the host\'s (whose manifest nerd caches there)', async () => {
    const name = `${repository}/shared:1`
    const hostOnly = `${fileNamespace()}-hostonly`
    await nerdOk(['pull', '-q', name], {namespace: hostOnly})
    assert.equal((await nerdOk(['images', '--no-trunc', '--format', '{{.ID}}', name], {namespace: hostOnly})).trim(), shared.manifests[0].config.digest)
    await nerdOk(['pull', '-q', '--platform', 'linux/arm/v7', name])
    assert.equal((await nerdOk(['images', '--no-trunc', '--format', '{{.ID}} {{.Platform}}', name])).trim(), `${shared.manifests[1].config.digest} linux/arm/v7`)
    const ran = await nerd(['run', '--rm', name, 'cat', '/etc/arch'])
    assert.equal(ran.code, 0, ran.stderr)
    assert.equal(ran.stdout, 'shared arm\n')
    assert.match(ran.stderr, /^WARNING: The requested image's platform \(linux\/arm\/v7\) does not match the detected host platform/m)
    await nerdOk(['rmi', name])
    await nerdOk(['rmi', name], {namespace: hostOnly})
  })

  it('push right after rmi -f and a default load of a multi-platform archive sends the whole index, whatever the garbage collector has taken yet', async () => {
    const name = `${repository}/again:1`
    await nerdOk(['pull', '-q', '--all-platforms', name])
    const archive = join(workDir, 'again-all.tar')
    await nerdOk(['save', '--all-platforms', '-o', archive, name])
    // The other platform's config and layer, left by the rmi and again by the load, are present until the collector runs.
    for (const attempt of [1, 2]) {
      const pushed = `${repository}/again-pushed:${attempt}`
      await nerdOk(['rmi', '-f', name])
      await nerdOk(['load', '-i', archive])
      await nerdOk(['tag', name, pushed])
      await nerdOk(['push', pushed])
      assert.equal(await registryDigest(pushed), again.target.digest)
      await nerdOk(['rmi', pushed])
    }
    await nerdOk(['rmi', name])
  })

  it('image inspect and history --platform give that platform\'s ID and size', async () => {
    const name = `${repository}/sized:1`
    await nerdOk(['pull', '-q', '--all-platforms', name])
    const inspect = async (...flags: string[]) => (await nerdOk(['image', 'inspect', ...flags, '-f', '{{.Id}} {{.Architecture}} {{.Size}}', name])).trim().split(' ')
    // Nothing of it is unpacked (--all-platforms unpacks nothing): the sizes are the content's, the index and one platform's blobs.
    const contentSize = (manifest: BuiltManifest) => sized.target.size + manifest.descriptor.size + manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0)
    const [sizedHost, sizedOther] = sized.manifests
    assert.deepEqual(await inspect(), [sizedHost.config.digest, host.architecture, String(contentSize(sizedHost))])
    assert.deepEqual(await inspect('--platform', otherName), [sizedOther.config.digest, other.architecture, String(contentSize(sizedOther))])
    assert.equal((await nerdOk(['history', '-q', '--no-trunc', '--platform', otherName, name])).trim().split('\n')[0], sizedOther.config.digest)
    await nerdOk(['rmi', name])
  })

  it('images --tree shows the platform pulled and, unavailable with nothing here, the other one; U once a container uses the image; a single-platform image has its platform row; docker\'s refusals of the flags it does not take', async () => {
    const name = `${repository}/tree:1`
    const single = `${repository}/single-tree:1`
    await loadTestImage('nerd-test/busybox:latest')
    await nerdOk(['tag', 'nerd-test/busybox:latest', single])
    await nerdOk(['push', '-q', single])
    await nerdOk(['rmi', single])
    await nerdOk(['pull', '-q', single])
    await nerdOk(['pull', '-q', name])
    const [treeHost, treeOther] = tree.manifests
    const hostDisk = contentSize(treeHost) + (await unpackedSize(name))
    const multiRows = (used: boolean) => [
      {first: name, id: treeHost.config.digest, disk: hostDisk, content: contentSize(treeHost), extra: used ? 'U' : ' '},
      {first: `├─ ${formatPlatform(treeHost.platform)}`, id: treeHost.descriptor.digest, disk: hostDisk, content: contentSize(treeHost), extra: used ? 'U' : ' '},
      {first: `└─ ${formatPlatform(treeOther.platform)}`, id: treeOther.descriptor.digest, disk: 0, content: 0, extra: ' '},
    ]
    const multiWidest = Math.max(name.length, `└─ ${otherName}`.length + 4, `└─ ${formatPlatform(treeHost.platform)}`.length + 4)
    assert.equal(await nerdOk(['images', '--tree', name]), treeOutput(multiRows(false), multiWidest, false))

    const [busybox] = testImage('nerd-test/busybox:latest').manifests
    // The test images are built for the host's architecture, without a variant.
    const busyboxPlatform = formatPlatform({os: 'linux', architecture: host.architecture})
    const singleDisk = contentSize(busybox) + (await unpackedSize(single))
    const singleRows = [
      {first: single, id: busybox.config.digest, disk: singleDisk, content: contentSize(busybox), extra: ''},
      {first: `└─ ${busyboxPlatform}`, id: busybox.descriptor.digest, disk: singleDisk, content: contentSize(busybox), extra: ''},
    ]
    assert.equal(await nerdOk(['image', 'ls', '--tree', single]), treeOutput(singleRows, Math.max(single.length, `└─ ${busyboxPlatform}`.length + 4), false))

    const created = (await nerdOk(['create', name, 'true'])).trim()
    assert.equal(await nerdOk(['image', 'list', '--tree', name]), treeOutput(multiRows(true), multiWidest, true))
    await nerdOk(['rm', created])

    for (const [flags, refused] of [[['-q', '--no-trunc'], '--quiet'], [['--no-trunc', '--digests'], '--no-trunc'], [['--digests', '--format', 'json'], '--show-digest'], [['--format', '{{.ID}}'], '--format']] as const) {
      const result = await nerd(['images', '--tree', ...flags])
      assert.deepEqual([result.code, result.stdout, result.stderr.trim()], [1, '', `Error: ${refused} is not yet supported with --tree`])
    }
    await nerdOk(['rmi', name, single])
  })

  it('images --tree shows an untagged image (a container kept it when its name was removed) only with -a, and --filter picks what it lists', async () => {
    const namespace = `${fileNamespace()}-tree`
    await loadTestImage('nerd-test/busybox:latest', namespace)
    const created = (await nerdOk(['create', 'nerd-test/busybox:latest', 'true'], {namespace})).trim()
    const [busybox] = testImage('nerd-test/busybox:latest').manifests
    const platform = `└─ ${formatPlatform({os: 'linux', architecture: host.architecture})}`
    const disk = contentSize(busybox) + (await unpackedSize(busybox.config.digest, {namespace}))
    const rows = (first: string) => [
      {first, id: busybox.config.digest, disk, content: contentSize(busybox), extra: 'U'},
      {first: platform, id: busybox.descriptor.digest, disk, content: contentSize(busybox), extra: 'U'},
    ]
    const none = treeOutput([], 'IMAGE'.length, false).replace(/\n\n$/, '\n')
    assert.equal(await nerdOk(['images', '--tree', '-f', 'reference=nerd-test/*'], {namespace}), treeOutput(rows('nerd-test/busybox:latest'), 'nerd-test/busybox:latest'.length, true))
    assert.equal(await nerdOk(['images', '--tree', '-f', 'reference=nothing*'], {namespace}), none)
    await nerdOk(['rmi', '-f', 'nerd-test/busybox:latest'], {namespace})
    assert.equal(await nerdOk(['images', '--tree'], {namespace}), none)
    assert.equal(await nerdOk(['images', '--tree', '-a'], {namespace}), treeOutput(rows('<untagged>'), platform.length + 4, true))
    await nerdOk(['rm', created], {namespace})
    await nerdOk(['rmi', busybox.config.digest], {namespace})
  })
})

/**
 * nerd's image commands end to end: an image skopeo pushed to the test registry is pulled, listed,
 * inspected, tagged, run by ctr, pushed back (skopeo sees the same digest), saved and loaded.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {promisify} from 'node:util'
import {nerdOk} from '../helpers/containers.ts'
import {ctr, fileDataRoot, fileNamespace, nerd, nerdCommandLine, nerdOnTerminal, skopeo, testEnvironment, testImage} from '../helpers/e2e.ts'
import {buildImageArchive, file} from '../helpers/oci-image.ts'
import type {BuiltManifest} from '../helpers/oci-image.ts'

const run = promisify(execFile)
const busybox = testImage('nerd-test/busybox:latest')
const manifest = busybox.manifests[0]
const registry = testEnvironment.registry
const repository = `${registry}/${fileNamespace()}/busybox`
const pulled = `${repository}:1`
let workDir: string

const sha256 = (bytes: Buffer | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** An empty layer: a tar of no entries, as GNU tar writes it (one record of zeros). */
const EMPTY_LAYER = Buffer.alloc(10240)

/** The bytes of a config of the host's platform over the empty layer, `config`'s members added. */
function rawConfig(config: Record<string, unknown>): string {
  return JSON.stringify({architecture: manifest.platform.architecture, os: 'linux', config: {}, rootfs: {type: 'layers', diff_ids: [sha256(EMPTY_LAYER)]}, ...config})
}

/**
 * A legacy docker-archive (manifest.json, `<hex>.json` configs, layer.tar) of images whose configs
 * are written as given (rawConfig): for configs no builder writes (no creation time, old dates) or
 * whose IDs share a prefix. Returns the archive's path.
 */
async function rawDockerArchive(name: string, images: {tag: string; config: Record<string, unknown>}[]): Promise<string> {
  const directory = join(workDir, name)
  await mkdir(directory)
  await writeFile(join(directory, 'layer.tar'), EMPTY_LAYER)
  const entries = []
  for (const {tag, config} of images) {
    const bytes = rawConfig(config)
    entries.push({Config: `${sha256(bytes).slice(7)}.json`, RepoTags: [tag], Layers: ['layer.tar']})
    await writeFile(join(directory, entries.at(-1)!.Config), bytes)
  }
  await writeFile(join(directory, 'manifest.json'), JSON.stringify(entries))
  const archive = join(workDir, `${name}.tar`)
  await run('tar', ['-C', directory, '-cf', archive, 'manifest.json', 'layer.tar', ...entries.map((entry) => entry.Config)])
  return archive
}

describe('image commands', () => {
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'nerd-image-commands-'))
    const copied = await skopeo(['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${busybox.file}`, `docker://${pulled}`])
    assert.equal(copied.code, 0, copied.stderr)
  })

  after(async () => {
    await rm(workDir, {recursive: true, force: true})
  })

  it('pull prints the normalized reference as its last line', async () => {
    const stdout = await nerdOk(['pull', pulled])
    assert.equal(stdout.trim().split('\n').at(-1), pulled)
  })

  it('pull on a terminal shows docker\'s lines around the layers, and whether the image is new', async () => {
    await nerdOk(['rmi', pulled])
    const fresh = await nerdOnTerminal(['pull', pulled])
    assert.equal(fresh.code, 0, fresh.screen.join('\n'))
    assert.equal(fresh.screen[0], `1: Pulling from ${fileNamespace()}/busybox`)
    // A layer the garbage collector has not removed yet since rmi is not fetched again.
    const layerLines = fresh.screen.slice(1, -3).map((line) => line.replace(/: (Pull complete|Already exists)$/, ''))
    assert.deepEqual(layerLines, manifest.layers.map((layer) => layer.digest.slice('sha256:'.length, 'sha256:'.length + 12)))
    assert.deepEqual(fresh.screen.slice(-3), [`Digest: ${busybox.target.digest}`, `Status: Downloaded newer image for ${pulled}`, pulled])
    const again = await nerdOnTerminal(['pull', pulled])
    assert.equal(again.code, 0, again.screen.join('\n'))
    assert.deepEqual(again.screen.slice(-3), [`Digest: ${busybox.target.digest}`, `Status: Image is up to date for ${pulled}`, pulled])
  })

  it('a tag the registry lacks gets the error alone: no "Pulling from" from pull on a terminal, run or create, as docker says it once the manifest is found', async () => {
    const absent = `${repository}:nosuchtag`
    const notFound = `Error: manifest for ${absent} not found: manifest unknown`
    const pulling = await nerdOnTerminal(['pull', absent])
    assert.equal(pulling.code, 1)
    assert.equal(pulling.screen.length, 1, pulling.screen.join('\n'))
    assert.ok(pulling.screen[0]!.startsWith(notFound), pulling.screen[0])
    // docker's run fails with 125 here, its create with the error's 1.
    for (const [command, code] of [['run', 125], ['create', 1]] as const) {
      const result = await nerd([command, absent, 'true'])
      const lines = result.stderr.split('\n')
      assert.deepEqual([result.code, result.stdout, lines.length, lines[0], lines.at(-1)], [code, '', 3, `Unable to find image '${absent}' locally`, ''], `${command}: ${result.stderr}`)
      assert.ok(lines[1]!.startsWith(notFound), result.stderr)
    }
  })

  it('images lists it in docker columns, -q and --format', async () => {
    const table = (await nerdOk(['images'])).trimEnd().split('\n')
    assert.match(table[0], /^REPOSITORY\s{3,}TAG\s{3,}IMAGE ID\s{3,}CREATED\s{3,}SIZE$/)
    const row = table.find((line) => line.startsWith(`${repository} `))
    assert.ok(row, table.join('\n'))
    const shortId = manifest.config.digest.slice('sha256:'.length, 'sha256:'.length + 12)
    assert.match(row, new RegExp(`^${repository.replaceAll('.', '\\.')}\\s+1\\s+${shortId}\\s+.+ ago\\s+\\d[\\d.]*[kM]?B$`))
    // nerdctl's PLATFORM column is not in docker's table; the field is there for --format.
    assert.equal((await nerdOk(['images', '--format', '{{.Platform}}', repository])).trim(), `${manifest.platform.os}/${manifest.platform.architecture}`)

    assert.equal((await nerdOk(['images', '-q'])).trim(), shortId)
    // An optional argument comes from argv only, never from a piped stdin (oclif's default).
    assert.equal((await nerdOk(['images', '-q'], {input: 'nerd-test/nosuch\n'})).trim(), shortId)
    assert.equal((await nerdOk(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'])).trim(), pulled)
    assert.equal((await nerdOk(['images', '--no-trunc', '--format', '{{.ID}} {{.Digest}}'])).trim(), `${manifest.config.digest} ${busybox.target.digest}`)
    assert.equal((await nerdOk(['images', '-f', 'reference=*/*/nosuch'])).trim().split('\n').length, 1)
    // `images ls` lists the repository ls: docker's hint follows the empty list, only as `images`.
    const mistaken = await nerd(['images', 'ls'])
    assert.deepEqual([mistaken.code, mistaken.stdout.split('\n')[0]!.split(/\s{3,}/), mistaken.stderr], [0, ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], '\nNo images found matching "ls": did you mean "nerd image ls"?\n'])
    for (const args of [['image', 'ls', 'ls'], ['images', 'nosuch']]) assert.deepEqual(await nerd(args).then((result) => [result.code, result.stderr]), [0, ''], args.join(' '))
    // An empty filter is none, as docker's FilterOpt reads it (scripts pass `-f "$F"` with F unset).
    assert.equal((await nerdOk(['images', '-q', '-f', ''])).trim(), shortId)
    // docker's templates run over typed contexts: a field they lack is an error, not <no value>.
    for (const [command, type] of [['images', 'formatter.imageContext'], ['history', 'image.historyContext']]) {
      const unknown = await nerd([command, '--format', '{{.Foo}}', ...(command === 'history' ? [pulled] : [])])
      assert.equal(unknown.code, 1)
      assert.equal(unknown.stderr, `Error: template parsing error: template: :1:2: executing "" at <.Foo>: can't evaluate field Foo in type *${type}\n`)
    }
    // With no image to fail on, docker's header map heads an unknown field <no value>, a known one its column.
    const empty = await nerd(['images', '-f', 'reference=zzz', '--format', 'table {{.Bogus}}\t{{.Containers}}\t{{.SharedSize}}'])
    assert.deepEqual([empty.code, empty.stdout, empty.stderr], [0, '<no value>   CONTAINERS   SHARED SIZE\n', ''])
  })

  it('images formats as docker: -q only for table and raw, raw, --digests adds DIGEST to a table, sorted JSON, local times, config.json\'s imagesFormat', async () => {
    const shortId = manifest.config.digest.slice(7, 19)
    assert.equal(await nerdOk(['images', '-q', '--format', '{{.Repository}}', repository]), `${repository}\n`)
    assert.equal(await nerdOk(['images', '-q', '--format', 'raw', repository]), `image_id: ${shortId}\n`)
    const raw = (await nerdOk(['images', '--format', 'raw', repository])).split('\n')
    assert.deepEqual(raw.slice(0, 3), [`repository: ${repository}`, 'tag: 1', `image_id: ${shortId}`])
    assert.match(raw[3]!, /^created_at: 2024-01-01 00:00:00 \+0000 UTC$/)
    assert.match(raw[4]!, /^virtual_size: \d.*B$/)
    assert.deepEqual(raw.slice(5), ['', ''])
    assert.match((await nerdOk(['images', '--digests', '--format', 'table {{.ID}}', repository])).split('\n')[0]!, /^IMAGE ID\s+DIGEST$/)
    assert.equal((await nerdOk(['images', '--format', 'table {{.VirtualSize}}', repository])).split('\n')[0], 'SIZE')
    const json = JSON.parse(await nerdOk(['images', '--format', 'json', repository]))
    assert.deepEqual(Object.keys(json), [...Object.keys(json)].sort())
    assert.equal(json.Platform, undefined)
    // As docker's needDigest: a tag's digest only with --digests or a format that has {{.Digest}}.
    assert.equal(json.Digest, '<none>')
    assert.equal(JSON.parse(await nerdOk(['images', '--digests', '--format', 'json', repository])).Digest, busybox.target.digest)
    assert.equal(await nerdOk(['images', '--format', '{{.CreatedAt}}', repository], {env: {TZ: 'Asia/Tokyo'}}), '2024-01-01 09:00:00 +0900 JST\n')
    const env = {DOCKER_CONFIG: workDir}
    await writeFile(join(workDir, 'config.json'), JSON.stringify({imagesFormat: 'I {{.Tag}}'}))
    assert.equal(await nerdOk(['images', repository], {env}), 'I 1\n')
    assert.equal(await nerdOk(['images', '-q', repository], {env}), `${shortId}\n`)
    await rm(join(workDir, 'config.json'))
  })

  it('images shows a digest-only record of a repository in its tag\'s row when the image has one there, as docker does', async () => {
    const other = `${registry}/${fileNamespace()}/digested`
    const byDigest = `${other}@${busybox.target.digest}`
    await nerdOk(['tag', pulled, `${other}:1`])
    await nerdOk(['push', '-q', `${other}:1`])
    await nerdOk(['rmi', `${other}:1`])
    await nerdOk(['pull', '-q', byDigest])
    const rows = async (...flags: string[]) => (await nerdOk(['images', ...flags, '--format', '{{.Repository}} {{.Tag}} {{.Digest}}', other])).split('\n').slice(0, -1)
    // A name by digest alone shows its digest with --digests only, as docker's.
    assert.deepEqual(await rows(), [`${other} <none> `])
    assert.deepEqual(await rows('--digests'), [`${other} <none> ${busybox.target.digest}`])
    await nerdOk(['pull', '-q', `${other}:1`])
    assert.deepEqual(await rows(), [`${other} 1 ${busybox.target.digest}`])
    const table = (await nerdOk(['images', '--digests', other])).trimEnd().split('\n')
    assert.equal(table.length, 2, table.join('\n'))
    assert.match(table[1], new RegExp(`^${other.replaceAll('.', '\\.')}\\s+1\\s+${busybox.target.digest}\\s`))
    assert.equal((await nerdOk(['images', '-q', other])).trim(), manifest.config.digest.slice(7, 19))
    // system df -v lists the image once, by the first of its names (busybox:1 before digested:1), as docker's.
    const usage = (await nerdOk(['system', 'df', '-v'])).split('\n').filter((line) => line.includes(` ${manifest.config.digest.slice(7, 19)} `))
    assert.equal(usage.length, 1, usage.join('\n'))
    assert.match(usage[0]!, new RegExp(`^${repository.replaceAll('.', '\\.')}\\s+1\\s`))
    assert.doesNotMatch(await nerdOk(['system', 'df', '-v', '--format', '{{range .Images}}{{.Digest}}{{end}}']), /sha256/)
    await nerdOk(['rmi', `${other}:1`])
    assert.equal((await nerdOk(['images', '-q', other])).trim(), '')
  })

  it('image inspect prints docker\'s JSON; a missing image gives [] and one error line', async () => {
    const [document] = JSON.parse(await nerdOk(['image', 'inspect', pulled]))
    assert.equal(document.Id, manifest.config.digest)
    assert.deepEqual(document.RepoTags, [pulled])
    assert.deepEqual(document.RepoDigests, [`${repository}@${busybox.target.digest}`])
    assert.equal(document.Architecture, manifest.platform.architecture)
    assert.equal(document.Os, 'linux')
    assert.equal(document.RootFS.Type, 'layers')
    assert.deepEqual(document.RootFS.Layers, manifest.diffIds)
    // docker's Size is the unpacked layers' size, larger than the compressed content for busybox.
    const compressed = manifest.layers.reduce((sum, layer) => sum + layer.size, 0)
    assert.ok(document.Size > compressed, `Size ${document.Size} vs ${compressed} bytes compressed`)
    assert.equal((await nerdOk(['image', 'inspect', '-f', '{{.Id}}', pulled])).trim(), manifest.config.digest)
    // docker 28's containerd store: the target descriptor, last, printed as Go's *ocispec.Descriptor.
    const {mediaType, digest, size} = busybox.target
    assert.deepEqual([Object.keys(document).at(-1), document.Descriptor], ['Descriptor', {mediaType, digest, size}])
    assert.equal(await nerdOk(['image', 'inspect', '-f', '{{.Descriptor}}', pulled]), `{${mediaType} ${digest} ${size} [] map[] [] <nil> }\n`)

    // docker's client asks for no manifests: its typed template sees none.
    assert.equal(await nerdOk(['image', 'inspect', '-f', '{{.Manifests}} {{json .Manifests}}', pulled]), '[] null\n')

    const missing = await nerd(['image', 'inspect', 'nosuch:1'])
    assert.equal(missing.code, 1)
    assert.equal(missing.stdout.trim(), '[]')
    assert.equal(missing.stderr, 'Error: No such image: nosuch:1\n')
  })

  it('ctr runs the pulled image', async () => {
    const run = await ctr(['run', '--rm', pulled, `image-commands-${process.pid}`, 'cat', '/www/index.html'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /nerd test page/)
  })

  it('history lists the config\'s history, newest first with the image ID', async () => {
    const lines = (await nerdOk(['history', pulled])).trimEnd().split('\n')
    assert.match(lines[0], /^IMAGE\s{3,}CREATED\s{3,}CREATED BY\s{3,}SIZE\s{3,}COMMENT$/)
    assert.ok(lines.length >= 2)
    assert.ok(lines[1].startsWith(manifest.config.digest.slice(7, 19)), lines[1])
    const quiet = (await nerdOk(['history', '-q', pulled])).trim().split('\n')
    assert.equal(quiet.length, lines.length - 1)
    assert.ok(quiet.slice(1).every((id) => id === '<missing>'))
    // As docker's: -q leaves a custom format alone; without -H the table shows CREATED AT, in the local zone.
    const createdBy = await nerdOk(['history', '-q', '--format', '{{.CreatedBy}}', pulled])
    assert.match(createdBy, /busybox root filesystem\n$/)
    assert.equal(createdBy, await nerdOk(['history', '--format', '{{.CreatedBy}}', pulled]))
    assert.match((await nerdOk(['history', '-H=false', pulled])).split('\n')[0]!, /^IMAGE\s+CREATED AT\s+CREATED BY\s+SIZE\s+COMMENT$/)
    assert.match(await nerdOk(['history', '--format', '{{.CreatedAt}}', pulled], {env: {TZ: 'Asia/Tokyo'}}), /^2024-01-01T09:00:00\+09:00\n/)
    const json = JSON.parse((await nerdOk(['history', '--format', 'json', pulled])).split('\n')[0]!)
    assert.deepEqual(Object.keys(json), [...Object.keys(json)].sort())
    // Sizes are the unpacked layers', which add up to the image's size.
    const sizes = (await nerdOk(['history', '-H=false', '--format', '{{.Size}}', pulled])).trim().split('\n').map(Number)
    assert.equal(sizes.reduce((sum, size) => sum + size, 0), Number(await nerdOk(['image', 'inspect', '-f', '{{.Size}}', pulled])))
  })

  it('tag adds a name; rmi of one name keeps the other', async () => {
    await nerdOk(['tag', pulled, 'e2e-tagged:2'])
    assert.deepEqual((await nerdOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim().split('\n').sort(), ['e2e-tagged:2', pulled].sort())
    assert.equal((await nerdOk(['rmi', 'e2e-tagged:2'])).trim(), 'Untagged: e2e-tagged:2')
    assert.equal((await nerdOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim(), pulled)
  })

  it('rmi of an image\'s last name removes its content before it returns, as docker\'s', async () => {
    const rootfs = join(workDir, 'gone-rootfs')
    await mkdir(rootfs)
    const tarball = join(workDir, 'gone.tar')
    // containerd's collector, left to its schedule, runs a while after a deletion when it ran just
    // before (here for the untag of the other name): rounds, so that a collection in time by chance
    // does not pass the test.
    for (let round = 0; round < 3; round++) {
      await writeFile(join(rootfs, 'file'), `${fileNamespace()} ${round} ${Math.random()}\n`)
      await run('tar', ['-C', rootfs, '-cf', tarball, '.'])
      const id = (await nerdOk(['import', tarball, 'e2e-gone:1'])).trim()
      await nerdOk(['tag', 'e2e-gone:1', 'e2e-gone:2'])
      assert.equal(await nerdOk(['rmi', 'e2e-gone:1']), 'Untagged: e2e-gone:1\n')
      assert.equal(await nerdOk(['rmi', 'e2e-gone:2']), `Untagged: e2e-gone:2\nDeleted: ${id}\n`)
      assert.ok(!(await ctr(['content', 'ls', '-q'])).stdout.split('\n').includes(id), `round ${round}: the content of the image removed is still there`)
    }
    await rm(rootfs, {recursive: true})
    await rm(tarball)
  })

  it('rmi and image prune drop the manifest cache\'s entries of the images they remove (each holds its config, Env included)', async () => {
    const cacheDir = join(fileDataRoot(), 'cache', 'manifests')
    const entries = async (): Promise<string[]> => (await readdir(cacheDir).catch(() => [])).sort()
    const rootfs = join(workDir, 'cached-rootfs')
    await mkdir(rootfs)
    await writeFile(join(rootfs, 'file'), `${fileNamespace()} ${Math.random()}\n`)
    const tarball = join(workDir, 'cached.tar')
    await run('tar', ['-C', rootfs, '-cf', tarball, '.'])
    await nerdOk(['images'])
    const before = await entries()
    for (const remove of [['rmi', 'e2e-cached:1'], ['image', 'prune', '-f']]) {
      // Unnamed for prune: a dangling image.
      await nerdOk(['import', '--change', 'ENV SECRET=kept-in-cache', tarball, ...(remove[0] === 'rmi' ? ['e2e-cached:1'] : [])])
      await nerdOk(['images', '-a'])
      const cached = (await entries()).filter((entry) => !before.includes(entry))
      assert.equal(cached.length, 1, 'images cached the imported image\'s manifest')
      assert.match(await readFile(join(cacheDir, cached[0]), 'utf8'), /SECRET=kept-in-cache/)
      await nerdOk(remove)
      assert.deepEqual(await entries(), before, `${remove.join(' ')} dropped the entry and kept the others`)
    }
    await rm(rootfs, {recursive: true})
    await rm(tarball)
  })

  it('parallel rmi of one name: one untags it, the others find no such image (exit 1), as docker\'s', async () => {
    for (let round = 0; round < 5; round++) {
      await nerdOk(['tag', pulled, 'e2e-raced:1'])
      const results = await Promise.all(Array.from({length: 8}, () => nerd(['rmi', 'e2e-raced:1'])))
      const won = results.filter((result) => result.code === 0)
      assert.deepEqual(won.map((result) => [result.stdout, result.stderr]), [['Untagged: e2e-raced:1\n', '']], `round ${round}`)
      for (const result of results.filter((each) => each.code !== 0)) assert.deepEqual([result.code, result.stderr], [1, 'Error: No such image: e2e-raced:1\n'], `round ${round}`)
    }
    assert.equal((await nerdOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim(), pulled)
  })

  it('push sends the image to another repository with the same digest', async () => {
    const target = `${registry}/${fileNamespace()}/pushed:1`
    await nerdOk(['tag', pulled, target])
    const pushed = (await nerdOk(['push', target])).trimEnd().split('\n')
    // Off a terminal docker's lines are plain ones: each layer's statuses without byte counts.
    const layerIds = manifest.layers.map((layer) => layer.digest.slice('sha256:'.length, 'sha256:'.length + 12))
    assert.deepEqual(pushed, [
      `The push refers to repository [${registry}/${fileNamespace()}/pushed]`,
      ...layerIds.flatMap((id) => [`${id}: Preparing`, `${id}: Mounted from ${fileNamespace()}/busybox`]),
      `1: digest: ${busybox.target.digest} size: ${manifest.descriptor.size}`,
    ])
    const inspected = await skopeo(['inspect', '--tls-verify=false', `docker://${target}`])
    assert.equal(inspected.code, 0, inspected.stderr)
    assert.equal(JSON.parse(inspected.stdout).Digest, busybox.target.digest)

    // On a terminal, as docker's: the repository first, each layer, then the same last line.
    const onTerminal = await nerdOnTerminal(['push', target])
    assert.equal(onTerminal.code, 0, onTerminal.screen.join('\n'))
    assert.deepEqual(onTerminal.screen, [
      `The push refers to repository [${registry}/${fileNamespace()}/pushed]`,
      ...layerIds.map((id) => `${id}: Layer already exists`),
      pushed.at(-1),
    ])
    await nerdOk(['rmi', target])
  })

  it('push -a pushes every local tag of the repository, pull -a pulls every tag the registry has', async () => {
    const tagged = `${registry}/${fileNamespace()}/alltags`
    for (const tag of ['v1', 'v2']) await nerdOk(['tag', pulled, `${tagged}:${tag}`])
    const pushed = (await nerdOk(['push', '--all-tags', tagged])).trimEnd().split('\n')
    assert.equal(pushed[0], `The push refers to repository [${tagged}]`)
    assert.deepEqual(pushed.filter((line) => /: digest: /.test(line)), ['v1', 'v2'].map((tag) => `${tag}: digest: ${busybox.target.digest} size: ${manifest.descriptor.size}`))
    assert.equal((await nerdOk(['push', '-a', '-q', tagged])).trim(), tagged)

    await nerdOk(['rmi', `${tagged}:v1`, `${tagged}:v2`])
    // Off a terminal, as issue 3 has every pull, only the name pulled.
    assert.equal(await nerdOk(['pull', '-a', tagged]), `${tagged}\n`)
    assert.deepEqual((await nerdOk(['images', tagged, '--format', '{{.Tag}}'])).trim().split('\n').sort(), ['v1', 'v2'])
    assert.equal((await nerdOk(['pull', '--all-tags', '-q', tagged])).trim(), tagged)

    for (const command of ['pull', 'push']) {
      const refused = await nerd([command, '-a', `${tagged}:v1`])
      assert.equal(refused.code, 1)
      assert.equal(refused.stderr, "Error: tag can't be used with --all-tags/-a\n")
    }
    const byDigest = await nerd(['push', `${repository}@${busybox.target.digest}`])
    assert.deepEqual([byDigest.code, byDigest.stdout, byDigest.stderr], [1, '', 'Error: cannot push a digest reference\n'])
    const none = await nerd(['push', '-a', `${registry}/${fileNamespace()}/nothing`])
    assert.equal(none.code, 1)
    assert.equal(none.stderr, `Error: An image does not exist locally with the tag: ${registry}/${fileNamespace()}/nothing\n`)
    // Without -a, the containerd store's words (pushRef) for a tag the repository lacks, and for a repository with no image.
    const missingTag = await nerd(['push', `${tagged}:v3`])
    assert.deepEqual([missingTag.code, missingTag.stderr], [1, `Error: tag does not exist: ${tagged}:v3\n`])
    const noImage = await nerd(['push', `${registry}/${fileNamespace()}/nothing:v1`])
    assert.deepEqual([noImage.code, noImage.stderr], [1, `Error: tag does not exist: ${registry}/${fileNamespace()}/nothing:v1\n`])
    const noTag = await nerd(['push', `${registry}/${fileNamespace()}/nothing`])
    assert.deepEqual([noTag.code, noTag.stderr], [1, `Error: tag does not exist: ${registry}/${fileNamespace()}/nothing:latest\n`])
    await nerdOk(['rmi', `${tagged}:v1`, `${tagged}:v2`])
  })

  it('pull --platform: a bad one fails first, one a single-platform image lacks is pulled with docker\'s warning', async () => {
    const bogus = await nerd(['pull', '--platform', 'bogus', pulled])
    assert.equal(bogus.code, 1)
    assert.equal(bogus.stdout, '')
    assert.equal(bogus.stderr, 'Error: "bogus": unknown operating system or architecture: invalid argument\n')
    const other = manifest.platform.architecture === 's390x' ? 'linux/arm64' : 'linux/s390x'
    const mismatched = await nerd(['pull', '--platform', other, pulled])
    assert.equal(mismatched.code, 0, mismatched.stderr)
    // Off a terminal the name pulled alone on stdout; the warning goes to stderr.
    assert.equal(mismatched.stdout, `${pulled}\n`)
    assert.equal(
      mismatched.stderr,
      `WARNING: image with reference ${pulled} was found but its platform (linux/${manifest.platform.architecture}) does not match the specified platform (${other})\n`,
    )
  })

  it('history and image inspect --platform read that platform of a multi-platform image, and fail in docker\'s words for one it lacks', async () => {
    const base = {entries: [file('etc/base', 'base\n')]}
    const archive = join(workDir, 'multiarch.tar')
    const name = 'nerd-e2e/platforms:v1'
    await buildImageArchive({
      name,
      images: [
        {platform: {architecture: 'amd64'}, layers: [base, {entries: [file('etc/arch', 'amd64\n')]}], config: {Cmd: ['amd64']}},
        {platform: {architecture: 'arm64', variant: 'v8'}, layers: [base], config: {Cmd: ['arm64']}},
      ],
    }, archive)
    await nerdOk(['load', '--all-platforms', '-i', archive])
    try {
      for (const [platform, cmd, layers] of [['linux/amd64', 'amd64', 2], ['linux/arm64', 'arm64', 1]] as const) {
        const inspected = await nerdOk(['image', 'inspect', '--platform', platform, '--format', '{{.Os}}/{{.Architecture}} {{json .Config.Cmd}} {{len .RootFS.Layers}} {{.Descriptor.Platform.Architecture}}', name])
        assert.equal(inspected, `${platform} ["${cmd}"] ${layers} ${platform.slice('linux/'.length)}\n`)
        assert.equal((await nerdOk(['history', '--platform', platform, '-q', name])).trim().split('\n').length, layers)
      }
      const missing = await nerd(['history', '--platform', 'linux/s390x', name])
      assert.deepEqual([missing.code, missing.stderr], [1, `Error: image with reference ${name} was found but does not provide the specified platform (linux/s390x)\n`])
      const single = await nerd(['image', 'inspect', '--platform', manifest.platform.architecture === 's390x' ? 'linux/arm64' : 'linux/s390x', pulled])
      assert.equal(single.code, 1)
      assert.match(single.stderr, /^Error: image with reference \S+ was found but its platform \(linux\/\w+\) does not match the specified platform \(linux\/\w+\)\n$/)
    } finally {
      await nerd(['rmi', name])
      await rm(archive, {force: true})
    }
  })

  it("history --platform refuses a platform it cannot parse with docker's prefix, before it looks the image up", async () => {
    const refused = await nerd(['history', '--platform', 'bogus/x/y/z', 'nosuch'])
    assert.deepEqual([refused.code, refused.stderr], [1, 'Error: invalid platform: "bogus/x/y/z": cannot parse platform specifier: invalid argument\n'])
  })

  it("rmi --platform deletes that platform's manifest, config and layers, forced only, as docker's containerd store; the image and its other platforms stay", async () => {
    const archive = join(workDir, 'rmi-platforms.tar')
    const name = 'nerd-e2e/rmi-platforms:v1'
    const built = await buildImageArchive({
      name,
      images: [
        {platform: {architecture: 'amd64'}, layers: [{entries: [file('etc/arch', 'rmi-amd64\n')]}], config: {Cmd: ['amd64']}},
        {platform: {architecture: 'arm64', variant: 'v8'}, layers: [{entries: [file('etc/arch', 'rmi-arm64\n')]}], config: {Cmd: ['arm64']}},
      ],
    }, archive)
    const [amd64, arm64] = built.manifests as [BuiltManifest, BuiltManifest]
    await nerdOk(['load', '--all-platforms', '-i', archive])
    try {
      const id = (await nerdOk(['images', '-q', '--no-trunc', name])).trim()
      const unforced = await nerd(['rmi', '--platform', 'linux/arm64', name])
      assert.deepEqual([unforced.code, unforced.stdout, unforced.stderr], [1, '', 'Error: Content will be removed from all images referencing this variant. Use —-force to force delete.\n'])
      const bad = await nerd(['rmi', '-f', '--platform', 'linux/arm64,bogus/x/y/z', name])
      assert.deepEqual([bad.code, bad.stderr], [1, 'Error: "bogus/x/y/z": cannot parse platform specifier: invalid argument\n'])
      assert.deepEqual(await nerd(['rmi', '-f', '--platform', 'linux/arm64', name]).then(({code, stdout, stderr}) => [code, stdout, stderr]), [0, `Deleted: ${arm64.descriptor.digest}\n`, ''])
      // docker's store reads the index through the manifests it has: the one deleted is no longer there, the other is.
      const gone = await nerd(['history', '--platform', 'linux/arm64', name])
      assert.equal(gone.code, 1)
      assert.equal((await nerdOk(['history', '-q', '--no-trunc', '--platform', 'linux/amd64', name])).trim(), amd64.config.digest)
      // Asked again, the platform is not found: rmi -f says so and does not fail, as docker's CLI for a missing image.
      const again = await nerd(['rmi', '-f', '--platform', 'linux/arm64', name])
      assert.deepEqual([again.code, again.stdout, again.stderr], [0, '', `Error: failed to delete platform linux/arm64 for image ${id}: image with reference ${name} was found but does not provide any platform\n`])
      assert.equal((await nerdOk(['images', '-q', '--no-trunc', name])).trim(), id)
    } finally {
      await nerd(['rmi', name])
      await rm(archive, {force: true})
    }
  })

  it('rmi --no-prune of a name the image has others of untags it', async () => {
    await nerdOk(['tag', pulled, `${pulled}-noprune`])
    assert.equal(await nerdOk(['rmi', '--no-prune', `${pulled}-noprune`]), `Untagged: ${pulled}-noprune\n`)
  })

  it('rmi refuses an image a container was created from', async () => {
    const container = `image-commands-user-${process.pid}`
    const created = await ctr(['containers', 'create', pulled, container])
    assert.equal(created.code, 0, created.stderr)
    try {
      const refused = await nerd(['rmi', pulled])
      assert.equal(refused.code, 1)
      assert.equal(refused.stderr, `Error: conflict: unable to delete ${pulled} (must be forced) - container ${container.slice(0, 12)} is using its referenced image ${manifest.config.digest.slice(7, 19)}\n`)
      assert.equal((await nerdOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim(), pulled)
    } finally {
      await ctr(['containers', 'rm', container])
    }
  })

  it('rmi as docker: other tags untag under a container, a container keeps the image nameless from -f NAME, a running one even from -f ID, a stopped one gives way to -f ID', async () => {
    const short = manifest.config.digest.slice(7, 19)
    const container = `image-commands-running-${process.pid}`
    await nerdOk(['tag', pulled, 'e2e-used:1'])
    const id = (await nerdOk(['run', '-d', '--name', container, 'e2e-used:1', 'sleep', '300'])).trim()
    try {
      assert.equal((await nerdOk(['rmi', 'e2e-used:1'])).trim(), 'Untagged: e2e-used:1')
      for (const args of [['rmi', short], ['rmi', '-f', `sha256:${short}`]]) {
        const refused = await nerd(args)
        assert.equal(refused.code, 1)
        assert.equal(refused.stderr, `Error: conflict: unable to delete ${short} (cannot be forced) - image is being used by running container ${id.slice(0, 12)}\n`)
      }
      // Its last name goes; the image stays, nameless, and a tag names it again.
      assert.equal((await nerdOk(['rmi', '-f', pulled])).trim(), `Untagged: ${pulled}`)
      assert.equal((await nerdOk(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).trim(), `<none>:<none> ${short}`)
      await nerdOk(['tag', short, pulled])
      assert.equal((await nerdOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim(), pulled)

      await nerdOk(['stop', '-t', '0', container])
      const stopped = await nerd(['rmi', short])
      assert.equal(stopped.code, 1)
      assert.equal(stopped.stderr, `Error: conflict: unable to delete ${short} (must be forced) - image is being used by stopped container ${id.slice(0, 12)}\n`)
      // As docker's containerd store, a stopped container keeps the image nameless too when its last name goes.
      assert.equal((await nerdOk(['rmi', '-f', pulled])).trim(), `Untagged: ${pulled}`)
      assert.equal((await nerdOk(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).trim(), `<none>:<none> ${short}`)
      await nerdOk(['tag', short, pulled])
      assert.equal((await nerdOk(['rmi', '-f', short])).trim(), `Untagged: ${pulled}\nDeleted: ${manifest.config.digest}`)
    } finally {
      await nerd(['rm', '-f', container])
      await nerdOk(['pull', '-q', pulled])
    }
  })

  it('a name@digest of an image\'s RepoDigests names it everywhere; sha256: takes a short ID; tag refuses a digest', async () => {
    const digested = `${repository}@${busybox.target.digest}`
    const short = manifest.config.digest.slice(7, 19)
    assert.equal((await nerdOk(['image', 'inspect', '-f', '{{.Id}}', digested])).trim(), manifest.config.digest)
    assert.equal((await nerdOk(['history', '-q', digested])).trim().split('\n')[0], short)
    await nerdOk(['tag', digested, 'e2e-bydigest:1'])
    await nerdOk(['tag', `sha256:${short.slice(0, 6)}`, 'e2e-byid:1'])
    assert.equal((await nerdOk(['image', 'inspect', '-f', '{{.Id}}', `sha256:${short.slice(0, 8)}`])).trim(), manifest.config.digest)
    // Saved by digest, the image goes without names, as docker saves it.
    const archive = join(workDir, 'digested.tar')
    await nerdOk(['save', '-o', archive, digested])
    // docker's CLI (28.1+) writes it 0600: layers may hold secrets.
    assert.equal(((await stat(archive)).mode & 0o777).toString(8), '600')
    const listed = await new Promise<string>((resolve, reject) => {
      const tar = spawn('tar', ['-xOf', archive, 'manifest.json'], {stdio: ['ignore', 'pipe', 'inherit']})
      let out = ''
      tar.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
      tar.on('error', reject)
      tar.on('close', () => resolve(out))
    })
    assert.deepEqual(JSON.parse(listed).map((entry: {RepoTags: unknown}) => entry.RepoTags), [null])
    await rm(archive)
    // run uses the local image: there is no registry to pull it from under this name.
    const ran = await nerd(['run', '--rm', '--pull', 'never', digested, 'echo', 'local'])
    assert.equal(ran.code, 0, ran.stderr)
    assert.equal(ran.stdout, 'local\n')

    const refused = await nerd(['tag', pulled, `e2e-x@${busybox.target.digest}`])
    assert.equal(refused.code, 1)
    assert.equal(refused.stderr, 'Error: refusing to create a tag with a digest reference\n')
    for (const ambiguous of ['sha256:foo', 'sha256', 'docker.io/library/sha256:1']) {
      const refusedName = await nerd(['tag', pulled, ambiguous])
      assert.deepEqual([refusedName.code, refusedName.stderr], [1, 'Error: refusing to create an ambiguous tag using digest algorithm as name\n'], ambiguous)
    }
    // rmi of a name@digest untags the names of that repository with that digest.
    await nerdOk(['tag', pulled, `${repository}:2`])
    assert.deepEqual((await nerdOk(['rmi', digested])).trim().split('\n').sort(), [`Untagged: ${pulled}`, `Untagged: ${repository}:2`])
    assert.deepEqual((await nerdOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim().split('\n').sort(), ['e2e-bydigest:1', 'e2e-byid:1'])
    await nerdOk(['tag', 'e2e-byid:1', pulled])
    assert.equal((await nerdOk(['rmi', 'e2e-bydigest:1', 'e2e-byid:1'])).trim(), 'Untagged: e2e-bydigest:1\nUntagged: e2e-byid:1')

    // A name@digest record (a pull by digest) stands for the tags of its repository with that digest too, as docker's.
    await nerdOk(['pull', '-q', digested])
    await nerdOk(['tag', pulled, `${repository}:2`])
    await nerdOk(['tag', pulled, 'e2e-other:1'])
    assert.deepEqual((await nerdOk(['rmi', digested])).trim().split('\n').sort(), [`Untagged: ${digested}`, `Untagged: ${pulled}`, `Untagged: ${repository}:2`].sort())
    assert.equal((await nerdOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim(), 'e2e-other:1')
    // With nothing else naming it, the image goes with them.
    await nerdOk(['tag', 'e2e-other:1', pulled])
    await nerdOk(['pull', '-q', digested])
    await nerdOk(['rmi', 'e2e-other:1'])
    assert.deepEqual((await nerdOk(['rmi', digested])).trim().split('\n'), [`Untagged: ${pulled}`, `Untagged: ${digested}`, `Deleted: ${manifest.config.digest}`])
    await nerdOk(['pull', '-q', pulled])
  })

  it('tag refuses an invalid source or target in the words of docker\'s client (the source first), naming the repository docker checked', async () => {
    const uppercase = await nerd(['tag', pulled, 'Upper:1'])
    assert.deepEqual([uppercase.code, uppercase.stderr], [1, 'Error: Error parsing reference: "Upper:1" is not a valid repository/tag: invalid reference format: repository name (library/Upper) must be lowercase\n'])
    const malformed = await nerd(['tag', pulled, 'a:b:c'])
    assert.deepEqual([malformed.code, malformed.stderr], [1, 'Error: Error parsing reference: "a:b:c" is not a valid repository/tag: invalid reference format\n'])
    const source = await nerd(['tag', 'Upper/Case', 'Also:Bad'])
    assert.deepEqual([source.code, source.stderr], [1, 'Error: Error parsing reference: "Upper/Case" is not a valid repository/tag: invalid reference format: repository name (Case) must be lowercase\n'])
    // An image ID is a source, as docker's ParseAnyReference takes it.
    await nerdOk(['tag', manifest.config.digest.slice('sha256:'.length), 'e2e-byfullid:1'])
    await nerdOk(['rmi', 'e2e-byfullid:1'])
  })

  it('save then load gives back the same image ID', async () => {
    const archive = join(workDir, 'busybox.tar')
    await nerdOk(['save', '-o', archive, pulled])
    assert.match((await nerdOk(['rmi', pulled])).trim(), /^Untagged: .*\nDeleted: sha256:/)
    assert.equal((await nerdOk(['images', '-q'])).trim(), '')
    assert.equal((await nerdOk(['load', '-i', archive])).trim(), `Loaded image: ${pulled}`)
    // -q hides only progress: scripts still read the names loaded.
    assert.equal((await nerdOk(['load', '-q', '-i', archive])).trim(), `Loaded image: ${pulled}`)
    assert.equal((await nerdOk(['images', '-q', '--no-trunc'])).trim(), manifest.config.digest)

    // A failed save -o makes no file and leaves an older one as it was, as docker's.
    const before = await readFile(archive)
    for (const path of [archive, join(workDir, 'never.tar')]) {
      const failed = await nerd(['save', '-o', path, 'nerd-e2e/nothing:here'])
      assert.equal(failed.code, 1)
      assert.equal(failed.stderr, 'Error: No such image: nerd-e2e/nothing:here\n')
    }
    assert.deepEqual(await readFile(archive), before)
    const nowhere = await nerd(['save', '-o', join(workDir, 'nosuchdir', 'x.tar'), pulled])
    assert.equal(nowhere.code, 1)
    assert.equal(nowhere.stderr, `Error: failed to save image: invalid output path: stat ${join(workDir, 'nosuchdir')}: no such file or directory\n`)
    assert.deepEqual((await readdir(workDir)).filter((name) => name !== 'busybox.tar'), [])
    // And a load of a file that is not there says so in Go's words, before it starts anything.
    const missing = await nerd(['load', '-i', join(workDir, 'never.tar')])
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr, `Error: open ${join(workDir, 'never.tar')}: no such file or directory\n`)
    // A bad --platform is docker's CLI's to refuse, with its prefix; load's once the archive is open.
    const badPlatform = async (args: string[]) => {
      const result = await nerd([...args, '--platform', 'bogus'])
      return [result.code, result.stderr]
    }
    const invalidPlatform = [1, 'Error: invalid platform: "bogus": unknown operating system or architecture: invalid argument\n']
    assert.deepEqual(await badPlatform(['save', '-o', join(workDir, 'never.tar'), pulled]), invalidPlatform)
    // save's before its output path, as docker's runSave.
    assert.deepEqual(await badPlatform(['save', '-o', join(workDir, 'nosuchdir', 'x.tar'), pulled]), invalidPlatform)
    assert.deepEqual(await badPlatform(['load', '-i', archive]), invalidPlatform)
    assert.deepEqual(await badPlatform(['load', '-i', join(workDir, 'never.tar')]), [1, missing.stderr])
    assert.equal((await ctr(['leases', 'ls', '-q'])).stdout, '')
  })

  it('pull of an unknown image fails with one line, exit 1', async () => {
    const result = await nerd(['pull', `${repository}:nosuch`])
    assert.equal(result.code, 1)
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr)
    assert.match(result.stderr, /^Error: .*nosuch/)
  })

  it('pull of an invalid reference says invalid reference format, exit 1', async () => {
    const uppercase = await nerd(['pull', 'Busybox'])
    assert.equal(uppercase.code, 1)
    assert.equal(uppercase.stderr, 'Error: invalid reference format: repository name (library/Busybox) must be lowercase\n')
    const malformed = await nerd(['pull', 'busybox::1'])
    assert.equal(malformed.code, 1)
    assert.equal(malformed.stderr, 'Error: invalid reference format\n')
  })

  it('rmi prints its failures after all its lines, as docker\'s client joins them; with -f the missing images alone fail nothing', async () => {
    await nerdOk(['tag', pulled, 'e2e-order:a'])
    await nerdOk(['tag', pulled, 'e2e-order:b'])
    await nerdOk(['tag', pulled, 'e2e-order:c'])
    const both = async (args: string[]): Promise<string> => (await run('sh', ['-c', `${nerdCommandLine(args)} 2>&1; echo "exit $?"`])).stdout
    assert.equal(await both(['rmi', 'e2e-order:a', 'nosuch', 'e2e-order:b']), 'Untagged: e2e-order:a\nUntagged: e2e-order:b\nError: No such image: nosuch:latest\nexit 1\n')
    assert.equal(await both(['rmi', '-f', 'nosuch', 'e2e-order:c', 'nosuch:2']), 'Untagged: e2e-order:c\nError: No such image: nosuch:latest\nError: No such image: nosuch:2\nexit 0\n')
  })

  it('an image ID prefix is 4 to 64 hex digits; one two images share is docker\'s ambiguous reference, in every command that takes an ID', async () => {
    // Two configs whose IDs share their first 4 hex digits (found in a few hundred tries).
    const labelled = (label: number): Record<string, unknown> => ({created: '2024-01-01T00:00:00Z', config: {Labels: {n: String(label)}}})
    const byPrefix = new Map<string, number>()
    let twins: [number, number] | undefined
    for (let label = 0; twins === undefined; label++) {
      const prefix = sha256(rawConfig(labelled(label))).slice(7, 11)
      const seen = byPrefix.get(prefix)
      if (seen !== undefined) twins = [seen, label]
      byPrefix.set(prefix, label)
    }
    await nerdOk(['load', '-i', await rawDockerArchive('twins', twins.map((label, index) => ({tag: `e2e-twin:${index}`, config: labelled(label)})))])
    const ids = (await nerdOk(['images', '--no-trunc', '--format', '{{.ID}}', 'e2e-twin'])).trim().split('\n')
    const word = ids[0]!.slice(7, 11)
    assert.deepEqual(ids.map((id) => id.slice(7, 11)), [word, word])
    try {
      const outcomes = async (text: string): Promise<string[]> => {
        const results = []
        for (const args of [['tag', text, 'e2e-twin:x'], ['image', 'inspect', '-f', '{{.Id}}', text], ['history', '-q', text], ['rmi', text], ['save', '-o', join(workDir, 'twin.tar'), text], ['images', '-q', '-f', `before=${text}`]]) {
          const result = await nerd(args)
          results.push(`${args[0]} ${result.code} ${result.stderr.trim()}`)
        }
        return results
      }
      assert.deepEqual(await outcomes(word), ['tag', 'image', 'history', 'rmi', 'save', 'images'].map((command) => `${command} 1 Error: ambiguous reference`))
      assert.deepEqual(await outcomes(`sha256:${word}`), ['tag', 'image', 'history', 'rmi', 'save', 'images'].map((command) => `${command} 1 Error: ambiguous reference`))
      // docker's client counts it as not found: rmi -f says so and goes on.
      assert.deepEqual(await nerd(['rmi', '-f', word]).then((result) => [result.code, result.stderr]), [0, 'Error: ambiguous reference\n'])
      // Fewer than 4 digits are no ID, but a name.
      const short = word.slice(0, 3)
      assert.deepEqual(await outcomes(short), [
        `tag 1 Error: No such image: ${short}:latest`,
        `image 1 Error: No such image: ${short}`,
        `history 1 Error: No such image: ${short}:latest`,
        `rmi 1 Error: No such image: ${short}:latest`,
        `save 1 Error: No such image: ${short}`,
        `images 1 Error: No such image: ${short}`,
      ])
      const unique = ids[0]!.slice(7, 7 + ([...ids[0]!.slice(7)].findIndex((char, index) => char !== ids[1]![7 + index]) + 1))
      assert.equal((await nerdOk(['image', 'inspect', '-f', '{{.Id}}', unique])).trim(), ids[0])
    } finally {
      await nerd(['rmi', 'e2e-twin:0', 'e2e-twin:1'])
    }
  })

  it('history and images show a date docker\'s way: none is 1970 (N/A for history\'s age), and history has no age up to 2000', async () => {
    const archive = await rawDockerArchive('dates', [{tag: 'e2e-dates:1', config: {history: [{created: '1999-06-01T00:00:00Z', created_by: 'old'}, {created_by: 'undated', empty_layer: true}]}}])
    await nerdOk(['load', '-i', archive])
    try {
      const env = {TZ: 'UTC'}
      assert.equal(await nerdOk(['history', '--format', '{{.CreatedSince}}|{{.CreatedAt}}|{{.CreatedBy}}', 'e2e-dates:1'], {env}), 'N/A|1970-01-01T00:00:00Z|undated\nN/A|1999-06-01T00:00:00Z|old\n')
      assert.equal(await nerdOk(['history', '-H=false', '--format', '{{.CreatedSince}}', 'e2e-dates:1'], {env}), '1970-01-01T00:00:00Z\n1999-06-01T00:00:00Z\n')
      assert.match(await nerdOk(['images', '--format', '{{.CreatedAt}}|{{.CreatedSince}}', 'e2e-dates'], {env}), /^1970-01-01 00:00:00 \+0000 UTC\|5\d years ago\n$/)
      // Without a creation time it bounds nothing (since= lists it too), and is outside any bound.
      const listed = async (filter: string): Promise<string[]> => (await nerdOk(['images', '-f', filter, '--format', '{{.Repository}}:{{.Tag}}'])).trim().split('\n')
      assert.ok((await listed('since=e2e-dates:1')).includes('e2e-dates:1'))
      assert.ok((await listed('since=e2e-dates:1')).includes(pulled))
      assert.ok(!(await listed(`before=${pulled}`)).includes('e2e-dates:1'))
    } finally {
      await nerdOk(['rmi', 'e2e-dates:1'])
    }
  })

  it('rmi of a missing image fails, with -f it is said and no failure (docker\'s); image prune -f removes nothing named', async () => {
    const missing = await nerd(['rmi', 'nosuch:1', 'nosuch'])
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr, 'Error: No such image: nosuch:1\nError: No such image: nosuch:latest\n')
    for (const names of [['nosuch:1'], ['nosuch:1', 'nosuch']]) {
      const forced = await nerd(['rmi', '-f', ...names])
      assert.deepEqual([forced.code, forced.stdout], [0, ''], names.join(' '))
      assert.match(forced.stderr, /^Error: No such image: nosuch:1\n/)
    }
    assert.match(await nerdOk(['image', 'prune', '-f']), /Total reclaimed space: /)
    assert.equal((await nerdOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim(), pulled)
  })

  it('tag and pull onto a name that points at another image keep that image as <none>, as docker; a pull of an image here as <none> names that one', async () => {
    const rootfs = join(workDir, 'rootfs')
    await mkdir(rootfs)
    await writeFile(join(rootfs, 'file'), 'imported\n')
    const tarball = join(workDir, 'rootfs.tar')
    await run('tar', ['-C', rootfs, '-cf', tarball, '.'])
    const rows = async (): Promise<string[]> => (await nerdOk(['images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).trim().split('\n').sort()

    const taggedOver = (await nerdOk(['import', tarball, 'e2e-moved:1'])).trim()
    await nerdOk(['tag', pulled, 'e2e-moved:1'])
    assert.deepEqual(await rows(), [`<none>:<none> ${taggedOver}`, `e2e-moved:1 ${manifest.config.digest}`, `${pulled} ${manifest.config.digest}`].sort())

    // busybox as a <none> image (saved by ID, loaded back), its name on another image.
    const byId = join(workDir, 'by-id.tar')
    await nerdOk(['save', '-o', byId, manifest.config.digest])
    await nerdOk(['rmi', pulled, 'e2e-moved:1'])
    assert.equal((await nerdOk(['load', '-i', byId])).trim(), `Loaded image ID: ${manifest.config.digest}`)
    const pulledOver = (await nerdOk(['import', tarball, pulled])).trim()
    await nerdOk(['pull', pulled])
    assert.deepEqual(await rows(), [`<none>:<none> ${taggedOver}`, `<none>:<none> ${pulledOver}`, `${pulled} ${manifest.config.digest}`].sort())
    assert.equal((await nerdOk(['image', 'inspect', '-f', '{{.Id}}', pulledOver])).trim(), pulledOver)
    await nerdOk(['rmi', taggedOver, pulledOver])
    await rm(byId)
  })
})

import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {historyRows, inspectDocument} from '../../../src/image/inspect.ts'
import {formatInspect} from '../../../src/format/index.ts'
import {filterImages, findImages, globMatches, imageAncestors, imageChildren, imageRow, listingDigest, lookupImages, noSuchImage, NoSuchImageError, parseImageFilters, repositoryAndTag, subcommandTakenForRepositoryHint, withoutIntermediates} from '../../../src/image/list.ts'
import type {ImageSummary} from '../../../src/image/list.ts'
import type {ImageConfig} from '../../../src/image/manifest.ts'

function failure(message: string): (error: unknown) => boolean {
  return (error) => {
    assert.equal((error as Error).message, message)
    return true
  }
}

const hex = (char: string): string => `sha256:${char.repeat(64)}`

function summary(name: string, id: string, created: string, labels: Record<string, string> = {}): ImageSummary {
  const [repository, tag] = repositoryAndTag(name)
  const config: ImageConfig = {architecture: 'amd64', os: 'linux', created, config: {Labels: labels}, rootfs: {type: 'layers', diff_ids: [hex('d')]}}
  return {
    record: {name, target: {mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: hex('f'), size: 1}, labels: {}},
    repository,
    tag,
    digest: hex('f'),
    id,
    created: new Date(created),
    platform: 'linux/amd64',
    size: 2_345_678,
    config,
  }
}

const busybox = summary('docker.io/library/busybox:latest', hex('a'), '2024-01-02T00:00:00Z', {tier: 'base'})
const app = summary('docker.io/me/app:1', hex('b'), '2024-01-03T00:00:00Z', {tier: 'app'})
const local = summary('127.0.0.1:5000/x/y:2', hex('a'), '2024-01-02T00:00:00Z')
const dangling = summary(`nerd-dangling@${hex('c')}`, hex('c'), '2024-01-01T00:00:00Z')
const all = [app, busybox, local, dangling]

describe('repositoryAndTag', () => {
  it('gives docker\'s familiar repository and the tag', () => {
    assert.deepEqual(repositoryAndTag('docker.io/library/busybox:latest'), ['busybox', 'latest'])
    assert.deepEqual(repositoryAndTag('docker.io/nerd-test/busybox:1'), ['nerd-test/busybox', '1'])
    assert.deepEqual(repositoryAndTag('127.0.0.1:5000/x:2'), ['127.0.0.1:5000/x', '2'])
    assert.deepEqual(repositoryAndTag(`docker.io/library/busybox@${hex('e')}`), ['busybox', '<none>'])
    assert.deepEqual(repositoryAndTag(`nerd-dangling@${hex('e')}`), ['<none>', '<none>'])
  })
})

describe('findImages', () => {
  it('finds by reference, by full ID, by ID prefix', () => {
    assert.deepEqual(findImages(all, 'busybox'), [busybox])
    assert.deepEqual(findImages(all, 'me/app:1'), [app])
    assert.deepEqual(findImages(all, hex('a')), [busybox, local])
    assert.deepEqual(findImages(all, 'aaaa'), [busybox, local])
    assert.deepEqual(findImages(all, 'nosuch'), [])
  })

  it('takes a short ID prefix with sha256: as the bare prefix', () => {
    assert.deepEqual(lookupImages(all, 'sha256:aaaa'), {by: 'id', found: [busybox, local]})
    assert.deepEqual(findImages(all, 'sha256:aaab'), [])
  })

  it('finds a name@digest among the RepoDigests of records of that repository; its own record first, with the tags of its repository with its root', () => {
    const pulledByTag = {...summary('docker.io/library/busybox:1.36', hex('a'), '2024-01-02T00:00:00Z'), digest: hex('e')}
    pulledByTag.record = {...pulledByTag.record, target: {...pulledByTag.record.target, digest: hex('e')}}
    const images = [...all, pulledByTag]
    assert.deepEqual(lookupImages(images, `busybox@${hex('e')}`), {by: 'digest', found: [pulledByTag]})
    assert.deepEqual(lookupImages(images, `busybox@${hex('f')}`), {by: 'digest', found: [busybox]})
    assert.deepEqual(findImages(images, `other/busybox@${hex('e')}`), [], 'another repository with that digest is no match')
    const pulledByDigest = summary(`docker.io/library/busybox@${hex('e')}`, hex('a'), '2024-01-02T00:00:00Z')
    // The record's root (hex f) is busybox:latest's too (docker's getSameReferences); busybox:1.36's (hex e) is another.
    assert.deepEqual(lookupImages([...images, pulledByDigest], `busybox@${hex('e')}`), {by: 'name', found: [pulledByDigest, busybox]})
  })

  it('says No such image with the name as docker normalises it', () => {
    assert.equal(noSuchImage('nosuch').message, 'No such image: nosuch:latest')
    assert.equal(noSuchImage('me/app:2').message, 'No such image: me/app:2')
    assert.equal(noSuchImage(`x@${hex('e')}`).message, `No such image: x@${hex('e')}`)
    assert.equal(noSuchImage('e'.repeat(64)).message, `No such image: ${hex('e')}`)
    assert.equal(noSuchImage('Bad').message, 'No such image: Bad')
  })

  it('takes an ID prefix of 4 to 64 hex digits only, as docker\'s checkTruncatedID', () => {
    for (const short of ['aaa', 'sha256:aaa', 'a']) assert.deepEqual(findImages(all, short), [], short)
    assert.deepEqual(findImages(all, 'sha256:aaaa'), [busybox, local])
  })

  it('rejects an ambiguous prefix (in docker\'s words, as not found) and an invalid reference', () => {
    const twins = [summary('docker.io/library/p:1', `sha256:abcd${'0'.repeat(60)}`, '2024-01-01T00:00:00Z'), summary('docker.io/library/q:1', `sha256:abcd${'1'.repeat(60)}`, '2024-01-01T00:00:00Z')]
    for (const prefix of ['abcd', 'sha256:abcd']) {
      assert.throws(() => findImages(twins, prefix), (error) => error instanceof NoSuchImageError && error.message === 'ambiguous reference', prefix)
    }
    assert.deepEqual(findImages(twins, 'abc'), [])
    assert.throws(() => findImages(all, 'Busybox'), /invalid reference format: repository name \(library\/Busybox\) must be lowercase/)
  })
})

describe('image filters', () => {
  it('parses docker\'s keys and refuses others', () => {
    assert.deepEqual(parseImageFilters(['dangling=true', 'reference=bu*']), [{key: 'dangling', value: 'true'}, {key: 'reference', value: 'bu*'}])
    assert.throws(() => parseImageFilters(['colour=red']), /invalid filter 'colour'/)
    assert.throws(() => parseImageFilters(['dangling=maybe']), failure("invalid filter 'dangling=[maybe]'"))
    assert.throws(() => parseImageFilters(['dangling=TRUE']), failure("invalid filter 'dangling=[TRUE]'"))
    assert.throws(() => parseImageFilters(['dangling=true', 'dangling=0']), failure("invalid filter 'dangling=[true 0]'"))
    assert.deepEqual(parseImageFilters(['dangling=1', 'dangling=true']).length, 2)
    assert.throws(() => parseImageFilters(['until=soon']), failure('failed to parse value as time or duration: "soon"'))
    assert.deepEqual(parseImageFilters(['until=1h', 'label!=tier', 'until=2024-01-01']).map((filter) => filter.key), ['until', 'label!', 'until'])
    assert.throws(() => parseImageFilters(['dangling']), /bad format of filter/)
    assert.throws(() => parseImageFilters(['=x']), failure("invalid filter ''"))
  })

  it('hints at `image WORD` for a subcommand of docker\'s image taken for a repository, and for no other word', () => {
    for (const word of ['build', 'history', 'import', 'inspect', 'list', 'load', 'ls', 'prune', 'pull', 'push', 'rm', 'save', 'tag']) {
      assert.equal(subcommandTakenForRepositoryHint(word), `\nNo images found matching "${word}": did you mean "nerd image ${word}"?\n`)
    }
    for (const word of ['busybox', 'rmi', 'images', 'LS']) assert.equal(subcommandTakenForRepositoryHint(word), undefined, word)
  })

  it('matches globs like Go\'s path.Match', () => {
    assert.ok(globMatches('bu*', 'busybox'))
    assert.ok(!globMatches('*', 'me/app'))
    assert.ok(globMatches('*/*', 'me/app'))
    assert.ok(globMatches('b?sybox', 'busybox'))
    assert.ok(globMatches('[a-c]usybox', 'busybox'))
    assert.ok(!globMatches('[!b]usybox', 'busybox'))
    assert.ok(!globMatches('busy', 'busybox'))
  })

  it('filters by reference, dangling, label, before and since', () => {
    const names = (filters: string[]): string[] => filterImages(all, parseImageFilters(filters)).map((image) => image.record.name)
    assert.deepEqual(names(['reference=busybox']), [busybox.record.name])
    assert.deepEqual(names(['reference=*/*:1']), [app.record.name])
    assert.deepEqual(names(['reference=busybox', 'reference=me/*']), [app.record.name, busybox.record.name])
    assert.deepEqual(names(['dangling=true']), [dangling.record.name])
    assert.deepEqual(names(['dangling=false']), [app.record.name, busybox.record.name, local.record.name])
    assert.deepEqual(names(['label=tier']), [app.record.name, busybox.record.name])
    assert.deepEqual(names(['label=tier=app']), [app.record.name])
    assert.deepEqual(names(['label=tier=app ', 'label= tier=app', '']), [app.record.name])
    assert.deepEqual(names(['before=me/app:1']), [busybox.record.name, local.record.name, dangling.record.name])
    assert.deepEqual(names(['since=busybox']), [app.record.name])
    assert.throws(() => names(['since=nosuch']), /No such image: nosuch/)
  })

  it('bounds by before and since as docker\'s containerd store: an image without a creation time bounds nothing, and is outside any bound', () => {
    const timeless = {...summary('docker.io/me/timeless:1', hex('9'), '2024-01-01T00:00:00Z'), created: undefined}
    const images = [...all, timeless]
    const names = (filters: string[]): string[] => filterImages(images, parseImageFilters(filters)).map((image) => image.record.name)
    assert.deepEqual(names(['since=me/timeless:1']), images.map((image) => image.record.name))
    assert.deepEqual(names(['before=me/app:1']), [busybox.record.name, local.record.name, dangling.record.name])
    assert.deepEqual(names(['since=busybox']), [app.record.name])
    // The bound may be an image the list leaves out (an intermediate one).
    assert.deepEqual(filterImages([app], parseImageFilters(['since=busybox']), {everyImage: images}).map((image) => image.record.name), [app.record.name])
  })

  it('filters by label! (a label unset or of another value) and a key written key! flips the check, as docker\'s containerd store', () => {
    const names = (filters: string[]): string[] => filterImages(all, parseImageFilters(filters)).map((image) => image.record.name)
    assert.deepEqual(names(['label!=tier']), [local.record.name, dangling.record.name])
    assert.deepEqual(names(['label!=tier=app']), [busybox.record.name, local.record.name, dangling.record.name])
    assert.deepEqual(names(['label=tier!=app']), [busybox.record.name, local.record.name, dangling.record.name])
    assert.deepEqual(names(['label=tier', 'label!=tier=base']), [app.record.name])
  })

  it('filters by until: the images recorded before that time (a duration ago or a timestamp), else created before it', () => {
    const now = new Date('2024-01-03T12:00:00Z')
    const names = (filters: string[]): string[] => filterImages(all, parseImageFilters(filters, now), {now}).map((image) => image.record.name)
    assert.deepEqual(names(['until=2024-01-02T12:00:00Z']), [busybox.record.name, local.record.name, dangling.record.name])
    assert.deepEqual(names(['until=36h']), [dangling.record.name])
    assert.deepEqual(names(['until=1704067200']), [])
    const pulled = {...app, record: {...app.record, createdAt: new Date('2024-01-03T11:00:00Z')}}
    assert.deepEqual(filterImages([pulled], parseImageFilters(['until=2h'], now), {now}).length, 0)
    assert.deepEqual(filterImages([pulled], parseImageFilters(['until=30m'], now), {now}).length, 1)
  })
})

describe('imageRow', () => {
  it('shows docker\'s fields', () => {
    const row = imageRow(busybox, {noTrunc: false, digest: '<none>', now: new Date('2024-01-02T03:00:00Z')})
    assert.equal(row.ID, 'aaaaaaaaaaaa')
    assert.equal(row.CreatedSince, '3 hours ago')
    assert.equal(row.CreatedAt, '2024-01-02 00:00:00 +0000 UTC')
    assert.equal(row.Size, '2.35MB')
    assert.equal(imageRow(busybox, {noTrunc: true, digest: '<none>'}).ID, hex('a'))
  })

  it('shows an image without a creation time as created at docker\'s 0, 1970', () => {
    const row = imageRow({...busybox, created: undefined}, {noTrunc: false, digest: '<none>', now: new Date('2026-01-02T00:00:00Z')})
    assert.deepEqual([row.CreatedSince, row.CreatedAt], ['56 years ago', '1970-01-01 00:00:00 +0000 UTC'])
  })

  it('shows the digest as docker\'s needDigest: of a tag with --digests or {{.Digest}} as written; <none> for a dangling image; of a name by digest with --digests, else nothing', () => {
    const digestOnly = summary(`docker.io/library/busybox@${hex('f')}`, hex('a'), '2024-01-02T00:00:00Z')
    const cases: [ImageSummary, boolean, string, string][] = [
      [busybox, false, 'json', '<none>'],
      [busybox, false, '{{json .}}', '<none>'],
      [busybox, true, 'json', hex('f')],
      [busybox, false, '{{.ID}} {{.Digest}}', hex('f')],
      [busybox, false, '{{ .Digest }}', '<none>'],
      [dangling, true, 'table {{.Digest}}', '<none>'],
      [digestOnly, false, '{{.Digest}}', ''],
      [digestOnly, true, 'json', hex('f')],
    ]
    for (const [image, digests, format, expected] of cases) assert.equal(listingDigest(image, {digests, format}), expected, `${image.record.name} ${digests} ${format}`)
  })
})

describe('committed images', () => {
  const committed = (name: string, id: string, parent: string): ImageSummary => {
    const image = summary(name, id, '2024-01-04T00:00:00Z')
    return {...image, record: {...image.record, labels: {'org.mobyproject.image.parent': parent}}}
  }
  const child = committed('docker.io/me/child:1', hex('1'), hex('a'))
  const untagged = committed(`nerd-dangling@${hex('2')}`, hex('2'), hex('a'))
  const grandchild = committed('docker.io/me/grandchild:1', hex('3'), hex('1'))

  it("are the children of the image their records' parent label names, as docker's Children", () => {
    const children = imageChildren([...all, child, untagged, grandchild, {...grandchild, repository: 'me/again'}])
    assert.deepEqual(children(hex('a')), [hex('1'), hex('2')])
    assert.deepEqual(children(hex('1')), [hex('3')])
    assert.deepEqual(children(hex('3')), [])
  })

  it('have their ancestors walked by the parent labels, up to an image without one or whose parent is gone, as docker\'s history', () => {
    const summaries = [...all, child, untagged, grandchild]
    assert.deepEqual(imageAncestors(summaries, grandchild), [hex('1'), hex('a')])
    assert.deepEqual(imageAncestors(summaries, child), [hex('a')])
    assert.deepEqual(imageAncestors([grandchild], grandchild), [])
    assert.deepEqual(imageAncestors(summaries, busybox), [])
  })

  it('are hidden when nameless and others name them their parent, as docker\'s images without -a', () => {
    const parent = summary(`nerd-dangling@${hex('f')}`, hex('a'), '2024-01-01T00:00:00Z')
    assert.deepEqual(withoutIntermediates([child, parent, untagged, dangling]), [child, untagged, dangling])
    assert.deepEqual(withoutIntermediates([child, busybox]), [child, busybox])
  })

  it("show that parent as image inspect's Parent, as docker's containerd store does; others none", () => {
    assert.equal(inspectDocument(child, [child], 'overlayfs').Parent, hex('a'))
    assert.equal(inspectDocument(busybox, [busybox, local], 'overlayfs').Parent, '')
  })
})

describe('inspectDocument', () => {
  it('gathers the tags and digests of every record with the ID', () => {
    const document = inspectDocument(busybox, [busybox, local], 'overlayfs')
    assert.equal(document.Id, hex('a'))
    assert.deepEqual(document.RepoTags, ['busybox:latest', '127.0.0.1:5000/x/y:2'])
    assert.deepEqual(document.RepoDigests, [`busybox@${hex('f')}`, `127.0.0.1:5000/x/y@${hex('f')}`])
    assert.deepEqual(document.RootFS, {Type: 'layers', Layers: [hex('d')]})
    assert.deepEqual(document.Config.Labels, {tier: 'base'})
    assert.equal(document.Config.Cmd, null)
    assert.equal('Healthcheck' in document.Config, false)
    // docker's containerd image store names the snapshotter.
    assert.deepEqual(document.GraphDriver, {Data: null, Name: 'overlayfs'})
    assert.deepEqual(Object.keys(document).slice(-5), ['Size', 'GraphDriver', 'RootFS', 'Metadata', 'Descriptor'])
  })

  it('has the Manifests of docker\'s type for templates, none asked for: an empty list, absent from the JSON', () => {
    const document = inspectDocument(busybox, [busybox], 'overlayfs')
    assert.equal('Manifests' in document, false)
    assert.equal(formatInspect([document], '{{.Manifests}} {{len .Manifests}} {{json .Manifests}}').text, '[] 0 null\n')
  })

  it('shows the image\'s health check after Cmd, as docker\'s Config', () => {
    const healthcheck = {Test: ['CMD', 'test', '-e', '/tmp/hc'], Interval: 1_000_000_000, Retries: 1}
    const checked = summary('docker.io/me/checked:1', hex('e'), '2024-01-02T00:00:00Z')
    checked.config = {...checked.config!, config: {Cmd: ['sh'], Healthcheck: healthcheck}}
    const config = inspectDocument(checked, [checked], 'overlayfs').Config
    assert.deepEqual(config.Healthcheck, healthcheck)
    assert.deepEqual(Object.keys(config).slice(Object.keys(config).indexOf('Cmd'), Object.keys(config).indexOf('Cmd') + 3), ['Cmd', 'Healthcheck', 'Image'])
  })
})

describe('inspectDocument renders the config as docker\'s Go types marshal it', () => {
  it('re-formats Created as RFC3339Nano, "" when the config has none', () => {
    const shaped = summary('docker.io/me/shaped:1', hex('e'), '2024-01-02T00:00:00Z')
    const created = (text: string | undefined) => inspectDocument({...shaped, config: {...shaped.config!, created: text}}, [shaped], 'overlayfs').Created
    assert.equal(created('2024-01-01T01:02:03.500000000+02:00'), '2024-01-01T01:02:03.5+02:00')
    assert.equal(created('2024-01-01T00:00:00.000000000Z'), '2024-01-01T00:00:00Z')
    assert.equal(created('2024-01-01T00:00:00.123456789123+00:00'), '2024-01-01T00:00:00.123456789Z')
    assert.equal(created(undefined), '')
  })

  it('leaves out an empty ExposedPorts and the health check\'s zero fields, keeps ArgsEscaped and the OS version', () => {
    const shaped = summary('docker.io/me/shaped:1', hex('e'), '2024-01-02T00:00:00Z')
    shaped.config = {
      ...shaped.config!,
      'os.version': '10.0.17763.1',
      config: {ExposedPorts: {}, Cmd: ['sh'], ArgsEscaped: true, Healthcheck: {Test: ['CMD', 'true'], Interval: 1_000_000_000, Timeout: 0, Retries: 0}},
    }
    const document = inspectDocument(shaped, [shaped], 'overlayfs')
    assert.equal('ExposedPorts' in document.Config, false)
    assert.deepEqual(document.Config.Healthcheck, {Test: ['CMD', 'true'], Interval: 1_000_000_000})
    assert.deepEqual(Object.keys(document.Config).slice(Object.keys(document.Config).indexOf('Cmd'), Object.keys(document.Config).indexOf('Cmd') + 4), ['Cmd', 'Healthcheck', 'ArgsEscaped', 'Image'])
    assert.equal(document.Config.ArgsEscaped, true)
    assert.deepEqual(Object.keys(document).slice(Object.keys(document).indexOf('Os'), Object.keys(document).indexOf('Os') + 3), ['Os', 'OsVersion', 'Size'])
    assert.equal(document.OsVersion, '10.0.17763.1')
    const plain = inspectDocument(busybox, [busybox], 'overlayfs')
    assert.equal('ArgsEscaped' in plain.Config, false)
    assert.equal('OsVersion' in plain, false)
  })
})

describe('historyRows', () => {
  const config: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    rootfs: {type: 'layers', diff_ids: [hex('1'), hex('2')]},
    history: [
      {created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in /'},
      {created: '2024-01-01T00:00:01Z', created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true},
      {created: '2024-01-01T00:00:02Z', created_by: 'COPY x /x', comment: 'buildkit'},
    ],
  }

  it('lists newest first, sizes the layers in order, cuts CREATED BY to 45 characters', () => {
    const rows = historyRows([hex('a')], config, [1500, 2_000_000], {human: true, noTrunc: false, now: new Date('2024-01-01T02:00:00Z')})
    assert.deepEqual(rows.map((row) => [row.ID, row.Size, row.Comment]), [
      ['aaaaaaaaaaaa', '2MB', 'buildkit'],
      ['<missing>', '0B', ''],
      ['<missing>', '1.5kB', ''],
    ])
    assert.equal(rows[2].CreatedBy, '/bin/sh -c #(nop) ADD file:0123456789abcdef0…')
    assert.equal(rows[2].CreatedSince, '2 hours ago')
  })

  it('-H=false gives bytes and RFC 3339; --no-trunc the whole command and ID', () => {
    const [newest, , oldest] = historyRows([hex('a')], config, [1500, 2_000_000], {human: false, noTrunc: true})
    assert.equal(newest.ID, hex('a'))
    assert.equal(newest.Size, '2000000')
    assert.equal(newest.CreatedSince, '2024-01-01T00:00:02Z')
    assert.equal(oldest.CreatedBy, config.history?.[0].created_by)
  })

  it('shows no age for a date up to 2000, and docker\'s 0 (1970) for an entry without one', () => {
    const dated: ImageConfig = {...config, history: [{created: '1999-01-01T00:00:00Z', created_by: 'old'}, {created: '2000-01-01T00:00:00Z', created_by: 'epoch', empty_layer: true}, {created_by: 'undated'}]}
    const human = historyRows([hex('a')], dated, [1, 2], {human: true, noTrunc: false, now: new Date('2024-01-01T00:00:00Z')})
    assert.deepEqual(human.map((row) => [row.CreatedSince, row.CreatedAt]), [['N/A', '1970-01-01T00:00:00Z'], ['N/A', '2000-01-01T00:00:00Z'], ['N/A', '1999-01-01T00:00:00Z']])
    const plain = historyRows([hex('a')], dated, [1, 2], {human: false, noTrunc: false})
    assert.deepEqual(plain.map((row) => row.CreatedSince), ['1970-01-01T00:00:00Z', '2000-01-01T00:00:00Z', '1999-01-01T00:00:00Z'])
  })

  it('gives the images it was committed from their IDs on the lines below, one each', () => {
    const rows = historyRows([hex('a'), hex('b')], config, [1500, 2_000_000], {human: true, noTrunc: false})
    assert.deepEqual(rows.map((row) => row.ID), ['aaaaaaaaaaaa', 'bbbbbbbbbbbb', '<missing>'])
  })
})

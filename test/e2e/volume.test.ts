/**
 * The volume commands end to end: create (named, anonymous, labels, driver options), ls with its
 * filters and formats, inspect, rm and prune, as docker prints them. Volumes in use by containers
 * are covered with `run -v`.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {mkdir, readdir, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {promisify} from 'node:util'
import {nerdOk} from '../helpers/containers.ts'
import {fileDataRoot, fileNamespace, loadTestImage, nerd, nerdEntry, nerdGlobals} from '../helpers/e2e.ts'

const runFile = promisify(execFile)

const DOCKER_KEYS = ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']

async function inspectVolume(name: string): Promise<Record<string, any>> {
  const documents = JSON.parse(await nerdOk(['volume', 'inspect', name])) as Record<string, any>[]
  assert.equal(documents.length, 1)
  return documents[0]!
}

async function names(args: string[] = []): Promise<string[]> {
  return (await nerdOk(['volume', 'ls', '-q', ...args])).split('\n').filter((line) => line !== '')
}

async function removeAll(): Promise<void> {
  const all = await names()
  if (all.length > 0) await nerdOk(['volume', 'rm', ...all])
}

describe('volume commands', () => {
  it('creates a named volume once, prints its name, and inspects it in docker shape', async () => {
    assert.equal(await nerdOk(['volume', 'create', 'e2e-data']), 'e2e-data\n')
    const first = await inspectVolume('e2e-data')
    assert.equal(await nerdOk(['volume', 'create', 'e2e-data']), 'e2e-data\n')
    assert.deepEqual(await inspectVolume('e2e-data'), first)
    assert.deepEqual(Object.keys(first), DOCKER_KEYS)
    assert.equal(first.Name, 'e2e-data')
    assert.equal(first.Driver, 'local')
    assert.equal(first.Scope, 'local')
    assert.deepEqual(first.Labels, {})
    assert.deepEqual(first.Options, {})
    assert.equal(first.Mountpoint, join(fileDataRoot(), 'volumes', fileNamespace(), 'e2e-data', '_data'))
    assert.ok((await stat(first.Mountpoint)).isDirectory())
    assert.match(first.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.equal(await nerdOk(['volume', 'inspect', '-f', '{{.Name}} {{.Driver}}', 'e2e-data']), 'e2e-data local\n')
    await nerdOk(['volume', 'rm', 'e2e-data'])
  })

  it('takes the name from docker\'s hidden --name too, but not twice', async () => {
    assert.equal(await nerdOk(['volume', 'create', '--name', 'e2e-named-flag']), 'e2e-named-flag\n')
    assert.equal((await inspectVolume('e2e-named-flag')).Name, 'e2e-named-flag')
    const twice = await nerd(['volume', 'create', '--name', 'a1', 'a2'])
    assert.deepEqual([twice.code, twice.stderr], [1, 'Error: conflicting options: cannot specify a volume-name through both --name and as a positional arg\n'])
    await nerdOk(['volume', 'rm', 'e2e-named-flag'])
  })

  it('generates a 64-hex name for an anonymous volume', async () => {
    const name = (await nerdOk(['volume', 'create'])).trim()
    assert.match(name, /^[0-9a-f]{64}$/)
    assert.deepEqual((await inspectVolume(name)).Labels, {'com.docker.volume.anonymous': ''})
    await nerdOk(['volume', 'rm', name])
  })

  it('refuses bad names, other drivers and unknown options with one line and exit 1', async () => {
    const cases: Array<[string[], string]> = [
      [['x'], 'Error: create x: volume name is too short, names should be at least two alphanumeric characters\n'],
      [
        ['/srv/data'],
        'Error: create /srv/data: "/srv/data" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path\n',
      ],
      [['-d', 'nfs', 'vol'], 'Error: create vol: error looking up volume plugin nfs: plugin "nfs" not found\n'],
      [['-o', 'colour=blue', 'vol'], 'Error: create vol: invalid option: "colour"\n'],
      [['-o', 'type=tmpfs', 'vol'], 'Error: create vol: missing required option: "device"\n'],
      // Go's len counts bytes: docker says é has invalid characters, not that it is too short.
      [
        ['é'],
        'Error: create é: "é" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path\n',
      ],
      [['v'.repeat(242)], `Error: create ${'v'.repeat(242)}: volume name is too long, names should be at most 241 characters\n`],
    ]
    for (const [args, stderr] of cases) {
      const result = await nerd(['volume', 'create', ...args])
      assert.equal(result.code, 1, args.join(' '))
      assert.equal(result.stderr, stderr)
      assert.equal(result.stdout, '')
    }
    assert.deepEqual(await names(), [])
  })

  it('checks --label values as docker\'s CLI does, before anything else: exit 125 with its See line', async () => {
    for (const [label, reason] of [['=x', "invalid label '=x': empty name"], [' =x', "invalid label ' =x': empty name"], ['a b=c', "label 'a b' contains whitespaces"]]) {
      const result = await nerd(['volume', 'create', '--label', label!, '--name', 'a1', 'a2'])
      assert.deepEqual([result.code, result.stdout, result.stderr], [125, '', `invalid argument "${label}" for "--label" flag: ${reason}\nRun 'nerd volume create --help' for more information\n`])
    }
    assert.deepEqual(await names(), [])
  })

  it('keeps labels and tmpfs driver options, shown by inspect and ls', async () => {
    await nerdOk(['volume', 'create', '--label', 'tier=db', '--label', 'backup', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=10m,uid=1000', 'e2e-tmp'])
    const volume = await inspectVolume('e2e-tmp')
    assert.deepEqual(volume.Labels, {backup: '', tier: 'db'})
    assert.deepEqual(volume.Options, {device: 'tmpfs', o: 'size=10m,uid=1000', type: 'tmpfs'})
    assert.equal(await nerdOk(['volume', 'ls', '--format', '{{.Name}}|{{.Labels}}|{{.Label "tier"}}']), 'e2e-tmp|backup=,tier=db|db\n')
    await nerdOk(['volume', 'rm', 'e2e-tmp'])
  })

  it('takes an empty driver for the local one, as docker\'s volume store', async () => {
    assert.equal(await nerdOk(['volume', 'create', '-d', '', 'e2e-empty-driver']), 'e2e-empty-driver\n')
    assert.equal((await inspectVolume('e2e-empty-driver')).Driver, 'local')
    await removeAll()
  })

  it('lists volumes as docker does: table, -q, json, templates and the list alias', async () => {
    for (const name of ['e2e-b10', 'e2e-b9', 'e2e-a']) await nerdOk(['volume', 'create', name])
    assert.equal(await nerdOk(['volume', 'ls']), 'DRIVER    VOLUME NAME\nlocal     e2e-a\nlocal     e2e-b9\nlocal     e2e-b10\n')
    assert.equal(await nerdOk(['volume', 'list', '-q']), 'e2e-a\ne2e-b9\ne2e-b10\n')
    assert.equal(await nerdOk(['volume', 'ls', '--format', 'table {{.Name}}\t{{.Scope}}']), 'VOLUME NAME   SCOPE\ne2e-a         local\ne2e-b9        local\ne2e-b10       local\n')
    const lines = (await nerdOk(['volume', 'ls', '--format', 'json'])).trim().split('\n')
    assert.equal(lines.length, 3)
    assert.deepEqual(JSON.parse(lines[0]!), {
      Availability: 'N/A',
      Driver: 'local',
      Group: 'N/A',
      Labels: '',
      Links: 'N/A',
      Mountpoint: join(fileDataRoot(), 'volumes', fileNamespace(), 'e2e-a', '_data'),
      Name: 'e2e-a',
      Scope: 'local',
      Size: 'N/A',
      Status: 'N/A',
    })
    // -q changes only the table and raw formats; raw is docker's; a field docker's volumeContext lacks is an error.
    assert.equal(await nerdOk(['volume', 'ls', '-q', '--format', '{{.Name}}-{{.Driver}}', '-f', 'name=e2e-a']), 'e2e-a-local\n')
    assert.equal(await nerdOk(['volume', 'ls', '--format', 'raw', '-f', 'name=e2e-a']), 'name: e2e-a\ndriver: local\n\n')
    assert.equal(await nerdOk(['volume', 'ls', '-q', '--format', 'raw', '-f', 'name=e2e-a']), 'name: e2e-a\n')
    const unknown = await nerd(['volume', 'ls', '--format', '{{.CreatedAt}}'])
    assert.deepEqual([unknown.code, unknown.stdout, unknown.stderr], [1, '', 'Error: template parsing error: template: :1:2: executing "" at <.CreatedAt>: can\'t evaluate field CreatedAt in type *formatter.volumeContext\n'])
    // docker's config.json volumesFormat, unless -q.
    const dockerConfig = join(fileDataRoot(), 'docker-config')
    await mkdir(dockerConfig, {recursive: true})
    await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({volumesFormat: 'V {{.Name}}'}))
    assert.equal(await nerdOk(['volume', 'ls', '-f', 'name=e2e-a'], {env: {DOCKER_CONFIG: dockerConfig}}), 'V e2e-a\n')
    assert.equal(await nerdOk(['volume', 'ls', '-q', '-f', 'name=e2e-a'], {env: {DOCKER_CONFIG: dockerConfig}}), 'e2e-a\n')
    await removeAll()
  })

  it('filters by name, label, driver and dangling; refuses unknown filters', async () => {
    await nerdOk(['volume', 'create', '--label', 'app=web', 'e2e-web'])
    await nerdOk(['volume', 'create', '--label', 'app=db', '--label', 'tier=back', 'e2e-db'])
    await nerdOk(['volume', 'create', 'e2e-cache'])
    assert.deepEqual(await names(['--filter', 'name=e2e-web']), ['e2e-web'])
    assert.deepEqual(await names(['--filter', 'name=^e2e-(web|db)$']), ['e2e-db', 'e2e-web'])
    assert.deepEqual(await names(['--filter', 'label=app']), ['e2e-db', 'e2e-web'])
    assert.deepEqual(await names(['--filter', 'label=app=db']), ['e2e-db'])
    assert.deepEqual(await names(['-f', 'label=app', '-f', 'label=tier']), ['e2e-db'])
    assert.deepEqual(await names(['--filter', 'driver=local', '--filter', 'name=cache']), ['e2e-cache'])
    assert.deepEqual(await names(['--filter', 'dangling=true']), ['e2e-cache', 'e2e-db', 'e2e-web'])
    assert.deepEqual(await names(['--filter', 'dangling=false']), [])
    // An empty value is no filter (`-f "$F"` with F unset), and both sides are trimmed, as docker's FilterOpt reads them.
    assert.deepEqual(await names(['--filter', '']), ['e2e-cache', 'e2e-db', 'e2e-web'])
    assert.deepEqual(await names(['--filter', 'label= app=db ']), ['e2e-db'])
    for (const [filter, code, message] of [
      ['until=1h', 1, "Error: invalid filter 'until'\n"],
      ['dangling=maybe', 1, "Error: invalid filter 'dangling=[maybe]'\n"],
      ['name', 125, `invalid argument "name" for "-f, --filter" flag: bad format of filter (expected name=value)\nRun 'nerd volume ls --help' for more information\n`],
    ] as const) {
      const result = await nerd(['volume', 'ls', '--filter', filter])
      assert.equal(result.code, code, filter)
      assert.equal(result.stderr, message)
    }
    await removeAll()
  })

  it('inspects several volumes, and reports missing ones with exit 1 in docker 28\'s words', async () => {
    await nerdOk(['volume', 'create', 'e2e-one'])
    await nerdOk(['volume', 'create', 'e2e-two'])
    const result = await nerd(['volume', 'inspect', 'e2e-one', 'e2e-missing', 'e2e-two'])
    assert.equal(result.code, 1)
    assert.equal(result.stderr, 'Error: get e2e-missing: no such volume\n')
    assert.deepEqual((JSON.parse(result.stdout) as Array<{Name: string}>).map((volume) => volume.Name), ['e2e-one', 'e2e-two'])
    assert.match(result.stdout, /^\[\n {4}\{\n {8}"CreatedAt"/)
    const none = await nerd(['volume', 'inspect', 'e2e-missing'])
    assert.deepEqual([none.code, none.stdout, none.stderr], [1, '[]\n', 'Error: get e2e-missing: no such volume\n'])
    // docker's client trims a name, and refuses one that is empty then.
    assert.equal((JSON.parse(await nerdOk(['volume', 'inspect', ' e2e-one '])) as Array<{Name: string}>)[0]!.Name, 'e2e-one')
    const empty = await nerd(['volume', 'inspect', ' '])
    assert.deepEqual([empty.code, empty.stdout, empty.stderr], [1, '[]\n', 'Error: invalid volume name or ID: value is empty\n'])
    await removeAll()
  })

  it('acts on names in the order typed, as docker: a repeated name again where it comes, one also given as a flag\'s value where it stands', async () => {
    for (const name of ['e2e-o1', 'e2e-o2', 'volume']) await nerdOk(['volume', 'create', name])
    assert.equal(await nerdOk(['volume', 'inspect', '--format', '{{.Name}}', 'e2e-o1', 'e2e-o2', 'e2e-o1']), 'e2e-o1\ne2e-o2\ne2e-o1\n')
    assert.equal(await nerdOk(['inspect', '--type', 'volume', '--format', '{{.Name}}', 'e2e-o2', 'volume', 'e2e-o1']), 'e2e-o2\nvolume\ne2e-o1\n')
    const removed = await nerd(['volume', 'rm', 'e2e-o1', 'e2e-nosuch', 'e2e-o1'])
    assert.deepEqual([removed.code, removed.stdout, removed.stderr], [1, 'e2e-o1\n', 'Error: get e2e-nosuch: no such volume\nError: get e2e-o1: no such volume\n'])
    await removeAll()
  })

  it('inspect --size and ls --size count the content', async () => {
    await nerdOk(['volume', 'create', 'e2e-sized'])
    const {Mountpoint} = await inspectVolume('e2e-sized')
    await writeFile(join(Mountpoint, 'blob'), Buffer.alloc(2345))
    const [sized] = JSON.parse(await nerdOk(['volume', 'inspect', '--size', 'e2e-sized'])) as Record<string, any>[]
    assert.deepEqual(sized!.UsageData, {RefCount: 0, Size: 2345})
    // A Go struct prints its values in field order.
    assert.equal(await nerdOk(['volume', 'inspect', '-s', '-f', '{{.UsageData}}', 'e2e-sized']), '{0 2345}\n')
    // docker 28's volume inspect runs the template on the Go value only.
    const missing = await nerd(['volume', 'inspect', '-f', '{{.Nope}}', 'e2e-sized'])
    assert.deepEqual({code: missing.code, stdout: missing.stdout, stderr: missing.stderr}, {
      code: 1,
      stdout: '\n',
      stderr: 'Error: template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type volume.Volume\n',
    })
    // docker's volumeContext prints sizes with go-units' 4 digits.
    assert.equal(await nerdOk(['volume', 'ls', '-s']), 'DRIVER    VOLUME NAME   SIZE\nlocal     e2e-sized     2.345kB\n')
    assert.equal(await nerdOk(['volume', 'ls', '-s', '--format', '{{.Name}} {{.Links}} {{.Size}}']), 'e2e-sized 0 2.345kB\n')
    await removeAll()
  })

  it('rm removes each volume it can, one error line per failure, exit 1; -f ignores missing ones', async () => {
    await nerdOk(['volume', 'create', 'e2e-r1'])
    await nerdOk(['volume', 'create', 'e2e-r2'])
    const result = await nerd(['volume', 'rm', 'e2e-r1', 'e2e-nosuch', 'e2e-r2'])
    assert.equal(result.code, 1)
    assert.equal(result.stdout, 'e2e-r1\ne2e-r2\n')
    assert.equal(result.stderr, 'Error: get e2e-nosuch: no such volume\n')
    assert.deepEqual(await names(), [])
    await nerdOk(['volume', 'create', 'e2e-r3'])
    assert.equal(await nerdOk(['volume', 'remove', '-f', 'e2e-nosuch', 'e2e-r3']), 'e2e-nosuch\ne2e-r3\n')
    assert.deepEqual(await names(), [])
    const single = await nerd(['volume', 'rm', 'e2e-nosuch'])
    assert.deepEqual([single.code, single.stderr], [1, 'Error: get e2e-nosuch: no such volume\n'])
    // docker's client trims a name, and refuses one that is empty then, -f or not.
    await nerdOk(['volume', 'create', 'e2e-r4'])
    assert.equal(await nerdOk(['volume', 'rm', ' e2e-r4']), ' e2e-r4\n')
    assert.deepEqual(await names(), [])
    const empty = await nerd(['volume', 'rm', '-f', ''])
    assert.deepEqual([empty.code, empty.stdout, empty.stderr], [1, '', 'Error: invalid volume name or ID: value is empty\n'])
  })

  it('prune asks first, removes only anonymous volumes unless -a, and reports the space', async () => {
    const anonymous = (await nerdOk(['volume', 'create'])).trim()
    await writeFile(join((await inspectVolume(anonymous)).Mountpoint, 'blob'), Buffer.alloc(2345))
    await nerdOk(['volume', 'create', '--label', 'keep=yes', 'e2e-kept'])
    await nerdOk(['volume', 'create', 'e2e-named'])
    await nerdOk(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'e2e-mem'])

    const declined = await nerd(['volume', 'prune'], {input: 'n\n'})
    assert.equal(declined.code, 0)
    assert.equal(declined.stdout, 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ')
    assert.equal((await names()).length, 4)
    // docker's CLI names all volumes for -a only, not for the filter that has the same effect.
    const filtered = await nerd(['volume', 'prune', '--filter', 'all=1'], {input: 'n\n'})
    assert.equal(filtered.stdout, 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ')

    const accepted = await nerd(['volume', 'prune'], {input: 'y\n'})
    assert.equal(accepted.code, 0)
    // go-units' HumanSize: 4 significant digits.
    assert.ok(accepted.stdout.endsWith(`[y/N] Deleted Volumes:\n${anonymous}\n\nTotal reclaimed space: 2.345kB\n`), accepted.stdout)
    assert.deepEqual(await names(), ['e2e-kept', 'e2e-mem', 'e2e-named'])

    assert.equal(await nerdOk(['volume', 'prune', '-f']), 'Total reclaimed space: 0B\n')
    assert.equal(await nerdOk(['volume', 'prune', '-a', '-f', '--filter', 'label!=keep=yes']), 'Deleted Volumes:\ne2e-named\n\nTotal reclaimed space: 0B\n')
    const all = await nerd(['volume', 'prune', '--all'], {input: 'y\n'})
    assert.ok(all.stdout.startsWith('WARNING! This will remove all local volumes not used by at least one container.\n'), all.stdout)
    assert.ok(all.stdout.endsWith('Deleted Volumes:\ne2e-kept\n\nTotal reclaimed space: 0B\n'), all.stdout)
    // docker leaves volumes with driver options to their owner: their content is not on this disk.
    assert.deepEqual(await names(), ['e2e-mem'])

    const conflicting = await nerd(['volume', 'prune', '-a', '-f', '--filter', 'all=true'])
    assert.deepEqual([conflicting.code, conflicting.stderr], [1, 'Error: conflicting options: cannot specify both --all and --filter all=1\n'])
    await removeAll()
  })

  it('a volume named as long as names can be is removed by rm and by prune, which a normal one beside it does not stop', async () => {
    const longest = 'l'.repeat(241)
    await nerdOk(['volume', 'create', longest])
    assert.equal(await nerdOk(['volume', 'rm', longest]), `${longest}\n`)
    await nerdOk(['volume', 'create', longest])
    await nerdOk(['volume', 'create', 'e2e-beside'])
    assert.equal(await nerdOk(['volume', 'prune', '-a', '-f']), `Deleted Volumes:\ne2e-beside\n${longest}\n\nTotal reclaimed space: 0B\n`)
    assert.deepEqual(await names(), [])
    assert.deepEqual(await readdir(join(fileDataRoot(), 'volumes', fileNamespace())), [])
    // A longer name is no volume's, whatever the file name of its lock would hold.
    for (const long of ['l'.repeat(242), 'l'.repeat(252)]) {
      const removed = await nerd(['volume', 'rm', long])
      assert.deepEqual([removed.code, removed.stdout, removed.stderr], [1, '', `Error: get ${long}: no such volume\n`])
      const forced = await nerd(['volume', 'rm', '-f', long])
      // As docker's CLI, which prints each name the daemon removed or, forced, did not find.
      assert.deepEqual([forced.code, forced.stdout, forced.stderr], [0, `${long}\n`, ''])
    }
  })

  it('removes a volume of 50,000 files without memory growing with them (Node\'s recursive rm took 220 MB)', {timeout: 300_000}, async () => {
    const volume = await inspectVolume((await nerdOk(['volume', 'create', 'e2e-many'])).trim())
    for (let directory = 0; directory < 5; directory++) {
      const path = join(volume.Mountpoint, `d${directory}`)
      mkdirSync(path)
      for (let file = 0; file < 10_000; file++) writeFileSync(join(path, `f${file}`), '')
    }
    const {stderr} = await runFile('/usr/bin/time', ['-f', 'max RSS %M KB', process.execPath, '--', nerdEntry, ...nerdGlobals(), 'volume', 'rm', 'e2e-many'], {env: {...process.env, NERD_TOML: '/dev/null'}})
    const rss = Number(/max RSS (\d+) KB/.exec(stderr)?.[1])
    assert.ok(rss > 0 && rss < 150_000, stderr)
    assert.deepEqual(await names(), [])
    assert.deepEqual(await readdir(join(fileDataRoot(), 'volumes', fileNamespace())), [])
  })

  it('a volume whose volume.json nerd cannot use is left out of ls and prune with a warning naming the file, fails inspect and run -v on one line, and rm removes it', async () => {
    const problem: Record<string, {content: string; reason: string}> = {
      'e2e-empty': {content: '', reason: 'the file is empty'},
      'e2e-garbled': {content: 'garbage{\n', reason: `Unexpected token 'g', "garbage{\\n" is not valid JSON`},
      'e2e-shape': {content: '{"Name": 5}', reason: 'Name is the number 5, not a string'},
    }
    const recordOf = (name: string) => join(fileDataRoot(), 'volumes', fileNamespace(), name, 'volume.json')
    for (const [name, {content}] of Object.entries(problem)) {
      await nerdOk(['volume', 'create', name])
      await writeFile(recordOf(name), content)
    }
    await nerdOk(['volume', 'create', 'e2e-sound'])
    const invalid = (name: string) => `invalid volume record ${recordOf(name)}: ${problem[name]!.reason}`
    // In the order ls lists volumes (natural order of their names).
    const warnings = Object.keys(problem).map((name) => `WARNING: left out volume ${name} (nerd volume rm removes it): ${invalid(name)}\n`).join('')

    const listed = await nerd(['volume', 'ls', '-q'])
    assert.deepEqual(listed, {...listed, code: 0, stdout: 'e2e-sound\n', stderr: warnings})
    const pruned = await nerd(['volume', 'prune', '-a', '-f'])
    assert.deepEqual(pruned, {...pruned, code: 0, stdout: 'Deleted Volumes:\ne2e-sound\n\nTotal reclaimed space: 0B\n', stderr: warnings})
    const inspected = await nerd(['volume', 'inspect', 'e2e-garbled'])
    assert.deepEqual([inspected.code, inspected.stdout, inspected.stderr], [1, '[]\n', `Error: ${invalid('e2e-garbled')}\n`])
    await loadTestImage('nerd-test/busybox:latest')
    const run = await nerd(['run', '--rm', '--network', 'none', '-v', 'e2e-shape:/x', 'nerd-test/busybox', 'ls', '/x'])
    assert.deepEqual([run.code, run.stderr], [125, `Error: ${invalid('e2e-shape')}\n`])

    assert.equal(await nerdOk(['volume', 'rm', 'e2e-garbled']), 'e2e-garbled\n')
    assert.equal(await nerdOk(['volume', 'rm', '-f', 'e2e-empty', 'e2e-shape']), 'e2e-empty\ne2e-shape\n')
    assert.deepEqual(await nerd(['volume', 'ls', '-q']).then(({stdout, stderr}) => [stdout, stderr]), ['', ''])
  })
})

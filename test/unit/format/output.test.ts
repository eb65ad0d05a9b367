// Expected output is what docker 28 prints for the same formats (checked with `docker context ls`,
// which goes through the same formatter, on a docker without a daemon).
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {NerdError} from '../../../src/errors.ts'
import {formatInspect, goStructRow, listingFormat, renderItems, truncateId, type RenderOptions} from '../../../src/format/index.ts'
import {goStruct, MAP, mapOf, POINTER, pointerTo, renamed, SLICE, sliceOf, withGoType} from '../../../src/format/go-types.ts'
import {CONTAINER_TYPE} from '../../../src/container/inspect-types.ts'

const containers = [
  {
    ID: 'c1a2b3c4d5e6',
    Image: 'nginx:latest',
    Command: '"/docker-entrypoint.…"',
    RunningFor: '2 hours ago',
    Status: 'Up 2 hours',
    Ports: '0.0.0.0:8080->80/tcp',
    Names: 'web',
    Labels: {'com.docker.compose.project': 'shop'},
    Label: (name: string) => (name === 'com.docker.compose.project' ? 'shop' : ''),
  },
  {
    ID: 'ffeeddccbbaa',
    Image: 'alpine',
    Command: '"sh"',
    RunningFor: '3 days ago',
    Status: 'Exited (0) 3 days ago',
    Ports: '',
    Names: 'x<y>',
    Labels: {},
    Label: (_name: string) => '',
  },
]

const ps: RenderOptions = {
  defaultTable: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}',
  headers: {ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', RunningFor: 'CREATED', Status: 'STATUS', Ports: 'PORTS', Names: 'NAMES', Labels: 'LABELS'},
}

function lines(...rows: string[]): string {
  return rows.map((row) => `${row}\n`).join('')
}

function templateError(action: () => unknown): NerdError {
  try {
    action()
  } catch (error) {
    assert.ok(error instanceof NerdError, `expected a NerdError, got ${error}`)
    return error
  }
  assert.fail('expected an error')
}

describe('renderItems', () => {
  const defaultTable = lines(
    'CONTAINER ID   IMAGE          COMMAND                  CREATED       STATUS                  PORTS                  NAMES',
    'c1a2b3c4d5e6   nginx:latest   "/docker-entrypoint.…"   2 hours ago   Up 2 hours              0.0.0.0:8080->80/tcp   web',
    'ffeeddccbbaa   alpine         "sh"                     3 days ago    Exited (0) 3 days ago                          x<y>',
  )

  it('prints the default table without a format, with an empty one and with "table"', () => {
    assert.equal(renderItems(containers, ps), defaultTable)
    assert.equal(renderItems(containers, {...ps, format: ''}), defaultTable)
    assert.equal(renderItems(containers, {...ps, format: 'table'}), defaultTable)
  })

  it('prints only the header for no items', () => {
    assert.equal(renderItems([], ps), lines('CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES'))
  })

  it('prints a table from "table <template>", with \\t typed literally', () => {
    assert.equal(renderItems(containers, {...ps, format: 'table {{.ID}}\\t{{.Names}}'}), lines('CONTAINER ID   NAMES', 'c1a2b3c4d5e6   web', 'ffeeddccbbaa   x<y>'))
    assert.equal(renderItems(containers, {...ps, format: 'table{{.Names}}'}), lines('NAMES', 'web', 'x<y>'))
  })

  it("heads a field the command names no column for <no value>, as docker's header map, and label columns with the last part of the key", () => {
    const format = 'table {{.Names}}\\t{{.Label "com.docker.compose.project"}}\\t{{.CreatedAt}}\\t{{.LocalVolumes}}'
    assert.equal(
      renderItems(containers.slice(0, 1), {...ps, format}),
      lines('NAMES     project   <no value>   <no value>', 'web       shop      <no value>   <no value>'),
    )
    // A listing of nothing prints the header alone: there is no row for an unknown field to fail on.
    const typed = {...ps, itemType: '*formatter.imageContext', format: 'table {{.Bogus}}\\t{{.ID}}'}
    assert.equal(renderItems([], typed), lines('<no value>   CONTAINER ID'))
    assert.throws(() => renderItems(containers, typed), /can't evaluate field Bogus/)
  })

  it('keeps header names as they are through docker functions, except pad', () => {
    const format = 'table {{.Names | upper}}\\t{{json .Image}}\\t{{truncate .Status 3}}\\t{{pad .Ports 1 1}}|'
    assert.equal(
      renderItems(containers.slice(0, 1), {...ps, format}),
      lines('NAMES     IMAGE            STATUS     PORTS |', 'WEB       "nginx:latest"   Up         0.0.0.0:8080->80/tcp |'),
    )
  })

  it('leaves header conditions on unknown fields false, as docker does', () => {
    const format = 'table {{.Names}}{{if .Current}} *{{end}}\\t{{.Image}}'
    const items = [{Names: 'a', Image: 'i', Current: true}]
    assert.equal(renderItems(items, {...ps, format}), lines('NAMES     IMAGE', 'a *       i'))
  })

  it('keeps the header written before a header error, as docker does', () => {
    const format = 'table {{.ID}}\\t{{index .Labels "com.docker.compose.project"}}'
    assert.equal(renderItems(containers, {...ps, format}), lines('CONTAINER ID   ', 'c1a2b3c4d5e6   shop', 'ffeeddccbbaa   '))
  })

  it('prints one JSON object per line for "json", without HTML escaping and without methods', () => {
    const items = [{ID: 'a', Names: 'x<y>', Size: 1.5, Label: () => ''}, {ID: 'b', Names: '', Size: 0}]
    assert.equal(renderItems(items, {...ps, format: 'json'}), lines('{"ID":"a","Names":"x<y>","Size":1.5}', '{"ID":"b","Names":"","Size":0}'))
    assert.equal(renderItems(items, {...ps, format: '{{json .}}'}), lines('{"ID":"a","Names":"x<y>","Size":1.5}', '{"ID":"b","Names":"","Size":0}'))
  })

  it('runs any other template once per item, tabs left as they are', () => {
    assert.equal(renderItems(containers, {...ps, format: '{{.ID}}: {{.Names}}'}), lines('c1a2b3c4d5e6: web', 'ffeeddccbbaa: x<y>'))
    assert.equal(renderItems(containers, {...ps, format: '{{.ID}}\\t{{.Names}}'}), lines('c1a2b3c4d5e6\tweb', 'ffeeddccbbaa\tx<y>'))
    assert.equal(renderItems(containers, {...ps, format: '{{.Names}}\\n--'}), lines('web', '--', 'x<y>', '--'))
    assert.equal(renderItems(containers, {...ps, format: '  {{.Names}}  '}), lines('web', 'x<y>'))
    assert.equal(renderItems([], {...ps, format: '{{.Names}}'}), '')
  })

  it("reports template errors with docker's prefix, exit code 1", () => {
    const parse = templateError(() => renderItems(containers, {...ps, format: '{{.Names'}))
    assert.equal(parse.message, 'template parsing error: template: :1: unclosed action')
    assert.equal(parse.exitCode, 1)
    const execution = templateError(() => renderItems(containers, {...ps, format: 'table {{.Names.X}}'}))
    assert.equal(execution.message, `template parsing error: template: :1:8: executing "" at <.Names.X>: can't evaluate field X in type string`)
  })

  it('fails on a field the items lack when they stand for a Go struct, and prints <no value> when they stand for a map', () => {
    const unknown = templateError(() => renderItems(containers, {...ps, format: '{{.Nope}}', itemType: '*formatter.ContainerContext'}))
    assert.equal(unknown.message, `template parsing error: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type *formatter.ContainerContext`)
    assert.equal(renderItems(containers, {...ps, format: '{{.Names}}', itemType: '*formatter.ContainerContext'}), lines('web', 'x<y>'))
    assert.equal(renderItems(containers, {...ps, format: '{{.Nope}}'}), lines('<no value>', '<no value>'))
    // The mark is no field: JSON shows the same object.
    assert.equal(renderItems([{ID: 'a'}], {...ps, format: 'json', itemType: 'T'}), lines('{"ID":"a"}'))
  })

  it("fails on len of a row standing for a Go struct, naming the type behind docker's pointer; a map's len is its entries", () => {
    const failure = templateError(() => renderItems(containers, {...ps, format: '{{len .}}', itemType: '*formatter.imageContext'}))
    assert.equal(failure.message, 'template parsing error: template: :1:2: executing "" at <len .>: error calling len: len of type formatter.imageContext')
    assert.equal(renderItems([{a: '1', b: '2'}], {...ps, format: '{{len .}}'}), lines('2'))
  })
})

describe('formatInspect', () => {
  const objects = [{Id: 'abc', Config: {Labels: {note: '<b>&'}, Env: []}, State: {Running: true, Pid: 42}}]
  const text = (items: readonly unknown[], format?: string) => formatInspect(items, format).text

  it('prints a JSON array indented by 4 spaces, HTML characters as they are (the daemon\'s JSON), even for one object', () => {
    assert.equal(
      text(objects),
      lines(
        '[',
        '    {',
        '        "Id": "abc",',
        '        "Config": {',
        '            "Labels": {',
        '                "note": "<b>&"',
        '            },',
        '            "Env": []',
        '        },',
        '        "State": {',
        '            "Running": true,',
        '            "Pid": 42',
        '        }',
        '    }',
        ']',
      ),
    )
  })

  it('prints [] for nothing found', () => {
    assert.equal(text([]), '[]\n')
    assert.equal(text([], 'json'), '[]\n')
  })

  it('prints a compact array for "json"', () => {
    assert.equal(text(objects, 'json'), '[{"Id":"abc","Config":{"Labels":{"note":"<b>&"},"Env":[]},"State":{"Running":true,"Pid":42}}]\n')
    assert.equal(text(objects, '{{json .}}'), '{"Id":"abc","Config":{"Labels":{"note":"<b>&"},"Env":[]},"State":{"Running":true,"Pid":42}}\n')
  })

  it('applies a template to each object, one line each, without expanding \\t', () => {
    const two = [...objects, {Id: 'def', State: {Running: false, Pid: 0}}]
    assert.equal(text(two, '{{.Id}} {{.State.Pid}}'), lines('abc 42', 'def 0'))
    assert.equal(text(two, '{{json .State}}'), lines('{"Running":true,"Pid":42}', '{"Running":false,"Pid":0}'))
    assert.equal(text(objects, '{{.Id}}\\t'), lines('abc\\t'))
    assert.equal(text([], '{{.Id}}'), '\n')
  })

  it('fails with exit code 64 on a template that does not parse', () => {
    const parse = templateError(() => formatInspect(objects, '{{.Id'))
    assert.equal(parse.message, 'template parsing error: template: :1: unclosed action')
    assert.equal(parse.exitCode, 64)
  })

  it('reports the error of each object the template fails on and prints the others', () => {
    const three = [{Name: 'a', Env: ['x']}, {Name: 'b', Env: []}, {Name: 'c', Env: ['y']}]
    assert.deepEqual(formatInspect(three, '{{.Name}} {{index .Env 0}}'), {
      text: lines('a x', 'c y'),
      errors: [undefined, 'template parsing error: template: :1:12: executing "" at <index .Env 0>: error calling index: reflect: slice index out of range', undefined],
    })
    assert.deepEqual(formatInspect([three[1]], '{{index .Env 0}}').text, '\n')
  })

  it('fails on a key an object without a Go type lacks, as docker\'s raw JSON maps do', () => {
    assert.deepEqual(formatInspect([{Name: 'default', Labels: {}}], '{{.Nope}}'), {
      text: '\n',
      errors: ['template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"'],
    })
  })

  describe('of an object docker decodes into a Go type', () => {
    const STATE = goStruct('types.ContainerState', {Health: pointerTo(goStruct('types.Health'))})
    const CONTAINER = goStruct('types.ContainerJSON', {
      ID: renamed('Id'), State: pointerTo(STATE), Args: SLICE, Labels: MAP, SizeRw: POINTER, StopSignal: 'string',
      HostConfig: goStruct('container.HostConfig', {NanoCPUs: renamed('NanoCpus'), Binds: SLICE}),
      Mounts: sliceOf(goStruct('types.MountPoint', {Name: 'string'})), Networks: mapOf(pointerTo(goStruct('network.EndpointSettings', {Aliases: SLICE}))),
    })
    const container = () =>
      withGoType({Id: 'c1', Name: '/web', State: {Status: 'running'}, Args: null, Labels: {role: 'web'}, HostConfig: {NanoCpus: 0, Binds: null}, Mounts: [{Source: '/x'}], Networks: {bridge: {Aliases: null}}}, CONTAINER)
    const run = (format: string, item: object = container()) => formatInspect([item], format)

    it('sees the Go field names, or else the JSON names (not both in one template, as in docker)', () => {
      assert.equal(run('{{.ID}} {{.HostConfig.NanoCPUs}}').text, 'c1 0\n')
      assert.equal(run('{{.Id}} {{.HostConfig.NanoCpus}}').text, 'c1 0\n')
      assert.deepEqual(run('{{.ID}} {{.Id}}').errors, ['template parsing error: template: :1:2: executing "" at <.ID>: map has no entry for key "ID"'])
    })

    it('prints nil slices as [], nil maps as map[], nil pointers as <nil>, an omitted string as empty', () => {
      assert.equal(run('{{.Args}} {{.HostConfig.Binds}} {{len .Args}} {{.SizeRw}} {{.State.Health}} [{{.StopSignal}}] {{(index .Mounts 0).Name}}|').text, '[] [] 0 <nil> <nil> [] |\n')
      assert.equal(run('{{.Networks.bridge.Aliases}} {{if .Args}}args{{else}}none{{end}}').text, '[] none\n')
      const nil = goStruct('x.Y', {Labels: MAP})
      assert.equal(formatInspect([withGoType({Labels: null}, nil)], '{{.Labels}}').text, 'map[]\n')
    })

    it('writes the keys of Go maps sorted, as encoding/json does, in the JSON and for templates', () => {
      const PORTS = goStruct('types.ContainerJSON', {Ports: mapOf(sliceOf(goStruct('nat.PortBinding', {HostIP: renamed('HostIp')}))), Labels: MAP})
      const document = withGoType({Ports: {'80/tcp': [{HostIp: '', HostPort: '8080'}], '90/udp': null, '7000/tcp': null}, Labels: {b: '1', a: '2'}, Name: 'x'}, PORTS)
      assert.equal(formatInspect([document], 'json').text, '[{"Ports":{"7000/tcp":null,"80/tcp":[{"HostIp":"","HostPort":"8080"}],"90/udp":null},"Labels":{"a":"2","b":"1"},"Name":"x"}]\n')
      assert.equal(formatInspect([document], '{{json .Ports}} {{.Ports}}').text, '{"7000/tcp":null,"80/tcp":[{"HostIp":"","HostPort":"8080"}],"90/udp":null} map[7000/tcp:[] 80/tcp:[{ 8080}] 90/udp:[]]\n')
    })

    it('prints a time.Duration as Go does (2s, 1m30s, 500ms, 0s); JSON, %d and comparisons see its nanoseconds', () => {
      const document = withGoType({Config: {Healthcheck: {Test: ['CMD-SHELL', 'true'], Interval: 2e9, Timeout: 90e9, StartPeriod: 5e8, Retries: 2}}}, CONTAINER_TYPE)
      const render = (format: string) => formatInspect([document], format)
      assert.equal(render('{{.Config.Healthcheck}}|{{.Config.Healthcheck.Interval}}|{{.Config.Healthcheck.StartInterval}}').text, '{[CMD-SHELL true] 2s 1m30s 500ms 0s 2}|2s|0s\n')
      assert.equal(render('{{json .Config.Healthcheck}} {{json .Config.Healthcheck.Timeout}}').text, '{"Test":["CMD-SHELL","true"],"Interval":2000000000,"Timeout":90000000000,"StartPeriod":500000000,"Retries":2} 90000000000\n')
      assert.equal(render('{{printf "%d %v %s %#v" .Config.Healthcheck.Interval .Config.Healthcheck.Interval .Config.Healthcheck.Interval .Config.Healthcheck.Interval}}').text, '2000000000 2s 2s 2000000000\n')
      assert.equal(render('{{eq .Config.Healthcheck.Interval 2000000000}} {{lt .Config.Healthcheck.StartPeriod .Config.Healthcheck.Interval}}').text, 'true true\n')
      assert.equal(formatInspect([withGoType({Config: {Healthcheck: null}}, CONTAINER_TYPE)], '{{.Config.Healthcheck}}').text, '<nil>\n')
    })

    it('prints a time.Time to the nanosecond its text has, trailing zeros dropped, as Go does', () => {
      const NETWORK = goStruct('network.Inspect', {Created: 'time'})
      const render = (created: string, format: string) => formatInspect([withGoType({Created: created}, NETWORK)], format).text
      assert.equal(render('2024-01-02T15:04:05.123456780Z', '{{.Created}}|{{json .Created}}'), '2024-01-02 15:04:05.12345678 +0000 UTC|"2024-01-02T15:04:05.12345678Z"\n')
      assert.equal(render('2024-01-02T15:04:05Z', '{{.Created}}|{{json .Created}}'), '2024-01-02 15:04:05 +0000 UTC|"2024-01-02T15:04:05Z"\n')
      assert.equal(render('', '{{.Created}}'), '0001-01-01 00:00:00 +0000 UTC\n')
    })

    it('shows JSON as docker\'s API has it', () => {
      assert.equal(run('{{json .Args}} {{json .HostConfig}} {{json .Networks}}').text, 'null {"NanoCpus":0,"Binds":null} {"bridge":{"Aliases":null}}\n')
    })

    it('a missing key of a Go map is <no value>; of a struct, an error from the JSON (missingkey=error)', () => {
      assert.deepEqual(run('{{.Labels.nope}}'), {text: '<no value>\n', errors: [undefined]})
      assert.deepEqual(run('{{.State.Health.Status}}'), {
        text: '\n',
        errors: ['template parsing error: template: :1:8: executing "" at <.State.Health.Status>: map has no entry for key "Health"'],
      })
      assert.deepEqual(run('{{.Nope}}').errors, ['template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"'])
    })

    it('without the raw fallback (docker 28\'s volume inspect), fails on the Go value, naming its type', () => {
      assert.deepEqual(formatInspect([container()], '{{.Nope}}', {rawFallback: false}).errors, [
        'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type types.ContainerJSON',
      ])
      assert.equal(formatInspect([container()], '{{.ID}}', {rawFallback: false}).text, 'c1\n')
    })
  })
})

describe('truncateId', () => {
  it('cuts IDs to 12 hex characters without the digest algorithm', () => {
    const hex = '0123456789abcdef'.repeat(4)
    assert.equal(truncateId(`sha256:${hex}`), '0123456789ab')
    assert.equal(truncateId(hex), '0123456789ab')
    assert.equal(truncateId('abc'), 'abc')
  })

  it('keeps the whole ID with --no-trunc', () => {
    const hex = '0123456789abcdef'.repeat(4)
    assert.equal(truncateId(`sha256:${hex}`, true), `sha256:${hex}`)
    assert.equal(truncateId(hex, true), hex)
  })
})


describe('listing formats and contexts', () => {
  const formats = {table: 'table {{.ID}}', raw: 'id: {{.ID}}\\n', quiet: {table: '{{.ID}}', raw: 'id: {{.ID}}'}}

  it('chooses docker\'s table, raw or quiet format; -q leaves a custom format alone', () => {
    assert.equal(listingFormat(undefined, formats), 'table {{.ID}}')
    assert.equal(listingFormat('table', formats, true), '{{.ID}}')
    assert.equal(listingFormat('raw', formats), 'id: {{.ID}}\\n')
    assert.equal(listingFormat('raw', formats, true), 'id: {{.ID}}')
    assert.equal(listingFormat('{{.Name}}', formats, true), '{{.Name}}')
    assert.equal(listingFormat('raw', {table: 'table {{.ID}}'}), 'raw')
  })

  it('gives a typed row sorted JSON keys, keeps a non-enumerable field for templates only, and fails on a missing one', () => {
    const row = Object.defineProperty({Tag: '1', ID: 'abc', Platform: 'linux/amd64'}, 'Platform', {enumerable: false})
    const options = {defaultTable: 'table {{.ID}}', headers: {}, itemType: '*formatter.imageContext'}
    assert.equal(renderItems([row], {...options, format: 'json'}), '{"ID":"abc","Tag":"1"}\n')
    assert.equal(renderItems([row], {...options, format: '{{.Platform}}'}), 'linux/amd64\n')
    assert.equal(renderItems([goStructRow({B: '2', A: '1'}, 'T')], {format: 'json', defaultTable: '', headers: {}}), '{"A":"1","B":"2"}\n')
    // Its JSON is json.Marshal's (formatter.MarshalJSON), HTML-escaped; a field through the json function is not.
    const missing = {ID: '<missing>', Labels: 'a=<b>&'}
    for (const format of ['json', '{{json .}}']) assert.equal(renderItems([missing], {...options, format}), '{"ID":"\\u003cmissing\\u003e","Labels":"a=\\u003cb\\u003e\\u0026"}\n', format)
    assert.equal(renderItems([missing], {...options, format: '{{json .Labels}} {{json .ID}}'}), '"a=<b>&" "<missing>"\n')
    assert.equal(renderItems([goStructRow(missing, 'T')], {format: '{{json .}}', defaultTable: '', headers: {}}), '{"ID":"\\u003cmissing\\u003e","Labels":"a=\\u003cb\\u003e\\u0026"}\n')
    assert.throws(() => renderItems([row], {...options, format: '{{.Nope}}'}), /can't evaluate field Nope in type \*formatter\.imageContext/)
  })
})

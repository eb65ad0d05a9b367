// Expected outputs and messages are Go's text/template (go 1.24, as in docker 28), most of them
// checked against `docker context ls --format`, which runs the real thing.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {compileTemplate, Template, TemplateError} from '../../../src/format/index.ts'
import {asGoContext, asGoStruct, labelMethod} from '../../../src/format/go-values.ts'

const container = {
  ID: 'c0ffee123456',
  Names: 'web',
  Labels: {'com.example.role': 'front', app: 'shop'},
  Ports: ['80/tcp', '443/tcp'],
  Size: 3,
  CPU: 1.5,
  Health: null,
  Empty: '',
  Running: true,
  State: {Status: 'running', Health: null, ExitCode: 0},
  Mounts: [{Source: '/a'}, {Source: '/b'}],
  Label(name: string) {
    return (this.Labels as Record<string, string>)[name] ?? ''
  },
}

function run(text: string, data: unknown = container): string {
  return compileTemplate(text)(data)
}

function failure(text: string, data: unknown = container): string {
  try {
    run(text, data)
  } catch (error) {
    assert.ok(error instanceof TemplateError, `${text}: expected a TemplateError, got ${error}`)
    return error.message
  }
  assert.fail(`${text}: expected an error`)
}

function check(cases: Record<string, string>, data: unknown = container): void {
  for (const [text, expected] of Object.entries(cases)) assert.equal(run(text, data), expected, text)
}

describe('text and fields', () => {
  it('copies text and prints fields, map keys and nested fields', () => {
    check({
      'plain text': 'plain text',
      '{{.ID}}': 'c0ffee123456',
      'id={{.ID}} name={{.Names}}': 'id=c0ffee123456 name=web',
      '{{.State.Status}}': 'running',
      '{{$.Names}}': 'web',
      '{{.}}': `map[CPU:1.5 Empty: Health:<nil> ID:c0ffee123456 Labels:map[app:shop com.example.role:front] Mounts:[map[Source:/a] map[Source:/b]] Names:web Ports:[80/tcp 443/tcp] Running:true Size:3 State:map[ExitCode:0 Health:<nil> Status:running]]`,
    })
  })

  it('prints values as Go does', () => {
    check({
      '{{.Labels}}': 'map[app:shop com.example.role:front]',
      '{{.Ports}}': '[80/tcp 443/tcp]',
      '{{.Size}} {{.CPU}} {{.Running}}': '3 1.5 true',
      '{{.Health}}': '<nil>',
      '{{.Missing}}': '<no value>',
      '{{.Missing.Deeper}}': '<no value>',
      '{{1.5}} {{0x10}} {{1e3}} {{-3}} {{0o17}} {{0b101}} {{017}} {{1_000}} {{.5}} {{0x1p4}}': '1.5 16 1000 -3 15 5 15 1000 0.5 16',
      "{{'a'}} {{'\\n'}} {{'\\x41'}} {{'é'}}": '97 10 65 233',
      '{{"esc\\u00e9\\x41\\101\\t"}}': 'escéAA\t',
      '{{`raw\\n`}}': 'raw\\n',
      '{{true}} {{false}}': 'true false',
      '{{1e21}} {{1.5e-7}} {{printf "%v" -0.0}}': '1e+21 1.5e-07 -0',
    })
  })

  it('calls function-valued properties like methods, with arguments and piped values', () => {
    check({
      '{{.Label "app"}}': 'shop',
      '{{"com.example.role" | .Label}}': 'front',
      '{{.Label "none"}}|': '|',
    })
    assert.equal(run('{{.Greet}}', {Greet: () => 'hi'}), 'hi')
  })
})

describe('trim markers and comments', () => {
  it('trims spaces next to {{- and -}}', () => {
    check({
      '{{- " a " -}}  \n {{- "b"}}': ' a b',
      'x \n {{- .Names -}} \n y': 'xweby',
      '{{-3}}': '-3',
      '{{3 -}} x': '3x',
    })
  })

  it('drops comments, with or without trim markers', () => {
    check({
      '{{/* a comment */}}x': 'x',
      'a {{- /* c */ -}} b': 'ab',
      'a{{/* multi\nline */}}b': 'ab',
    })
  })
})

describe('pipelines and variables', () => {
  it('passes the value of each command as the last argument of the next', () => {
    check({
      '{{.Names | printf "%s!"}}': 'web!',
      '{{.Names | printf "%s-%s" "a"}}': 'a-web',
      '{{.Names | printf "%s" | printf "[%s]"}}': '[web]',
      '{{(.State).Status}}': 'running',
      '{{(printf "%s-%s" .Names .ID)}}': 'web-c0ffee123456',
      '{{len (printf "%s" .Names)}}': '3',
    })
  })

  it('declares, assigns and scopes variables', () => {
    check({
      '{{$x := 1}}{{$x = 2}}{{$x}}': '2',
      '{{$x := .Names}}{{$x}}': 'web',
      '{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}': '2',
      '{{$x := 0}}{{range .Ports}}{{$x = .}}{{end}}{{$x}}': '443/tcp',
      '{{with $s := .State}}{{$s.Status}}{{end}}': 'running',
      '{{$c := .}}{{range .Ports}}{{$c.Names}}:{{.}} {{end}}': 'web:80/tcp web:443/tcp ',
    })
  })
})

describe('if, with, range', () => {
  it('branches on Go truth', () => {
    check({
      '{{if .Running}}up{{end}}': 'up',
      '{{if .Empty}}a{{else}}b{{end}}': 'b',
      '{{if .Missing}}a{{else if .Size}}b{{else}}c{{end}}': 'b',
      '{{if 0}}a{{else if ""}}b{{else}}c{{end}}': 'c',
      '{{if .Health}}a{{else}}nil is false{{end}}': 'nil is false',
      '{{if .Labels}}map{{end}}{{if .Ports}} slice{{end}}{{if .CPU}} float{{end}}': 'map slice float',
      '{{with .State}}{{.Status}}{{end}}': 'running',
      '{{with .Empty}}x{{else}}none{{end}}': 'none',
      '{{with .Empty}}x{{else with .Names}}{{.}}{{end}}': 'web',
    })
  })

  it('ranges over slices, maps in key order, and integers', () => {
    check({
      '{{range .Ports}}<{{.}}>{{end}}': '<80/tcp><443/tcp>',
      '{{range $i, $p := .Ports}}{{$i}}={{$p}} {{end}}': '0=80/tcp 1=443/tcp ',
      '{{range $p := .Ports}}{{$p}};{{end}}': '80/tcp;443/tcp;',
      '{{range $k, $v := .Labels}}{{$k}}={{$v}},{{end}}': 'app=shop,com.example.role=front,',
      '{{range .Mounts}}{{.Source}}{{end}}': '/a/b',
      '{{range 3}}{{.}}{{end}}': '012',
      '{{range .Missing}}x{{else}}empty{{end}}': 'empty',
      '{{range .Health}}x{{else}}nil{{end}}': 'nil',
      '{{range 0}}x{{else}}zero{{end}}': 'zero',
      '{{range $i, $p := .Ports}}{{range $j, $q := $.Ports}}{{$i}}{{$j}} {{end}}{{end}}': '00 01 10 11 ',
    })
  })

  it('stops a range with break and skips with continue', () => {
    check({
      '{{range .Ports}}{{if eq . "443/tcp"}}{{break}}{{end}}{{.}}{{end}}': '80/tcp',
      '{{range .Ports}}{{if eq . "80/tcp"}}{{continue}}{{end}}{{.}}{{end}}': '443/tcp',
      '{{range .Ports}}{{break}}{{else}}not reached{{end}}done': 'done',
    })
  })

  it('defines and calls templates', () => {
    check({
      '{{define "item"}}[{{.}}]{{end}}{{range .Ports}}{{template "item" .}}{{end}}': '[80/tcp][443/tcp]',
      '{{block "b" .Names}}<{{.}}>{{end}}': '<web>',
      '{{define "a"}}A{{template "b" .}}{{end}}{{define "b"}}B{{.}}{{end}}{{template "a" 1}}': 'AB1',
      '{{define "r"}}{{if lt . 3}}{{.}}{{template "r" 3}}{{end}}{{end}}{{template "r" 1}}': '1',
    })
  })
})

describe('builtin functions', () => {
  it('and, or and not return operands and stop early', () => {
    check({
      '{{and 1 0 2}} {{and 1 2}} {{or 0 "" "x"}} {{or 0 ""}} {{not 0}} {{not "a"}}': '0 2 x  true false',
      '{{or .Empty "fallback"}}': 'fallback',
      '{{and false (index .Ports 99)}}': 'false',
      '{{or true (index .Ports 99)}}': 'true',
      '{{false | or true}}': 'true',
    })
  })

  it('len, index and slice', () => {
    check({
      '{{len .Ports}} {{len .Labels}} {{len "héllo"}}': '2 2 6',
      '{{index .Ports 1}} {{index .Labels "app"}} {{index .Mounts 1 "Source"}}': '443/tcp shop /b',
      '{{index "abc" 1}}': '98',
      '{{index .Labels "absent"}}|': '|',
      '{{index .State "absent"}}': '<no value>',
      '{{slice "héllo" 1 3}} {{slice .Ports 1}} {{slice .Ports 0 1}}': 'é [443/tcp] [80/tcp]',
    })
  })

  it('compares with eq, ne, lt, le, gt, ge', () => {
    check({
      '{{eq 1 1}} {{eq "a" "b" "a"}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}} {{lt "a" "b"}}': 'true true true true true true false true',
      '{{eq .State.Status "running"}} {{eq .Size 3}} {{eq .Running true}}': 'true true true',
      '{{eq .Missing "x"}}': 'false',
      '{{if and .Running (eq .Names "web")}}ok{{end}}': 'ok',
      '{{eq 1.0 1.0}} {{lt 1.0 1.5}} {{eq .CPU 1.5}} {{printf "%T %v %T" 1.0 1.0 1}} {{json 2.0}}': 'true true true float64 1 int 2',
    })
  })

  it('print, printf and println format like fmt', () => {
    check({
      '{{print 1 2 "a" "b" 3 true}}': '1 2ab3 true',
      '{{println "a" 1 true}}': 'a 1 true\n',
      '{{print .Missing}}': '<nil>',
      '{{printf "%-6s|%5.2f|%d|%q" .Names .CPU .Size .Names}}': 'web   | 1.50|3|"web"',
      '{{printf "%v %s" .Ports .Labels}}': '[80/tcp 443/tcp] map[app:shop com.example.role:front]',
      '{{printf "%d %s" "x"}}': '%!d(string=x) %!s(MISSING)',
    })
  })

  it('html, js, urlquery and call', () => {
    check({
      '{{html "<a href=\'x\'>&</a>"}}': '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;',
      '{{js "a\'b\\"c<d>=&"}}': 'a\\\'b\\"c\\u003Cd\\u003E\\u003D\\u0026',
      '{{urlquery "a b&c/d?é"}}': 'a+b%26c%2Fd%3F%C3%A9',
    })
    // A function-valued property is a method, called where it stands; call takes the function it returns.
    assert.equal(run('{{call .Adder 2 3}}', {Adder: () => (a: number, b: number) => a + b}), '5')
  })
})

describe("docker's functions", () => {
  it('json writes compact JSON without HTML escaping, keys in object order', () => {
    check({
      '{{json .State}}': '{"Status":"running","Health":null,"ExitCode":0}',
      '{{json .Ports}} {{json .Names}} {{json 1.5}} {{json "<a&b>"}} {{json .Missing}}': '["80/tcp","443/tcp"] "web" 1.5 "<a&b>" null',
    })
    assert.equal(run('{{json .}}', {ID: 'x', Label: () => ''}), '{"ID":"x"}', 'methods are not data')
  })

  it('join, split, lower, upper, title, truncate, pad', () => {
    check({
      '{{join .Ports ", "}}': '80/tcp, 443/tcp',
      '{{split "a,b,c" ","}} {{split "abc" ""}} {{len (split "" ",")}}': '[a b c] [a b c] 1',
      '{{join (split "a-b" "-") "+"}}': 'a+b',
      '{{upper .Names}} {{lower "ABC"}} {{title "hello wORLD foo_bar x-y"}}': 'WEB abc Hello WORLD Foo_bar X-Y',
      '{{truncate .ID 6}} {{truncate .Names 30}}': 'c0ffee web',
      '{{pad .Names 2 1}}|{{pad "" 2 1}}|': '  web ||',
    })
  })
})

describe('parse errors', () => {
  const cases: Record<string, string> = {
    '{{.ID}': `template: :1: bad character U+007D '}'`,
    '{{.ID }': 'template: :1: unexpected "}" in operand',
    '{{foo}}': 'template: :1: function "foo" not defined',
    '{{$x}}': 'template: :1: undefined variable "$x"',
    '{{if .ID}}': 'template: :1: unexpected EOF',
    '{{end}}': 'template: :1: unexpected {{end}}',
    '{{else}}': 'template: :1: unexpected {{else}}',
    '{{.ID': 'template: :1: unclosed action',
    'a\n{{.ID\n': 'template: :3: unclosed action started at :2',
    '{{break}}': 'template: :1: {{break}} outside {{range}}',
    '{{continue}}': 'template: :1: {{continue}} outside {{range}}',
    '{{}}': 'template: :1: missing value for command',
    '{{if}}{{end}}': 'template: :1: missing value for if',
    '{{"abc}}': 'template: :1: unterminated quoted string',
    '{{`abc}}': 'template: :1: unterminated raw quoted string',
    '{{/* unclosed': 'template: :1: unclosed comment',
    '{{/* a */ }}': 'template: :1: comment ends before closing delimiter',
    '{{range $a, $b, $c := .}}{{end}}': 'template: :1: too many declarations in range',
    '{{.ID | 1}}': 'template: :1: non executable command in pipeline stage 2',
    '{{.ID) }}': 'template: :1: unexpected right paren',
    '{{(.ID}}': 'template: :1: unclosed left paren',
    '{{@}}': `template: :1: unexpected "@" in command`,
    "{{'ab'}}": "template: :1: malformed character constant: 'ab'",
    '{{"\\z"}}': 'template: :1: invalid syntax',
    '{{1x}}': 'template: :1: bad number syntax: "1x"',
    '{{1.2.3}}': 'template: :1: unexpected ".3" in operand',
    '{{09}}': 'template: :1: integer overflow: "09"',
    '{{99999999999999999999}}': 'template: :1: integer overflow: "99999999999999999999"',
    '{{1e400}}': 'template: :1: illegal number syntax: "1e400"',
    '{{"a".X}}': 'template: :1: unexpected . after term "\\"a\\""',
    '{{if 1}}{{else}}{{else}}{{end}}': 'template: :1: expected end; found {{else}}',
    '{{define "a"}}x{{end}}{{define "a"}}y{{end}}': 'template: :1: template: multiple definition of template "a"',
    '{{range $x, 1}}{{end}}': 'template: :1: range can only initialize variables',
  }
  for (const [text, message] of Object.entries(cases)) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.equal(failure(text), message))
  }

  it('fails when compiling, before any data is seen', () => {
    assert.throws(() => new Template('{{nope .X}}'), TemplateError)
  })
})

describe('execution errors', () => {
  const cases: Record<string, string> = {
    '{{.State.Health.Status}}': 'template: :1:8: executing "" at <.State.Health.Status>: nil pointer evaluating interface {}.Status',
    '{{.ID.Foo}}': `template: :1:5: executing "" at <.ID.Foo>: can't evaluate field Foo in type string`,
    '{{.Ports.X}}': `template: :1:8: executing "" at <.Ports.X>: can't evaluate field X in type []string`,
    '{{len 3}}': 'template: :1:2: executing "" at <len 3>: error calling len: len of type int',
    '{{len .Health}}': 'template: :1:2: executing "" at <len .Health>: error calling len: len of nil pointer',
    '{{index .Ports 9}}': 'template: :1:2: executing "" at <index .Ports 9>: error calling index: index out of range: 9',
    '{{index .Ports 2}}': 'template: :1:2: executing "" at <index .Ports 2>: error calling index: reflect: slice index out of range',
    '{{index .Labels 1}}': 'template: :1:2: executing "" at <index .Labels 1>: error calling index: value has type int; should be string',
    '{{index .Missing 1}}': 'template: :1:2: executing "" at <index .Missing 1>: error calling index: index of untyped nil',
    '{{slice "abc" 2 1}}': 'template: :1:2: executing "" at <slice "abc" 2 1>: error calling slice: invalid slice index: 2 > 1',
    '{{lower .Size}}': 'template: :1:8: executing "" at <.Size>: wrong type for value; expected string; got int',
    '{{lower .Missing}}': 'template: :1:8: executing "" at <.Missing>: invalid value; expected string',
    '{{join .Mounts ","}}': 'template: :1:7: executing "" at <.Mounts>: wrong type for value; expected []string; got []interface {}',
    '{{truncate .ID "a"}}': 'template: :1:15: executing "" at <"a">: expected integer; found "a"',
    '{{lower 5}}': 'template: :1:8: executing "" at <5>: expected string; found 5',
    '{{eq .ID 1}}': 'template: :1:2: executing "" at <eq .ID 1>: error calling eq: incompatible types for comparison: string and int',
    '{{eq 1 "a"}}': 'template: :1:2: executing "" at <eq 1 "a">: error calling eq: incompatible types for comparison: int and string',
    '{{eq 1 1.0}}': 'template: :1:2: executing "" at <eq 1 1.0>: error calling eq: incompatible types for comparison: int and float64',
    '{{lt 1 1.5}}': 'template: :1:2: executing "" at <lt 1 1.5>: error calling lt: incompatible types for comparison: int and float64',
    '{{lt 1 "a"}}': 'template: :1:2: executing "" at <lt 1 "a">: error calling lt: incompatible types for comparison: int and string',
    '{{ne .Size 3.0}}': 'template: :1:2: executing "" at <ne .Size 3.0>: error calling ne: incompatible types for comparison: int and float64',
    '{{index .Ports 1.0}}': 'template: :1:2: executing "" at <index .Ports 1.0>: error calling index: cannot index slice/array with type float64',
    '{{eq 1}}': 'template: :1:2: executing "" at <eq 1>: error calling eq: missing argument for comparison',
    '{{lt true false}}': 'template: :1:2: executing "" at <lt true false>: error calling lt: invalid type for comparison',
    '{{.ID 1}}': 'template: :1:2: executing "" at <.ID>: ID is not a method but has arguments',
    '{{1 | .ID}}': 'template: :1:6: executing "" at <.ID>: ID is not a method but has arguments',
    '{{.Label}}': 'template: :1:2: executing "" at <.Label>: wrong number of args for Label: want 1 got 0',
    '{{printf}}': 'template: :1:2: executing "" at <printf>: wrong number of args for printf: want at least 1 got 0',
    '{{not 1 2}}': 'template: :1:2: executing "" at <not>: wrong number of args for not: want 1 got 2',
    '{{nil}}': 'template: :1:2: executing "" at <nil>: nil is not a command',
    '{{"a" .X}}': `template: :1:2: executing "" at <"a">: can't give argument to non-function "a"`,
    '{{(1).X}}': `template: :1:3: executing "" at <1>: can't evaluate field X in type int`,
    '{{range .ID}}{{end}}': `template: :1:8: executing "" at <.ID>: range can't iterate over c0ffee123456`,
    '{{range $i, $v := 3}}{{end}}': `template: :1:18: executing "" at <3>: can't use 3 to iterate over more than one variable`,
    '{{template "nope"}}': 'template: :1:11: executing "" at <{{template "nope"}}>: template "nope" not defined',
    '{{call .ID}}': 'template: :1:2: executing "" at <call .ID>: error calling call: non-function .ID of type string',
    '{{pad .ID -1 0}}': 'template: :1:2: executing "" at <pad .ID -1 0>: error calling pad: strings: negative Repeat count',
    // Go places a field chain at its second field.
    '{{define "t"}}{{.X.Y}}{{end}}{{template "t" 1}}': `template: :1:18: executing "t" at <.X.Y>: can't evaluate field X in type int`,
    'line one\n  {{.ID.Foo}}': `template: :2:7: executing "" at <.ID.Foo>: can't evaluate field Foo in type string`,
    '{{18446744073709551615}}': 'template: :1:2: executing "" at <18446744073709551615>: 18446744073709551615 overflows int',
  }
  for (const [text, message] of Object.entries(cases)) {
    it(`reports ${JSON.stringify(text)}`, () => assert.equal(failure(text), message))
  }

  it("takes a docker context's fields for its methods: arguments to one are counted, Label's checked as a string", () => {
    const row = asGoContext({Names: 'web', Label: labelMethod({app: 'shop'})}, '*formatter.ContainerContext')
    assert.equal(failure('{{.Names 1}}', row), 'template: :1:2: executing "" at <.Names>: wrong number of args for Names: want 0 got 1')
    assert.equal(failure('{{"x" | .Names 1}}', row), 'template: :1:8: executing "" at <.Names>: wrong number of args for Names: want 0 got 2')
    assert.equal(failure('{{.Label 1}}', row), 'template: :1:9: executing "" at <1>: expected string; found 1')
    assert.equal(failure('{{.Label .Names .Names}}', row), 'template: :1:2: executing "" at <.Label>: wrong number of args for Label: want 1 got 2')
    assert.equal(run('{{.Label "app"}} {{.Label "nope"}}|{{"app" | .Label}}', row), 'shop |shop')
  })

  it('names a named template in its messages, as docker names its version template', () => {
    assert.throws(() => new Template('{{.X', {name: 'version'}), {message: 'template: version:1: unclosed action'})
    assert.throws(() => new Template('{{.ID}}{{.Nope}}', {name: 'version'}).execute(asGoStruct({ID: 'x'}, 'system.versionInfo')), {
      message: `template: version:1:9: executing "version" at <.Nope>: can't evaluate field Nope in type system.versionInfo`,
    })
  })

  it('takes functions a command adds, their struct parameters checked by type name', () => {
    const functions = {keys: {params: [{struct: 'types.ComponentVersion'}], call: (component: {Details: object}) => Object.keys(component.Details)}} as const
    const data = {C: asGoStruct({Details: {b: '1', a: '2'}}, 'types.ComponentVersion'), Size: 3}
    assert.equal(new Template('{{keys .C}}', {functions}).execute(data), '[b a]')
    assert.throws(() => new Template('{{keys .Size}}', {functions}).execute(data), {message: 'template: :1:7: executing "" at <.Size>: wrong type for value; expected types.ComponentVersion; got int'})
    assert.throws(() => new Template('{{keys 1}}', {functions}).execute(data), {message: `template: :1:7: executing "" at <1>: can't handle 1 for arg of type types.ComponentVersion`})
    assert.throws(() => new Template('{{keys .C}}'), {message: 'template: :1: function "keys" not defined'})
  })

  it('refuses to range over a Go struct, which is not a map', () => {
    const row = asGoStruct({Names: 'web', State: 'running'}, '*formatter.ContainerContext')
    assert.equal(failure('{{range $k, $v := .}}{{$k}};{{end}}', row), `template: :1:18: executing "" at <.>: range can't iterate over {web running}`)
    assert.equal(run('{{range $k, $v := .}}{{$k}};{{end}}', {Names: 'web', State: 'running'}), 'Names;State;')
  })

  it('reports an error thrown by a method as an error calling it', () => {
    const data = {
      Fail() {
        throw new Error('boom')
      },
    }
    assert.equal(failure('{{.Fail}}', data), 'template: :1:2: executing "" at <.Fail>: error calling Fail: boom')
  })

  it('keeps what was written before the error, as Go leaves it in the writer', () => {
    try {
      run('{{.Names}} and {{.ID.X}}')
      assert.fail('expected an error')
    } catch (error) {
      assert.ok(error instanceof TemplateError)
      assert.equal(error.partialOutput, 'web and ')
    }
  })
})

describe('Template', () => {
  it('runs one compiled template over many items', () => {
    const render = compileTemplate('{{.Name}}:{{len .Tags}}')
    assert.deepEqual(
      [{Name: 'a', Tags: []}, {Name: 'b', Tags: ['x']}].map(render),
      ['a:0', 'b:1'],
    )
  })

  it('replaces functions by name for one execution', () => {
    const template = new Template('{{upper .Name}}')
    assert.equal(template.execute({Name: 'x'}), 'X')
    assert.equal(template.execute({Name: 'x'}, {upper: {params: ['string'], call: (text: string) => `<${text}>`}}), '<x>')
  })
})

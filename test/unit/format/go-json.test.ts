import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {GO_JSON, goJSON, renderItems} from '../../../src/format/index.ts'
import {withHTMLEscapedJSON} from '../../../src/format/go-json.ts'
import {goJSONCompactError, goJSONFirstValue} from '../../../src/format/go-json-decode.ts'

describe('goJSON', () => {
  it('writes compact JSON with keys in object order', () => {
    assert.equal(goJSON({b: 1, a: [true, null, 'x'], c: {}}), '{"b":1,"a":[true,null,"x"],"c":{}}')
    assert.equal(goJSON([]), '[]')
    assert.equal(goJSON(undefined), 'null')
  })

  it('leaves out undefined and function-valued properties, and writes undefined elements as null', () => {
    assert.equal(goJSON({a: undefined, f: () => 1, b: [undefined]}), '{"b":[null]}')
  })

  it('escapes like encoding/json: HTML characters unless told not to, U+2028/U+2029 always', () => {
    assert.equal(goJSON('<a href="x">&</a>'), '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"')
    assert.equal(goJSON('<&>', {escapeHTML: false}), '"<&>"')
    assert.equal(goJSON('\u2028\u2029', {escapeHTML: false}), '"\\u2028\\u2029"')
    assert.equal(goJSON('\b\f\n\r\t\x01\x1f\x7f'), '"\\b\\f\\n\\r\\t\\u0001\\u001f\x7f"')
    assert.equal(goJSON('é日🚀'), '"é日🚀"')
    assert.equal(goJSON('\ud800x'), '"\\ufffdx"')
  })

  it('escapes HTML inside a value marked as json.Marshal\'s whatever the encoder asks, as Go keeps what a MarshalJSON wrote', () => {
    const value = {outer: '<', row: withHTMLEscapedJSON({inner: '<&>', list: ['>']})}
    assert.equal(goJSON(value, {escapeHTML: false}), '{"outer":"<","row":{"inner":"\\u003c\\u0026\\u003e","list":["\\u003e"]}}')
    assert.equal(goJSON(value, {escapeHTML: false, indent: ' '}), '{\n "outer": "<",\n "row": {\n  "inner": "\\u003c\\u0026\\u003e",\n  "list": [\n   "\\u003e"\n  ]\n }\n}')
  })

  it('writes numbers as Go does and refuses NaN and infinities', () => {
    assert.equal(goJSON([1, 1.5, 1e21, 1e-7, 0.000001, 123456789012, -0, 10n ** 20n]), '[1,1.5,1e+21,1e-7,0.000001,123456789012,-0,100000000000000000000]')
    assert.throws(() => goJSON(NaN), /json: unsupported value: NaN/)
    assert.throws(() => goJSON({a: [Infinity]}), /json: unsupported value: \+Inf/)
  })

  it('writes dates as RFC 3339 like time.Time', () => {
    assert.equal(goJSON(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 600))), '"2024-01-02T03:04:05.6Z"')
    assert.equal(goJSON(new Date(Date.UTC(2024, 0, 2))), '"2024-01-02T00:00:00Z"')
  })

  it('indents like json.MarshalIndent', () => {
    assert.equal(
      goJSON([{Id: 'x', Args: [], Config: {Labels: {a: '1'}, Env: ['A=1', 'B=2']}}], {indent: '    '}),
      [
        '[',
        '    {',
        '        "Id": "x",',
        '        "Args": [],',
        '        "Config": {',
        '            "Labels": {',
        '                "a": "1"',
        '            },',
        '            "Env": [',
        '                "A=1",',
        '                "B=2"',
        '            ]',
        '        }',
        '    }',
        ']',
      ].join('\n'),
    )
  })

  it('encodes a value with a GO_JSON method as what it returns, as Go does a json.Marshaler, while templates see its fields', () => {
    const message = {ID: 'c1', Time: 2n ** 63n - 1n, [GO_JSON]: () => ({id: 'c1', time: 2n ** 63n - 1n})}
    assert.equal(goJSON([message], {indent: ' '}), '[\n {\n  "id": "c1",\n  "time": 9223372036854775807\n }\n]')
    assert.equal(renderItems([message], {format: '{{.ID}} {{.Time}} {{json .}}', defaultTable: '', headers: {}}), 'c1 9223372036854775807 {"id":"c1","time":9223372036854775807}\n')
  })
})

describe("Go's json.Decoder on the first value of a text", () => {
  const error = (text: string) => {
    const result = goJSONFirstValue(text)
    return 'error' in result ? result.error : `end ${result.end}`
  }

  it('finds where the first value ends; what follows is not read', () => {
    assert.equal(error('{"a": [1, 2.5e-3, true, null, "x\\u00e9\\n"]} rest'), 'end 43')
    assert.equal(error(' 12'), 'end 3')
    assert.equal(error(' \t\r\n'), 'EOF')
  })

  it("gives the scanner's error at the first byte that cannot continue the value", () => {
    assert.equal(error('{bad'), "invalid character 'b' looking for beginning of object key string")
    assert.equal(error('{"a" 1}'), "invalid character '1' after object key")
    assert.equal(error('{"a": 1 "b": 2}'), `invalid character '"' after object key:value pair`)
    assert.equal(error('{"a": 1,}'), "invalid character '}' looking for beginning of object key string")
    assert.equal(error('[1 2]'), "invalid character '2' after array element")
    assert.equal(error('[1,]'), "invalid character ']' looking for beginning of value")
    assert.equal(error("'x'"), "invalid character '\\'' looking for beginning of value")
    assert.equal(error('{"a": tru}'), "invalid character '}' in literal true (expecting 'e')")
    assert.equal(error('{"a": nul'), 'unexpected EOF')
    assert.equal(error('{"a": -x}'), "invalid character 'x' in numeric literal")
    assert.equal(error('{"a": 1.}'), "invalid character '}' after decimal point in numeric literal")
    assert.equal(error('{"a": 1e}'), "invalid character '}' in exponent of numeric literal")
    assert.equal(error('{"a": "\\x"}'), "invalid character 'x' in string escape code")
    assert.equal(error('{"a": "\\u12g4"}'), "invalid character 'g' in \\u hexadecimal character escape")
    assert.equal(error('{"a": "line\nbreak"}'), "invalid character '\\n' in string literal")
    assert.equal(error('{"a": é}'), "invalid character 'Ã' looking for beginning of value")
    assert.equal(error('{"auths": '), 'unexpected EOF')
  })

  it("gives json.Compact's error over the whole text: its end inside a value or before one, what follows the value", () => {
    assert.equal(goJSONCompactError(' {"a": [1]}\n'), undefined)
    assert.equal(goJSONCompactError('{bad'), "invalid character 'b' looking for beginning of object key string")
    assert.equal(goJSONCompactError('{"a": 1'), 'unexpected end of JSON input')
    assert.equal(goJSONCompactError(' \n'), 'unexpected end of JSON input')
    assert.equal(goJSONCompactError('{} {}'), "invalid character '{' after top-level value")
    assert.equal(goJSONCompactError('12x'), "invalid character 'x' after top-level value")
  })
})

// Expected strings are Go's fmt and strconv output (checked through docker 28's printf).
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {formatFloat, formatValue, goQuote, sprint, sprintf, sprintln} from '../../../src/format/index.ts'
import {goStruct, goTypedValue, mapOf, SLICE, sliceOf} from '../../../src/format/go-types.ts'
import {asGoStruct} from '../../../src/format/go-values.ts'

describe('formatFloat', () => {
  it('formats %e, %f and %g with a precision', () => {
    const cases: [number, 'e' | 'f' | 'g' | 'E' | 'G', number, string][] = [
      [1234.5678, 'e', 6, '1.234568e+03'],
      [0.000012345, 'E', 6, '1.234500E-05'],
      [100, 'e', 3, '1.000e+02'],
      [0, 'e', 6, '0.000000e+00'],
      [15, 'e', 0, '2e+01'],
      [0.05, 'e', 1, '5.0e-02'],
      [3.14159, 'f', 2, '3.14'],
      [-1.25, 'f', 1, '-1.2'],
      [1.005, 'f', 2, '1.00'],
      [1e21, 'f', 0, '1000000000000000000000'],
      [1.5, 'g', 3, '1.5'],
      [999.5, 'g', 3, '1e+03'],
      [0.0001234, 'g', 3, '0.000123'],
      [123456, 'g', 3, '1.23e+05'],
      [123456, 'g', 2, '1.2e+05'],
      [1, 'g', 10, '1'],
      [0, 'g', 3, '0'],
      [1e-7, 'G', 3, '1E-07'],
    ]
    for (const [value, format, precision, expected] of cases) {
      assert.equal(formatFloat(value, format, precision), expected, `${value} %.${precision}${format}`)
    }
  })

  it('rounds an exact half to even, as strconv does', () => {
    assert.equal(formatFloat(0.5, 'f', 0), '0')
    assert.equal(formatFloat(1.5, 'f', 0), '2')
    assert.equal(formatFloat(2.5, 'f', 0), '2')
    assert.equal(formatFloat(0.25, 'f', 1), '0.2')
    assert.equal(formatFloat(1.0625, 'g', 3), '1.06')
    assert.equal(formatFloat(12.5, 'g', 2), '12')
    // Not a tie: 2.675 is stored just below, so it rounds down as Go does.
    assert.equal(formatFloat(2.675, 'f', 2), '2.67')
  })

  it('uses the shortest digits for precision -1, switching to exponents like %v', () => {
    assert.equal(formatFloat(100000, 'g', -1), '100000')
    assert.equal(formatFloat(1e6, 'g', -1), '1e+06')
    assert.equal(formatFloat(1234567.5, 'g', -1), '1.2345675e+06')
    assert.equal(formatFloat(0.0001, 'g', -1), '0.0001')
    assert.equal(formatFloat(0.00001, 'g', -1), '1e-05')
    assert.equal(formatFloat(1.5, 'e', -1), '1.5e+00')
    assert.equal(formatFloat(0.1 + 0.2, 'g', -1), '0.30000000000000004')
  })

  it('writes infinities and NaN like Go', () => {
    assert.equal(formatFloat(Infinity, 'g', -1), '+Inf')
    assert.equal(formatFloat(-Infinity, 'f', 2), '-Inf')
    assert.equal(formatFloat(NaN, 'e', 2), 'NaN')
  })
})

describe('sprintf', () => {
  const cases: [string, unknown[], string][] = [
    ['%5.2f|%q|%x|%X|%o|%b|%c|%U|%#x|%+d|% d|%05d|%-5d|', [3.14159, 'a', 255, 255, 8, 5, 65, 65, 255, 5, 5, -42, 7], ' 3.14|"a"|ff|FF|10|101|A|U+0041|0xff|+5| 5|-0042|7    |'],
    ['%e|%E|%g|%G|%.3g|%10.4f|%-10.1f|%08.3f|%+.2e', [1234.5678, 0.000012345, 1e6, 1e-7, 999.5, 3.14159, 2.5, -3.14159, 12345.678], '1.234568e+03|1.234500E-05|1e+06|1E-07|1e+03|    3.1416|2.5       |-003.142|+1.23e+04'],
    ['%.3s|%5.1s|%-4s|%4s|', ['abcdef', 'xyz', 'é', '日本'], 'abc|    x|é   |  日本|'],
    ['%t %v %s', [true, false, true], 'true false %!s(bool=true)'],
    ['%q %#q %+q', ['héllo\t', 'raw', 'é'], '"héllo\\t" `raw` "\\u00e9"'],
    ['%x % x %#x %X', ['hi', 'hi', 'hi', 'hi'], '6869 68 69 0x6869 6869'],
    ['%T %T %T %T %T %T', [1, 'a', 1.5, true, ['a'], {a: 1}], 'int string float64 bool []string map[string]interface {}'],
    ['%6.2f%%', [12.3456], ' 12.35%'],
    ['%*d|%-*d|', [5, 1, 4, 2], '    1|2   |'],
    ['%v %d %s', [[1, 2], [1, 2], ['a', 'b']], '[1 2] [1 2] [a b]'],
    ['%5s', [['a', 'b']], '[    a     b]'],
    ['%q', [['a', 'b']], '["a" "b"]'],
    ['%v', [{b: 2, a: [1, null]}], 'map[a:[1 <nil>] b:2]'],
    ['%d %v', [9007199254740993n, -0], '9007199254740993 -0'],
    ['%x %X %o', [-255, -255, -8], '-ff -FF -10'],
    ['%08.3f|%-8.3f|%+08d', [3.14159, 3.14159, 42], '0003.142|3.142   |+0000042'],
    ['%c%c%c', [26085, 26412, 35486], '日本語'],
    ['%q %U %#U', [65, 128512, 65], `'A' U+1F600 U+0041 'A'`],
    ['%08s|%-08s|%x', ['ab', 'ab', -1], '000000ab|ab      |-1'],
    ['%6.3d|%.0d|%5.0d|', [7, 0, 0], '   007||     |'],
    ['%#o %#b %O', [8, 5, 8], '010 0b101 0o10'],
    ['%10.3v|%-10v|', [3.14159, 'ab'], '      3.14|ab        |'],
    ['%g %g %g', [0, 100, 1e21], '0 100 1e+21'],
    ['%v', [new Date(Date.UTC(2024, 0, 2, 15, 4, 5, 120))], '2024-01-02 15:04:05.12 +0000 UTC'],
  ]
  for (const [format, args, expected] of cases) {
    it(`formats ${JSON.stringify(format)}`, () => assert.equal(sprintf(format, args), expected))
  }

  it('reports bad verbs, missing and extra operands in the output, as Go does', () => {
    assert.equal(sprintf('%d %s', ['x']), '%!d(string=x) %!s(MISSING)')
    assert.equal(sprintf('%d', [1, 2, 'a']), '1%!(EXTRA int=2, string=a)')
    assert.equal(sprintf('%', []), '%!(NOVERB)')
    assert.equal(sprintf('%z', [1]), '%!z(int=1)')
    assert.equal(sprintf('%s', [null]), '%!s(<nil>)')
    assert.equal(sprintf('%d', [1.5]), '%!d(float64=1.5)')
    assert.equal(sprintf('%5d', ['ab']), '%!d(string=   ab)')
    assert.equal(sprintf('%*d', ['x', 1]), '%!(BADWIDTH)1')
  })

  it('takes explicit argument indexes, with Go\'s BADINDEX and no EXTRA once reordered', () => {
    assert.equal(sprintf('%[2]s %[1]s', ['a', 'b']), 'b a')
    assert.equal(sprintf('%[1]d %[1]x %#[1]o %d', [8, 9]), '8 8 010 9')
    assert.equal(sprintf('%[3]*.[2]*[1]f', [12.0, 2, 6]), ' 12.00')
    assert.equal(sprintf('%[3]s', ['a']), '%!s(BADINDEX)')
    assert.equal(sprintf('%[x]s %s', ['a']), '%!s(BADINDEX) a')
    assert.equal(sprintf('%[1]s', ['a', 'b']), 'a')
  })

  it('gives verb v\'s + field names (no sign) and # Go syntax', () => {
    const policy = asGoStruct({Name: 'no', MaximumRetryCount: 0}, 'container.RestartPolicy')
    assert.equal(sprintf('%+v|%+d|%+v', [5, 5, policy]), '5|+5|{Name:no MaximumRetryCount:0}')
    assert.equal(sprintf('%#v|%#v|%#v|%#v|%#v', ['s', ['sleep', '3600'], 5, true, 1.5]), '"s"|[]string{"sleep", "3600"}|5|true|1.5')
    assert.equal(sprintf('%#v', [{b: 'x', a: 'y'}]), 'map[string]string{"a":"y", "b":"x"}')
    assert.equal(sprintf('%#v', [['a', 1, null]]), '[]interface {}{"a", 1, interface {}(nil)}')
    assert.equal(sprintf('%#v', [policy]), 'container.RestartPolicy{Name:"no", MaximumRetryCount:0}')
    assert.equal(sprintf('%#v %#v', [goTypedValue(null, SLICE), null]), '[]interface {}(nil) <nil>')
  })
})

describe('printing Go structs', () => {
  it('prints a struct\'s values in field order, nested ones too, as fmt does', () => {
    const binding = goStruct('nat.PortBinding', {HostIP: {json: 'HostIp', type: 'value'}})
    const ports = goTypedValue({'90/udp': [{HostIp: '127.0.0.1', HostPort: '9090'}], '7000/tcp': null, '80/tcp': [{HostIp: '0.0.0.0', HostPort: '8080'}]}, mapOf(sliceOf(binding)))
    assert.equal(formatValue(ports), 'map[7000/tcp:[] 80/tcp:[{0.0.0.0 8080}] 90/udp:[{127.0.0.1 9090}]]')
    assert.equal(formatValue(asGoStruct({Name: 'no', MaximumRetryCount: 0, method: () => 1}, 'container.RestartPolicy')), '{no 0}')
    const mount = goStruct('container.MountPoint', {Type: 'string', Name: 'string', Driver: 'string'}, ['Type', 'Name', 'Source', 'Destination', 'Driver', 'Mode', 'RW', 'Propagation'])
    // The JSON leaves out an empty Name and Driver (omitempty): Go's struct still has them, in their place.
    const bind = goTypedValue([{Type: 'bind', Source: '/src', Destination: '/dst', Mode: '', RW: true, Propagation: 'rprivate'}], sliceOf(mount))
    assert.equal(formatValue(bind), '[{bind  /src /dst   true rprivate}]')
    assert.equal(sprintf('%+v', [bind]), '[{Type:bind Name: Source:/src Destination:/dst Driver: Mode: RW:true Propagation:rprivate}]')
  })
})

describe('formatValue, sprint, sprintln', () => {
  it('prints values like %v', () => {
    assert.equal(formatValue('text'), 'text')
    assert.equal(formatValue(42), '42')
    assert.equal(formatValue(1.5), '1.5')
    assert.equal(formatValue(-0), '-0')
    assert.equal(formatValue(null), '<nil>')
    assert.equal(formatValue(true), 'true')
    assert.equal(formatValue(['a', 'b', 'c']), '[a b c]')
    assert.equal(formatValue([]), '[]')
    assert.equal(formatValue({z: '1', a: {k: 'v'}, method: () => 1, absent: undefined}), 'map[a:map[k:v] z:1]')
    assert.equal(formatValue(10n ** 20n), '100000000000000000000')
  })

  it('puts spaces between operands that are not strings', () => {
    assert.equal(sprint([1, 2, 'a', 'b', 3, true]), '1 2ab3 true')
    assert.equal(sprint([]), '')
    assert.equal(sprintln(['a', 1, true]), 'a 1 true\n')
  })
})

describe('goQuote', () => {
  it('writes Go string literals', () => {
    assert.equal(goQuote('plain'), '"plain"')
    assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"')
    assert.equal(goQuote('\x07\b\f\n\r\t\v'), '"\\a\\b\\f\\n\\r\\t\\v"')
    assert.equal(goQuote('\x01\x7f'), '"\\x01\\x7f"')
    assert.equal(goQuote('é日本🚀'), '"é日本🚀"')
    assert.equal(goQuote('\u00a0\u2028\u{e0001}'), '"\\u00a0\\u2028\\U000e0001"')
    assert.equal(goQuote('é🚀', true), '"\\u00e9\\U0001f680"')
  })
})

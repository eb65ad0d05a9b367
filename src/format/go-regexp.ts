/**
 * Go's regular expressions (RE2 syntax, regexp.Compile) run by JavaScript's engine: the pattern is
 * read as Go's regexp/syntax parser reads it, refused with its messages where it refuses (a
 * lookaround, a backreference, `a**`), and written out as a JavaScript source (flag `u`) that
 * matches what Go's would: `(?i)` and the like for the rest of their group, `\A`, `\z`, `\Q…\E`,
 * `(?P<name>…)`, POSIX classes, `.`, `^`, `$` and `\s` as Go means them (`\n` the only line end).
 * No flag or modifier group of JavaScript's carries a setting: V8 before 12.5 (Node 22) has no
 * `(?i:…)`, so `(?i)` writes each letter and class it covers with its case folding (`[kKK]`).
 * Only what Go's parser accepts is translated; a nested repetition's total past 1000
 * (`(a{500}){3}`), which Go refuses, is left to run.
 */

/** Go's syntax.Error text. */
function syntaxError(code: string, expr: string): Error {
  return new Error(`error parsing regexp: ${code}: \`${expr}\``)
}

interface Flags {
  /** FoldCase */
  i: boolean
  /** not OneLine: `^` and `$` at line ends */
  m: boolean
  /** DotNL */
  s: boolean
  /** NonGreedy: the `?` after a repetition makes it greedy */
  U: boolean
}

type Ranges = Array<[number, number]>

const MAX_RUNE = 0x10ffff
const SPACE: Ranges = [[9, 10], [12, 13], [32, 32]]
const PERL_CLASSES: Record<string, Ranges> = {d: [[48, 57]], s: SPACE, w: [[48, 57], [65, 90], [95, 95], [97, 122]]}
const POSIX_CLASSES: Record<string, Ranges> = {
  alnum: [[48, 57], [65, 90], [97, 122]],
  alpha: [[65, 90], [97, 122]],
  ascii: [[0, 127]],
  blank: [[9, 9], [32, 32]],
  cntrl: [[0, 31], [127, 127]],
  digit: [[48, 57]],
  graph: [[33, 126]],
  lower: [[97, 122]],
  print: [[32, 126]],
  punct: [[33, 47], [58, 64], [91, 96], [123, 126]],
  space: [[9, 13], [32, 32]],
  upper: [[65, 90]],
  word: PERL_CLASSES.w!,
  xdigit: [[48, 57], [65, 70], [97, 102]],
}
/** Go's unicode.Categories (Go 1.24, as docker 28 is built with); any other name must be a script. */
const CATEGORIES = new Set('C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '))
/** Go's minFold and maxFold: no character outside them folds to another. */
const MIN_FOLD = 0x41
const MAX_FOLD = 0x1e943

function negated(ranges: Ranges): Ranges {
  const result: Ranges = []
  let next = 0
  for (const [lo, hi] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (lo > next) result.push([next, lo - 1])
    next = Math.max(next, hi + 1)
  }
  if (next <= MAX_RUNE) result.push([next, MAX_RUNE])
  return result
}

const codePoint = (value: number): string => `\\u{${value.toString(16)}}`
const classRanges = (ranges: Ranges): string => ranges.map(([lo, hi]) => (lo === hi ? codePoint(lo) : `${codePoint(lo)}-${codePoint(hi)}`)).join('')
const singles = (chars: number[]): Ranges => chars.map((char) => [char, char])

/** Two characters that JavaScript's case-insensitive matching takes as one. */
const SAME_FOLD = /^(.)\1$/iu
let caseOrbitTable: Map<number, number[]> | undefined
/**
 * Go's unicode.SimpleFold orbits (K k K, Σ σ ς), by member, for the characters that fold to another.
 * JavaScript has no table of them, so its case mappings propose the links (one character to one, or
 * two sharing a longer uppercase, as ΐ and ΐ) and its case-insensitive matching, which is simple case
 * folding as Go's, keeps those that fold (not ı to I).
 */
function caseOrbits(): Map<number, number[]> {
  if (caseOrbitTable) return caseOrbitTable
  const parent = new Map<number, number>()
  const root = (char: number): number => {
    let at = char
    for (let up = parent.get(at); up !== undefined; up = parent.get(at)) at = up
    return at
  }
  const folding = new Set<number>()
  const link = (a: number, b: number): void => {
    if (!SAME_FOLD.test(String.fromCodePoint(a, b))) return
    folding.add(a).add(b)
    const [rootA, rootB] = [root(a), root(b)]
    if (rootA !== rootB) parent.set(rootA, rootB)
  }
  const byLongUppercase = new Map<string, number>()
  for (let char = MIN_FOLD; char <= MAX_FOLD; char++) {
    const text = String.fromCodePoint(char)
    const single = (mapped: string): boolean => mapped !== text && String.fromCodePoint(mapped.codePointAt(0)!) === mapped
    const [lower, upper] = [text.toLowerCase(), text.toUpperCase()]
    if (single(lower)) link(char, lower.codePointAt(0)!)
    if (single(upper)) link(char, upper.codePointAt(0)!)
    else if (upper !== text) {
      const first = byLongUppercase.get(upper)
      if (first === undefined) byLongUppercase.set(upper, char)
      else link(first, char)
    }
  }
  const orbits = new Map<number, number[]>()
  for (const char of folding) orbits.set(root(char), [...(orbits.get(root(char)) ?? []), char])
  caseOrbitTable = new Map()
  for (const orbit of orbits.values()) {
    orbit.sort((a, b) => a - b)
    for (const char of orbit) caseOrbitTable.set(char, orbit)
  }
  return caseOrbitTable
}

/** Go's appendFoldedRange over a set: the set with each member's whole case orbit. */
function folded(ranges: Ranges): Ranges {
  const result = [...ranges]
  for (const [char, orbit] of caseOrbits()) {
    if (ranges.some(([lo, hi]) => lo <= char && char <= hi)) result.push(...singles(orbit))
  }
  return result
}

const propertyRangeCache = new Map<string, Ranges>()
/** A Unicode property's characters as ranges, to fold them: JavaScript lists them no other way. */
function propertyRanges(property: string): Ranges {
  const cached = propertyRangeCache.get(property)
  if (cached) return cached
  const test = new RegExp(`\\p{${property}}`, 'uy')
  const ranges: Ranges = []
  for (let char = 0; char <= MAX_RUNE; char++) {
    test.lastIndex = 0
    if (!test.test(String.fromCodePoint(char))) continue
    const last = ranges.at(-1)
    if (last && last[1] === char - 1) last[1] = char
    else ranges.push([char, char])
  }
  propertyRangeCache.set(property, ranges)
  return ranges
}

/** Go's regexp.Compile(pattern) as a RegExp; throws with Go's error text. */
export function goRegExp(pattern: string): RegExp {
  const source = new GoPatternReader(pattern).translate()
  try {
    return new RegExp(source, 'u')
  } catch (error) {
    // Something Go takes that the translation gets wrong: no Go text to give, so JavaScript's.
    throw new Error(`error parsing regexp: ${(error as Error).message}`)
  }
}

class GoPatternReader {
  private at = 0
  private flags: Flags = {i: false, m: false, s: false, U: false}
  private output = ''
  /** Per open group: the flags to restore at its `)`. */
  private readonly groups: Flags[] = [this.flags]
  private readonly pattern: string

  constructor(pattern: string) {
    this.pattern = pattern
  }

  translate(): string {
    const pattern = this.pattern
    /** Whether something a repetition can apply to was just read (Go's stack top is no paren or bar). */
    let operand = false
    /** Where the repetition just read began, for Go's `a**` refusal. */
    let lastRepeat = -1
    while (this.at < pattern.length) {
      const char = pattern[this.at]!
      let repeat = -1
      switch (char) {
        case '(':
          if (pattern[this.at + 1] === '?') {
            if (this.perlGroup()) operand = false
          } else {
            this.open('(')
            this.at++
            operand = false
          }
          break
        case '|':
          this.output += '|'
          this.at++
          operand = false
          break
        case ')':
          if (this.groups.length < 2) throw syntaxError('unexpected )', pattern)
          this.output += ')'
          this.flags = this.groups.pop()!
          this.at++
          operand = true
          break
        case '^':
          this.output += this.flags.m ? '(?:(?<![^\\n]))' : '(?:(?<![\\s\\S]))'
          this.at++
          operand = true
          break
        case '$':
          this.output += this.flags.m ? '(?:(?![^\\n]))' : '(?:(?![\\s\\S]))'
          this.at++
          operand = true
          break
        case '.':
          this.output += this.flags.s ? '[\\s\\S]' : '[^\\n]'
          this.at++
          operand = true
          break
        case '[':
          this.output += this.characterClass()
          operand = true
          break
        case '*':
        case '+':
        case '?':
        case '{': {
          const start = this.at
          const bounds = char === '{' ? this.repeatBounds() : undefined
          if (char === '{' && !bounds) {
            this.output += this.literal(0x7b)
            this.at++
            operand = true
            break
          }
          this.at = bounds ? bounds.end : start + 1
          if (bounds && (bounds.min > 1000 || bounds.max > 1000 || (bounds.max >= 0 && bounds.min > bounds.max))) {
            throw syntaxError('invalid repeat count', pattern.slice(start, this.at))
          }
          const lazy = pattern[this.at] === '?'
          if (lazy) this.at++
          if (lastRepeat >= 0) throw syntaxError('invalid nested repetition operator', pattern.slice(lastRepeat, this.at))
          if (!operand) throw syntaxError('missing argument to repetition operator', pattern.slice(start, this.at))
          this.output += bounds ? `{${bounds.min}${bounds.max === bounds.min ? '' : `,${bounds.max < 0 ? '' : bounds.max}`}}` : char
          if (lazy !== this.flags.U) this.output += '?'
          repeat = start
          break
        }
        case '\\':
          this.output += this.escape()
          operand = true
          break
        default: {
          const char = pattern.codePointAt(this.at)!
          this.output += this.literal(char)
          this.at += String.fromCodePoint(char).length
          operand = true
        }
      }
      lastRepeat = repeat
    }
    if (this.groups.length > 1) throw syntaxError('missing closing )', pattern)
    return this.output
  }

  private open(prefix: string): void {
    this.output += prefix
    this.groups.push(this.flags)
  }

  /** One character, or under `(?i)` any of its case orbit. */
  private literal(char: number): string {
    const orbit = this.flags.i ? caseOrbits().get(char) : undefined
    return orbit ? `[${classRanges(singles(orbit))}]` : codePoint(char)
  }

  /** A set Go's appendGroup adds to a class (`\d`, `[:^alpha:]`, `\pL`): folded under `(?i)`, then negated; as class items. */
  private groupItems(ranges: Ranges, negate: boolean): string {
    const set = this.flags.i ? folded(ranges) : ranges
    return classRanges(negate ? negated(set) : set)
  }

  /** `(?…`: a named group, a non-capturing one with flags, or a setting of flags; true when a group opened. Go's parsePerlFlags. */
  private perlGroup(): boolean {
    const pattern = this.pattern
    const rest = pattern.slice(this.at)
    if ((rest.length > 4 && rest[2] === 'P' && rest[3] === '<') || (rest.length > 3 && rest[2] === '<')) {
      const end = rest.indexOf('>')
      if (end < 0) throw syntaxError('invalid named capture', rest)
      const name = rest.slice(rest[2] === 'P' ? 4 : 3, end)
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw syntaxError('invalid named capture', rest.slice(0, end + 1))
      this.open(`(?<${name}>`)
      this.at += end + 1
      return true
    }
    const flags = {...this.flags}
    let sign = true
    let sawFlag = false
    let index = 2
    while (index < rest.length) {
      const char = String.fromCodePoint(rest.codePointAt(index)!)
      index += char.length
      if (char === 'i' || char === 'm' || char === 's' || char === 'U') {
        flags[char] = sign
        sawFlag = true
      } else if (char === '-' && sign) {
        sign = false
        sawFlag = false
      } else if ((char === ':' || char === ')') && (sign || sawFlag)) {
        this.at += index
        if (char === ':') this.open('(?:')
        this.flags = flags
        return char === ':'
      } else break
    }
    throw syntaxError('invalid or unsupported Perl syntax', rest.slice(0, index))
  }

  /** Go's parseRepeat at `{`: undefined when it is no repetition (then `{` is a literal); max -1 for none (`{2,}`). */
  private repeatBounds(): {min: number; max: number; end: number} | undefined {
    const match = /^\{(0|[1-9]\d*)(?:(,)(0|[1-9]\d*)?)?\}/.exec(this.pattern.slice(this.at))
    if (!match) return undefined
    const min = Number(match[1])
    return {min, max: match[2] === undefined ? min : match[3] === undefined ? -1 : Number(match[3]), end: this.at + match[0].length}
  }

  /** A `\` outside a class. */
  private escape(): string {
    const pattern = this.pattern
    const next = pattern[this.at + 1]
    const assertion = {A: '(?<![\\s\\S])', z: '(?![\\s\\S])', b: '\\b', B: '\\B'}[next ?? '']
    if (assertion) {
      this.at += 2
      return `(?:${assertion})`
    }
    if (next === 'C') throw syntaxError('invalid escape sequence', '\\C')
    if (next === 'Q') {
      const end = pattern.indexOf('\\E', this.at + 2)
      const literal = pattern.slice(this.at + 2, end < 0 ? undefined : end)
      this.at = end < 0 ? pattern.length : end + 2
      return [...literal].map((char) => this.literal(char.codePointAt(0)!)).join('')
    }
    const unicode = this.unicodeClass()
    if (unicode) return `[${unicode}]`
    const perl = this.perlClass()
    if (perl) return `[${this.groupItems(perl.ranges, perl.negated)}]`
    return this.literal(this.escapedCharacter())
  }

  /** `\d`, `\S` …: ASCII classes, as Go's. */
  private perlClass(): {ranges: Ranges; negated: boolean} | undefined {
    const letter = this.pattern[this.at + 1] ?? ''
    const ranges = PERL_CLASSES[letter.toLowerCase()]
    if (!ranges) return undefined
    this.at += 2
    return {ranges, negated: letter !== letter.toLowerCase()}
  }

  /** `\pL`, `\p{Greek}`, `\P{^Lu}` (Go's parseUnicodeClass), as class items: JavaScript's property escape, or under `(?i)` its folded ranges. */
  private unicodeClass(): string | undefined {
    const pattern = this.pattern
    const kind = pattern[this.at + 1]
    if (kind !== 'p' && kind !== 'P') return undefined
    const start = this.at
    let name: string
    if (pattern[this.at + 2] === '{') {
      const end = pattern.indexOf('}', this.at)
      if (end < 0) throw syntaxError('invalid character class range', pattern.slice(start))
      name = pattern.slice(this.at + 3, end)
      this.at = end + 1
    } else {
      const letter = pattern.codePointAt(this.at + 2)
      name = letter === undefined ? '' : String.fromCodePoint(letter)
      this.at += 2 + name.length
    }
    let positive = kind === 'p'
    if (name.startsWith('^')) {
      positive = !positive
      name = name.slice(1)
    }
    const property = name === 'Any' ? 'Any' : CATEGORIES.has(name) ? name : /^[A-Za-z_]+$/.test(name) ? `Script=${name}` : undefined
    const escape = `\\${positive ? 'p' : 'P'}{${property}}`
    try {
      if (property === undefined) throw new Error()
      new RegExp(escape, 'u')
    } catch {
      throw syntaxError('invalid character class range', pattern.slice(start, this.at))
    }
    return this.flags.i ? this.groupItems(propertyRanges(property), !positive) : escape
  }

  /** Go's parseEscape: the character an escape stands for. */
  private escapedCharacter(): number {
    const pattern = this.pattern
    const start = this.at
    this.at++
    if (this.at >= pattern.length) throw syntaxError('trailing backslash at end of expression', '')
    const char = pattern.codePointAt(this.at)!
    this.at += char > 0xffff ? 2 : 1
    const invalid = (): Error => syntaxError('invalid escape sequence', pattern.slice(start, this.at))
    const letter = String.fromCodePoint(char)
    const octal = /^[0-7]{0,2}/.exec(pattern.slice(this.at))![0]
    if (letter === '0' || (/[1-7]/.test(letter) && octal !== '')) {
      this.at += octal.length
      return parseInt(letter + octal, 8)
    }
    if (letter === 'x') {
      const hex = /^(?:\{([0-9A-Fa-f]+)\}|([0-9A-Fa-f]{2}))/.exec(pattern.slice(this.at))
      const value = hex ? parseInt(hex[1] ?? hex[2]!, 16) : NaN
      if (!hex || value > MAX_RUNE) {
        // Go's text runs to where its reading stopped: close enough to name the escape.
        this.at = Math.min(pattern.length, this.at + (hex ? hex[0].length : pattern[this.at] === '{' ? pattern.slice(this.at).indexOf('}') + 1 || 1 : 2))
        throw invalid()
      }
      this.at += hex[0].length
      return value
    }
    const control = {a: 7, f: 12, n: 10, r: 13, t: 9, v: 11}[letter]
    if (control !== undefined) return control
    if (char < 0x80 && !/[0-9A-Za-z]/.test(letter)) return char
    throw invalid()
  }

  /** `[…]`, as Go's parseClass reads it, written out as ranges. */
  private characterClass(): string {
    const pattern = this.pattern
    const start = this.at
    this.at++
    const negate = pattern[this.at] === '^'
    if (negate) this.at++
    let items = ''
    let first = true
    const missing = (): Error => syntaxError('missing closing ]', pattern.slice(start))
    while (first || pattern[this.at] !== ']') {
      if (this.at >= pattern.length) throw missing()
      first = false
      const rest = pattern.slice(this.at)
      if (rest.startsWith('[:')) {
        const end = rest.indexOf(':]', 2)
        if (end >= 0) {
          const name = rest.slice(0, end + 2)
          const inner = name.slice(2, -2)
          const ranges = POSIX_CLASSES[inner.replace(/^\^/, '')]
          if (!ranges) throw syntaxError('invalid character class range', name)
          items += this.groupItems(ranges, inner.startsWith('^'))
          this.at += name.length
          continue
        }
      }
      const unicode = this.unicodeClass()
      if (unicode) {
        items += unicode
        continue
      }
      const perl = this.perlClass()
      if (perl) {
        items += this.groupItems(perl.ranges, perl.negated)
        continue
      }
      const rangeStart = this.at
      const lo = this.classCharacter(missing)
      let hi = lo
      if (pattern[this.at] === '-' && this.at + 1 < pattern.length && pattern[this.at + 1] !== ']') {
        this.at++
        hi = this.classCharacter(missing)
        if (hi < lo) throw syntaxError('invalid character class range', pattern.slice(rangeStart, this.at))
      }
      items += this.groupItems([[lo, hi]], false)
    }
    this.at++
    return `[${negate ? '^' : ''}${items}]`
  }

  private classCharacter(missing: () => Error): number {
    const pattern = this.pattern
    if (this.at >= pattern.length) throw missing()
    if (pattern[this.at] === '\\') return this.escapedCharacter()
    const char = pattern.codePointAt(this.at)!
    this.at += char > 0xffff ? 2 : 1
    return char
  }
}

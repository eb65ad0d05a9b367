import {goQuote} from './go-fmt.ts'

/**
 * The lexer of Go's text/template, with its item kinds and error texts, so that parse errors read
 * like the ones docker prints.
 */
export type ItemType =
  | 'error'
  | 'bool'
  | 'char'
  | 'charConstant'
  | 'assign'
  | 'declare'
  | 'eof'
  | 'field'
  | 'identifier'
  | 'leftDelim'
  | 'leftParen'
  | 'number'
  | 'pipe'
  | 'rawString'
  | 'rightDelim'
  | 'rightParen'
  | 'space'
  | 'string'
  | 'text'
  | 'variable'
  // keywords
  | 'block'
  | 'break'
  | 'continue'
  | 'dot'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'nil'
  | 'range'
  | 'template'
  | 'with'

export interface Item {
  type: ItemType
  /** Offset in the template text. */
  pos: number
  val: string
  line: number
}

const KEYWORDS: Record<string, ItemType> = {
  '.': 'dot',
  block: 'block',
  break: 'break',
  continue: 'continue',
  define: 'define',
  else: 'else',
  end: 'end',
  if: 'if',
  nil: 'nil',
  range: 'range',
  template: 'template',
  with: 'with',
}

const KEYWORD_TYPES = new Set(Object.values(KEYWORDS))

/** How Go's parser names an item in `unexpected X in Y` messages. */
export function describeItem(item: Item): string {
  if (item.type === 'eof') return 'EOF'
  if (item.type === 'error') return item.val
  if (KEYWORD_TYPES.has(item.type)) return `<${item.val}>`
  if (Buffer.byteLength(item.val) > 10) return `${goQuote(Array.from(item.val).slice(0, 10).join(''))}...`
  return goQuote(item.val)
}

const LEFT = '{{'
const RIGHT = '}}'
const LEFT_COMMENT = '/*'
const RIGHT_COMMENT = '*/'

function isSpace(char: string | undefined): boolean {
  return char === ' ' || char === '\t' || char === '\r' || char === '\n'
}

function isAlphaNumeric(char: string | undefined): boolean {
  return char !== undefined && (char === '_' || /^[\p{L}\p{Nd}]$/u.test(char))
}

function hasLeftTrimMarker(text: string, at: number): boolean {
  return text[at] === '-' && isSpace(text[at + 1])
}

function hasRightTrimMarker(text: string, at: number): boolean {
  return isSpace(text[at]) && text[at + 1] === '-'
}

function trailingSpaceLength(text: string): number {
  return text.length - text.replace(/[ \t\r\n]+$/, '').length
}

function leadingSpaceLength(text: string): number {
  return text.length - text.replace(/^[ \t\r\n]+/, '').length
}

/** `U+007D '}'`, Go's %#U. */
function describeRune(char: string): string {
  const code = char.codePointAt(0) as number
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} '${char}'`
}

class Lexer {
  readonly items: Item[] = []
  private readonly input: string
  private pos = 0
  private start = 0
  private parenDepth = 0
  private readonly lineStarts: number[] = [0]

  constructor(input: string) {
    this.input = input
    for (let index = input.indexOf('\n'); index >= 0; index = input.indexOf('\n', index + 1)) this.lineStarts.push(index + 1)
  }

  private lineAt(pos: number): number {
    let low = 0
    let high = this.lineStarts.length - 1
    while (low < high) {
      const middle = (low + high + 1) >> 1
      if (this.lineStarts[middle] <= pos) low = middle
      else high = middle - 1
    }
    return low + 1
  }

  private emit(type: ItemType): void {
    this.items.push({type, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.lineAt(this.start)})
    this.start = this.pos
  }

  /** Records an error item; lexing stops there, as Go's lexer stops at its first error. */
  private error(message: string): false {
    this.items.push({type: 'error', pos: this.start, val: message, line: this.lineAt(this.start)})
    return false
  }

  private peek(): string | undefined {
    return this.pos < this.input.length ? String.fromCodePoint(this.input.codePointAt(this.pos) as number) : undefined
  }

  private next(): string | undefined {
    const char = this.peek()
    if (char !== undefined) this.pos += char.length
    return char
  }

  run(): Item[] {
    while (this.lexText() && this.lexAction());
    return this.items
  }

  /** Text up to the next action; false at the end of input. */
  private lexText(): boolean {
    const delim = this.input.indexOf(LEFT, this.pos)
    if (delim < 0) {
      this.pos = this.input.length
      if (this.pos > this.start) this.emit('text')
      this.emit('eof')
      return false
    }
    if (delim > this.pos) {
      const trimmed = hasLeftTrimMarker(this.input, delim + LEFT.length) ? trailingSpaceLength(this.input.slice(this.start, delim)) : 0
      this.pos = delim - trimmed
      if (this.pos > this.start) this.emit('text')
      this.pos = delim
      this.start = delim
    }
    return true
  }

  private atRightDelim(): {delim: boolean; trim: boolean} {
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(RIGHT, this.pos + 2)) return {delim: true, trim: true}
    return {delim: this.input.startsWith(RIGHT, this.pos), trim: false}
  }

  /** A whole action or comment starting at `{{`; false after an error or at the end of input. */
  private lexAction(): boolean {
    this.pos += LEFT.length
    const trim = hasLeftTrimMarker(this.input, this.pos)
    const afterMarker = trim ? 2 : 0
    if (this.input.startsWith(LEFT_COMMENT, this.pos + afterMarker)) {
      this.pos += afterMarker
      this.start = this.pos
      return this.lexComment()
    }
    this.emit('leftDelim')
    this.pos += afterMarker
    this.start = this.pos
    this.parenDepth = 0
    for (;;) {
      const {delim, trim: trimRight} = this.atRightDelim()
      if (delim) {
        if (this.parenDepth !== 0) return this.error('unclosed left paren')
        if (trimRight) {
          this.pos += 2
          this.start = this.pos
        }
        this.pos += RIGHT.length
        this.emit('rightDelim')
        if (trimRight) {
          this.pos += leadingSpaceLength(this.input.slice(this.pos))
          this.start = this.pos
        }
        return true
      }
      if (!this.lexInsideAction()) return false
    }
  }

  private lexComment(): boolean {
    this.pos += LEFT_COMMENT.length
    const end = this.input.indexOf(RIGHT_COMMENT, this.pos)
    if (end < 0) return this.error('unclosed comment')
    this.pos = end + RIGHT_COMMENT.length
    const {delim, trim} = this.atRightDelim()
    if (!delim) return this.error('comment ends before closing delimiter')
    if (trim) this.pos += 2
    this.pos += RIGHT.length
    if (trim) this.pos += leadingSpaceLength(this.input.slice(this.pos))
    this.start = this.pos
    return true
  }

  private lexInsideAction(): boolean {
    const char = this.next()
    if (char === undefined) return this.error('unclosed action')
    if (isSpace(char)) {
      this.pos -= char.length
      return this.lexSpace()
    }
    switch (char) {
      case '=':
        this.emit('assign')
        return true
      case ':':
        if (this.next() !== '=') return this.error('expected :=')
        this.emit('declare')
        return true
      case '|':
        this.emit('pipe')
        return true
      case '"':
        return this.lexQuote()
      case '`':
        return this.lexRawQuote()
      case '$':
        return this.lexVariable()
      case "'":
        return this.lexChar()
      case '(':
        this.parenDepth++
        this.emit('leftParen')
        return true
      case ')':
        this.parenDepth--
        if (this.parenDepth < 0) return this.error('unexpected right paren')
        this.emit('rightParen')
        return true
    }
    if (char === '.') {
      const following = this.input[this.pos]
      if (following === undefined || following < '0' || following > '9') return this.lexFieldOrVariable('field')
    }
    if (char === '.' || char === '+' || char === '-' || (char >= '0' && char <= '9')) {
      this.pos -= char.length
      return this.lexNumber()
    }
    if (isAlphaNumeric(char)) {
      this.pos -= char.length
      return this.lexIdentifier()
    }
    if (char.codePointAt(0)! <= 0x7f && char >= ' ' && char !== '\x7f') {
      this.emit('char')
      return true
    }
    return this.error(`unrecognized character in action: ${describeRune(char)}`)
  }

  private lexSpace(): boolean {
    let spaces = 0
    while (isSpace(this.peek())) {
      this.next()
      spaces++
    }
    // A space followed by `-}}` belongs to the closing delimiter.
    if (hasRightTrimMarker(this.input, this.pos - 1) && this.input.startsWith(RIGHT, this.pos + 1)) {
      this.pos--
      if (spaces === 1) return true
    }
    this.emit('space')
    return true
  }

  private atTerminator(): boolean {
    const char = this.peek()
    if (char === undefined || isSpace(char)) return true
    if ('.,|:)('.includes(char)) return true
    return this.input.startsWith(RIGHT, this.pos)
  }

  private lexIdentifier(): boolean {
    let char: string | undefined
    while (isAlphaNumeric((char = this.next())));
    if (char !== undefined) this.pos -= char.length
    if (!this.atTerminator()) return this.error(`bad character ${describeRune(char as string)}`)
    const word = this.input.slice(this.start, this.pos)
    const keyword = KEYWORDS[word]
    if (keyword) this.emit(keyword)
    else if (word === 'true' || word === 'false') this.emit('bool')
    else this.emit('identifier')
    return true
  }

  private lexVariable(): boolean {
    if (this.atTerminator()) {
      this.emit('variable')
      return true
    }
    return this.lexFieldOrVariable('variable')
  }

  /** After `.` or `$`: a field or variable name, or the bare dot or `$`. */
  private lexFieldOrVariable(type: 'field' | 'variable'): boolean {
    if (this.atTerminator()) {
      this.emit(type === 'variable' ? 'variable' : 'dot')
      return true
    }
    let char: string | undefined
    while (isAlphaNumeric((char = this.next())));
    if (char !== undefined) this.pos -= char.length
    if (!this.atTerminator()) return this.error(`bad character ${describeRune(char as string)}`)
    this.emit(type)
    return true
  }

  private lexChar(): boolean {
    for (;;) {
      const char = this.next()
      if (char === '\\') {
        const escaped = this.next()
        if (escaped !== undefined && escaped !== '\n') continue
      }
      if (char === undefined || char === '\n' || char === '\\') return this.error('unterminated character constant')
      if (char === "'") break
    }
    this.emit('charConstant')
    return true
  }

  private lexQuote(): boolean {
    for (;;) {
      const char = this.next()
      if (char === '\\') {
        const escaped = this.next()
        if (escaped !== undefined && escaped !== '\n') continue
      }
      if (char === undefined || char === '\n' || char === '\\') return this.error('unterminated quoted string')
      if (char === '"') break
    }
    this.emit('string')
    return true
  }

  private lexRawQuote(): boolean {
    const end = this.input.indexOf('`', this.pos)
    if (end < 0) {
      this.pos = this.input.length
      return this.error('unterminated raw quoted string')
    }
    this.pos = end + 1
    this.emit('rawString')
    return true
  }

  private accept(valid: string): boolean {
    const char = this.peek()
    if (char !== undefined && valid.includes(char)) {
      this.pos += char.length
      return true
    }
    return false
  }

  private acceptRun(valid: string): void {
    while (this.accept(valid));
  }

  private lexNumber(): boolean {
    this.accept('+-')
    let digits = '0123456789_'
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_'
      else if (this.accept('oO')) digits = '01234567_'
      else if (this.accept('bB')) digits = '01_'
    }
    this.acceptRun(digits)
    if (this.accept('.')) this.acceptRun(digits)
    if (digits.length === 11 && this.accept('eE')) {
      this.accept('+-')
      this.acceptRun('0123456789_')
    }
    if (digits.length === 23 && this.accept('pP')) {
      this.accept('+-')
      this.acceptRun('0123456789_')
    }
    if (isAlphaNumeric(this.peek())) {
      this.next()
      return this.error(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`)
    }
    this.emit('number')
    return true
  }
}

/** Splits a template into items, ending with an `eof` item or at the first `error` item. */
export function lex(input: string): Item[] {
  return new Lexer(input).run()
}

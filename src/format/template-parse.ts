import {goQuote} from './go-fmt.ts'
import {describeItem, lex, type Item, type ItemType} from './template-lex.ts'

/**
 * The parser of Go's text/template: the same grammar, node shapes and error messages
 * (`template: :1: unexpected "}" in operand`), producing the trees template-exec.ts runs.
 */

export interface ListNode {
  kind: 'list'
  pos: number
  nodes: Node[]
}
export interface TextNode {
  kind: 'text'
  pos: number
  text: string
}
export interface ActionNode {
  kind: 'action'
  pos: number
  pipe: PipeNode
}
export interface BranchNode {
  kind: 'if' | 'range' | 'with'
  pos: number
  pipe: PipeNode
  list: ListNode
  elseList?: ListNode
}
export interface LoopControlNode {
  kind: 'break' | 'continue'
  pos: number
}
export interface TemplateNode {
  kind: 'template'
  pos: number
  name: string
  pipe?: PipeNode
}
export type Node = ListNode | TextNode | ActionNode | BranchNode | LoopControlNode | TemplateNode

export interface PipeNode {
  kind: 'pipe'
  pos: number
  isAssign: boolean
  decl: VariableNode[]
  cmds: CommandNode[]
}
export interface CommandNode {
  kind: 'command'
  pos: number
  args: ArgNode[]
}
export interface FieldNode {
  kind: 'field'
  pos: number
  /** `.A.B` is `['A', 'B']`. */
  ident: string[]
}
export interface VariableNode {
  kind: 'variable'
  pos: number
  /** `$x.A` is `['$x', 'A']`. */
  ident: string[]
}
export interface ChainNode {
  kind: 'chain'
  pos: number
  node: ArgNode
  fields: string[]
}
export interface IdentifierNode {
  kind: 'identifier'
  pos: number
  name: string
}
export interface DotNode {
  kind: 'dot'
  pos: number
}
export interface NilNode {
  kind: 'nil'
  pos: number
}
export interface BoolNode {
  kind: 'bool'
  pos: number
  value: boolean
}
export interface NumberNode {
  kind: 'number'
  pos: number
  text: string
  /** A bigint when a whole number is beyond JavaScript's exact range. */
  value: number | bigint
  /** The literal is a whole number that fits an int64 (`1e3` is one too). */
  isInt: boolean
  /** The literal is written as a float (`1.0`, `1e3`), so it evaluates to float64 when untyped. */
  looksFloat: boolean
}
export interface StringNode {
  kind: 'string'
  pos: number
  quoted: string
  text: string
}
export type ArgNode = FieldNode | VariableNode | ChainNode | IdentifierNode | DotNode | NilNode | BoolNode | NumberNode | StringNode | PipeNode

export interface ParsedTemplate {
  /** The template's name, which Go's messages give (`template: version:1: ...`); empty for docker's usual one. */
  name: string
  root: ListNode
  /** Templates from `{{define}}` and `{{block}}`, by name. */
  defined: Map<string, ListNode>
}

/** A marker node for `{{end}}` and `{{else}}`, which never reach a finished tree. */
interface EndNode {
  kind: 'end' | 'else'
  pos: number
}

function isEnd(node: Node | EndNode): node is EndNode {
  return node.kind === 'end' || node.kind === 'else'
}

/** Go's Node.String(): how error messages show a node. */
export function nodeString(node: Node | ArgNode | CommandNode | EndNode): string {
  switch (node.kind) {
    case 'list':
      return node.nodes.map(nodeString).join('')
    case 'text':
      return node.text
    case 'action':
      return `{{${nodeString(node.pipe)}}}`
    case 'if':
    case 'range':
    case 'with':
      return `{{${node.kind} ${nodeString(node.pipe)}}}${nodeString(node.list)}${node.elseList ? `{{else}}${nodeString(node.elseList)}` : ''}{{end}}`
    case 'break':
    case 'continue':
    case 'end':
    case 'else':
      return `{{${node.kind}}}`
    case 'template':
      return `{{template ${goQuote(node.name)}${node.pipe ? ` ${nodeString(node.pipe)}` : ''}}}`
    case 'pipe': {
      const decl = node.decl.length > 0 ? `${node.decl.map(nodeString).join(', ')}${node.isAssign ? ' = ' : ' := '}` : ''
      return decl + node.cmds.map(nodeString).join(' | ')
    }
    case 'command':
      return node.args.map((arg) => (arg.kind === 'pipe' ? `(${nodeString(arg)})` : nodeString(arg))).join(' ')
    case 'field':
      return `.${node.ident.join('.')}`
    case 'variable':
      return node.ident.join('.')
    case 'chain':
      return `${node.node.kind === 'pipe' ? `(${nodeString(node.node)})` : nodeString(node.node)}.${node.fields.join('.')}`
    case 'identifier':
      return node.name
    case 'dot':
      return '.'
    case 'nil':
      return 'nil'
    case 'bool':
      return String(node.value)
    case 'number':
      return node.text
    case 'string':
      return node.quoted
  }
}

/** A template that failed to parse or to execute; the message is Go's. */
export class TemplateError extends Error {
  /** For an execution error, what the template wrote before failing (Go leaves it in the writer). */
  partialOutput = ''

  constructor(message: string) {
    super(message)
    this.name = 'TemplateError'
  }
}

const SIMPLE_ESCAPES: Record<string, number> = {a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92}

/** strconv.Unquote for "..." strings and '...' rune literals: the bytes the literal denotes. */
function unquoteBytes(body: string, quote: string): number[] | undefined {
  const bytes: number[] = []
  for (let index = 0; index < body.length; ) {
    const char = String.fromCodePoint(body.codePointAt(index) as number)
    index += char.length
    if (char === quote || char === '\n') return undefined
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'))
      continue
    }
    const escape = body[index++]
    if (escape === undefined) return undefined
    if (escape in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[escape])
    } else if (escape === quote) {
      bytes.push(escape.charCodeAt(0))
    } else if (escape === 'x' || escape === 'u' || escape === 'U') {
      const length = {x: 2, u: 4, U: 8}[escape]
      const digits = body.slice(index, index + length)
      if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(digits)) return undefined
      index += length
      const code = parseInt(digits, 16)
      if (escape === 'x') bytes.push(code)
      else if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined
      else bytes.push(...Buffer.from(String.fromCodePoint(code), 'utf8'))
    } else if (escape >= '0' && escape <= '7') {
      const digits = body.slice(index - 1, index + 2)
      if (!/^[0-7]{3}$/.test(digits)) return undefined
      index += 2
      const code = parseInt(digits, 8)
      if (code > 255) return undefined
      bytes.push(code)
    } else {
      return undefined
    }
  }
  return bytes
}

function unquoteString(token: string): string | undefined {
  if (token[0] === '`') return token.slice(1, -1).replaceAll('\r', '')
  const bytes = unquoteBytes(token.slice(1, -1), '"')
  return bytes && Buffer.from(bytes).toString('utf8')
}

/** strconv.UnquoteChar of the first character or escape of `text`: its rune and what follows. */
function unquoteChar(text: string, quote: string): {code: number; tail: string} | undefined {
  if (text === '' || text[0] === quote) return undefined
  if (text[0] !== '\\') {
    const code = text.codePointAt(0) as number
    return {code, tail: text.slice(String.fromCodePoint(code).length)}
  }
  const escape = text[1]
  if (escape === undefined) return undefined
  if (escape in SIMPLE_ESCAPES) return {code: SIMPLE_ESCAPES[escape], tail: text.slice(2)}
  if (escape === quote) return {code: quote.charCodeAt(0), tail: text.slice(2)}
  const length = ({x: 2, u: 4, U: 8} as Record<string, number>)[escape]
  if (length !== undefined) {
    const digits = text.slice(2, 2 + length)
    if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(digits)) return undefined
    const code = parseInt(digits, 16)
    if (escape !== 'x' && (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))) return undefined
    return {code, tail: text.slice(2 + length)}
  }
  const octal = text.slice(1, 4)
  if (!/^[0-7]{3}$/.test(octal) || parseInt(octal, 8) > 255) return undefined
  return {code: parseInt(octal, 8), tail: text.slice(4)}
}

const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)
const UINT64_MAX = 2n ** 64n - 1n

function parseGoInteger(text: string): bigint | undefined {
  const match = /^([+-]?)(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/.exec(text)
  if (!match) return undefined
  const digits = match[2].replaceAll('_', '')
  let magnitude: bigint
  if (/^0[xXoObB]/.test(digits)) magnitude = BigInt(digits.toLowerCase())
  else if (digits.length > 1 && digits[0] === '0') magnitude = BigInt(`0o${digits.slice(1)}`)
  else magnitude = BigInt(digits)
  return match[1] === '-' ? -magnitude : magnitude
}

function parseGoFloat(text: string): number | undefined {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text)
  const hex = /^([+-]?)0[xX]((?:_?[0-9a-fA-F])*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?\d+)$/.exec(text)
  if (!hex) return undefined
  const whole = hex[2].replaceAll('_', '')
  const fraction = (hex[3] ?? '').replaceAll('_', '')
  if (whole === '' && fraction === '') return undefined
  const value = parseInt(`${whole}${fraction}` || '0', 16) * 2 ** (Number(hex[4]) - 4 * fraction.length)
  return hex[1] === '-' ? -value : value
}

class Parser {
  private readonly items: Item[]
  private readonly functions: ReadonlySet<string>
  private index = 0
  /** The furthest item read, whose line Go reports in parse errors. */
  private furthest = 0
  private vars: string[] = ['$']
  private actionLine = 0
  private rangeDepth = 0
  readonly defined = new Map<string, ListNode>()

  private readonly name: string

  constructor(text: string, functions: ReadonlySet<string>, name: string) {
    this.items = lex(text)
    this.functions = functions
    this.name = name
  }

  private errorf(message: string): never {
    throw new TemplateError(`template: ${this.name}:${this.items[this.furthest].line}: ${message}`)
  }

  private next(): Item {
    const item = this.items[Math.min(this.index, this.items.length - 1)]
    this.furthest = Math.max(this.furthest, Math.min(this.index, this.items.length - 1))
    this.index++
    return item
  }

  private backup(count = 1): void {
    this.index -= count
  }

  private peek(): Item {
    const item = this.next()
    this.backup()
    return item
  }

  private nextNonSpace(): Item {
    let item: Item
    do item = this.next()
    while (item.type === 'space')
    return item
  }

  private peekNonSpace(): Item {
    const item = this.nextNonSpace()
    this.backup()
    return item
  }

  private unexpected(item: Item, context: string): never {
    if (item.type === 'error') {
      let extra = ''
      if (this.actionLine !== 0 && this.actionLine !== item.line) {
        extra = ` in action started at :${this.actionLine}`
        if (item.val.endsWith(' action')) extra = extra.slice(' in action'.length)
      }
      this.errorf(`${describeItem(item)}${extra}`)
    }
    this.errorf(`unexpected ${describeItem(item)} in ${context}`)
  }

  private expect(type: ItemType, context: string): Item {
    const item = this.nextNonSpace()
    if (item.type !== type) this.unexpected(item, context)
    return item
  }

  parse(): ParsedTemplate {
    const root: ListNode = {kind: 'list', pos: this.peek().pos, nodes: []}
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const start = this.index
        this.next()
        if (this.nextNonSpace().type === 'define') {
          this.parseDefinition()
          continue
        }
        this.index = start
      }
      const node = this.textOrAction()
      if (isEnd(node)) this.errorf(`unexpected ${nodeString(node)}`)
      root.nodes.push(node)
    }
    this.addTemplate(this.name, root)
    return {name: this.name, root, defined: this.defined}
  }

  /** Runs `parse` as a separate template: its own variables and range depth, as Go's sub-tree does. */
  private asSubTemplate<T>(parse: () => T): T {
    const {vars, rangeDepth} = this
    this.vars = ['$']
    this.rangeDepth = 0
    try {
      return parse()
    } finally {
      this.vars = vars
      this.rangeDepth = rangeDepth
    }
  }

  private addTemplate(name: string, list: ListNode): void {
    const existing = this.defined.get(name)
    if (existing === undefined || isEmptyTree(existing)) this.defined.set(name, list)
    else if (!isEmptyTree(list)) this.errorf(`template: multiple definition of template ${goQuote(name)}`)
  }

  private parseDefinition(): void {
    const context = 'define clause'
    const nameItem = this.nextNonSpace()
    if (nameItem.type !== 'string' && nameItem.type !== 'rawString') this.unexpected(nameItem, context)
    const name = this.unquote(nameItem.val)
    this.expect('rightDelim', context)
    this.asSubTemplate(() => {
      const {list, end} = this.itemList()
      if (end.kind !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`)
      this.addTemplate(name, list)
    })
  }

  private unquote(token: string): string {
    const text = unquoteString(token)
    if (text === undefined) this.errorf('invalid syntax')
    return text
  }

  private itemList(): {list: ListNode; end: EndNode} {
    const list: ListNode = {kind: 'list', pos: this.peekNonSpace().pos, nodes: []}
    while (this.peekNonSpace().type !== 'eof') {
      const node = this.textOrAction()
      if (isEnd(node)) return {list, end: node}
      list.nodes.push(node)
    }
    this.errorf('unexpected EOF')
  }

  private textOrAction(): Node | EndNode {
    const item = this.nextNonSpace()
    switch (item.type) {
      case 'text':
        return {kind: 'text', pos: item.pos, text: item.val}
      case 'leftDelim':
        this.actionLine = item.line
        try {
          return this.action()
        } finally {
          this.actionLine = 0
        }
      default:
        this.unexpected(item, 'input')
    }
  }

  private action(): Node | EndNode {
    const item = this.nextNonSpace()
    switch (item.type) {
      case 'block':
        return this.blockControl()
      case 'break':
      case 'continue':
        return this.loopControl(item)
      case 'else':
        return this.elseControl()
      case 'end':
        return {kind: 'end', pos: this.expect('rightDelim', 'end').pos}
      case 'if':
      case 'range':
      case 'with':
        return this.branchControl(item.type)
      case 'template':
        return this.templateControl()
    }
    this.backup()
    const pos = this.peek().pos
    return {kind: 'action', pos, pipe: this.pipeline('command', 'rightDelim')}
  }

  private loopControl(keyword: Item): LoopControlNode {
    const kind = keyword.type as 'break' | 'continue'
    const item = this.nextNonSpace()
    if (item.type !== 'rightDelim') this.unexpected(item, `{{${kind}}}`)
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`)
    return {kind, pos: keyword.pos}
  }

  private elseControl(): EndNode {
    const peek = this.peekNonSpace()
    // `{{else if ...}}` and `{{else with ...}}` leave the keyword for the enclosing control to read.
    if (peek.type === 'if' || peek.type === 'with') return {kind: 'else', pos: peek.pos}
    return {kind: 'else', pos: this.expect('rightDelim', 'else').pos}
  }

  private branchControl(kind: 'if' | 'range' | 'with'): BranchNode {
    const varsLength = this.vars.length
    try {
      const pipe = this.pipeline(kind, 'rightDelim')
      if (kind === 'range') this.rangeDepth++
      const {list, end} = this.itemList()
      if (kind === 'range') this.rangeDepth--
      let elseList: ListNode | undefined
      if (end.kind === 'else') {
        const following = this.peek().type
        if ((kind === 'if' && following === 'if') || (kind === 'with' && following === 'with')) {
          this.next()
          elseList = {kind: 'list', pos: end.pos, nodes: [this.branchControl(kind)]}
        } else {
          const elsePart = this.itemList()
          if (elsePart.end.kind !== 'end') this.errorf(`expected end; found ${nodeString(elsePart.end)}`)
          elseList = elsePart.list
        }
      }
      return {kind, pos: pipe.pos, pipe, list, elseList}
    } finally {
      this.vars.length = varsLength
    }
  }

  private templateName(item: Item, context: string): string {
    if (item.type !== 'string' && item.type !== 'rawString') this.unexpected(item, context)
    return this.unquote(item.val)
  }

  private templateControl(): TemplateNode {
    const context = 'template clause'
    const item = this.nextNonSpace()
    const name = this.templateName(item, context)
    let pipe: PipeNode | undefined
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup()
      pipe = this.pipeline(context, 'rightDelim')
    }
    return {kind: 'template', pos: item.pos, name, pipe}
  }

  private blockControl(): TemplateNode {
    const context = 'block clause'
    const item = this.nextNonSpace()
    const name = this.templateName(item, context)
    const pipe = this.pipeline(context, 'rightDelim')
    this.asSubTemplate(() => {
      const {list, end} = this.itemList()
      if (end.kind !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`)
      this.addTemplate(name, list)
    })
    return {kind: 'template', pos: item.pos, name, pipe}
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const pipe: PipeNode = {kind: 'pipe', pos: this.peekNonSpace().pos, isAssign: false, decl: [], cmds: []}
    for (;;) {
      const variable = this.peekNonSpace()
      if (variable.type !== 'variable') break
      const start = this.index
      this.nextNonSpace()
      const following = this.peekNonSpace()
      if (following.type === 'assign' || following.type === 'declare') {
        pipe.isAssign = following.type === 'assign'
        this.nextNonSpace()
        pipe.decl.push({kind: 'variable', pos: variable.pos, ident: variable.val.split('.')})
        this.vars.push(variable.val)
      } else if (following.type === 'char' && following.val === ',') {
        this.nextNonSpace()
        pipe.decl.push({kind: 'variable', pos: variable.pos, ident: variable.val.split('.')})
        this.vars.push(variable.val)
        if (context === 'range' && pipe.decl.length < 2) {
          const second = this.peekNonSpace().type
          if (second === 'variable' || second === 'rightDelim' || second === 'rightParen') continue
          this.errorf('range can only initialize variables')
        }
        this.errorf(`too many declarations in ${context}`)
      } else {
        this.index = start
      }
      break
    }
    for (;;) {
      const item = this.nextNonSpace()
      if (item.type === end) {
        this.checkPipeline(pipe, context)
        return pipe
      }
      switch (item.type) {
        case 'bool':
        case 'charConstant':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup()
          pipe.cmds.push(this.command())
          break
        default:
          this.unexpected(item, context)
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`)
    pipe.cmds.slice(1).forEach((command, index) => {
      if (['bool', 'dot', 'nil', 'number', 'string'].includes(command.args[0].kind)) {
        this.errorf(`non executable command in pipeline stage ${index + 2}`)
      }
    })
  }

  private command(): CommandNode {
    const command: CommandNode = {kind: 'command', pos: this.peekNonSpace().pos, args: []}
    for (;;) {
      this.peekNonSpace()
      const operand = this.operand()
      if (operand) command.args.push(operand)
      const item = this.next()
      if (item.type === 'space') continue
      if (item.type === 'rightDelim' || item.type === 'rightParen') this.backup()
      else if (item.type !== 'pipe') this.unexpected(item, 'operand')
      break
    }
    if (command.args.length === 0) this.errorf('empty command')
    return command
  }

  private operand(): ArgNode | undefined {
    const node = this.term()
    if (!node || this.peek().type !== 'field') return node
    const pos = this.peek().pos
    const fields: string[] = []
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1))
    switch (node.kind) {
      case 'field':
        return {kind: 'field', pos, ident: [...node.ident, ...fields]}
      case 'variable':
        return {kind: 'variable', pos, ident: [...node.ident, ...fields]}
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`)
      default:
        return {kind: 'chain', pos, node, fields}
    }
  }

  private term(): ArgNode | undefined {
    const item = this.nextNonSpace()
    switch (item.type) {
      case 'identifier':
        if (!this.functions.has(item.val)) this.errorf(`function ${goQuote(item.val)} not defined`)
        return {kind: 'identifier', pos: item.pos, name: item.val}
      case 'dot':
        return {kind: 'dot', pos: item.pos}
      case 'nil':
        return {kind: 'nil', pos: item.pos}
      case 'variable': {
        const ident = item.val.split('.')
        if (!this.vars.includes(ident[0])) this.errorf(`undefined variable ${goQuote(ident[0])}`)
        return {kind: 'variable', pos: item.pos, ident}
      }
      case 'field':
        return {kind: 'field', pos: item.pos, ident: item.val.slice(1).split('.')}
      case 'bool':
        return {kind: 'bool', pos: item.pos, value: item.val === 'true'}
      case 'charConstant':
      case 'number':
        return this.number(item)
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen')
      case 'string':
      case 'rawString':
        return {kind: 'string', pos: item.pos, quoted: item.val, text: this.unquote(item.val)}
    }
    this.backup()
    return undefined
  }

  private number(item: Item): NumberNode {
    const text = item.val
    if (item.type === 'charConstant') {
      const char = unquoteChar(text.slice(1), "'")
      if (char === undefined) this.errorf('invalid syntax')
      if (char.tail !== "'") this.errorf(`malformed character constant: ${text}`)
      return {kind: 'number', pos: item.pos, text, value: char.code, isInt: true, looksFloat: false}
    }
    const integer = parseGoInteger(text)
    if (integer !== undefined) {
      if (integer > UINT64_MAX || integer < INT64_MIN) this.errorf(`integer overflow: ${goQuote(text)}`)
      // Beyond int64 only a uint64 holds it; Go accepts the literal but cannot use it as an int.
      const value = Number.isSafeInteger(Number(integer)) ? Number(integer) : integer
      return {kind: 'number', pos: item.pos, text, value, isInt: integer <= INT64_MAX, looksFloat: false}
    }
    const float = parseGoFloat(text)
    if (float === undefined || !Number.isFinite(float)) this.errorf(`illegal number syntax: ${goQuote(text)}`)
    // Go reads a whole number it could not take as an integer (`09`) as an overflow.
    if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${goQuote(text)}`)
    return {kind: 'number', pos: item.pos, text, value: float, isInt: Number.isSafeInteger(float), looksFloat: true}
  }
}

/** Go's ErrorContext location for an offset: `:line:byteColumn` (0-based column on the line). */
export function locationOf(text: string, pos: number): string {
  const before = text.slice(0, pos)
  const lastNewline = before.lastIndexOf('\n')
  const line = before.split('\n').length
  const column = Buffer.byteLength(lastNewline < 0 ? before : before.slice(lastNewline + 1))
  return `:${line}:${column}`
}

function isEmptyTree(node: Node): boolean {
  switch (node.kind) {
    case 'list':
      return node.nodes.every(isEmptyTree)
    case 'text':
      return node.text.trim() === ''
    default:
      return false
  }
}

/** Parses a template named `name`; `functions` are the names its identifiers may call. */
export function parseTemplate(text: string, functions: ReadonlySet<string>, name = ''): ParsedTemplate {
  return new Parser(text, functions, name).parse()
}

import {formatValue, goQuote} from './go-fmt.ts'
import {timeMethod} from './go-time-methods.ts'
import {fieldsAreMethods, GoFloat, goKind, goMethodParams, goStructType, goTypeName, isTrue, mapKeys} from './go-values.ts'
import {paramTypeName, type FunctionMap, type ParamKind, type TemplateFunction} from './template-funcs.ts'
import {
  locationOf,
  nodeString,
  TemplateError,
  type ArgNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type Node,
  type NumberNode,
  type ParsedTemplate,
  type PipeNode,
  type TemplateNode,
  type VariableNode,
} from './template-parse.ts'

/**
 * Runs a parsed template over JavaScript data the way Go's text/template runs over Go values
 * (see go-values.ts for the mapping): missing map keys print `<no value>`, function-valued
 * properties are called like methods, errors read `template: :1:2: executing "" at <.X>: ...`.
 */

/** Stands for "no value piped in", distinct from every data value. */
const MISSING: unique symbol = Symbol('missing')
/** The value piped into a command from the previous one, or MISSING. */
type Final = unknown

const BREAK = Symbol('break')
const CONTINUE = Symbol('continue')

/** Nested {{template}} calls allowed before giving up, so that recursion fails cleanly. */
const MAX_TEMPLATE_DEPTH = 1000

interface Variable {
  name: string
  value: unknown
}

class Execution {
  private output = ''
  private vars: Variable[]
  private node: Node | ArgNode | CommandNode | undefined
  private templateName: string
  private depth = 0
  private readonly template: ParsedTemplate
  private readonly text: string
  private readonly functions: FunctionMap
  private readonly missingKeyError: boolean

  constructor(template: ParsedTemplate, text: string, functions: FunctionMap, data: unknown, options: ExecuteOptions) {
    this.template = template
    this.text = text
    this.functions = functions
    this.missingKeyError = options.missingKeyError ?? false
    this.vars = [{name: '$', value: data}]
    this.templateName = template.name
  }

  run(): string {
    try {
      this.walk(this.vars[0].value, this.template.root)
    } catch (error) {
      if (error instanceof TemplateError) error.partialOutput = this.output
      throw error
    }
    return this.output
  }

  private at(node: Node | ArgNode | CommandNode): void {
    this.node = node
  }

  private errorf(message: string): never {
    const name = goQuote(this.templateName)
    if (!this.node) throw new TemplateError(`template: ${this.templateName}: ${message}`)
    throw new TemplateError(`template: ${this.template.name}${locationOf(this.text, this.node.pos)}: executing ${name} at <${nodeString(this.node)}>: ${message}`)
  }

  private walk(dot: unknown, node: Node): void {
    this.at(node)
    switch (node.kind) {
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe)
        if (node.pipe.decl.length === 0) this.printValue(node, value)
        return
      }
      case 'break':
        throw BREAK
      case 'continue':
        throw CONTINUE
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node)
      case 'list':
        for (const child of node.nodes) this.walk(dot, child)
        return
      case 'range':
        return this.walkRange(dot, node)
      case 'template':
        return this.walkTemplate(dot, node)
      case 'text':
        this.output += node.text
        return
    }
  }

  private printValue(node: Node, value: unknown): void {
    this.at(node)
    if (typeof value === 'function') this.errorf(`can't print ${nodeString(node)} of type ${goTypeName(value)}`)
    this.output += value === undefined ? '<no value>' : formatValue(value)
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): void {
    const mark = this.vars.length
    try {
      const value = this.evalPipeline(dot, node.pipe)
      if (isTrue(value)) this.walk(node.kind === 'with' ? value : dot, node.list)
      else if (node.elseList) this.walk(dot, node.elseList)
    } finally {
      this.vars.length = mark
    }
  }

  private walkRange(dot: unknown, node: BranchNode): void {
    this.at(node)
    const mark = this.vars.length
    try {
      const value = this.evalPipeline(dot, node.pipe)
      const bodyMark = this.vars.length
      const {decl, isAssign} = node.pipe
      const iterate = (index: unknown, element: unknown): void => {
        if (decl.length > 0) {
          if (!isAssign) this.vars[this.vars.length - 1].value = element
          else this.setVar(decl[0].ident[0], decl.length > 1 ? index : element)
        }
        if (decl.length > 1) {
          if (!isAssign) this.vars[this.vars.length - 2].value = index
          else this.setVar(decl[1].ident[0], element)
        }
        try {
          this.walk(element, node.list)
        } catch (signal) {
          if (signal !== CONTINUE) throw signal
        } finally {
          this.vars.length = bodyMark
        }
      }
      try {
        if (this.iterateOver(value, decl.length, iterate)) return
      } catch (signal) {
        if (signal === BREAK) return
        throw signal
      }
      if (node.elseList) this.walk(dot, node.elseList)
    } finally {
      this.vars.length = mark
    }
  }

  /** Calls `iterate` for each element as Go's range does; false when there was nothing to range over. */
  private iterateOver(value: unknown, variables: number, iterate: (index: unknown, element: unknown) => void): boolean {
    switch (goKind(value)) {
      case 'slice': {
        const elements = value as unknown[]
        elements.forEach((element, index) => iterate(index, element ?? null))
        return elements.length > 0
      }
      case 'map': {
        // A struct is not a map: Go's range refuses it.
        if (goStructType(value as object) !== undefined) this.errorf(`range can't iterate over ${formatValue(value)}`)
        const map = value as Record<string, unknown>
        const keys = mapKeys(map)
        for (const key of keys) iterate(key, map[key])
        return keys.length > 0
      }
      case 'int': {
        if (variables > 1) this.errorf(`can't use ${formatValue(value)} to iterate over more than one variable`)
        const count = Number(value)
        for (let index = 0; index < count; index++) iterate(index, index)
        return count > 0
      }
      case 'invalid':
      case 'nil':
        return false
      default:
        this.errorf(`range can't iterate over ${formatValue(value)}`)
    }
  }

  private walkTemplate(dot: unknown, node: TemplateNode): void {
    this.at(node)
    const list = this.template.defined.get(node.name)
    if (!list) this.errorf(`template ${goQuote(node.name)} not defined`)
    if (this.depth === MAX_TEMPLATE_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`)
    const newDot = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined
    const {vars, templateName} = this
    this.vars = [{name: '$', value: newDot}]
    this.templateName = node.name
    this.depth++
    try {
      this.walk(newDot, list)
    } finally {
      this.vars = vars
      this.templateName = templateName
      this.depth--
    }
  }

  private varValue(name: string): unknown {
    for (let index = this.vars.length - 1; index >= 0; index--) {
      if (this.vars[index].name === name) return this.vars[index].value
    }
    this.errorf(`undefined variable: ${name}`)
  }

  private setVar(name: string, value: unknown): void {
    for (let index = this.vars.length - 1; index >= 0; index--) {
      if (this.vars[index].name === name) {
        this.vars[index].value = value
        return
      }
    }
    this.errorf(`undefined variable: ${name}`)
  }

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe)
    let value: Final = MISSING
    for (const command of pipe.cmds) value = this.evalCommand(dot, command, value)
    for (const variable of pipe.decl) {
      if (pipe.isAssign) this.setVar(variable.ident[0], value)
      else this.vars.push({name: variable.ident[0], value})
    }
    return value
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0])}`)
  }

  private evalCommand(dot: unknown, command: CommandNode, final: Final): unknown {
    const first = command.args[0]
    switch (first.kind) {
      case 'field':
        return this.evalFieldNode(dot, first, command.args, final)
      case 'chain':
        return this.evalChainNode(dot, first, command.args, final)
      case 'identifier':
        return this.evalFunction(dot, first, command, command.args, final)
      case 'pipe':
        this.notAFunction(command.args, final)
        return this.evalPipeline(dot, first)
      case 'variable':
        return this.evalVariableNode(dot, first, command.args, final)
    }
    this.at(first)
    this.notAFunction(command.args, final)
    switch (first.kind) {
      case 'bool':
        return first.value
      case 'dot':
        return dot
      case 'nil':
        this.errorf('nil is not a command')
      case 'number':
        return this.idealConstant(first)
      case 'string':
        return first.text
    }
  }

  /** An untyped number literal: a float64 when written as a float (`1.0`), else an int it must fit. */
  private idealConstant(node: NumberNode): number | bigint | GoFloat {
    this.at(node)
    if (!node.isInt && !node.looksFloat) this.errorf(`${node.text} overflows int`)
    return node.looksFloat && goKind(node.value) === 'int' ? new GoFloat(Number(node.value)) : node.value
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: ArgNode[] | undefined, final: Final): unknown {
    this.at(field)
    return this.evalFieldChain(dot, dot, field, field.ident, args, final)
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: ArgNode[] | undefined, final: Final): unknown {
    this.at(chain)
    if (chain.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`)
    const receiver = this.evalArg(dot, 'value', chain.node)
    return this.evalFieldChain(dot, receiver, chain, chain.fields, args, final)
  }

  private evalVariableNode(dot: unknown, variable: VariableNode, args: ArgNode[] | undefined, final: Final): unknown {
    this.at(variable)
    const value = this.varValue(variable.ident[0])
    if (variable.ident.length === 1) {
      this.notAFunction(args ?? [variable], final)
      return value
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final)
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: ArgNode, ident: string[], args: ArgNode[] | undefined, final: Final): unknown {
    let current = receiver
    for (const name of ident.slice(0, -1)) current = this.evalField(dot, name, node, undefined, MISSING, current)
    return this.evalField(dot, ident[ident.length - 1], node, args, final, current)
  }

  private evalField(dot: unknown, name: string, node: ArgNode, args: ArgNode[] | undefined, final: Final, receiver: unknown): unknown {
    if (receiver === undefined) {
      if (this.missingKeyError) this.errorf(`nil data; no entry for key ${goQuote(name)}`)
      return undefined
    }
    if (goKind(receiver) === 'nil') this.errorf(`nil pointer evaluating ${receiver === null ? 'interface {}' : goTypeName(receiver)}.${name}`)
    if (goKind(receiver) === 'map' && (goStructType(receiver as object) === undefined || Object.hasOwn(receiver as object, name))) {
      const map = receiver as Record<string, unknown>
      const member = Object.hasOwn(map, name) ? map[name] : undefined
      if (typeof member === 'function') return this.evalCall(dot, methodOf(map, member), node, name, args, final)
      const given = (args === undefined ? 0 : args.length - 1) + (final === MISSING ? 0 : 1)
      if (given > 0) this.errorf(fieldsAreMethods(map) ? `wrong number of args for ${name}: want 0 got ${given}` : `${name} is not a method but has arguments`)
      if (member === undefined && this.missingKeyError) this.errorf(`map has no entry for key ${goQuote(name)}`)
      return member
    }
    const method = receiver instanceof Date ? timeMethod(receiver, name) : undefined
    if (method) return this.evalCall(dot, method, node, name, args, final)
    this.errorf(`can't evaluate field ${name} in type ${goTypeName(receiver)}`)
  }

  private evalFunction(dot: unknown, node: IdentifierNode, command: CommandNode | IdentifierNode, args: ArgNode[] | undefined, final: Final): unknown {
    this.at(node)
    const fn = this.functions[node.name]
    if (!fn) this.errorf(`${goQuote(node.name)} is not a defined function`)
    if (node.name === 'and' || node.name === 'or') return this.evalAndOr(dot, node.name, args, final)
    return this.evalCall(dot, fn, command, node.name, args, final)
  }

  /** and/or evaluate their arguments only until the result is known. */
  private evalAndOr(dot: unknown, name: 'and' | 'or', args: ArgNode[] | undefined, final: Final): unknown {
    const operands = args ? args.slice(1) : []
    if (operands.length + (final === MISSING ? 0 : 1) < 1) this.errorf(`wrong number of args for ${name}: want at least 1 got ${operands.length}`)
    let value: unknown
    for (const operand of operands) {
      value = this.evalArg(dot, 'value', operand)
      if (isTrue(value) === (name === 'or')) return value
    }
    return final === MISSING ? value : final
  }

  private evalCall(dot: unknown, fn: TemplateFunction, node: ArgNode | CommandNode, name: string, args: ArgNode[] | undefined, final: Final): unknown {
    const operands = args ? args.slice(1) : []
    const count = operands.length + (final === MISSING ? 0 : 1)
    const fixed = fn.params.length
    if (fn.variadic) {
      if (count < fixed) this.errorf(`wrong number of args for ${name}: want at least ${fixed} got ${operands.length}`)
    } else if (count !== fixed) {
      this.errorf(`wrong number of args for ${name}: want ${fixed} got ${count}`)
    }
    if (fn.results !== undefined) this.errorf(`can't call method/function ${goQuote(name)} with ${fn.results} results`)
    const values: unknown[] = operands.map((operand, index) => this.evalArg(dot, fn.params[index] ?? (fn.variadic as ParamKind), operand))
    if (final !== MISSING) values.push(this.validateType(final, fn.params[values.length] ?? (fn.variadic as ParamKind)))
    if (fn.namesCallee) values.unshift(operands[0] ? nodeString(operands[0]) : '')
    try {
      return (fn.call as (...args: unknown[]) => unknown)(...values)
    } catch (error) {
      if (error instanceof TemplateError) throw error
      this.at(node)
      this.errorf(`error calling ${name}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  private evalArg(dot: unknown, kind: ParamKind, node: ArgNode): unknown {
    this.at(node)
    switch (node.kind) {
      case 'dot':
        return this.validateType(dot, kind)
      case 'nil':
        if (kind === 'value') return undefined
        if (kind === 'any' || kind === 'stringList') return null
        this.errorf(`cannot assign nil to ${paramTypeName(kind)}`)
      case 'field':
        return this.validateType(this.evalFieldNode(dot, node, [node], MISSING), kind)
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, node, undefined, MISSING), kind)
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, node), kind)
      case 'identifier':
        return this.validateType(this.evalFunction(dot, node, node, undefined, MISSING), kind)
      case 'chain':
        return this.validateType(this.evalChainNode(dot, node, undefined, MISSING), kind)
    }
    switch (kind) {
      case 'int':
        if (node.kind === 'number' && node.isInt) return Number(node.value)
        this.errorf(`expected integer; found ${nodeString(node)}`)
      case 'string':
        if (node.kind === 'string') return node.text
        this.errorf(`expected string; found ${nodeString(node)}`)
      case 'value':
      case 'any':
        return node.kind === 'bool' ? node.value : node.kind === 'number' ? this.idealConstant(node) : node.text
      default:
        this.errorf(`can't handle ${nodeString(node)} for arg of type ${paramTypeName(kind)}`)
    }
  }

  /** Checks a computed argument against the parameter, with Go's messages. */
  private validateType(value: unknown, kind: ParamKind): unknown {
    if (value === undefined || value === null) {
      if (kind === 'value') return value
      if (kind === 'any' || kind === 'stringList') return null
      this.errorf(`invalid value; expected ${paramTypeName(kind)}`)
    }
    switch (kind) {
      case 'string':
        if (typeof value !== 'string') this.errorf(`wrong type for value; expected string; got ${goTypeName(value)}`)
        return value
      case 'int':
        if (goKind(value) !== 'int') this.errorf(`wrong type for value; expected int; got ${goTypeName(value)}`)
        return Number(value)
      case 'time':
        if (!(value instanceof Date)) this.errorf(`wrong type for value; expected time.Time; got ${goTypeName(value)}`)
        return value
      case 'stringList':
        if (!Array.isArray(value) || !value.every((element) => typeof element === 'string')) {
          this.errorf(`wrong type for value; expected []string; got ${goTypeName(value)}`)
        }
        return value
      case 'value':
      case 'any':
        return value
      default:
        if (typeof value !== 'object' || goStructType(value) !== kind.struct) this.errorf(`wrong type for value; expected ${kind.struct}; got ${goTypeName(value)}`)
        return value
    }
  }
}

/** A function-valued property called like a Go method: its parameters as goMethod typed them, else any values, as many as it takes. */
function methodOf(receiver: object, fn: Function): TemplateFunction {
  return {params: [...(goMethodParams(fn) ?? Array<ParamKind>(fn.length).fill('any'))], call: (...args: never[]) => fn.apply(receiver, args)}
}

export interface ExecuteOptions {
  /** Go's `missingkey=error`: a key a map lacks is an error, not `<no value>`. */
  missingKeyError?: boolean
}

/** Runs a parsed template over `data`; throws TemplateError carrying the output written before the error. */
export function executeTemplate(template: ParsedTemplate, text: string, functions: FunctionMap, data: unknown, options: ExecuteOptions = {}): string {
  return new Execution(template, text, functions, data, options).run()
}

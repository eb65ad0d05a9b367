import {executeTemplate, type ExecuteOptions} from './template-exec.ts'
import {BUILTIN_FUNCTIONS, DOCKER_FUNCTIONS, type FunctionMap} from './template-funcs.ts'
import {parseTemplate, TemplateError, type ParsedTemplate} from './template-parse.ts'

/**
 * Go text/template, as docker users write `--format` templates: parse once, run per item, with Go's
 * builtin functions and docker's (json, join, split, lower, upper, title, pad, truncate). Errors
 * are TemplateError with Go's wording, e.g. `template: :1: function "foo" not defined`.
 */
export {TemplateError}
export type {FunctionMap, ParamKind, TemplateFunction} from './template-funcs.ts'

const FUNCTIONS: FunctionMap = {...BUILTIN_FUNCTIONS, ...DOCKER_FUNCTIONS}
const FUNCTION_NAMES: ReadonlySet<string> = new Set(Object.keys(FUNCTIONS))

export interface TemplateOptions {
  /** Its name in Go's messages (`template: version:1: ...`, `executing "version"`); docker's usual one has none. */
  name?: string
  /** Functions a command adds (docker's version adds getDetailsOrder). */
  functions?: FunctionMap
}

export class Template {
  readonly text: string
  private readonly parsed: ParsedTemplate
  private readonly functions: FunctionMap

  /** Parses `text`; throws TemplateError on a syntax error or an unknown function. */
  constructor(text: string, options: TemplateOptions = {}) {
    this.text = text
    this.functions = options.functions ? {...FUNCTIONS, ...options.functions} : FUNCTIONS
    this.parsed = parseTemplate(text, options.functions ? new Set(Object.keys(this.functions)) : FUNCTION_NAMES, options.name)
  }

  /**
   * Runs the template over `data`. `overrides` replace functions of the same name, as docker swaps
   * in its header functions to print a table header. Throws TemplateError (with `partialOutput`).
   */
  execute(data: unknown, overrides?: FunctionMap, options?: ExecuteOptions): string {
    return executeTemplate(this.parsed, this.text, overrides ? {...this.functions, ...overrides} : this.functions, data, options)
  }
}

/** Compiles a template once; the returned function runs it over one data item. */
export function compileTemplate(text: string): (data: unknown) => string {
  const template = new Template(text)
  return (data) => template.execute(data)
}

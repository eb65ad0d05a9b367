/**
 * `--change` instructions (`import`, `commit`): the Dockerfile instructions that set an image
 * config's defaults — CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER,
 * VOLUME, WORKDIR (moby's validCommitCommands) — with the Dockerfile's rules: JSON (exec) or shell
 * form for CMD, ENTRYPOINT, VOLUME and HEALTHCHECK CMD;
 * `key=value` pairs (or the legacy `key value`) for ENV and LABEL; quotes and backslashes; `$VAR`,
 * `${VAR}`, `${VAR:-default}` and `${VAR:+alternative}` from the environment set so far, in every
 * instruction but CMD and ENTRYPOINT.
 */
import {posix} from 'node:path'
import {commandSignal} from '../../container/spec/signals.ts'
import {NerdError} from '../../errors.ts'
import {parseGoDuration} from '../../format/go-duration.ts'
import type {Healthcheck, ImageRuntimeConfig} from '../../hooks/types.ts'
import {parseExpose} from '../../network/ports.ts'

const INSTRUCTIONS = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'])
const SHELL = ['/bin/sh', '-c']


/**
 * Splits on unquoted whitespace, keeping quotes and backslashes in the words (expansion removes
 * them), as the Dockerfile parser does for `key=value` lists.
 */
export function splitWords(text: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: string | undefined
  for (let index = 0; index < text.length; index++) {
    const char = text[index]
    if (quote === undefined && /\s/.test(char)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
      continue
    }
    inWord = true
    word += char
    if (char === '\\' && quote !== "'" && index + 1 < text.length) {
      word += text[++index]
    } else if (quote === undefined && (char === '"' || char === "'")) {
      quote = char
    } else if (char === quote) {
      quote = undefined
    }
  }
  if (quote !== undefined) throw new NerdError(`unterminated quote in ${JSON.stringify(text)}`)
  if (inWord) words.push(word)
  return words
}

/** Environment lookups for expansion: the config's Env, later entries winning. */
function envMap(env: readonly string[] | undefined): Map<string, string> {
  const map = new Map<string, string>()
  for (const entry of env ?? []) {
    const equals = entry.indexOf('=')
    if (equals > 0) map.set(entry.slice(0, equals), entry.slice(equals + 1))
  }
  return map
}

/** One word with its quotes removed, backslash escapes undone and variables expanded. */
export function expandWord(word: string, env: ReadonlyMap<string, string>): string {
  let result = ''
  let quote: string | undefined
  for (let index = 0; index < word.length; index++) {
    const char = word[index]
    if (quote === "'") {
      if (char === "'") quote = undefined
      else result += char
    } else if (char === '\\' && index + 1 < word.length) {
      const next = word[index + 1]
      // Inside double quotes a backslash escapes only what would otherwise be special.
      if (quote === '"' && !['"', '\\', '$'].includes(next)) result += char
      result += next
      index++
    } else if (char === '"') {
      quote = quote === '"' ? undefined : '"'
    } else if (char === "'" && quote === undefined) {
      quote = "'"
    } else if (char === '$') {
      const expanded = expandVariable(word, index, env)
      result += expanded.value
      index = expanded.end - 1
    } else {
      result += char
    }
  }
  return result
}

function expandVariable(word: string, start: number, env: ReadonlyMap<string, string>): {value: string; end: number} {
  const plain = /^[A-Za-z_][A-Za-z0-9_]*/.exec(word.slice(start + 1))
  if (plain) return {value: env.get(plain[0]) ?? '', end: start + 1 + plain[0].length}
  if (word[start + 1] !== '{') return {value: '$', end: start + 1}
  const close = word.indexOf('}', start + 2)
  if (close === -1) throw new NerdError(`missing '}' in ${JSON.stringify(word)}`)
  const body = word.slice(start + 2, close)
  const modifier = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])(.*))?$/s.exec(body)
  if (!modifier) throw new NerdError(`bad substitution \${${body}}`)
  const [, name, operator, operand = ''] = modifier
  const value = env.get(name)
  const set = value !== undefined && value !== ''
  if (operator === '-') return {value: set ? value : expandWord(operand, env), end: close + 1}
  if (operator === '+') return {value: set ? expandWord(operand, env) : '', end: close + 1}
  return {value: value ?? '', end: close + 1}
}

/** `["a", "b"]` → its strings; undefined when the text is not a JSON list of strings (shell form). */
function jsonForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined
  try {
    const parsed: unknown = JSON.parse(text)
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed
  } catch {
    // Not JSON: the shell form, as in a Dockerfile.
  }
  return undefined
}

/** CMD's and ENTRYPOINT's arguments: the JSON (exec) form's list, or the shell form's one command line (none when empty). */
function commandForm(rest: string): {exec?: string[]; args: string[]} {
  const exec = jsonForm(rest)
  if (exec) return {exec, args: exec}
  return {args: rest === '' ? [] : [rest]}
}

/** `a=1 b="x y"` → pairs; `key some value` (no `=` in the first word) → one pair, the legacy form. */
function keyValuePairs(instruction: string, text: string, env: ReadonlyMap<string, string>): Array<[string, string]> {
  const words = splitWords(text)
  if (words.length === 0) throw new NerdError(`${instruction} requires at least one argument`)
  if (!words[0].includes('=')) {
    const separator = /\s+/.exec(text)
    if (!separator) throw new NerdError(`${instruction} must have two arguments`)
    const key = text.slice(0, separator.index)
    return [[expandWord(key, env), expandWord(text.slice(separator.index + separator[0].length).trim(), env)]]
  }
  return words.map((word) => {
    const equals = word.indexOf('=')
    if (equals === -1) throw new NerdError(`syntax error - can't find = in "${word}". Must be of the form: name=value`)
    const key = expandWord(word.slice(0, equals), env)
    if (key === '') throw new NerdError(`${instruction} names can not be blank`)
    return [key, expandWord(word.slice(equals + 1), env)]
  })
}

/** EXPOSE's `80`, `53/udp`, `8000-8002/tcp` → `80/tcp`, …, read as `--expose` reads them. */
function exposedPorts(spec: string): string[] {
  try {
    return parseExpose(spec)
  } catch (error) {
    throw new NerdError((error as Error).message)
  }
}

const HEALTHCHECK_DURATIONS = {interval: 'Interval', timeout: 'Timeout', 'start-period': 'StartPeriod', 'start-interval': 'StartInterval'} as const

/**
 * HEALTHCHECK's `[--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D] [--retries=N]
 * CMD command` or `NONE`, as the Dockerfile parser reads it: durations in nanoseconds, left out when
 * not given, the shell form as CMD-SHELL.
 */
function healthcheck(text: string): Healthcheck {
  const flags = new Map<string, string>()
  let rest = text
  for (let flag = /^--(\S*)\s*/.exec(rest); flag; flag = /^--(\S*)\s*/.exec(rest)) {
    rest = rest.slice(flag[0].length)
    const equals = flag[1].indexOf('=')
    const name = equals === -1 ? flag[1] : flag[1].slice(0, equals)
    if (name !== 'retries' && !(name in HEALTHCHECK_DURATIONS)) throw new NerdError(`Unknown flag: ${name}`)
    if (equals === -1) throw new NerdError(`Missing a value on flag: ${name}`)
    if (flags.has(name)) throw new NerdError(`Duplicate flag specified: ${name}`)
    flags.set(name, flag[1].slice(equals + 1))
  }
  const typeMatch = /^(\S+)\s*([\s\S]*)$/.exec(rest)
  if (!typeMatch) throw new NerdError('HEALTHCHECK requires at least one argument')
  const type = typeMatch[1].toUpperCase()
  const command = typeMatch[2].trim()
  if (type === 'NONE') {
    if (command !== '') throw new NerdError('HEALTHCHECK NONE takes no arguments')
    return {Test: ['NONE']}
  }
  if (type !== 'CMD') throw new NerdError(`Unknown type ${JSON.stringify(type)} in HEALTHCHECK (try CMD)`)
  const exec = jsonForm(command)
  if ((exec ?? [command]).every((word) => word === '')) throw new NerdError('missing command after HEALTHCHECK CMD')
  const config: Healthcheck = {Test: exec ? ['CMD', ...exec] : ['CMD-SHELL', command]}
  for (const [name, field] of Object.entries(HEALTHCHECK_DURATIONS)) {
    const value = flags.get(name)
    if (value === undefined || value === '') continue
    const ms = parseGoDuration(value)
    if (ms === undefined) throw new NerdError(`time: invalid duration ${JSON.stringify(value)}`)
    if (ms !== 0 && ms < 1) throw new NerdError(`Interval ${JSON.stringify(name)} cannot be less than 1ms`)
    if (ms !== 0) config[field] = Math.round(ms * 1e6)
  }
  const retries = flags.get('retries')
  if (retries !== undefined && retries !== '') {
    if (!/^[+-]?\d+$/.test(retries) || Math.abs(Number(retries)) > 2 ** 31 - 1) {
      throw new NerdError(`strconv.ParseInt: parsing ${JSON.stringify(retries)}: invalid syntax`)
    }
    if (Number(retries) < 0) throw new NerdError(`--retries cannot be negative (${Number(retries)})`)
    if (Number(retries) !== 0) config.Retries = Number(retries)
  }
  return config
}

/** ONBUILD's trigger, kept as written for the builds that use the image as their base. */
function onBuildTrigger(text: string): string {
  const trigger = /^\S+/.exec(text)?.[0].toUpperCase()
  if (trigger === undefined) throw new NerdError('ONBUILD requires at least one argument')
  if (trigger === 'ONBUILD') throw new NerdError('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed')
  if (trigger === 'MAINTAINER' || trigger === 'FROM') throw new NerdError(`${trigger} isn't allowed as an ONBUILD trigger`)
  return text
}

/** A variable already set keeps its place, a new one goes last (docker's dispatchEnv). */
function setEnv(env: readonly string[] | undefined, key: string, value: string): string[] {
  const result = [...(env ?? [])]
  const index = result.findIndex((entry) => entry.split('=', 1)[0] === key)
  result[index === -1 ? result.length : index] = `${key}=${value}`
  return result
}

/** A line that goes on on the next: it ends in an unescaped backslash (and blanks), which goes (buildkit's lineContinuationRegex). */
const LINE_CONTINUATION = /([^\\])\\[ \t]*$|^\\[ \t]*$/

/**
 * The instructions of the Dockerfile the `--change` values make, joined by newlines, as docker's
 * daemon reads them (builder.go BuildFromConfig, buildkit's parser): blank and comment lines are
 * skipped, and a line ending in a backslash goes on on the next (comment and blank lines between
 * skipped). None at all is refused in the parser's words.
 */
function dockerfileInstructions(changes: readonly string[]): string[] {
  const lines = changes.join('\n').split('\n').map((line) => line.replace(/[\r\n]+$/, ''))
  const skipped = (line: string): boolean => line.trimStart() === '' || line.trimStart().startsWith('#')
  const continued = (line: string): [text: string, more: boolean] => (LINE_CONTINUATION.test(line) ? [line.replace(LINE_CONTINUATION, '$1'), true] : [line, false])
  const instructions: string[] = []
  for (let index = 0; index < lines.length; index++) {
    const first = lines[index]!.trimStart()
    if (first.startsWith('#')) continue
    let [text, more] = continued(first)
    if (!more && text === '') continue
    while (more && ++index < lines.length) {
      if (skipped(lines[index]!)) continue
      const [piece, next] = continued(lines[index]!)
      text += piece
      more = next
    }
    instructions.push(text)
  }
  if (instructions.length === 0) throw new NerdError('file with no instructions')
  return instructions
}

/**
 * Applies `--change` instructions, read as one Dockerfile (dockerfileInstructions), in order, to
 * an image's runtime config and returns the new one (the input is not modified). Every instruction
 * is checked to be a change before any is applied, as docker does. ENTRYPOINT clears the CMD the
 * config had unless a CMD with arguments came before it, as in a Dockerfile.
 */
export function applyChanges(base: ImageRuntimeConfig, changes: readonly string[]): ImageRuntimeConfig {
  const config: ImageRuntimeConfig = structuredClone(base)
  if (changes.length === 0) return config
  const instructions = dockerfileInstructions(changes).map((line) => {
    const [, keyword = '', rest = ''] = /^(\S+)(?:\s+([\s\S]*))?$/.exec(line.trim()) ?? []
    return {keyword, instruction: keyword.toUpperCase(), rest: rest.trim()}
  })
  const invalid = instructions.find(({instruction}) => !INSTRUCTIONS.has(instruction))
  if (invalid) throw new NerdError(`${invalid.keyword} is not a valid change command`)
  let cmdSet = false
  for (const {instruction, rest} of instructions) {
    const env = envMap(config.Env)
    // WORKDIR, USER and STOPSIGNAL take the rest of the line as one value, spaces included: the
    // parser wants one as written, which may expand to nothing.
    const whole = (): string => {
      if (rest === '') throw new NerdError(`${instruction} requires exactly one argument`)
      return expandWord(rest, env)
    }
    switch (instruction) {
      case 'CMD': {
        // Without arguments the shell form is the shell alone, and sets no CMD an ENTRYPOINT after it keeps.
        const {exec, args} = commandForm(rest)
        config.Cmd = exec ?? [...SHELL, ...args]
        if (args.length > 0) cmdSet = true
        break
      }
      case 'ENTRYPOINT': {
        // Without arguments there is no ENTRYPOINT.
        const {exec, args} = commandForm(rest)
        if (args.length > 0) config.Entrypoint = exec ?? [...SHELL, ...args]
        else delete config.Entrypoint
        if (!cmdSet) delete config.Cmd
        break
      }
      case 'ENV':
        // Every value is expanded with the environment from before the instruction, as docker does.
        for (const [key, value] of keyValuePairs(instruction, rest, env)) config.Env = setEnv(config.Env, key, value)
        break
      case 'LABEL':
        config.Labels = {...config.Labels}
        for (const [key, value] of keyValuePairs(instruction, rest, env)) config.Labels[key] = value
        break
      case 'EXPOSE': {
        const written = splitWords(rest)
        if (written.length === 0) throw new NerdError('EXPOSE requires at least one argument')
        // docker's dispatchExpose expands a word to words (`$PORTS` of "80 443" is two, an unset one none), quoted ones kept whole.
        const specs = written.flatMap((word) => {
          const expanded = expandWord(word, env)
          return /["'\\]/.test(word) ? [expanded] : expanded.split(/\s+/).filter(Boolean)
        })
        config.ExposedPorts = {...config.ExposedPorts}
        for (const spec of specs) for (const port of exposedPorts(spec)) config.ExposedPorts[port] = {}
        break
      }
      case 'VOLUME': {
        // buildkit's parseVolume wants a path as written (trimmed), the dispatcher one as expanded.
        const written = (jsonForm(rest) ?? splitWords(rest)).map((volume) => volume.trim())
        if (written.length === 0) throw new NerdError('VOLUME requires at least one argument')
        const volumes = written.map((volume) => expandWord(volume, env))
        if (volumes.includes('')) throw new NerdError('VOLUME specified can not be an empty string')
        config.Volumes = {...config.Volumes}
        for (const volume of volumes) config.Volumes[volume] = {}
        break
      }
      case 'WORKDIR': {
        const directory = whole()
        if (directory === '') throw new NerdError('cannot normalize nothing')
        config.WorkingDir = posix.normalize(directory.startsWith('/') ? directory : posix.join('/', config.WorkingDir ?? '/', directory))
        break
      }
      case 'USER':
        config.User = whole()
        break
      case 'HEALTHCHECK':
        config.Healthcheck = healthcheck(rest)
        break
      case 'ONBUILD':
        config.OnBuild = [...(config.OnBuild ?? []), onBuildTrigger(rest)]
        break
      case 'STOPSIGNAL': {
        const signal = whole()
        // docker's dispatchStopSignal reads it with ParseSignal, as --stop-signal is read.
        commandSignal(signal)
        config.StopSignal = signal
        break
      }
    }
  }
  return config
}

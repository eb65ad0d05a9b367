/** `WWW-Authenticate` parsing (RFC 7235 challenges), for the registry's Bearer and Basic schemes. */

export interface AuthChallenge {
  /** Lower case: `bearer`, `basic`. */
  scheme: string
  /** Parameter names in lower case (`realm`, `service`, `scope`, `error`), values unquoted. */
  parameters: Record<string, string>
}

const TOKEN_CHARACTER = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/
const TOKEN68_CHARACTER = /[A-Za-z0-9\-._~+/]/

/**
 * Parses every challenge of a header value. Several challenges may share one value
 * (`Bearer realm="a",service="b", Basic realm="c"`): a name not followed by `=` starts the next one.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = []
  let position = 0

  const skipWhitespace = (): void => {
    while (position < header.length && (header[position] === ' ' || header[position] === '\t')) position++
  }
  const readToken = (): string => {
    const start = position
    while (position < header.length && TOKEN_CHARACTER.test(header[position])) position++
    return header.slice(start, position)
  }
  /** Unquoted values should be tokens, but servers send URLs unquoted too: read up to a comma or space. */
  const readBareValue = (): string => {
    const start = position
    while (position < header.length && !/[,\s]/.test(header[position])) position++
    return header.slice(start, position)
  }
  const readQuoted = (): string => {
    position++
    let value = ''
    while (position < header.length && header[position] !== '"') {
      if (header[position] === '\\' && position + 1 < header.length) position++
      value += header[position]
      position++
    }
    position++
    return value
  }
  /** True when the text at `position` is `name=` (an auth-param) rather than a new scheme. */
  const atParameter = (): boolean => {
    let probe = position
    while (probe < header.length && TOKEN_CHARACTER.test(header[probe])) probe++
    if (probe === position) return false
    while (probe < header.length && (header[probe] === ' ' || header[probe] === '\t')) probe++
    return header[probe] === '=' && header[probe + 1] !== '='
  }

  while (position < header.length) {
    while (position < header.length && /[\s,]/.test(header[position])) position++
    const scheme = readToken()
    if (scheme === '') {
      position++
      continue
    }
    const challenge: AuthChallenge = {scheme: scheme.toLowerCase(), parameters: {}}
    challenges.push(challenge)
    skipWhitespace()

    if (!atParameter()) {
      const start = position
      while (position < header.length && TOKEN68_CHARACTER.test(header[position])) position++
      while (header[position] === '=') position++
      if (position > start) challenge.parameters.token68 = header.slice(start, position)
      continue
    }

    while (position < header.length) {
      skipWhitespace()
      if (!atParameter()) break
      const name = readToken().toLowerCase()
      skipWhitespace()
      position++
      skipWhitespace()
      challenge.parameters[name] = header[position] === '"' ? readQuoted() : readBareValue()
      skipWhitespace()
      if (header[position] !== ',') break
      position++
      skipWhitespace()
      // A comma followed by something that is not `name=` ends this challenge: the next scheme starts.
      if (!atParameter()) break
    }
  }
  return challenges
}

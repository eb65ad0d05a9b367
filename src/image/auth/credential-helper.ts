/**
 * docker's credential helper protocol: `docker-credential-<name> get|store|erase` found on PATH,
 * the server URL or a `{ServerURL, Username, Secret}` JSON document on stdin, JSON on stdout.
 */
import {spawn} from 'node:child_process'
import {NerdError} from '../../errors.ts'

/** The username a helper stores when the secret is an identity token rather than a password. */
export const IDENTITY_TOKEN_USERNAME = '<token>'
/** What helpers print (on stdout, exiting non-zero) when they hold nothing for a server. */
const NOT_FOUND_MESSAGE = 'credentials not found in native keychain'

export interface HelperCredentials {
  username: string
  secret: string
}

interface HelperResult {
  code: number
  stdout: string
  stderr: string
}

function run(program: string, action: string, input: string): Promise<HelperResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], {stdio: ['pipe', 'pipe', 'pipe']})
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new NerdError(`error ${action === 'get' ? 'getting' : action === 'store' ? 'storing' : 'erasing'} credentials: ${program}: executable file not found in $PATH`)
          : error,
      )
    })
    child.on('close', (code) => {
      resolve({code: code ?? 1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8')})
    })
    // A helper that exits before reading its input closes the pipe: that is its answer, not ours to report.
    child.stdin.on('error', () => {})
    child.stdin.end(input)
  })
}

function helperProgram(helper: string): string {
  return `docker-credential-${helper}`
}

function failure(helper: string, action: string, result: HelperResult): NerdError {
  const output = (result.stdout.trim() || result.stderr.trim() || `exit status ${result.code}`).split('\n')[0]
  return new NerdError(`error ${action} credentials - ${helperProgram(helper)}: ${output}`)
}

/** The helper's credentials for a server, or undefined when it holds none. */
export async function helperGet(helper: string, server: string): Promise<HelperCredentials | undefined> {
  const result = await run(helperProgram(helper), 'get', server)
  if (result.code !== 0) {
    if (result.stdout.includes(NOT_FOUND_MESSAGE) || result.stderr.includes(NOT_FOUND_MESSAGE)) return undefined
    throw failure(helper, 'getting', result)
  }
  let document: {Username?: unknown; Secret?: unknown}
  try {
    document = JSON.parse(result.stdout)
  } catch {
    throw new NerdError(`error getting credentials - ${helperProgram(helper)}: its answer is not JSON`)
  }
  const username = typeof document.Username === 'string' ? document.Username : ''
  const secret = typeof document.Secret === 'string' ? document.Secret : ''
  return username === '' && secret === '' ? undefined : {username, secret}
}

export async function helperStore(helper: string, server: string, credentials: HelperCredentials): Promise<void> {
  const input = JSON.stringify({ServerURL: server, Username: credentials.username, Secret: credentials.secret})
  const result = await run(helperProgram(helper), 'store', input)
  if (result.code !== 0) throw failure(helper, 'storing', result)
}

/**
 * Removes the helper's credentials for a server. One it holds none of fails too, as the docker
 * credential-helpers client's Erase, in its words (with what the helper printed on stdout).
 */
export async function helperErase(helper: string, server: string): Promise<void> {
  const result = await run(helperProgram(helper), 'erase', server)
  if (result.code !== 0) throw new NerdError(`error erasing credentials - err: exit status ${result.code}, out: \`${result.stdout.trim()}\``)
}

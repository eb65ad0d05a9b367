import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {createInterface} from 'node:readline/promises'
import {text} from 'node:stream/consumers'
import {NerdCommand} from '../command.ts'
import {NerdError} from '../errors.ts'

export default class Login extends NerdCommand {
  static summary = 'Log in to a registry'
  static examples = ['<%= config.bin %> login -u me --password-stdin registry.example.com < token']
  static args = {
    server: Args.string({description: 'Registry (default Docker Hub)'}),
  }
  static flags = {
    username: Flags.string({char: 'u', description: 'Username'}),
    password: Flags.string({char: 'p', description: 'Password'}),
    'password-stdin': Flags.boolean({description: 'Take the password from stdin'}),
  }

  async run(): Promise<void> {
    const {isRefusedLogin, login, reusableCredentials} = await import('../image/auth/index.ts')
    const {args, flags} = await this.parse(Login)
    const config = await this.nerdConfig()
    const access = {hostsDirs: config.hostsDir, insecure: config.insecureRegistry}
    // docker's verifyLoginFlags, before anything is printed or read.
    if (flags['password-stdin']) {
      if (flags.password !== undefined) throw new NerdError('conflicting options: cannot specify both --password and --password-stdin')
      if (flags.username === undefined) throw new NerdError('the --password-stdin option requires --username to be set')
    }
    if (flags.username === '') throw new NerdError('username is empty')
    if (flags.password === '') throw new NerdError('password is empty')
    if (flags.password !== undefined) process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n')
    let password = flags.password
    if (flags['password-stdin']) password = (await text(process.stdin)).replace(/\r?\n$/, '')
    let username = flags.username
    // As docker's: without a username or password, the stored credentials are tried first, on a
    // terminal too; refused, they name the account the prompt offers.
    let storedUsername: string | undefined
    if (username === undefined && password === undefined) {
      const stored = await reusableCredentials(args.server)
      if (stored !== undefined) {
        process.stderr.write(`Authenticating with existing credentials... [Username: ${stored.username}]\n`)
        process.stderr.write(`To login with a different account, run '${this.config.bin} logout' followed by '${this.config.bin} login'\n\n`)
        try {
          this.#succeeded(await login(args.server, stored, access))
          return
        } catch (error) {
          if (!(error instanceof NerdError)) throw error
          process.stderr.write(isRefusedLogin(error) ? 'Stored credentials invalid or expired\n' : `Login did not succeed, error: ${error.message}\n`)
          storedUsername = stored.username
        }
      }
    }
    if ((!username || !password) && !process.stdin.isTTY) throw new NerdError('Cannot perform an interactive login from a non TTY device')
    if (!username) username = (await ask(storedUsername === undefined ? 'Username: ' : `Username (${storedUsername}): `, false)) || (storedUsername ?? '')
    if (!password) password = await ask('Password: ', true)
    this.#succeeded(await login(args.server, {username, password}, access))
  }

  /** docker's lines for a login done: its warning when the password went into config.json in clear. */
  #succeeded(result: {plaintextFile?: string}): void {
    if (result.plaintextFile !== undefined) {
      process.stderr.write(
        `\nWARNING! Your credentials are stored unencrypted in '${result.plaintextFile}'.\n` +
          'Configure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n',
      )
    }
    this.print('Login Succeeded')
  }
}

/** Reads a line from the terminal; `hidden` keeps the typed characters off the screen. */
async function ask(question: string, hidden: boolean): Promise<string> {
  const prompt = createInterface({input: process.stdin, output: process.stdout, terminal: true})
  const output = prompt as unknown as {_writeToOutput: (text: string) => void}
  if (hidden) {
    process.stdout.write(question)
    output._writeToOutput = () => undefined
  }
  try {
    const answer = await prompt.question(hidden ? '' : question)
    if (hidden) process.stdout.write('\n')
    return answer
  } finally {
    prompt.close()
  }
}

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
    const {login} = await import('../image/auth/index.ts')
    const {args, flags} = await this.parse(Login)
    const config = await this.nerdConfig()
    if (flags.password !== undefined) process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n')
    let password = flags.password
    if (flags['password-stdin']) {
      if (password !== undefined) throw new NerdError('--password and --password-stdin are mutually exclusive')
      if (flags.username === undefined) throw new NerdError('Must provide --username with --password-stdin')
      password = (await text(process.stdin)).replace(/\r?\n$/, '')
    }
    let username = flags.username
    if (username === undefined && password === undefined && !process.stdin.isTTY) {
      // docker checks the stored credentials again when none are given.
      await login(args.server, undefined, {hostsDirs: config.hostsDir, insecure: config.insecureRegistry})
      this.print('Login Succeeded')
      return
    }
    username ??= await ask('Username: ', false)
    password ??= await ask('Password: ', true)
    await login(args.server, {username, password}, {hostsDirs: config.hostsDir, insecure: config.insecureRegistry})
    this.print('Login Succeeded')
  }
}

/** Reads a line from the terminal; `hidden` keeps the typed characters off the screen. */
async function ask(question: string, hidden: boolean): Promise<string> {
  if (!process.stdin.isTTY) throw new NerdError('Cannot perform an interactive login from a non TTY device')
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

/**
 * `nerd plugins new NAME`: a directory with a working plugin to start from, one hook and one
 * command, the `nerd` settings filled in, ready for `nerd plugins link` or `nerd plugins install`.
 */
import {mkdir, writeFile} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import {basename, join, resolve} from 'node:path'
import {NerdError} from '../errors.ts'
import {HOOK_API_VERSION} from '../hooks/version.ts'

export async function writePluginTemplate(directory: string): Promise<string> {
  const root = resolve(directory)
  const name = basename(root)
  if (!/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(name)) throw new NerdError(`"${name}" is not a valid npm package name`)
  if (existsSync(root)) throw new NerdError(`${root} already exists`)
  const topic = name.replace(/^nerd-plugin-/, '')
  const major = HOOK_API_VERSION.split('.')[0]
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        type: 'module',
        files: ['commands', 'hooks', 'oclif.manifest.json'],
        oclif: {
          commands: './commands',
          topics: {[topic]: {description: `Commands of ${name}`}},
          hooks: {'nerd:container:create': './hooks/create.js'},
        },
        nerd: {hookApi: `^${major}`},
      },
      null,
      2,
    )}\n`,
    'oclif.manifest.json': `${JSON.stringify(
      {
        version: '0.1.0',
        commands: {
          [`${topic}:hello`]: {
            id: `${topic}:hello`,
            description: `Say hello from ${name}`,
            strict: true,
            pluginName: name,
            pluginType: 'core',
            aliases: [],
            args: {},
            flags: {},
            isESM: true,
            relativePath: ['commands', topic, 'hello.js'],
          },
        },
      },
      null,
      2,
    )}\n`,
    [`commands/${topic}/hello.js`]: `// @ts-check
// \`nerd ${topic} hello\`: oclif calls the static run of a command class with its arguments.
export default class Hello {
  static description = 'Say hello from ${name}'

  /** @param {string[]} argv */
  static async run(argv) {
    // nerd hands --help and -h to the command, as docker hands them to its CLI plugins.
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(\`Usage:  nerd ${topic} hello\\n\\n\${this.description}\\n\`)
      return
    }
    process.stdout.write('hello from ${name}\\n')
  }
}
`,
    'hooks/create.js': `// @ts-check
// Runs before every container is created: changes its OCI spec and adds labels.
// The events, payloads and results are in nerd's plugin guide (docs/plugins.md).

/** @type {import('nerd/sdk').NerdHook<'nerd:container:create'>} */
export default async function create(payload) {
  payload.spec.process?.env?.push('${topic.toUpperCase().replaceAll(/[^A-Z0-9]/g, '_')}=1')
  return {labels: {'${topic}.plugin': '${name}'}}
}
`,
  }
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), {recursive: true})
    await writeFile(join(root, path), content)
  }
  return root
}

// Writes the command reference into README.md (between `<!-- commands:start -->` and
// `<!-- commands:end -->`) from the oclif manifests of the core and the workspace plugins.
import {existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export function commandReference(root) {
  const manifests = [root, ...pluginDirs(root)]
    .map((dir) => join(dir, 'oclif.manifest.json'))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')))
  const commands = manifests.flatMap((manifest) => Object.values(manifest.commands)).filter((command) => !command.hidden)
  commands.sort((a, b) => a.id.localeCompare(b.id))
  const lines = ['| command | aliases | what it does | flags |', '|---|---|---|---|']
  for (const command of commands) {
    const words = (id) => id.replaceAll(':', ' ')
    const aliases = command.aliases.map((alias) => `\`${words(alias)}\``).join(', ')
    const flags = Object.values(command.flags)
      .filter((flag) => !flag.hidden && flag.name !== 'help')
      .map((flag) => `\`${flag.char ? `-${flag.char}, ` : ''}--${flag.name}\``)
      .join(' ')
    const args = Object.values(command.args ?? {}).map((arg) => (arg.required ? ` ${arg.name.toUpperCase()}` : ` [${arg.name.toUpperCase()}]`)).join('')
    lines.push(`| \`nerd ${words(command.id)}${args}\` | ${aliases} | ${command.summary ?? command.description ?? ''} | ${flags} |`)
  }
  return lines.join('\n')
}

function pluginDirs(root) {
  const dir = join(root, 'plugins')
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : []
}

export function writeCommandReference(root) {
  const readme = join(root, 'README.md')
  const text = readFileSync(readme, 'utf8')
  const start = '<!-- commands:start -->'
  const end = '<!-- commands:end -->'
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from === -1 || to === -1) throw new Error(`README.md has no ${start} ... ${end} markers`)
  writeFileSync(readme, `${text.slice(0, from + start.length)}\n${commandReference(root)}\n${text.slice(to)}`)
}

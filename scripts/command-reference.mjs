// Writes the command reference into README.md (between `<!-- commands:start -->` and
// `<!-- commands:end -->`) from the oclif manifests of the core, the workspace plugins and the oclif
// plugins nerd is made with (`help`; nerd's own commands replace @oclif/plugin-plugins' ones).
import {existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {helpArgs} from '../src/help-args.ts'

export function commandReference(root) {
  const manifests = [root, ...pluginDirs(root), ...corePluginDirs(root)]
    .map((dir) => join(dir, 'oclif.manifest.json'))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')))
  // The first manifest that has an id has its command, as oclif runs nerd's own before its plugins'.
  const byId = new Map(manifests.flatMap((manifest) => Object.values(manifest.commands)).reverse().map((command) => [command.id, command]))
  const commands = [...byId.values()].filter((command) => !command.hidden)
  commands.sort((a, b) => a.id.localeCompare(b.id))
  const lines = ['| command | aliases | what it does | flags |', '|---|---|---|---|']
  for (const command of commands) {
    const words = (id) => id.replaceAll(':', ' ')
    const aliases = command.aliases.map((alias) => `\`${words(alias)}\``).join(', ')
    const flags = Object.values(command.flags)
      .filter((flag) => !flag.hidden && flag.name !== 'help')
      .map((flag) => `\`${flag.char ? `-${flag.char}, ` : ''}--${flag.name}\``)
      .join(' ')
    const args = Object.values(helpArgs(command.args ?? {}, command.strict))
      .filter((arg) => !arg.hidden)
      .map((arg) => {
        const word = `${arg.name.toUpperCase()}${arg.multiple ? '...' : ''}`
        return arg.required ? ` ${word}` : ` [${word}]`
      })
      .join('')
    const summary = (command.summary ?? command.description ?? '').replaceAll('<%= config.bin %>', 'nerd')
    lines.push(`| \`nerd ${words(command.id)}${args}\` | ${aliases} | ${summary} | ${flags} |`)
  }
  return lines.join('\n')
}

/** The oclif plugins package.json names (not its patterns, which are the workspace plugins'). */
function corePluginDirs(root) {
  const {oclif} = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  return (oclif.plugins ?? []).filter((name) => !name.includes('*')).map((name) => join(root, 'node_modules', name))
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

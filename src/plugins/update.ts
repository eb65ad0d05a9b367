/**
 * `nerd plugins update`, in place of oclif's, which updates every installed plugin in one npm run:
 * one plugin whose source cannot be reached (its registry or git host down, the file it came from
 * gone) failed the whole run, and the error was npm's command line and exit code. Here each plugin
 * is updated by an npm run of its own, with npm's arguments as oclif gives them (`npm update NAME`
 * for one installed from a URL, a tarball or a git repository; `npm install NAME@TAG` for one from
 * the registry): one that fails is named, with npm's reason, and stays as it was (npm changes nothing
 * when it cannot fetch), and the others are updated all the same. A plugin npm changed is then judged
 * as install judges the plugin it installs: one install would refuse (another hook API, a manifest
 * oclif cannot read, …) gives way to the version installed before, as a refused upgrade does. One
 * npm left as it was is not judged: it stays as install leaves the plugins it does not install, even
 * one this nerd would refuse now.
 */
import {spawn} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {delimiter, dirname, join} from 'node:path'
import type {Interfaces} from '@oclif/core'
import {describeThrown} from '../hooks/errors.ts'
import {brokenPluginsHint, earlierStays, updatedPluginJudgement} from './install-check.ts'
import {forgetInstalledPlugins, pluginsReplaced, recordPlugins, restoreInstalledPlugins, versionInstalledBefore} from './installed-before.ts'
import {npmCli} from './local-install.ts'

/** An installed plugin as the data directory's package.json lists it (`oclif.plugins`). */
interface InstalledEntry {
  name: string
  tag?: string
  url?: string
}

/** What an update said: the lines saying which plugins were not updated and why, and the warnings about those updated. */
export interface UpdateOutcome {
  failures: string[]
  warnings: string[]
}

/**
 * Updates the user's installed plugins (not those linked, which are their directories), one after
 * the other: what was not updated and why (none when all were), and the warnings about the plugins
 * updated.
 */
export async function updatePlugins(config: Interfaces.Config, options: {verbose: boolean}): Promise<UpdateOutcome> {
  const outcome: UpdateOutcome = {failures: [], warnings: []}
  for (const entry of await installedEntries(config.dataDir)) {
    try {
      // What a refused update puts back.
      await recordPlugins(config.dataDir)
    } catch (error) {
      outcome.failures.push(`cannot update plugin "${entry.name}": cannot record the plugins installed in ${config.dataDir}: ${describeThrown(error)}`)
      continue
    }
    try {
      await updatePlugin(config, entry, options, outcome)
    } finally {
      await forgetInstalledPlugins(config.dataDir)
    }
  }
  return outcome
}

async function updatePlugin(config: Interfaces.Config, entry: InstalledEntry, options: {verbose: boolean}, outcome: UpdateOutcome): Promise<void> {
  const target = entry.url ? ['update', entry.name] : ['install', `${entry.name}@${entry.tag ?? 'latest'}`, '--omit', 'dev', '--no-audit']
  // Without --verbose npm's output is not shown, as oclif's update showed none: its error level
  // is asked for all the same, for the reason of a failure.
  const {code, stderr} = await runNpm([...target, `--loglevel=${options.verbose ? 'verbose' : 'error'}`, '--no-fund', ...npmRegistryArgs(config)], config.dataDir, options.verbose)
  if (code !== 0) {
    const version = await installedVersion(config.dataDir, entry.name)
    // npm's sentence ends in a period (`… as it is null.`), before more of the line.
    const reason = (npmFailureReason(stderr) ?? `npm exited with code ${code}`).replace(/\.$/, '')
    outcome.failures.push(`cannot update plugin "${entry.name}": ${reason}${brokenPluginsHint(config.dataDir)}${version === undefined ? '' : `; ${earlierStays(version)}`}`)
    return
  }
  if (!(await pluginsReplaced(config.dataDir)).includes(entry.name)) return
  const judgement = await updatedPluginJudgement(config, entry.name)
  if ('warnings' in judgement) {
    outcome.warnings.push(...judgement.warnings)
    return
  }
  const refused = await installedVersion(config.dataDir, entry.name)
  const earlier = await versionInstalledBefore(config.dataDir, entry.name)
  restoreInstalledPlugins(config.dataDir)
  outcome.failures.push(`cannot update plugin "${entry.name}"${refused === undefined ? '' : ` to ${refused}`}: ${judgement.refusal}; ${earlierStays(earlier)}`)
}

/** The registry nerd's npm is told to use: oclif's (`NERD_NPM_REGISTRY`, package.json), else npm's own. */
export function npmRegistryArgs(config: Interfaces.Config): string[] {
  return config.npmRegistry ? [`--registry=${config.npmRegistry}`] : []
}

async function installedEntries(dataDir: string): Promise<InstalledEntry[]> {
  const manifest: {oclif?: {plugins?: unknown[]}} = await readFile(join(dataDir, 'package.json'), 'utf8').then((text) => JSON.parse(text), () => ({}))
  return (manifest.oclif?.plugins ?? []).flatMap((entry): InstalledEntry[] => {
    // oclif's older entries are names alone: plugins of the registry's `latest`.
    if (typeof entry === 'string') return [{name: entry}]
    const {name, type, tag, url} = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>
    if (type !== 'user' || typeof name !== 'string') return []
    return [{name, ...(typeof tag === 'string' ? {tag} : {}), ...(typeof url === 'string' ? {url} : {})}]
  })
}

async function installedVersion(dataDir: string, name: string): Promise<string | undefined> {
  const pjson: {version?: unknown} | undefined = await readFile(join(dataDir, 'node_modules', name, 'package.json'), 'utf8').then((text) => JSON.parse(text), () => undefined)
  return typeof pjson?.version === 'string' ? pjson.version : undefined
}

/** Runs the npm nerd ships with in `cwd`: its exit code and what it wrote on stderr, shown too when `show`. */
export function runNpm(args: string[], cwd: string, show: boolean): Promise<{code: number; stderr: string}> {
  // As oclif runs npm: this node first on PATH, for the scripts of a plugin built from git (`prepare`),
  // and husky's git hooks off, which such a script may try to install outside a git repository.
  const env = {...process.env, PATH: [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter), HUSKY: '0'}
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [npmCli(), ...args], {cwd, env, stdio: ['ignore', show ? 'inherit' : 'ignore', 'pipe']})
    const chunks: Buffer[] = []
    child.stderr.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      if (show) process.stderr.write(chunk)
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({code: code ?? (signal ? 1 : 0), stderr: Buffer.concat(chunks).toString('utf8')}))
  })
}

/**
 * What npm's error lines (`npm error …`) say went wrong, in one line: git's own message for a git
 * source, the failed request for a registry, the script that failed and its last line, else npm's
 * first line that is not one of its fields (`code`, `errno`, `syscall`, `path`, the command it ran).
 * Its log's whereabouts are never the reason.
 */
export function npmFailureReason(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .flatMap((line) => /^npm (?:error|ERR!)(?: (.*))?$/.exec(line.trimEnd())?.[1]?.trim() ?? [])
    .filter((line) => !line.startsWith('A complete log of this run'))
  const git = lines.find((line) => line.startsWith('fatal: '))
  if (git) return git.slice('fatal: '.length)
  const request = lines.map((line) => /\brequest to \S+ failed, reason: .+/.exec(line)?.[0]).find((line) => line !== undefined)
  if (request) return request
  // A package's script (`postinstall`): `command failed`, the script's command line, then what it wrote.
  const script = lines.indexOf('command failed')
  if (script >= 0 && lines[script + 1]?.startsWith('command ')) {
    const code = lines.map((line) => /^code (\d+)$/.exec(line)?.[1]).find((each) => each !== undefined)
    const said = lines.slice(script + 2).filter((line) => line !== '').at(-1)
    return `script "${lines[script + 1]!.slice('command '.length)}" failed${code === undefined ? '' : ` with exit code ${code}`}${said === undefined ? '' : `: ${said}`}`
  }
  const described = lines.find((line) => line !== '' && !/^(code|errno|syscall|path|command|signal|cwd) /.test(line))
  // npm's lines under a heading name it first (`enoent ENOENT: …`, `notarget No matching version …`).
  return described?.replace(/^[a-z]+ (?=[A-Z])/, '')
}

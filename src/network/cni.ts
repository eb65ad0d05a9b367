/**
 * A CNI runtime (spec 1.0): runs a conflist's plugins for ADD (in order, each getting the previous
 * result) and DEL (in reverse, with the ADD result). nerd execs the plugins itself rather than
 * through a library: the protocol is a process per plugin with the config on stdin.
 */
import {spawn} from 'node:child_process'
import {delimiter, join} from 'node:path'
import {refuseUntrustedDirectory, refuseUntrustedProgram} from '../data-root.ts'
import type {CniConfList, CniPluginConf, CniResult} from '../hooks/types.ts'

export interface CniRuntime {
  /** Directories holding the plugin binaries (`--cni-path`, `:`-separated). */
  cniPath: string
  /** `<namespace>-<container id>`: what the plugins key their state (IPAM leases, iptables comments) by. */
  containerId: string
  netns: string
  ifName: string
  /** Capability arguments handed to the plugins that declare them (`portMappings`, `ips`, `mac`). */
  capabilityArgs: Record<string, unknown>
}

export class CniError extends Error {
  readonly plugin: string
  constructor(plugin: string, message: string) {
    super(message)
    this.name = 'CniError'
    this.plugin = plugin
  }
}

/** PATH for the plugins: they run iptables and ip from the usual sbin directories. */
const PLUGIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

function pluginInput(list: CniConfList, plugin: CniPluginConf, runtime: CniRuntime, prevResult: CniResult | undefined): Record<string, unknown> {
  const input: Record<string, unknown> = {...plugin, name: list.name, cniVersion: list.cniVersion}
  const capabilities = (plugin.capabilities ?? {}) as Record<string, boolean>
  const runtimeConfig = Object.fromEntries(Object.entries(runtime.capabilityArgs).filter(([key]) => capabilities[key] === true))
  delete input.capabilities
  if (Object.keys(runtimeConfig).length > 0) input.runtimeConfig = runtimeConfig
  if (prevResult) input.prevResult = prevResult
  return input
}

async function execPlugin(command: 'ADD' | 'DEL', plugin: CniPluginConf, input: Record<string, unknown>, runtime: CniRuntime): Promise<CniResult | undefined> {
  const binary = await findPlugin(plugin.type, runtime.cniPath)
  // The IPAM plugin the plugin will run from CNI_PATH; one missing is the plugin's to report.
  const ipam = (plugin.ipam as {type?: unknown} | undefined)?.type
  if (typeof ipam === 'string') await locatePlugin(ipam, runtime.cniPath)
  const child = spawn(binary, [], {
    env: {
      CNI_COMMAND: command,
      CNI_CONTAINERID: runtime.containerId,
      CNI_NETNS: runtime.netns,
      CNI_IFNAME: runtime.ifName,
      CNI_ARGS: 'IgnoreUnknown=1',
      CNI_PATH: runtime.cniPath,
      PATH: PLUGIN_PATH,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  child.stdin.end(JSON.stringify(input))
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (exitCode) => resolve(exitCode ?? 1))
  })
  const output = Buffer.concat(stdout).toString('utf8').trim()
  if (code !== 0) {
    let message = Buffer.concat(stderr).toString('utf8').trim() || `exit code ${code}`
    try {
      const error = JSON.parse(output) as {msg?: string; details?: string}
      if (error.msg) message = error.details ? `${error.msg}: ${error.details}` : error.msg
    } catch {
      // not the JSON error the spec asks for: stderr says what happened
    }
    throw new CniError(plugin.type, `CNI plugin ${plugin.type} failed (${command}): ${message}`)
  }
  return command === 'ADD' && output !== '' ? (JSON.parse(output) as CniResult) : undefined
}

/** The plugin directories and plugins found safe in this process (see trustPluginPath). */
const trustedPluginPaths = new Set<string>()

/**
 * Plugins run as root, and find the plugins they delegate to (IPAM) in the same directories: a
 * directory or a program another user may change would have root run their code (libcni and
 * containerd do not check). Refused as the CNI configuration directory is; each checked once.
 */
function trustPluginPath(path: string, refuseUntrusted: (path: string, what: string) => boolean, what: string): void {
  if (trustedPluginPaths.has(path)) return
  // One missing now is not known to be safe should it appear later.
  if (refuseUntrusted(path, what)) trustedPluginPaths.add(path)
}

async function findPlugin(type: string, cniPath: string): Promise<string> {
  const found = await locatePlugin(type, cniPath)
  if (found === undefined) throw new CniError(type, `CNI plugin ${type} not found in ${cniPath} (--cni-path)`)
  return found
}

/** The plugin `type` in the first directory of `cniPath` that has it, once it and every directory are known to be safe. */
async function locatePlugin(type: string, cniPath: string): Promise<string | undefined> {
  // A name in the plugin directories, never a path: a conflist's `../../x` would run a program from
  // anywhere as root (libcni refuses such names too).
  if (type === '' || type === '.' || type === '..' || type.includes('/')) throw new CniError(type, `invalid CNI plugin name: ${JSON.stringify(type)}`)
  const directories = cniPath.split(delimiter).filter((directory) => directory !== '')
  // All of them, not just the first with the plugin: CNI_PATH hands them all to the plugin.
  for (const directory of directories) trustPluginPath(directory, refuseUntrustedDirectory, 'CNI plugin directory')
  const {access, constants} = await import('node:fs/promises')
  for (const directory of directories) {
    const candidate = join(directory, type)
    try {
      await access(candidate, constants.X_OK)
    } catch {
      continue
    }
    trustPluginPath(candidate, refuseUntrustedProgram, 'CNI plugin')
    return candidate
  }
  return undefined
}

/**
 * CNI ADD of the whole list; the final result. A failure undoes the plugins already run. `prevResult`
 * chains the list onto an attachment made before (a plugin added to it later).
 */
export async function cniAdd(list: CniConfList, runtime: CniRuntime, prevResult?: CniResult): Promise<CniResult> {
  let result = prevResult
  for (const [index, plugin] of list.plugins.entries()) {
    try {
      result = (await execPlugin('ADD', plugin, pluginInput(list, plugin, runtime, result), runtime)) ?? result
    } catch (error) {
      await cniDel({...list, plugins: list.plugins.slice(0, index + 1)}, runtime, result).catch(() => undefined)
      throw error
    }
  }
  if (!result) throw new CniError(list.plugins[0]?.type ?? 'none', `network ${list.name} has no plugins`)
  return result
}

/**
 * CNI DEL of the whole list, in reverse. Every plugin gets its turn even when one fails (so no rule or
 * lease is left behind for want of another's success); the first failure is thrown afterwards.
 */
export async function cniDel(list: CniConfList, runtime: CniRuntime, prevResult: CniResult | undefined): Promise<void> {
  let failure: unknown
  for (const plugin of [...list.plugins].reverse()) {
    try {
      await execPlugin('DEL', plugin, pluginInput(list, plugin, runtime, prevResult), runtime)
    } catch (error) {
      failure ??= error
    }
  }
  if (failure) throw failure
}

/**
 * What nerd changes on the host for a network besides the CNI plugins' work: one masquerade rule per
 * bridge network (docker's `-s <subnet> ! -o <bridge> -j MASQUERADE`) and the bridge device itself,
 * removed with the network.
 */
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {promisify} from 'node:util'
import {parseSubnet} from './ip.ts'
import type {NetworkConfList} from './model.ts'

const run = promisify(execFile)
const SBIN_PATH = {PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}

function masqueradeRules(network: NetworkConfList): string[][] {
  const {nerd} = network
  if (nerd.driver !== 'bridge' || nerd.internal || !nerd.bridge) return []
  return nerd.ranges
    .filter((range) => parseSubnet(range.subnet)?.family === 4)
    .map((range) => ['POSTROUTING', '-s', range.subnet, '!', '-o', nerd.bridge!, '-m', 'comment', '--comment', `nerd network ${nerd.id.slice(0, 12)}`, '-j', 'MASQUERADE'])
}

async function iptables(args: string[]): Promise<boolean> {
  try {
    await run('iptables', ['-w', '-t', 'nat', ...args], {env: SBIN_PATH})
    return true
  } catch {
    return false
  }
}

/** Whether the network's bridge device exists (it is made by the first CNI ADD after boot). */
export function bridgeExists(network: NetworkConfList): boolean {
  return network.nerd.bridge !== undefined && existsSync(`/sys/class/net/${network.nerd.bridge}`)
}

/** Adds the masquerade rules the network lacks. */
export async function ensureMasquerade(network: NetworkConfList): Promise<void> {
  for (const rule of masqueradeRules(network)) {
    if (!(await iptables(['-C', ...rule]))) {
      const [chain, ...spec] = rule
      if (!(await iptables(['-A', chain!, ...spec]))) throw new Error(`cannot add the masquerade rule of network ${network.name} (iptables -t nat -A ${rule.join(' ')})`)
    }
  }
}

/** Removes what the network left on the host: its masquerade rules and its bridge. */
export async function removeHostNetworking(network: NetworkConfList): Promise<void> {
  for (const rule of masqueradeRules(network)) while (await iptables(['-D', ...rule]));
  if (bridgeExists(network)) await run('ip', ['link', 'delete', network.nerd.bridge!], {env: SBIN_PATH}).catch(() => undefined)
}

/**
 * The /etc/hosts, /etc/resolv.conf and /etc/hostname a container sees: files in its state directory,
 * bound over the image's, written as docker writes them.
 */
import {readFile} from 'node:fs/promises'
import {writeFileAtomic} from '../files.ts'
import type {ContainerPaths} from './store.ts'

export interface EtcFileFacts {
  hostname: string
  /** 'host' copies the host's files; 'private' writes the container's own. */
  network: 'host' | 'private'
  hostHostname: string
  /** The container's addresses on its networks (the networking issue fills them). */
  addresses?: string[]
  /** Extra `ip name…` lines (`--add-host`, other containers' names). */
  extraHosts?: string[]
  /** `--dns`, `--dns-search`, `--dns-option`: each replaces what the host's resolv.conf has. */
  dns?: ResolvOverrides
}

export interface ResolvOverrides {
  dns: string[]
  /** `.` alone means no search domains. */
  dnsSearch: string[]
  dnsOptions: string[]
}

const LOCAL_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
]

export function hostsFile(facts: EtcFileFacts): string {
  const lines = [...LOCAL_HOSTS, ...(facts.extraHosts ?? [])]
  for (const address of facts.addresses ?? []) lines.push(`${address}\t${facts.hostname}`)
  return `${lines.join('\n')}\n`
}

/**
 * docker's rule for a container with its own network namespace: the host's resolv.conf without
 * loopback nameservers (they would point into the container), falling back to public resolvers
 * when nothing is left.
 */
export function containerResolvConf(hostResolvConf: string, overrides?: ResolvOverrides): string {
  const drop = [
    /^\s*nameserver\s+(127\.|::1\b|0\.0\.0\.0)/,
    ...(overrides?.dns.length ? [/^\s*nameserver\s/] : []),
    ...(overrides?.dnsSearch.length ? [/^\s*(search|domain)\s/] : []),
    ...(overrides?.dnsOptions.length ? [/^\s*options\s/] : []),
  ]
  const lines = hostResolvConf.split('\n').filter((line) => !drop.some((pattern) => pattern.test(line)))
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop()
  if (overrides?.dns.length) lines.push(...overrides.dns.map((server) => `nameserver ${server}`))
  const search = overrides?.dnsSearch.filter((domain) => domain !== '.') ?? []
  if (search.length > 0) lines.push(`search ${search.join(' ')}`)
  if (overrides?.dnsOptions.length) lines.push(`options ${overrides.dnsOptions.join(' ')}`)
  const kept = lines.join('\n').trim()
  const hasNameserver = /^\s*nameserver\s/m.test(kept)
  const fallback = hasNameserver ? '' : `${kept ? '\n' : ''}nameserver 8.8.8.8\nnameserver 8.8.4.4`
  return `${kept}${fallback}\n`
}

async function readHostFile(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '')
}

export async function writeEtcFiles(paths: ContainerPaths, facts: EtcFileFacts): Promise<void> {
  const [hostResolv, hostHosts] = await Promise.all([readHostFile('/etc/resolv.conf'), facts.network === 'host' ? readHostFile('/etc/hosts') : ''])
  await Promise.all([
    writeFileAtomic(paths.hosts, facts.network === 'host' ? hostHosts || hostsFile({...facts, hostname: facts.hostHostname}) : hostsFile(facts)),
    writeFileAtomic(paths.resolvConf, facts.network === 'host' ? hostResolv : containerResolvConf(hostResolv, facts.dns)),
    writeFileAtomic(paths.hostname, `${facts.hostname}\n`),
  ])
}

/** IPv4 and IPv6 addresses and CIDR subnets as numbers: overlap checks, gateways, ranges. */
import {isIP} from 'node:net'

export interface Subnet {
  family: 4 | 6
  /** The network address (host bits cleared). */
  network: bigint
  prefix: number
  /** As docker prints it: the network address and prefix. */
  text: string
}

function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128
}

export function parseAddress(text: string): {family: 4 | 6; value: bigint} | undefined {
  const family = isIP(text)
  if (family === 4) return {family, value: text.split('.').reduce((sum, part) => (sum << 8n) + BigInt(Number(part)), 0n)}
  if (family !== 6) return undefined
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined]
  const groups = (part: string | undefined): number[] => {
    if (!part) return []
    return part.split(':').flatMap((group) => {
      // An embedded IPv4 tail (`::ffff:1.2.3.4`) is two groups.
      if (group.includes('.')) {
        const v4 = parseAddress(group)!.value
        return [Number(v4 >> 16n), Number(v4 & 0xffffn)]
      }
      return [parseInt(group, 16)]
    })
  }
  const first = groups(head)
  const last = groups(tail)
  const all = tail === undefined ? first : [...first, ...Array(8 - first.length - last.length).fill(0), ...last]
  return {family, value: all.reduce((sum, group) => (sum << 16n) + BigInt(group), 0n)}
}

export function formatAddress(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.')
  const groups = Array.from({length: 8}, (_, index) => Number((value >> BigInt(112 - index * 16)) & 0xffffn))
  // The longest run of zero groups (two or more) becomes `::`, as RFC 5952 asks.
  let best = {start: -1, length: 0}
  for (let start = 0; start < 8; start++) {
    let length = 0
    while (start + length < 8 && groups[start + length] === 0) length++
    if (length > best.length && length > 1) best = {start, length}
  }
  const hex = groups.map((group) => group.toString(16))
  if (best.start === -1) return hex.join(':')
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`
}

/** `10.4.0.0/24` (host bits are cleared, as docker does); undefined when it is not a CIDR. */
export function parseSubnet(text: string): Subnet | undefined {
  const [address, prefixText, extra] = text.split('/')
  if (extra !== undefined || prefixText === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined
  const parsed = parseAddress(address!)
  if (!parsed) return undefined
  const prefix = Number(prefixText)
  const width = bits(parsed.family)
  if (prefix > width) return undefined
  const mask = ((1n << BigInt(width)) - 1n) ^ ((1n << BigInt(width - prefix)) - 1n)
  const network = parsed.value & mask
  return {family: parsed.family, network, prefix, text: `${formatAddress(parsed.family, network)}/${prefix}`}
}

function lastAddress(subnet: Subnet): bigint {
  return subnet.network + (1n << BigInt(bits(subnet.family) - subnet.prefix)) - 1n
}

export function subnetsOverlap(a: Subnet, b: Subnet): boolean {
  return a.family === b.family && a.network <= lastAddress(b) && b.network <= lastAddress(a)
}

export function subnetContains(subnet: Subnet, address: string): boolean {
  const parsed = parseAddress(address)
  return parsed !== undefined && parsed.family === subnet.family && parsed.value >= subnet.network && parsed.value <= lastAddress(subnet)
}

/**
 * Whether docker's IPAM keeps `address` from everyone, gateway included: the network address of an
 * IPv4 subnet larger than a /31 (of every IPv6 subnet: its Subnet-Router anycast address) and the
 * broadcast address of an IPv4 subnet larger than a /31.
 */
export function isReservedAddress(subnet: Subnet, address: string): boolean {
  const value = parseAddress(address)?.value
  if (subnet.family === 6) return value === subnet.network
  return subnet.prefix < 31 && (value === subnet.network || value === lastAddress(subnet))
}

/** Whether docker's IPAM gives `address` to no container of `subnet`: reserved (isReservedAddress), or the gateway's. */
export function isKeptAddress(subnet: Subnet, gateway: string, address: string): boolean {
  return isReservedAddress(subnet, address) || parseAddress(address)?.value === parseAddress(gateway)?.value
}

/** docker's default gateway: the subnet's first address. */
export function firstHost(subnet: Subnet): string {
  return formatAddress(subnet.family, subnet.network + 1n)
}

/** The usable addresses of an `--ip-range` for host-local's rangeStart/rangeEnd (no network or broadcast address). */
export function hostRange(subnet: Subnet): {start: string; end: string} {
  const broadcast = subnet.family === 4 ? 1n : 0n
  return {start: formatAddress(subnet.family, subnet.network + 1n), end: formatAddress(subnet.family, lastAddress(subnet) - broadcast)}
}

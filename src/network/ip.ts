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

/**
 * The first /`size` of `base`, from its `from`th on, that overlaps none of `taken`: docker's IPAM
 * takes the lowest free subnet of a pool.
 */
export function firstFreeSubnet(base: Subnet, size: number, taken: Subnet[], from = 0): Subnet | undefined {
  const width = bits(base.family)
  const count = 1n << BigInt(size - base.prefix)
  for (let index = BigInt(from); index < count; index++) {
    const network = base.network + (index << BigInt(width - size))
    const candidate: Subnet = {family: base.family, network, prefix: size, text: `${formatAddress(base.family, network)}/${size}`}
    if (!taken.some((subnet) => subnetsOverlap(subnet, candidate))) return candidate
  }
  return undefined
}

/** An address as Go's netip reads it: an IPv6 one may have a zone (`fe80::1%eth0`). */
export interface GoAddress {
  family: 4 | 6
  value: bigint
  zone: string
}

/** Go's netip.ParseAddr: undefined for what it refuses. */
export function parseGoAddress(text: string): GoAddress | undefined {
  const percent = text.indexOf('%')
  const zone = percent === -1 ? '' : text.slice(percent + 1)
  const parsed = parseAddress(percent === -1 ? text : text.slice(0, percent))
  if (!parsed || (percent !== -1 && (parsed.family === 4 || zone === ''))) return undefined
  return {...parsed, zone}
}

/** The IPv4 address an IPv4-mapped IPv6 one (`::ffff:1.2.3.4`) holds. */
function mappedIpv4(address: GoAddress): bigint | undefined {
  return address.family === 6 && address.value >> 32n === 0xffffn ? address.value & 0xffffffffn : undefined
}

/** Go's netip Addr.String: RFC 5952, an IPv4-mapped address with its dotted tail, the zone after `%`. */
export function goAddressText(address: GoAddress): string {
  const mapped = mappedIpv4(address)
  const text = mapped === undefined ? formatAddress(address.family, address.value) : `::ffff:${formatAddress(4, mapped)}`
  return address.zone ? `${text}%${address.zone}` : text
}

/** Go's netip Addr.IsLoopback: 127.0.0.0/8 (IPv4-mapped too) or ::1. */
export function isLoopbackAddress(address: GoAddress): boolean {
  const ipv4 = address.family === 4 ? address.value : mappedIpv4(address)
  return ipv4 === undefined ? address.value === 1n : ipv4 >> 24n === 127n
}

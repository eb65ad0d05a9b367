/** `nerd port`: the host side of a running container's published ports. */
import {NerdError} from '../errors.ts'
import {containerView} from '../container/lifecycle.ts'
import type {ContainerScope, LoadedContainer} from '../container/lifecycle.ts'
import {formatPortLines} from './ports.ts'

export async function containerPortLines(scope: ContainerScope, container: LoadedContainer, port: string | undefined): Promise<string[]> {
  const view = await containerView(scope, container)
  const ports = view.ports ?? {}
  if (port === undefined) return formatPortLines(ports)
  const key = port.includes('/') ? port.toLowerCase() : `${port}/tcp`
  if (!/^\d+\/(tcp|udp|sctp)$/.test(key)) throw new NerdError(`invalid port ${JSON.stringify(port)}: PRIVATE_PORT[/PROTO] such as 80/tcp`)
  const lines = formatPortLines(ports, key)
  if (lines.length === 0) throw new NerdError(`No public port '${key}' published for ${container.record.Name}`)
  return lines
}

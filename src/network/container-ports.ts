/** `nerd port`: the host side of a running container's published ports. */
import {NerdError} from '../errors.ts'
import {containerView} from '../container/lifecycle.ts'
import type {ContainerScope, LoadedContainer} from '../container/lifecycle.ts'
import {formatPortLines, portNumberError, splitProtoPort} from './ports.ts'

/**
 * The lines `port` prints for the container (`reference` as typed), or for one of its ports: as
 * docker's CLI, `PORT[/PROTO]` (tcp when no protocol is given) names the key as typed, and an empty
 * one names none.
 */
export async function containerPortLines(scope: ContainerScope, container: LoadedContainer, reference: string, port: string | undefined): Promise<string[]> {
  const view = await containerView(scope, container)
  const ports = view.ports ?? {}
  if (!port) return formatPortLines(ports)
  const [number, protocol] = splitProtoPort(port)
  const invalid = portNumberError(number)
  if (invalid) throw new NerdError(`invalid port (${number}): ${invalid}`)
  const lines = formatPortLines(ports, `${number}/${protocol}`)
  if (lines.length === 0) throw new NerdError(`No public port '${port}' published for ${reference}`)
  return lines
}

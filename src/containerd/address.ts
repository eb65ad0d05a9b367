import {resolve} from 'node:path'
import {NerdError} from '../errors.ts'

export interface SocketAddress {
  /** Absolute path of the unix socket. */
  path: string
  /** What grpc-js dials and error messages show: `unix:///path`. */
  target: string
}

/**
 * Accepts what ctr and nerdctl accept for --address on Linux: a socket path (relative paths are
 * taken from the working directory) or a `unix://` URL (`unix:///abs/path`, or `unix://rel/path`).
 */
export function parseAddress(address: string): SocketAddress {
  const trimmed = address.trim()
  if (trimmed === '') throw new NerdError('containerd address is empty: pass a socket path with --address')
  let path = trimmed
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    const scheme = trimmed.slice(0, trimmed.indexOf(':')).toLowerCase()
    if (scheme !== 'unix') throw new NerdError(`unsupported containerd address "${address}": containerd listens on a unix socket, pass its path or unix:///path`)
    path = trimmed.slice('unix://'.length)
    if (path === '') throw new NerdError(`containerd address "${address}" names no socket path`)
  }
  const absolute = resolve(path)
  return {path: absolute, target: `unix://${absolute}`}
}

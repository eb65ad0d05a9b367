/**
 * What containerd's runtime runs as the container's OCI `createRuntime` and `poststop` hooks
 * (entry point src/oci-hook.ts, kept free of the CLI so it starts fast). It gets the OCI state on
 * stdin; the spec's annotations say where nerd's state is. createRuntime refreshes the /etc files
 * bound into the container (they are bind mounts already: written in place, never replaced, so the
 * container sees the new content), records the init pid for the logger and attaches the CNI
 * networks; poststop detaches them. Both run for every task, whoever starts it (nerd, or
 * containerd's restart monitor).
 */
import {readFile, writeFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {ANNOTATION_DATA_ROOT, ANNOTATION_NAMESPACE, ANNOTATION_NETWORK} from './annotations.ts'
import {containerResolvConf, hostsFile} from './etc-files.ts'
import {attachTarget, containerPaths, readRecord} from './store.ts'
import {attachNetworks, detachNetworks} from '../network/attach.ts'

export interface OciState {
  id: string
  pid?: number
  status: string
  bundle: string
  annotations?: Record<string, string>
}

export type OciHookName = 'createRuntime' | 'postStop'

export async function runOciHook(name: OciHookName, state: OciState): Promise<void> {
  const annotations = state.annotations ?? {}
  const dataRoot = annotations[ANNOTATION_DATA_ROOT]
  const namespace = annotations[ANNOTATION_NAMESPACE]
  if (!dataRoot || !namespace) throw new Error(`container ${state.id} has no ${ANNOTATION_DATA_ROOT} and ${ANNOTATION_NAMESPACE} annotations`)
  const paths = containerPaths(dataRoot, namespace, state.id)
  const target = attachTarget(namespace, state.id, paths)
  // Once the task is gone its pid may name another process: CNI DEL gets no namespace path then.
  if (name === 'postStop') return detachNetworks(target, '')
  // The logger watches this process to tell when the container exits (the shim keeps the output pipes open).
  if (state.pid) await writeFile(paths.initPid, String(state.pid))
  const network = annotations[ANNOTATION_NETWORK] ?? 'none'
  const hostResolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '')
  if (network === 'host') {
    await writeFile(paths.resolvConf, hostResolv)
    await writeFile(paths.hosts, (await readFile('/etc/hosts', 'utf8').catch(() => '')) || hostsFile({hostname: hostname(), network: 'host', hostHostname: hostname()}))
  } else if (!network.startsWith('container:')) {
    // The containers's own namespace: refresh resolv.conf from the host's current one, as docker does on start.
    const hostConfig = (await readRecord(paths))?.HostConfig
    await writeFile(paths.resolvConf, containerResolvConf(hostResolv, hostConfig && {dns: hostConfig.Dns, dnsSearch: hostConfig.DnsSearch, dnsOptions: hostConfig.DnsOptions}))
    if (state.pid) await attachNetworks(target, `/proc/${state.pid}/ns/net`)
  }
}


/**
 * What containerd's runtime runs as the container's OCI `createRuntime` and `poststop` hooks
 * (entry point src/oci-hook.ts, kept free of the CLI so it starts fast), and what nerd runs itself
 * around the tasks it creates and deletes (lifecycle.ts), which then tells the hook to stand down:
 * either way the same work is done once per task, whoever creates it (nerd, or containerd's restart
 * monitor), without a second node start when nerd does.
 *
 * At creation: the /etc files bound into the container are refreshed (they are bind mounts already:
 * written in place, never replaced, so the container sees the new content), the init pid is
 * recorded for the logger, and the CNI networks are attached. At deletion they are detached. A task
 * the hook sees made is not nerd's, and is refused first when it would be a wrong one (unmanaged-start.ts).
 */
import {existsSync} from 'node:fs'
import {readFile, rm, writeFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {ANNOTATION_DATA_ROOT, ANNOTATION_NAMESPACE} from './annotations.ts'
import {recordInitProcess} from './host-process.ts'
import {CONTAINER_MODE} from './model.ts'
import {containerHasIpv6, containerResolvConf, extraHostLines, hostNetworkHosts, hostnameFile, hostResolvConf, hostsFile} from './etc-files.ts'
import {attachTarget, containerPaths, readRecord} from './store.ts'
import type {ContainerPaths} from './store.ts'
import type {AttachmentState} from '../network/attach.ts'
import type {OciHookCommand} from './spec/index.ts'

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
  if (name === 'postStop') return taskDeleted(namespace, state.id, paths)
  if (!state.pid) return
  // nerd stands the hook down for the tasks it makes: this one is made without nerd, and may lack what nerd's start does beside the spec.
  const record = await readRecord(paths)
  if (record) await import('./unmanaged-start.ts').then(({refuseUnpreparedStart}) => refuseUnpreparedStart({dataRoot, namespace}, record, paths, state.pid!))
  await taskCreated(namespace, state.id, paths, state.pid)
}

/** A new task of the container exists (its init process is `pid`), not started yet. */
export async function taskCreated(namespace: string, id: string, paths: ContainerPaths, pid: number): Promise<void> {
  // The logger watches this process to tell when the container exits (the shim keeps the output pipes open).
  await recordInitProcess(paths.initPid, pid)
  const record = await readRecord(paths)
  const hostConfig = record?.HostConfig
  const mode = hostConfig?.NetworkMode ?? 'none'
  // A container sharing another's network has that one's files.
  if (mode.startsWith(CONTAINER_MODE)) return
  const dns = hostConfig && {dns: hostConfig.Dns, dnsSearch: hostConfig.DnsSearch, dnsOptions: hostConfig.DnsOptions}
  const extraHosts = extraHostLines(hostConfig?.ExtraHosts ?? [])
  const ipv6 = await containerHasIpv6(pid, hostConfig?.Sysctls)
  // The files are made again at every start, as docker's are: what the container changed in them goes.
  if (record?.Config.Hostname) await writeFile(paths.hostname, hostnameFile(record.Config.Hostname))
  if (mode === 'host') {
    await writeFile(paths.resolvConf, containerResolvConf(await hostResolvConf('host'), dns, 'host'))
    const hostHosts = await readFile('/etc/hosts', 'utf8').catch(() => '')
    await writeFile(paths.hosts, hostNetworkHosts(hostHosts, extraHosts, hostname(), ipv6))
    return
  }
  let attachments: AttachmentState[] = []
  if (existsSync(paths.networkPlan)) {
    const {attachNetworks} = await import('../network/attach.ts')
    attachments = Object.values((await attachNetworks(attachTarget(namespace, id, paths), `/proc/${pid}/ns/net`, undefined, ipv6)).attachments)
  }
  // Attaching networks wrote /etc/hosts; on none, it has the local lines and --add-host's.
  if (attachments.length === 0) await writeFile(paths.hosts, hostsFile({hostname: '', network: 'private', hostHostname: '', extraHosts, ipv6}))
  // Written once the networks say whether the container has an IPv6 address, which decides the IPv6 nameservers it keeps.
  const ipv6Address = attachments.some((attachment) => attachment.addresses.some((address) => address.includes(':')))
  await writeFile(paths.resolvConf, containerResolvConf(await hostResolvConf('private'), dns, 'private', ipv6Address))
}

/** The container's task was deleted. Its pid may by now name another process: CNI DEL gets no namespace path. */
export async function taskDeleted(namespace: string, id: string, paths: ContainerPaths): Promise<void> {
  if (!existsSync(paths.networkPlan)) return
  const {detachNetworks} = await import('../network/attach.ts')
  await detachNetworks(attachTarget(namespace, id, paths), '')
}

/**
 * The hook as the spec runs it: a shell that stands down when nerd left a mark saying it does the
 * work itself (`<state dir>/skip-<hook>`, consumed), and otherwise execs node with the hook script.
 * The hook's name is the last argument (the spec builder appends it).
 */
export function standDownHook(command: OciHookCommand, paths: ContainerPaths): OciHookCommand {
  const script = 'dir=$1; shift; for hook; do :; done; mark="$dir/skip-$hook"; if [ -e "$mark" ]; then exec rm -f "$mark"; fi; exec "$@"'
  return {...command, path: '/bin/sh', args: ['/bin/sh', '-c', script, 'nerd-oci-hook', paths.dir, ...command.args]}
}

/** Runs `action` (a task create or delete) with the hook `name` told to stand down. */
export async function withHookStoodDown<T>(paths: ContainerPaths, name: OciHookName, action: () => Promise<T>): Promise<T> {
  const mark = join(paths.dir, `skip-${name}`)
  // Without a state directory (what is left of a container) the hook finds no work, and no mark is needed.
  if (!existsSync(paths.dir)) return action()
  await writeFile(mark, '')
  try {
    return await action()
  } finally {
    // Not consumed when the spec has no such hook, or the action failed before running it.
    await rm(mark, {force: true})
  }
}

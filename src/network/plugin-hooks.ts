/**
 * The plugins' network hooks (nerd:network:setup, :ready, :teardown) as attach.ts calls them, fired
 * through the hook runner with the plugins recorded in the container's network plan.
 */
import {HOOK_NETWORK_READY, HOOK_NETWORK_SETUP, HOOK_NETWORK_TEARDOWN} from '../hooks/events.ts'
import {currentRecordedPlugins, recordedConfig} from '../hooks/recorded.ts'
import type {RecordedHooks} from '../hooks/recorded.ts'
import {runNerdHook} from '../hooks/runner.ts'
import type {NetworkHooks} from './attach.ts'
import type {NetworkConfList} from './model.ts'

/** What a plan keeps for the network hooks: the plugins, and the container's labels for the setup payload. */
export interface PlannedNetworkHooks {
  recorded: RecordedHooks
  labels: Record<string, string>
}

export const NETWORK_HOOK_EVENTS = [HOOK_NETWORK_SETUP, HOOK_NETWORK_READY, HOOK_NETWORK_TEARDOWN] as const

export function pluginNetworkHooks(planned: PlannedNetworkHooks, container: {id: string; name: string}): NetworkHooks {
  const plugins = currentRecordedPlugins(planned.recorded, NETWORK_HOOK_EVENTS)
  const config = recordedConfig(planned.recorded.nerdVersion, plugins)
  const options = {namespace: planned.recorded.namespace, address: planned.recorded.address}
  const subscribed = (event: string) => plugins.some((plugin) => (plugin.hooks[event]?.length ?? 0) > 0)
  const attachment = (network: NetworkConfList, at: {netns: string; ifName: string}) => ({
    containerId: container.id,
    containerName: container.name,
    netns: at.netns,
    ifName: at.ifName,
    network: network.name,
    labels: planned.labels,
  })
  const hooks: NetworkHooks = {}
  if (subscribed(HOOK_NETWORK_SETUP)) {
    hooks.setup = (network, at) =>
      runNerdHook(config, HOOK_NETWORK_SETUP, {...attachment(network, at), conflist: structuredClone(network), capabilityArgs: at.capabilityArgs}, options)
  }
  if (subscribed(HOOK_NETWORK_READY)) {
    hooks.ready = async (network, at, result) => {
      await runNerdHook(config, HOOK_NETWORK_READY, {...attachment(network, at), result}, options)
    }
  }
  if (subscribed(HOOK_NETWORK_TEARDOWN)) {
    hooks.teardown = async (network, at, phase) => {
      await runNerdHook(config, HOOK_NETWORK_TEARDOWN, {...attachment(network, at), phase}, options)
    }
  }
  return hooks
}

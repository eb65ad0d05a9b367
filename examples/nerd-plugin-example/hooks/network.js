// @ts-check
// Around CNI: at setup a tuning plugin is added that turns on accept_local on the container's
// interface; once attached, the CNI result's addresses go to the log; the teardown is logged too.
import {note} from './log.js'

/** @type {import('nerd/sdk').NerdHook<'nerd:network:setup'>} */
export async function setup(payload) {
  const conflist = structuredClone(payload.conflist)
  conflist.plugins.push({type: 'tuning', sysctl: {[`net.ipv4.conf.${payload.ifName}.accept_local`]: '1'}})
  return {conflist}
}

/** @type {import('nerd/sdk').NerdHook<'nerd:network:ready'>} */
export async function ready(payload) {
  note(payload.labels['org.example.log'], 'network-ready', {network: payload.network, addresses: (payload.result.ips ?? []).map((ip) => ip.address)})
}

/** @type {import('nerd/sdk').NerdHook<'nerd:network:teardown'>} */
export async function teardown(payload) {
  note(payload.labels['org.example.log'], `network-teardown-${payload.phase}`, {network: payload.network})
}

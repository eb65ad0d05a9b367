import assert from 'node:assert/strict'
import {appendFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import type {NetworkPlan, NetworkState} from '../../../src/network/attach.ts'
import {ownHostNames, writeContainerHosts} from '../../../src/network/hosts.ts'
import {networkConfList} from '../../../src/network/model.ts'
import type {NetworkConfList} from '../../../src/network/model.ts'
import {conflistPath, readMembers} from '../../../src/network/store.ts'
import type {NetworkMember, NetworkMembers} from '../../../src/network/store.ts'

const owner = {namespace: 'default', id: 'a'.repeat(64)}

function facts(id: string, stateDir: string) {
  return {id, created: '', driver: 'bridge' as const, labels: {}, options: {}, internal: false, ipv6: false, ranges: [{subnet: '10.0.0.0/16', gateway: '10.0.0.1'}], stateDir}
}

function member(index: number): NetworkMember {
  const id = `${index}`.padStart(64, 'b')
  return {namespace: 'default', id, name: `peer${index}`, hostname: id.slice(0, 12), aliases: [], addresses: [`10.0.1.${index}`], mac: '', hostsFile: '', planFile: '', stateFile: ''}
}

function attachment(networkId: string, address: string): NetworkState['attachments'][string] {
  return {networkId, conflist: {cniVersion: '1.0.0', name: '', plugins: []}, ifName: 'eth0', result: {}, capabilityArgs: {}, addresses: [`${address}/16`], gateways: ['10.0.0.1'], mac: '', aliases: []}
}

describe("a running container's /etc/hosts", () => {
  let dir: string
  let hosts: string
  let plan: NetworkPlan
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nerd-hosts-'))
    hosts = join(dir, 'hosts')
    plan = {netconfPath: join(dir, 'netconf'), cniPath: '', name: 'self', hostname: 'self', domainname: '', networks: [{network: 'n1', aliases: []}], portBindings: {}, extraHosts: []}
    await mkdir(plan.netconfPath)
  })
  after(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('takes out the lines it made comments once the last line is whole again, when a compaction had to wait for it', async () => {
    const network: NetworkConfList = networkConfList('n1', facts('1'.repeat(64), join(dir, 'n1')))
    const state: NetworkState = {attachments: {n1: attachment(network.nerd.id, '10.0.0.2')}, ports: {}}
    const write = (members: NetworkMember[], whole = false) =>
      writeContainerHosts(hosts, owner, plan, state, [network], whole, async () => Object.fromEntries(members.map((each) => [`default/${each.id}`, each])) as NetworkMembers)
    const peers = Array.from({length: 17}, (_, index) => member(index + 10))
    await write(peers, true)
    // The container is writing a line of its own when the peers leave, one by one.
    await appendFile(hosts, '192.0.2.1\tmine')
    for (let left = peers.length - 1; left >= 0; left--) await write(peers.slice(0, left))
    await appendFile(hosts, '\n')
    // A peer comes and goes: the lines of those that left are taken out by then.
    await write([member(99)])
    await write([])
    const retired = (await readFile(hosts, 'utf8')).split('\n').filter((line) => line.startsWith('#0.0.1.'))
    assert.ok(retired.length <= 1, `lines made comments left in the file: ${retired.join(', ')}`)
    assert.match(await readFile(hosts, 'utf8'), /^192\.0\.2\.1\tmine$/m)
  })

  it("lists a network again when the caller's list lacks one the container is attached to: its peers' lines stay", async () => {
    const known = networkConfList('n1', facts('1'.repeat(64), join(dir, 'n1')))
    // Created, and joined, since the caller listed the networks.
    const joined = networkConfList('n2', facts('2'.repeat(64), join(dir, 'n2')))
    await writeFile(conflistPath(plan.netconfPath, 'n2'), JSON.stringify(joined))
    await mkdir(joined.nerd.stateDir)
    const peer = member(42)
    await writeFile(join(joined.nerd.stateDir, 'members.json'), JSON.stringify({[`default/${peer.id}`]: peer}))
    const state: NetworkState = {attachments: {n1: attachment(known.nerd.id, '10.0.0.2'), n2: attachment(joined.nerd.id, '10.0.0.3')}, ports: {}}
    const path = join(dir, 'hosts-joined')
    await writeContainerHosts(path, owner, plan, state, [known], true, readMembers)
    assert.match(await readFile(path, 'utf8'), /^10\.0\.1\.42\tpeer42 /m)
  })
})

describe("the container's own names in its /etc/hosts", () => {
  it('are the FQDN and the bare name cut at the first dot, as docker\'s libnetwork writes them', () => {
    assert.equal(ownHostNames('web', ''), 'web')
    assert.equal(ownHostNames('a.b.example', ''), 'a.b.example a')
    assert.equal(ownHostNames('web', 'example.com'), 'web.example.com web')
    assert.equal(ownHostNames('a.b', 'c'), 'a.b.c a')
  })
})

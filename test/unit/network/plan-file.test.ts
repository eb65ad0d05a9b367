import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {readNetworkPlan} from '../../../src/network/attach.ts'

describe('network plan file', () => {
  const dirs: string[] = []
  after(async () => {
    for (const dir of dirs) await rm(dir, {recursive: true, force: true})
  })

  const planFile = async (plan: object) => {
    const dir = await mkdtemp(join(tmpdir(), 'nerd-plan-'))
    dirs.push(dir)
    const file = join(dir, 'network-plan.json')
    await writeFile(file, JSON.stringify(plan))
    return file
  }
  const base = {netconfPath: '/etc/cni/net.d', cniPath: '/opt/cni/bin', name: 'web', hostname: 'abc', domainname: '', portBindings: {}, extraHosts: []}
  const link = {container: 'db', alias: 'database'}

  it('gives the first network the --links an older nerd kept at the plan\'s top', async () => {
    const plan = await readNetworkPlan(await planFile({...base, networks: [{network: 'n1'}, {network: 'n2'}], links: [link]}))
    assert.deepEqual(plan, {...base, networks: [{network: 'n1', links: [link]}, {network: 'n2'}]})
  })

  it('reads a plan with links on its networks as it is', async () => {
    const written = {...base, networks: [{network: 'n1'}, {network: 'n2', links: [link]}]}
    assert.deepEqual(await readNetworkPlan(await planFile(written)), written)
  })
})

/**
 * A conflist names its plugins by type, which nerd finds in the --cni-path directories: a type that
 * is a path (`../../x`) would have root run a program from anywhere, so it is refused unrun.
 */
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {chmod, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import type {CniConfList} from '../../../src/hooks/types.ts'
import {cniAdd} from '../../../src/network/cni.ts'

describe('CNI plugin types', () => {
  it('refuses a type that is a path, running nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nerd-cni-type-'))
    try {
      const bin = join(dir, 'bin')
      await mkdir(bin)
      const marker = join(dir, 'ran')
      await writeFile(join(dir, 'outside'), `#!/bin/sh\ntouch ${marker}\necho '{}'\n`)
      await chmod(join(dir, 'outside'), 0o755)
      for (const type of ['../outside', `${dir}/outside`, '..', '']) {
        const list = {cniVersion: '1.0.0', name: 'n', plugins: [{type}]} as unknown as CniConfList
        await assert.rejects(cniAdd(list, {cniPath: bin, containerId: 'ns-id', netns: '/proc/self/ns/net', ifName: 'eth0', capabilityArgs: {}}), {message: `invalid CNI plugin name: ${JSON.stringify(type)}`})
      }
      assert.equal(existsSync(marker), false)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

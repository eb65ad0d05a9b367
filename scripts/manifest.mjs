// Generates oclif.manifest.json from a package's compiled commands, the way oclif's dev CLI does,
// without pulling that CLI (and its AWS SDK) into nerd's dependencies.
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {Plugin} from '@oclif/core'

export async function generateManifest(packageDir) {
  const plugin = new Plugin({root: packageDir, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true, isRoot: true})
  await plugin.load()
  return `${JSON.stringify(plugin.manifest, null, 2)}\n`
}

export async function writeManifest(packageDir) {
  await writeFile(join(packageDir, 'oclif.manifest.json'), await generateManifest(packageDir))
}

export async function readManifest(packageDir) {
  return readFile(join(packageDir, 'oclif.manifest.json'), 'utf8')
}

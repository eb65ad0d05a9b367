/**
 * Builds the standard test images (test-images.ts) into a directory, one archive per image, plus
 * `images.json` (name → archive, target descriptor, manifests with their config, layer, diffID and
 * chainID digests). The test harness runs it once per run into $NERD_TEST_IMAGES:
 *
 *   node test/helpers/build-test-images.ts <directory> [--busybox /bin/busybox]
 */
import {writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {buildImageArchive} from './oci-image.ts'
import {archiveFileName, standardTestImages} from './test-images.ts'

const {positionals, values} = parseArgs({
  allowPositionals: true,
  options: {busybox: {type: 'string', default: '/bin/busybox'}},
})
if (positionals.length !== 1) {
  process.stderr.write('usage: node test/helpers/build-test-images.ts <directory> [--busybox PATH]\n')
  process.exit(2)
}
const directory = resolve(positionals[0])
const specs = await standardTestImages(values.busybox)
const built = await Promise.all(specs.map((spec) => buildImageArchive(spec, join(directory, archiveFileName(spec.name)))))
const summary = Object.fromEntries(built.map((archive, index) => [specs[index].name, archive]))
await writeFile(join(directory, 'images.json'), `${JSON.stringify(summary, null, 2)}\n`)

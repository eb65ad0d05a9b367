/** Owners (src/owner.ts) for tests of what nerd tells to be nobody's. */
import {execFile} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

const ownerModule = fileURLToPath(new URL('../../src/owner.ts', import.meta.url))

/** The owner tag of a process that has ended, as a nerd killed outright leaves in what it named. */
export async function deadOwnerTag(): Promise<string> {
  return (await promisify(execFile)(process.execPath, ['--input-type=module', '-e', `import {ownerTag} from ${JSON.stringify(ownerModule)}; process.stdout.write(ownerTag())`])).stdout
}

/**
 * `node dist/oci-hook.js <createRuntime|postStop>`: the OCI hook containerd's runtime runs for nerd's
 * containers. A separate small bundle (no CLI, no gRPC) because it runs on every container start.
 */
import {runOciHook} from './container/oci-hook.ts'
import {exitIfWorkWasAbandoned} from './hooks/abandoned-work.ts'
import type {OciHookName, OciState} from './container/oci-hook.ts'

async function main(): Promise<void> {
  const name = process.argv[2]
  if (name !== 'createRuntime' && name !== 'postStop') throw new Error(`unknown OCI hook ${String(name)}`)
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  await runOciHook(name as OciHookName, JSON.parse(Buffer.concat(chunks).toString('utf8')) as OciState)
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`nerd oci-hook: ${(error as Error).message}\n`)
    process.exitCode = 1
  })
  .finally(exitIfWorkWasAbandoned)

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {NerdError, trimmedId} from '../errors.ts'

/** What `inspect` looks a name up as, in docker's order when no --type is given. */
const OBJECT_TYPES = ['container', 'image', 'network', 'volume'] as const
type ObjectType = (typeof OBJECT_TYPES)[number]
/** Every --type docker takes (allTypes), in the order its errors list them. */
const ALL_TYPES = ['config', 'container', 'image', 'network', 'node', 'plugin', 'secret', 'service', 'task', 'volume']
/** Swarm objects: nerd is never in a swarm, and docker's daemon outside one refuses them (cluster.go errNoManager). */
const SWARM_TYPES = ['config', 'node', 'secret', 'service', 'task']
const NOT_A_SWARM_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.'

function isObjectType(type: string): type is ObjectType {
  return (OBJECT_TYPES as readonly string[]).includes(type)
}

export default class Inspect extends NerdCommand {
  static summary = 'Return low-level information on containers, images, networks and volumes'
  static strict = false
  static args = {name: Args.string({required: true, description: 'NAME|ID...'})}
  static flags = {
    format: Flags.string({char: 'f', description: 'Format the output using the given Go template'}),
    size: Flags.boolean({char: 's', description: 'Display total file sizes if the type is container'}),
    type: Flags.string({description: 'Return JSON for the specified type only'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Inspect)
    const {type} = flags
    const {goQuote} = await import('../format/go-fmt.ts')
    const allTypes = `"${ALL_TYPES.join('", "')}"`
    if (type === '') throw new NerdError(`type is empty: must be one of ${allTypes}`)
    if (type !== undefined && !ALL_TYPES.includes(type)) throw new NerdError(`unknown type: ${goQuote(type)}: must be one of ${allTypes}`)
    const scope = await this.containerScope()
    const config = await this.nerdConfig()
    const {inspectContainers, SnapshotGoneError} = await import('../container/inspect.ts')
    const {imageInspector} = await import('../image/inspect.ts')
    let networks: Promise<import('../network/list.ts').NetworkEntry[]> | undefined
    const lookups: Record<ObjectType, (name: string) => Promise<object | undefined>> = {
      container: (name) => inspectContainers(scope, trimmedId('container', name), {size: flags.size}),
      image: imageInspector(scope.client, config.snapshotter),
      network: async (name) => {
        const {allNetworkEntries, inspectNetworkNamed} = await import('../network/list.ts')
        const location = {netconfPath: config.cniNetconfPath, dataRoot: config.dataRoot}
        networks ??= allNetworkEntries(location)
        return inspectNetworkNamed(location, await networks, trimmedId('network', name), config.namespace)
      },
      volume: async (name) => (await import('../volume/index.ts')).getVolume({dataRoot: config.dataRoot, namespace: config.namespace}, trimmedId('volume', name)),
    }
    // docker's client trims the names it looks containers, networks and volumes up by, not images (trimID).
    const trimmed = type === 'container' || type === 'network' || type === 'volume'
    const candidates = type === undefined ? OBJECT_TYPES : isObjectType(type) ? [type] : []
    await this.printInspect(
      argv as string[],
      async (name) => {
        // docker's daemon's answers for what nerd never has; without --type docker skips them.
        if (type !== undefined && SWARM_TYPES.includes(type)) throw new NerdError(NOT_A_SWARM_MANAGER)
        if (type === 'plugin') throw new NerdError(`plugin ${goQuote(name)} not found`)
        for (const candidate of candidates) {
          // docker passes over what its daemon does not find when no --type is given: a container's gone snapshot too.
          const found = await lookups[candidate](name).catch((error: unknown) => (type === undefined && error instanceof SnapshotGoneError ? undefined : Promise.reject(error)))
          if (!found) continue
          if (flags.size && candidate !== 'container') process.stderr.write(`WARNING: --size ignored for ${candidate}\n`)
          return found
        }
        return undefined
      },
      flags.format,
      type !== undefined && isObjectType(type) ? type : 'object',
      {trimmed},
    )
  }
}

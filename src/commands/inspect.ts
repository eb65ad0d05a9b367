import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {NerdError, trimmedId} from '../errors.ts'

/** What `inspect` looks a name up as, in docker's order when no --type is given. */
const OBJECT_TYPES = ['container', 'image', 'network', 'volume'] as const
type ObjectType = (typeof OBJECT_TYPES)[number]
/** docker's other --type values: swarm objects and plugins, of which nerd has none (as docker outside a swarm). */
const NO_OBJECT_TYPES = ['node', 'service', 'task', 'plugin', 'secret']

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
    // docker takes an empty --type as none.
    const type = flags.type || undefined
    if (type !== undefined && !isObjectType(type) && !NO_OBJECT_TYPES.includes(type)) {
      const {goQuote} = await import('../format/go-fmt.ts')
      throw new NerdError(`${goQuote(type)} is not a valid value for --type`)
    }
    const scope = await this.containerScope()
    const config = await this.nerdConfig()
    const {inspectContainers} = await import('../container/inspect.ts')
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
        for (const candidate of candidates) {
          const found = await lookups[candidate](name)
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

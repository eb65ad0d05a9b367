import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import type {INamespace, Namespace, Root, Service, Type} from 'protobufjs'
import {codeDir, packageRoot} from '../paths.ts'

// Loaded on first use with require, not imported: a command that never talks to containerd (or only
// needs isNotFound) must not pay for protobufjs.
const require = createRequire(import.meta.url)
type ProtobufLight = typeof import('protobufjs/light.js')

/** The descriptor files scripts/gen-descriptors.mjs writes: one per service, plus the Any payloads. */
export type DescriptorFile =
  | 'version'
  | 'namespaces'
  | 'containers'
  | 'content'
  | 'images'
  | 'snapshots'
  | 'tasks'
  | 'diff'
  | 'leases'
  | 'events'
  | 'introspection'
  | 'payloads'

interface DescriptorGenerator {
  generateDescriptors(protoDir: string): Record<DescriptorFile, INamespace>
}

let protobufLight: ProtobufLight | undefined
let generatedFromSources: Record<DescriptorFile, INamespace> | undefined
const roots = new Map<DescriptorFile, Root>()

/** Loads protobufjs/light ahead of the first call, through a dynamic import the bundle inlines. */
export async function preloadProtobuf(): Promise<void> {
  protobufLight ??= (await import('protobufjs/light.js')).default as ProtobufLight
}

export function protobuf(): ProtobufLight {
  protobufLight ??= require('protobufjs/light.js') as ProtobufLight
  return protobufLight
}

/**
 * Where the descriptors live: $NERD_PROTO_DIR when set, else dist/proto (beside the bundle and the compiled modules).
 * Running the TypeScript sources directly (tests, development) there is no dist/proto beside them,
 * so the descriptors are generated in memory from proto/ — the only time the .proto parser loads.
 */
function readDescriptor(file: DescriptorFile): INamespace {
  const overridden = process.env.NERD_PROTO_DIR
  if (!overridden && import.meta.url.endsWith('.ts')) return generateFromSources()[file]
  const path = join(overridden ?? join(codeDir, 'proto'), `${file}.json`)
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as INamespace
  } catch (error) {
    throw new Error(`cannot load nerd's protobuf descriptor ${path}${overridden ? ' (from NERD_PROTO_DIR)' : ''}: ${(error as Error).message}; 'npm run build' generates it`, {cause: error})
  }
}

function generateFromSources(): Record<DescriptorFile, INamespace> {
  if (!generatedFromSources) {
    const generator = require(join(packageRoot, 'scripts', 'gen-descriptors.mjs')) as DescriptorGenerator
    generatedFromSources = generator.generateDescriptors(join(packageRoot, 'proto'))
  }
  return generatedFromSources
}

/** The one service a service descriptor file holds (scripts/gen-descriptors.mjs names it). */
export function descriptorService(file: Exclude<DescriptorFile, 'payloads'>): Service {
  const {Namespace: NamespaceClass, Service: ServiceClass} = protobuf()
  const find = (namespace: Namespace): Service | undefined => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof ServiceClass) return nested
      const inner = nested instanceof NamespaceClass ? find(nested) : undefined
      if (inner) return inner
    }
    return undefined
  }
  const service = find(descriptorRoot(file))
  if (!service) throw new Error(`nerd's protobuf descriptor ${file}.json holds no service; 'npm run build' regenerates it`)
  return service
}

export function descriptorRoot(file: DescriptorFile): Root {
  let root = roots.get(file)
  if (!root) {
    root = protobuf().Root.fromJSON(readDescriptor(file))
    roots.set(file, root)
  }
  return root
}

/**
 * Looks a message type up by its exact full name. protobufjs' own lookup falls back to searching
 * nested namespaces, so a bare "Spec" or "Metrics" would match some unrelated package's type.
 */
export function findType(root: Root, fullName: string): Type | undefined {
  const absolute = fullName.startsWith('.') ? fullName : `.${fullName}`
  const found = root.lookup(absolute)
  return found instanceof protobuf().Type && found.fullName === absolute ? found : undefined
}

/** How every decoded message is turned into a plain object (see types.ts). */
export const CONVERSION = {longs: String, enums: String, defaults: true, arrays: true, objects: true, oneofs: true} as const

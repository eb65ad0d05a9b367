import {createRequire} from 'node:module'
import {join} from 'node:path'
import {runInThisContext} from 'node:vm'
import {packageRoot} from '../paths.ts'

// Loaded on first use, not imported: a command that never talks to containerd (or only needs
// isNotFound) must not pay for the codecs.
const require = createRequire(import.meta.url)

/** The containerd services nerd calls (scripts/gen-codecs.mjs SERVICES). */
export type ServiceName =
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

/** What protobufjs-cli's static code gives every message type. */
export interface MessageCodec {
  fromObject(object: object): object
  encode(message: object): {finish(): Uint8Array}
  decode(bytes: Uint8Array): object
  toObject(message: object, options: Conversion): object
}

interface CodecModule {
  /** Namespaces by package segment, message types at the leaves (`root.containerd.types.Mount`). */
  root: Record<string, unknown>
  services: Record<ServiceName, {name: string; methods: Record<string, {request: string; response: string}>}>
}

interface CodecGenerator {
  generateCodecSource(protoDir: string): string
}

let codecModule: CodecModule | undefined

/** Loads the codecs ahead of the first call, through a dynamic import the bundle inlines. */
export async function preloadCodecs(): Promise<void> {
  if (codecModule || runningFromSources()) return
  codecModule = ((await import('#containerd-codecs')) as {default: CodecModule}).default
}

/**
 * dist/proto/containerd.cjs, which `npm run build` generates (and the bundles hold). Running the
 * TypeScript sources directly (tests, development), the same code is generated in memory from
 * proto/ — the only time protobufjs-cli and the .proto parser load.
 */
function codecs(): CodecModule {
  if (!codecModule) codecModule = runningFromSources() ? compileFromSources() : (require('#containerd-codecs') as CodecModule)
  return codecModule
}

function runningFromSources(): boolean {
  return import.meta.url.endsWith('.ts')
}

function compileFromSources(): CodecModule {
  const generator = require(join(packageRoot, 'scripts', 'gen-codecs.mjs')) as CodecGenerator
  const filename = join(packageRoot, 'dist', 'proto', 'containerd.cjs')
  const module = {exports: {} as CodecModule}
  const wrapper = runInThisContext(`(function (exports, require, module) {${generator.generateCodecSource(join(packageRoot, 'proto'))}\n})`, {filename}) as (
    exports: object,
    require: NodeJS.Require,
    module: {exports: CodecModule},
  ) => void
  wrapper(module.exports, createRequire(filename), module)
  return module.exports
}

/** The message type of that full name (`containerd.runc.v1.Options`), if nerd's codecs have it. */
export function findType(fullName: string): MessageCodec | undefined {
  let node: unknown = codecs().root
  for (const segment of fullName.replace(/^\./, '').split('.')) {
    if (typeof node !== 'object' && typeof node !== 'function') return undefined
    node = Object.hasOwn(node as object, segment) ? (node as Record<string, unknown>)[segment] : undefined
  }
  return typeof node === 'function' && typeof (node as Partial<MessageCodec>).decode === 'function' ? (node as unknown as MessageCodec) : undefined
}

/** The full name of a service and the request and response types of one of its methods. */
export function serviceMethod(service: ServiceName, method: string): {serviceName: string; request: MessageCodec; response: MessageCodec} {
  const {name: serviceName, methods} = codecs().services[service]
  const types = Object.hasOwn(methods, method) ? methods[method] : undefined
  if (!types) throw new Error(`${serviceName} has no method ${method}`)
  const request = findType(types.request)
  const response = findType(types.response)
  if (!request || !response) throw new Error(`${serviceName}/${method}: nerd's codecs lack its message types; 'npm run build' regenerates them`)
  return {serviceName, request, response}
}

/** How every decoded message is turned into a plain object (see types.ts). */
export const CONVERSION = {longs: String, enums: String, defaults: true, arrays: true, objects: true, oneofs: true} as const

/**
 * CONVERSION with 64-bit integers as numbers, for payloads whose counters are read as numbers
 * anyway (cgroup metrics): a Long turned into its decimal text costs a division per digit, which
 * made decoding one task's metrics ~3 ms of CPU, paid at the end of every attached run.
 */
export const NUMERIC_CONVERSION = {...CONVERSION, longs: Number} as const

export type Conversion = typeof CONVERSION | typeof NUMERIC_CONVERSION

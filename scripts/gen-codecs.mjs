// Generates the protobuf codecs nerd's containerd client runs with:
//   node scripts/gen-codecs.mjs [outDir]      (default: dist/proto under the repository)
// One CommonJS module, containerd.cjs: protobufjs-cli's static code (encode, decode, fromObject,
// toObject per message) for every message the services reach and the payloads that travel inside
// google.protobuf.Any (events, runc options, cgroup metrics), plus a table of each service's
// methods. Static code needs no .proto parser, no reflection tree and no code generated at run
// time (those cost ~40 ms of every `nerd run`), and the bundle's code cache covers it.
import {mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {join, relative, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import protobuf from 'protobufjs'

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url))

/** nerd's name for each containerd service it calls → the service's full name. */
export const SERVICES = {
  version: 'containerd.services.version.v1.Version',
  namespaces: 'containerd.services.namespaces.v1.Namespaces',
  containers: 'containerd.services.containers.v1.Containers',
  content: 'containerd.services.content.v1.Content',
  images: 'containerd.services.images.v1.Images',
  snapshots: 'containerd.services.snapshots.v1.Snapshots',
  tasks: 'containerd.services.tasks.v1.Tasks',
  diff: 'containerd.services.diff.v1.Diff',
  leases: 'containerd.services.leases.v1.Leases',
  events: 'containerd.services.events.v1.Events',
  introspection: 'containerd.services.introspection.v1.Introspection',
}

const SERVICE_PROTOS = [
  'services/version/v1/version.proto',
  'services/namespaces/v1/namespace.proto',
  'services/containers/v1/containers.proto',
  'services/content/v1/content.proto',
  'services/images/v1/images.proto',
  'services/snapshots/v1/snapshots.proto',
  'services/tasks/v1/tasks.proto',
  'services/diff/v1/diff.proto',
  'services/leases/v1/leases.proto',
  'services/events/v1/events.proto',
  'services/introspection/v1/introspection.proto',
]

/** Every message declared in these files is a payload nerd packs into or unpacks from an Any. */
const PAYLOAD_PROTOS = [
  'events/container.proto',
  'events/content.proto',
  'events/image.proto',
  'events/namespace.proto',
  'events/snapshot.proto',
  'events/task.proto',
  'types/runc/options/oci.proto',
  'cgroups/v1/metrics.proto',
  'cgroups/v2/metrics.proto',
  'nerd/events/v1/actor.proto',
]

/** Parses every .proto nerd uses; google/protobuf/* come from protobufjs' bundled well-known types. */
export function loadProtoRoot(protoDir) {
  const root = new protobuf.Root()
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(protoDir, target))
  root.loadSync([...SERVICE_PROTOS, ...PAYLOAD_PROTOS], {keepCase: false})
  root.resolveAll()
  return root
}

function reachableFrom(starts) {
  const reached = new Set()
  const visit = (object) => {
    if (reached.has(object)) return
    reached.add(object)
    if (object instanceof protobuf.Service) {
      for (const method of object.methodsArray) {
        visit(method.resolvedRequestType)
        visit(method.resolvedResponseType)
      }
    } else if (object instanceof protobuf.Type) {
      for (const field of object.fieldsArray) if (field.resolvedType) visit(field.resolvedType)
    }
  }
  for (const start of starts) visit(start)
  return reached
}

// Type references are written fully qualified (leading dot) so they resolve the same way whatever
// else the pruned tree lacks.
function describeType(type) {
  const fields = {}
  for (const field of type.fieldsArray) {
    // protobufjs' bundled Any spells its field type_url while everything parsed here is camel case;
    // renaming it lets callers write {typeUrl, value} like every other field.
    const name = type.fullName === '.google.protobuf.Any' && field.name === 'type_url' ? 'typeUrl' : field.name
    const description = {}
    if (field.map) description.keyType = field.keyType
    else if (field.repeated) description.rule = 'repeated'
    description.type = field.resolvedType ? field.resolvedType.fullName : field.type
    description.id = field.id
    fields[name] = description
  }
  const description = {fields}
  if (type.oneofsArray.length > 0) {
    description.oneofs = Object.fromEntries(type.oneofsArray.map((oneof) => [oneof.name, {oneof: oneof.oneof}]))
  }
  return description
}

function describe(object) {
  if (object instanceof protobuf.Type) return describeType(object)
  if (object instanceof protobuf.Enum) return {values: {...object.values}}
  if (object instanceof protobuf.Service) {
    const methods = {}
    for (const method of object.methodsArray) {
      methods[method.name] = {
        requestType: method.resolvedRequestType.fullName,
        responseType: method.resolvedResponseType.fullName,
        ...(method.requestStream ? {requestStream: true} : {}),
        ...(method.responseStream ? {responseStream: true} : {}),
      }
    }
    return {methods}
  }
  throw new Error(`cannot describe ${object.fullName}`)
}

/** A Root.toJSON()-shaped tree holding `starts` and every type they reference, nothing else. */
export function prunedDescriptor(starts) {
  const tree = {nested: {}}
  const objects = [...reachableFrom(starts)].sort((a, b) => a.fullName.localeCompare(b.fullName))
  for (const object of objects) {
    let node = tree
    for (const name of object.fullName.slice(1).split('.')) {
      node.nested ??= {}
      node.nested[name] ??= {}
      node = node.nested[name]
    }
    Object.assign(node, describe(object))
  }
  return tree
}

/** The services nerd calls and the payload messages, resolved from the .proto files. */
export function protoObjects(protoDir = join(repositoryRoot, 'proto')) {
  const root = loadProtoRoot(protoDir)
  const services = Object.fromEntries(Object.entries(SERVICES).map(([name, fullName]) => [name, root.lookupService(fullName)]))
  const payloadFiles = new Set(PAYLOAD_PROTOS.map((file) => join(protoDir, file)))
  const payloads = []
  const collect = (namespace) => {
    for (const object of namespace.nestedArray) {
      if (object instanceof protobuf.Type && payloadFiles.has(object.filename)) payloads.push(object)
      else if (object instanceof protobuf.Namespace && !(object instanceof protobuf.Type)) collect(object)
    }
  }
  collect(root)
  return {root, services, payloads}
}

/** The source of containerd.cjs: `module.exports = {root, services}`. */
export function generateCodecSource(protoDir = join(repositoryRoot, 'proto')) {
  const {services, payloads} = protoObjects(protoDir)
  const descriptor = prunedDescriptor([...Object.values(services), ...payloads])
  const serviceTable = Object.fromEntries(Object.entries(services).map(([name, service]) => [name, {
    name: service.fullName.slice(1),
    methods: Object.fromEntries(service.methodsArray.map((method) => [method.name, {
      request: method.resolvedRequestType.fullName.slice(1),
      response: method.resolvedResponseType.fullName.slice(1),
    }])),
  }]))
  const work = mkdtempSync(join(tmpdir(), 'nerd-codecs-'))
  try {
    const input = join(work, 'containerd.json')
    writeFileSync(input, JSON.stringify(descriptor))
    let source
    // pbjs reads and generates synchronously when given files, so the callback has run on return.
    require('protobufjs-cli').pbjs.main([
      '--target', 'static-module', '--wrap', 'commonjs', '--root', 'nerd',
      '--no-create', '--no-verify', '--no-delimited', '--no-service', '--no-typeurl', '--no-comments', '--no-beautify',
      input,
    ], (error, output) => {
      if (error) throw error
      source = output
    })
    const exportsLine = /^module\.exports = \$root;\s*$/m
    if (!source || !exportsLine.test(source)) throw new Error('pbjs produced no static module')
    return source.replace(exportsLine, `module.exports = {root: $root, services: ${JSON.stringify(serviceTable)}};\n`)
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
}

const require = createRequire(import.meta.url)

function writeCodecs(outDir) {
  mkdirSync(outDir, {recursive: true})
  const source = generateCodecSource()
  writeFileSync(join(outDir, 'containerd.cjs'), source)
  process.stderr.write(`gen-codecs: ${relative(process.cwd(), join(outDir, 'containerd.cjs'))}: ${(source.length / 1024).toFixed(0)}K\n`)
}

const invokedAsScript = process.argv[1] !== undefined && pathToFileURL(realpathSync(resolve(process.argv[1]))).href === import.meta.url
if (invokedAsScript) {
  const outDir = process.argv[2] ? resolve(process.argv[2]) : join(repositoryRoot, 'dist', 'proto')
  writeCodecs(outDir)
}

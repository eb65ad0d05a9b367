// Generates the protobuf descriptors nerd's containerd client loads at run time:
//   node scripts/gen-descriptors.mjs [outDir]      (default: dist/proto under the repository)
// One JSON file per containerd service holding that service and only the types it reaches, plus
// payloads.json with the messages that travel inside google.protobuf.Any (events, runc options,
// cgroup metrics). The client reads them with protobufjs/light, so the .proto parser never loads
// when nerd runs; each command pays only for the services it calls.
import {mkdirSync, realpathSync, writeFileSync} from 'node:fs'
import {join, relative, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import protobuf from 'protobufjs'

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url))

/** Descriptor file name (without .json) → the service it holds. */
export const SERVICE_FILES = {
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

/** Every message declared in these files goes into payloads.json. */
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
]

export const PAYLOADS_FILE = 'payloads'

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

/** Descriptor file name → its JSON tree, for every service and the payloads. */
export function generateDescriptors(protoDir = join(repositoryRoot, 'proto')) {
  const root = loadProtoRoot(protoDir)
  const descriptors = {}
  for (const [file, service] of Object.entries(SERVICE_FILES)) {
    descriptors[file] = prunedDescriptor([root.lookupService(service)])
  }
  const payloadFiles = new Set(PAYLOAD_PROTOS.map((file) => join(protoDir, file)))
  const payloadTypes = []
  const collect = (namespace) => {
    for (const object of namespace.nestedArray) {
      if (object instanceof protobuf.Type && payloadFiles.has(object.filename)) payloadTypes.push(object)
      else if (object instanceof protobuf.Namespace && !(object instanceof protobuf.Type)) collect(object)
    }
  }
  collect(root)
  descriptors[PAYLOADS_FILE] = prunedDescriptor(payloadTypes)
  return descriptors
}

function writeDescriptors(outDir) {
  mkdirSync(outDir, {recursive: true})
  const sizes = []
  for (const [file, descriptor] of Object.entries(generateDescriptors())) {
    const text = JSON.stringify(descriptor)
    writeFileSync(join(outDir, `${file}.json`), text)
    sizes.push(`${file} ${(text.length / 1024).toFixed(1)}K`)
  }
  process.stderr.write(`gen-descriptors: ${relative(process.cwd(), outDir) || '.'}: ${sizes.join(', ')}\n`)
}

const invokedAsScript = process.argv[1] !== undefined && pathToFileURL(realpathSync(resolve(process.argv[1]))).href === import.meta.url
if (invokedAsScript) {
  const outDir = process.argv[2] ? resolve(process.argv[2]) : join(repositoryRoot, 'dist', 'proto')
  writeDescriptors(outDir)
}

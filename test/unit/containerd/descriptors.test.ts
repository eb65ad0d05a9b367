import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {execFileSync} from 'node:child_process'
import type {INamespace, ReflectionObject, Root, Type} from 'protobufjs'

const require = createRequire(import.meta.url)
const protobuf = require('protobufjs') as typeof import('protobufjs')
const repository = new URL('../../../', import.meta.url)
const generatorPath = new URL('scripts/gen-descriptors.mjs', repository).pathname
const protoDir = new URL('proto/', repository).pathname

interface Generator {
  SERVICE_FILES: Record<string, string>
  loadProtoRoot(protoDir: string): Root
  generateDescriptors(protoDir: string): Record<string, INamespace>
}
const generator = require(generatorPath) as Generator
const full = generator.loadProtoRoot(protoDir)
const descriptors = generator.generateDescriptors(protoDir)

function walk(namespace: ReflectionObject, visit: (object: ReflectionObject) => void): void {
  visit(namespace)
  for (const nested of (namespace as import('protobufjs').Namespace).nestedArray ?? []) walk(nested, visit)
}

function fieldSignature(type: Type): string[] {
  return type.fieldsArray.map((field) => `${field.name}=${field.id} ${field.repeated ? 'repeated ' : ''}${field.map ? `map<${field.keyType}> ` : ''}${field.resolvedType?.fullName ?? field.type}`)
}

describe('generated descriptors', () => {
  it('exist for every service and for the payloads', () => {
    assert.deepEqual(Object.keys(descriptors).sort(), [...Object.keys(generator.SERVICE_FILES), 'payloads'].sort())
  })

  for (const [file, serviceName] of Object.entries(generator.SERVICE_FILES)) {
    it(`${file}.json resolves every type its methods reach, with containerd's fields`, () => {
      const root = protobuf.Root.fromJSON(descriptors[file])
      root.resolveAll()
      const service = root.lookupService(serviceName)
      assert.deepEqual(Object.keys(service.methods).sort(), Object.keys(full.lookupService(serviceName).methods).sort())
      for (const method of service.methodsArray) {
        method.resolve()
        assert.ok(method.resolvedRequestType && method.resolvedResponseType, `${serviceName}.${method.name}`)
      }
      let services = 0
      walk(root, (object) => {
        if (object instanceof protobuf.Service) services++
        if (!(object instanceof protobuf.Type)) return
        const original = full.lookupType(object.fullName)
        const expected = fieldSignature(original).map((field) => (object.fullName === '.google.protobuf.Any' ? field.replace('type_url=', 'typeUrl=') : field))
        assert.deepEqual(fieldSignature(object), expected, object.fullName)
      })
      assert.equal(services, 1, `${file}.json holds only its own service`)
    })
  }

  it('keep services apart: version.json carries no task types', () => {
    const root = protobuf.Root.fromJSON(descriptors.version)
    assert.equal(root.lookup('.containerd.services.tasks.v1.CreateTaskRequest'), null)
    assert.ok(JSON.stringify(descriptors.version).length < 1024)
  })

  it('payloads.json holds every event, the runc options and both cgroup metrics', () => {
    const root = protobuf.Root.fromJSON(descriptors.payloads)
    root.resolveAll()
    const names = [
      'containerd.events.TaskCreate', 'containerd.events.TaskStart', 'containerd.events.TaskExit', 'containerd.events.TaskDelete',
      'containerd.events.TaskOOM', 'containerd.events.TaskExecAdded', 'containerd.events.TaskExecStarted', 'containerd.events.TaskPaused',
      'containerd.events.TaskResumed', 'containerd.events.TaskCheckpointed', 'containerd.events.ContainerCreate',
      'containerd.events.ContainerUpdate', 'containerd.events.ContainerDelete', 'containerd.services.images.v1.ImageCreate',
      'containerd.services.images.v1.ImageUpdate', 'containerd.services.images.v1.ImageDelete', 'containerd.events.NamespaceCreate',
      'containerd.events.NamespaceUpdate', 'containerd.events.NamespaceDelete', 'containerd.events.SnapshotPrepare',
      'containerd.events.SnapshotCommit', 'containerd.events.SnapshotRemove', 'containerd.events.ContentCreate',
      'containerd.events.ContentDelete', 'containerd.runc.v1.Options', 'containerd.runc.v1.CheckpointOptions',
      'containerd.runc.v1.ProcessDetails', 'io.containerd.cgroups.v1.Metrics', 'io.containerd.cgroups.v2.Metrics',
    ]
    for (const name of names) assert.equal(root.lookupType(name).fullName, `.${name}`)
    assert.equal(root.lookup('.containerd.services.images.v1.Images'), null)
  })

  it('encode requests with containerd\'s field numbers', () => {
    const kill = protobuf.Root.fromJSON(descriptors.tasks).lookupType('containerd.services.tasks.v1.KillRequest')
    // container_id = 1 "a", exec_id = 2 unset, signal = 3 varint 9, all = 4 varint 1.
    assert.deepEqual([...kill.encode(kill.fromObject({containerId: 'a', signal: 9, all: true})).finish()], [0x0a, 1, 0x61, 0x18, 9, 0x20, 1])
    const write = protobuf.Root.fromJSON(descriptors.content).lookupType('containerd.services.content.v1.WriteContentRequest')
    // action = 1 COMMIT(2), total = 3 varint 3, data = 6 bytes.
    assert.deepEqual([...write.encode(write.fromObject({action: 'COMMIT', total: 3, data: Buffer.from('x')})).finish()], [0x08, 2, 0x18, 3, 0x32, 1, 0x78])
    const container = protobuf.Root.fromJSON(descriptors.containers).lookupType('containerd.services.containers.v1.Container')
    const spec = {typeUrl: 'types.containerd.io/opencontainers/runtime-spec/1/Spec', value: Buffer.from('{}')}
    const decoded = container.toObject(container.decode(container.encode(container.fromObject({id: 'c', spec})).finish()))
    assert.equal(decoded.spec.typeUrl, spec.typeUrl)
  })

  it('are what the build writes', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'nerd-descriptors-'))
    try {
      execFileSync(process.execPath, [generatorPath, outDir], {stdio: 'pipe'})
      for (const file of Object.keys(descriptors)) {
        assert.deepEqual(JSON.parse(readFileSync(join(outDir, `${file}.json`), 'utf8')), descriptors[file])
      }
    } finally {
      rmSync(outDir, {recursive: true, force: true})
    }
  })
})

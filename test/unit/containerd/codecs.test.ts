/**
 * The generated codecs (scripts/gen-codecs.mjs): every method of every service nerd calls, every
 * payload, and byte-for-byte the wire format protobufjs' reflection makes of the .proto files.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {execFileSync} from 'node:child_process'
import type {Enum, Root, Service, Type} from 'protobufjs'
import {CONVERSION, findType, serviceMethod, type MessageCodec, type ServiceName} from '../../../src/containerd/codecs.ts'

const require = createRequire(import.meta.url)
const protobuf = require('protobufjs') as typeof import('protobufjs')
const repository = new URL('../../../', import.meta.url)
const generatorPath = new URL('scripts/gen-codecs.mjs', repository).pathname
const protoDir = new URL('proto/', repository).pathname

interface Generator {
  SERVICES: Record<ServiceName, string>
  protoObjects(protoDir: string): {root: Root; services: Record<ServiceName, Service>; payloads: Type[]}
  generateCodecSource(protoDir: string): string
}
const generator = require(generatorPath) as Generator
const {root: full, services, payloads} = generator.protoObjects(protoDir)

/** A value for every field (two levels of nesting), so that every field's encoding is compared. */
function sample(type: Type, depth = 0): Record<string, unknown> {
  const object: Record<string, unknown> = {}
  for (const field of type.fieldsArray) {
    let value: unknown
    if (field.resolvedType instanceof protobuf.Enum) value = Object.keys((field.resolvedType as Enum).values).at(-1)
    else if (field.resolvedType) {
      if (depth >= 2) continue
      value = sample(field.resolvedType as Type, depth + 1)
    } else if (field.type === 'string') value = `${field.name}-value`
    else if (field.type === 'bool') value = true
    else if (field.type === 'bytes') value = Buffer.from([1, 2, 3])
    else if (field.type === 'double' || field.type === 'float') value = 1.5
    else if (/64$/.test(field.type)) value = '1234567890123'
    else value = 7
    object[field.name] = field.map ? {key: value} : field.repeated ? [value, value] : value
  }
  return object
}

/** protobufjs' bundled Any spells its field type_url; nerd's codecs camel-case it like every other field. */
function camelCaseAny(object: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(object).replaceAll('"type_url":', '"typeUrl":'), (_key, value: unknown) =>
    value && typeof value === 'object' && (value as {type?: string}).type === 'Buffer' ? Buffer.from((value as {data: number[]}).data) : value) as Record<string, unknown>
}

/** Encodes a sample of every field with the codecs and with reflection over the .proto files: same bytes. */
function assertSameWireFormat(fullName: string): void {
  const codec = findType(fullName)
  assert.ok(codec, `codecs have ${fullName}`)
  const reflection = full.lookupType(fullName)
  const object = sample(reflection)
  const staticBytes = codec.encode(codec.fromObject(camelCaseAny(object))).finish()
  assert.deepEqual(Buffer.from(staticBytes), Buffer.from(reflection.encode(reflection.fromObject(object)).finish()), fullName)
  assert.deepEqual(codec.toObject(codec.decode(staticBytes), CONVERSION), camelCaseAny(reflection.toObject(reflection.decode(staticBytes), CONVERSION)), fullName)
}

describe('generated codecs', () => {
  for (const [name, service] of Object.entries(services) as [ServiceName, Service][]) {
    it(`cover every method of ${service.fullName.slice(1)}, with containerd's wire format`, () => {
      for (const method of service.methodsArray) {
        const resolved = serviceMethod(name, method.name)
        assert.equal(resolved.serviceName, service.fullName.slice(1))
        assertSameWireFormat(method.resolvedRequestType!.fullName.slice(1))
        assertSameWireFormat(method.resolvedResponseType!.fullName.slice(1))
      }
      assert.throws(() => serviceMethod(name, 'NoSuchMethod'), /has no method NoSuchMethod/)
    })
  }

  it('hold every event, the runc options and both cgroup metrics, in the wire format', () => {
    const names = payloads.map((type) => type.fullName.slice(1))
    for (const name of [
      'containerd.events.TaskCreate', 'containerd.events.TaskExit', 'containerd.events.ContainerCreate',
      'containerd.services.images.v1.ImageCreate', 'containerd.events.NamespaceCreate', 'containerd.events.SnapshotPrepare',
      'containerd.events.ContentDelete', 'containerd.runc.v1.Options', 'containerd.runc.v1.CheckpointOptions',
      'io.containerd.cgroups.v1.Metrics', 'io.containerd.cgroups.v2.Metrics',
    ]) assert.ok(names.includes(name), name)
    for (const name of names) assertSameWireFormat(name)
  })

  it('encode requests with containerd\'s field numbers', () => {
    const kill = findType('containerd.services.tasks.v1.KillRequest')!
    // container_id = 1 "a", exec_id = 2 unset, signal = 3 varint 9, all = 4 varint 1.
    assert.deepEqual([...kill.encode(kill.fromObject({containerId: 'a', signal: 9, all: true})).finish()], [0x0a, 1, 0x61, 0x18, 9, 0x20, 1])
    const write = findType('containerd.services.content.v1.WriteContentRequest')!
    // action = 1 COMMIT(2), total = 3 varint 3, data = 6 bytes.
    assert.deepEqual([...write.encode(write.fromObject({action: 'COMMIT', total: 3, data: Buffer.from('x')})).finish()], [0x08, 2, 0x18, 3, 0x32, 1, 0x78])
    const container: MessageCodec = findType('containerd.services.containers.v1.Container')!
    const spec = {typeUrl: 'types.containerd.io/opencontainers/runtime-spec/1/Spec', value: Buffer.from('{}')}
    const decoded = container.toObject(container.decode(container.encode(container.fromObject({id: 'c', spec})).finish()), CONVERSION) as {spec: {typeUrl: string}}
    assert.equal(decoded.spec.typeUrl, spec.typeUrl)
  })

  it('find types by exact full name only', () => {
    assert.equal(findType('Spec'), undefined)
    assert.equal(findType('containerd.services.tasks.v1'), undefined)
    assert.equal(findType('containerd.services.tasks.v1.__proto__'), undefined)
    assert.ok(findType('.containerd.types.Mount'))
  })

  it('are what the build writes', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'nerd-codecs-'))
    try {
      execFileSync(process.execPath, [generatorPath, outDir], {stdio: 'pipe'})
      assert.equal(readFileSync(join(outDir, 'containerd.cjs'), 'utf8'), generator.generateCodecSource(protoDir))
    } finally {
      rmSync(outDir, {recursive: true, force: true})
    }
  })
})

import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {
  CGROUP_V2_METRICS_TYPE,
  fromDate,
  GO_ZERO_TIME_SECONDS,
  OCI_SPEC_TYPE_URL,
  packAny,
  packJson,
  RUNC_OPTIONS_TYPE,
  toDate,
  unpackAny,
  unpackJson,
} from '../../../src/containerd/values.ts'
import {NUMERIC_CONVERSION} from '../../../src/containerd/codecs.ts'

describe('timestamps', () => {
  it('convert to dates with millisecond precision', () => {
    assert.equal(toDate({seconds: '1700000000', nanos: 123_456_789})?.toISOString(), '2023-11-14T22:13:20.123Z')
    assert.equal(toDate({seconds: 1700000000})?.getTime(), 1_700_000_000_000)
  })

  it('treat Go\'s zero time and missing timestamps as unset', () => {
    assert.equal(toDate({seconds: String(GO_ZERO_TIME_SECONDS), nanos: 0}), undefined)
    assert.equal(toDate(null), undefined)
    assert.equal(toDate(undefined), undefined)
  })

  it('keep the Unix epoch, which is a real time', () => {
    assert.equal(toDate({seconds: '0', nanos: 0})?.getTime(), 0)
  })

  it('round-trip through fromDate', () => {
    const date = new Date('2026-01-02T03:04:05.678Z')
    assert.deepEqual(fromDate(date), {seconds: '1767323045', nanos: 678_000_000})
    assert.equal(toDate(fromDate(date))?.getTime(), date.getTime())
    assert.deepEqual(fromDate(new Date(-1500)), {seconds: '-2', nanos: 500_000_000})
  })
})

describe('Any payloads', () => {
  it('encode runc options the way containerd expects them on the wire', () => {
    const any = packAny(RUNC_OPTIONS_TYPE, {systemdCgroup: true, binaryName: 'runc'})
    assert.equal(any.typeUrl, 'containerd.runc.v1.Options')
    // binary_name = 6 (length-delimited "runc"), systemd_cgroup = 9 (varint 1).
    assert.deepEqual([...any.value], [0x32, 4, 0x72, 0x75, 0x6e, 0x63, 0x48, 1])
    const options = unpackAny(any)
    assert.equal(options?.systemdCgroup, true)
    assert.equal(options?.binaryName, 'runc')
    assert.equal(options?.noPivotRoot, false)
  })

  it('decode events with timestamps, enums-free ints and nested messages', () => {
    const exit = packAny('containerd.events.TaskExit', {containerId: 'web', id: 'web', pid: 42, exitStatus: 137, exitedAt: {seconds: 1700000000, nanos: 5}})
    assert.deepEqual(unpackAny(exit), {containerId: 'web', id: 'web', pid: 42, exitStatus: 137, exitedAt: {seconds: '1700000000', nanos: 5}})
    const create = unpackAny(packAny('containerd.events.TaskCreate', {containerId: 'web', rootfs: [{type: 'overlay', source: 'overlay', options: ['index=off']}], io: {stdout: '/f/out'}}))
    assert.deepEqual(create?.rootfs, [{type: 'overlay', source: 'overlay', target: '', options: ['index=off']}])
    assert.deepEqual(create?.io, {stdin: '', stdout: '/f/out', stderr: '', terminal: false})
  })

  it('decode image events from the images service package', () => {
    const any = packAny('containerd.services.images.v1.ImageDelete', {name: 'docker.io/library/busybox:latest'})
    assert.deepEqual(unpackAny(any), {name: 'docker.io/library/busybox:latest'})
  })

  it('give 64-bit cgroup counters as decimal strings', () => {
    const metrics = unpackAny(packAny(CGROUP_V2_METRICS_TYPE, {memory: {usage: '18446744073709551615'}, cpu: {usageUsec: 12}}))
    assert.equal((metrics?.memory as {usage: string}).usage, '18446744073709551615')
    assert.equal((metrics?.cpu as {usageUsec: string}).usageUsec, '12')
  })

  it('give 64-bit cgroup counters as numbers with NUMERIC_CONVERSION', () => {
    const metrics = unpackAny(packAny(CGROUP_V2_METRICS_TYPE, {memory: {usage: '4096'}, cpu: {usageUsec: 12}, memoryEvents: {oomKill: 1}}), NUMERIC_CONVERSION)
    assert.deepEqual([(metrics?.memory as {usage: number}).usage, (metrics?.cpu as {usageUsec: number}).usageUsec, (metrics?.memoryEvents as {oomKill: number}).oomKill], [4096, 12, 1])
  })

  it('accept a type.googleapis.com prefix', () => {
    const {value} = packAny('containerd.events.TaskOOM', {containerId: 'x'})
    assert.deepEqual(unpackAny({typeUrl: 'type.googleapis.com/containerd.events.TaskOOM', value}), {containerId: 'x'})
  })

  it('leave unknown types undecoded, even when a known type shares the last name part', () => {
    assert.equal(unpackAny({typeUrl: 'Metrics', value: new Uint8Array()}), undefined)
    assert.equal(unpackAny({typeUrl: OCI_SPEC_TYPE_URL, value: Buffer.from('{}')}), undefined)
    assert.equal(unpackAny(null), undefined)
    assert.throws(() => packAny('containerd.events.NoSuchEvent', {}), /unknown payload type/)
  })

  it('carry JSON for OCI specs', () => {
    const spec = {ociVersion: '1.0.2', process: {args: ['sh']}}
    const any = packJson(OCI_SPEC_TYPE_URL, spec)
    assert.equal(any.typeUrl, 'types.containerd.io/opencontainers/runtime-spec/1/Spec')
    assert.deepEqual(unpackJson(any), spec)
    assert.equal(unpackJson({typeUrl: OCI_SPEC_TYPE_URL, value: new Uint8Array()}), undefined)
  })
})

describe('JSON payloads with 64-bit integers', () => {
  it('keep integers beyond 2^53 exact through unpack and pack, and other numbers as they were', () => {
    const json = '{"soft":18446744073709551615,"hard":9007199254740993,"low":-9223372036854775808,"small":1024,"ratio":0.5,"big":1e+300}'
    const value = unpackJson<Record<string, unknown>>({typeUrl: OCI_SPEC_TYPE_URL, value: Buffer.from(json)})
    assert.deepEqual(value, {soft: 18446744073709551615n, hard: 9007199254740993n, low: -9223372036854775808n, small: 1024, ratio: 0.5, big: 1e300})
    assert.equal(Buffer.from(packJson(OCI_SPEC_TYPE_URL, value).value).toString(), json)
  })
})

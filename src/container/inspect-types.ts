/**
 * docker's Go types of a container's inspect document (api/types/container InspectResponse and what it holds),
 * as far as a template sees them differ from the JSON (see goTypedValue): renamed fields, the
 * slices, maps, pointers and omitted scalars whose nil or zero value Go prints, and the field order
 * of the structs templates commonly print whole (`{{.State}}`, `{{.Mounts}}`, `{{.HostConfig.RestartPolicy}}`).
 */
import {goStruct, MAP, mapOf, POINTER, pointerTo, renamed, SLICE, sliceOf} from '../format/go-types.ts'

const PORT_MAP = mapOf(sliceOf(goStruct('nat.PortBinding', {HostIP: renamed('HostIp')}, ['HostIP', 'HostPort'])))

/** container.HealthConfig, `{{.Config.Healthcheck}}`: its durations print as Go's (`2s`), JSON keeps their nanoseconds. */
const HEALTH_CONFIG_TYPE = goStruct(
  'container.HealthConfig',
  {Test: SLICE, Interval: 'duration', Timeout: 'duration', StartPeriod: 'duration', StartInterval: 'duration', Retries: 'int'},
  ['Test', 'Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'],
)

/** The values of a Go set (`map[string]struct{}`), which print `{}`. */
const SET = mapOf(goStruct('struct {}'))

/** container.Config, which image inspect shows too. */
export const CONFIG_TYPE = goStruct('container.Config', {
  ExposedPorts: SET, Env: SLICE, Cmd: SLICE, Healthcheck: pointerTo(HEALTH_CONFIG_TYPE), ArgsEscaped: 'bool', Volumes: SET, Entrypoint: SLICE, NetworkDisabled: 'bool',
  MacAddress: 'string', OnBuild: SLICE, Labels: MAP, StopSignal: 'string', StopTimeout: POINTER, Shell: SLICE,
})

/** api/types/storage DriverData, of containers and images. */
export const GRAPH_DRIVER_TYPE = goStruct('storage.DriverData', {Data: MAP})

const HOST_CONFIG_TYPE = goStruct('container.HostConfig', {
  Binds: SLICE, LogConfig: goStruct('container.LogConfig', {Config: MAP}), PortBindings: PORT_MAP, RestartPolicy: goStruct('container.RestartPolicy', {}, ['Name', 'MaximumRetryCount']),
  VolumesFrom: SLICE, ConsoleSize: SLICE, Annotations: MAP, CapAdd: SLICE, CapDrop: SLICE, DNS: renamed('Dns', SLICE), DNSOptions: renamed('DnsOptions', SLICE),
  DNSSearch: renamed('DnsSearch', SLICE), ExtraHosts: SLICE, GroupAdd: SLICE, Links: SLICE, SecurityOpt: SLICE, StorageOpt: MAP, Tmpfs: MAP, Sysctls: MAP,
  Runtime: 'string', MaskedPaths: SLICE, ReadonlyPaths: SLICE, Init: POINTER,
  Mounts: sliceOf(goStruct('mount.Mount', {ReadOnly: 'bool', Consistency: 'string', BindOptions: POINTER, VolumeOptions: POINTER, TmpfsOptions: POINTER})),
  // The embedded container.Resources.
  CPUShares: renamed('CpuShares'), NanoCPUs: renamed('NanoCpus'), CPUPeriod: renamed('CpuPeriod'), CPUQuota: renamed('CpuQuota'),
  CPURealtimePeriod: renamed('CpuRealtimePeriod'), CPURealtimeRuntime: renamed('CpuRealtimeRuntime'), CPUCount: renamed('CpuCount'), CPUPercent: renamed('CpuPercent'),
  BlkioWeightDevice: sliceOf(pointerTo(goStruct('blkiodev.WeightDevice'))),
  ...Object.fromEntries(
    ['BlkioDeviceReadBps', 'BlkioDeviceWriteBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps'].map((name) => [name, sliceOf(pointerTo(goStruct('blkiodev.ThrottleDevice')))]),
  ),
  Devices: sliceOf(goStruct('container.DeviceMapping')), DeviceCgroupRules: SLICE,
  DeviceRequests: sliceOf(goStruct('container.DeviceRequest', {DeviceIDs: SLICE, Capabilities: sliceOf(SLICE), Options: MAP})),
  KernelMemory: 'int', KernelMemoryTCP: 'int', MemorySwappiness: POINTER, OomKillDisable: POINTER, PidsLimit: POINTER, Ulimits: sliceOf(pointerTo(goStruct('container.Ulimit'))),
})

const HEALTH_TYPE = goStruct('container.Health', {Log: sliceOf(pointerTo(goStruct('container.HealthcheckResult', {Start: 'time', End: 'time'})))})

const STATE_TYPE = goStruct('container.State', {Health: pointerTo(HEALTH_TYPE)}, [
  'Status', 'Running', 'Paused', 'Restarting', 'OOMKilled', 'Dead', 'Pid', 'ExitCode', 'Error', 'StartedAt', 'FinishedAt', 'Health',
])

const ENDPOINT_SETTINGS_TYPE = goStruct('network.EndpointSettings', {
  IPAMConfig: pointerTo(goStruct('network.EndpointIPAMConfig', {IPv4Address: 'string', IPv6Address: 'string', LinkLocalIPs: SLICE})),
  Links: SLICE, Aliases: SLICE, DriverOpts: MAP, DNSNames: SLICE,
})

const ADDRESSES = sliceOf(goStruct('network.Address'))

export const CONTAINER_TYPE = goStruct('container.InspectResponse', {
  ID: renamed('Id'), Args: SLICE, State: pointerTo(STATE_TYPE), Node: POINTER, ExecIDs: SLICE,
  HostConfig: pointerTo(HOST_CONFIG_TYPE), GraphDriver: GRAPH_DRIVER_TYPE, SizeRw: POINTER, SizeRootFs: POINTER,
  Mounts: sliceOf(goStruct('container.MountPoint', {Type: 'string', Name: 'string', Driver: 'string'}, ['Type', 'Name', 'Source', 'Destination', 'Driver', 'Mode', 'RW', 'Propagation'])),
  Config: pointerTo(CONFIG_TYPE),
  NetworkSettings: pointerTo(goStruct('container.NetworkSettings', {Ports: PORT_MAP, SecondaryIPAddresses: ADDRESSES, SecondaryIPv6Addresses: ADDRESSES, Networks: mapOf(pointerTo(ENDPOINT_SETTINGS_TYPE))})),
})

// nerd's containerd client. Importing this module is cheap: grpc-js and protobufjs load on connect().
export {connect, ContainerdClient, DEFAULT_TIMEOUT_MS, GC_EXPIRE_LABEL, rfc3339Seconds, type ConnectOptions} from './client.ts'
export {parseAddress, type SocketAddress} from './address.ts'
export {NUMERIC_CONVERSION} from './codecs.ts'
export {
  ConnectionError,
  ContainerdError,
  GrpcCode,
  isAlreadyExists,
  isCancelled,
  isConnectionError,
  isDeadlineExceeded,
  isFailedPrecondition,
  isInvalidArgument,
  isNotFound,
  unlessNotFound,
  isOutOfRange,
  isShimClosed,
  isUnavailable,
  isUnimplemented,
  type GrpcCodeName,
} from './errors.ts'
export {
  CGROUP_V1_METRICS_TYPE,
  CGROUP_V2_METRICS_TYPE,
  fromDate,
  GO_ZERO_TIME_SECONDS,
  OCI_LINUX_RESOURCES_TYPE_URL,
  OCI_PROCESS_TYPE_URL,
  OCI_SPEC_TYPE_URL,
  packAny,
  packJson,
  RUNC_CHECKPOINT_OPTIONS_TYPE,
  RUNC_OPTIONS_TYPE,
  toDate,
  unpackAny,
  unpackJson,
} from './values.ts'
export type {ContentService} from './content.ts'
export type {EventsService} from './events.ts'
export type {
  ContainersService,
  DiffService,
  ImagesService,
  IntrospectionService,
  LeasesService,
  NamespacesService,
  SnapshotsService,
  TasksService,
  VersionService,
} from './services.ts'
export type * from './types.ts'

/** nerd's named volumes: the store the `volume` commands and `run` use. */
export {matchesListFilters, parseListFilters, parsePruneFilters} from './filters.ts'
export type {VolumeListFilters, VolumePruneFilters} from './filters.ts'
export {containersUsingVolume, volumeUsers} from './in-use.ts'
export {
  ANONYMOUS_LABEL,
  checkLocalOptions,
  checkVolumeDriver,
  VOLUME_CONTEXT,
  VOLUME_HEADERS,
  VOLUME_RAW_FORMAT,
  volumeEvent,
  volumeRow,
} from './model.ts'
export type {Volume, VolumeCreateRequest, VolumeScope} from './model.ts'
export {
  anonymousVolumeName,
  copyUpIfEmpty,
  createVolume,
  createVolumeIfMissing,
  getClaimedVolume,
  getVolume,
  isOnLocalDisk,
  listVolumes,
  pruneVolumes,
  releaseVolume,
  removeVolume,
  requireVolume,
  volumeMountpoint,
  volumeSize,
  volumeLocksDir,
  volumesDir,
  withVolumesMounted,
} from './store.ts'
export type {PruneReport, RemoveVolumeOptions, VolumeUsers} from './store.ts'

// Image archives: save (docker + OCI in one tar), load (docker or OCI, plain, gzip or zstd) and
// import (a root filesystem tarball as a one-layer image), through containerd's content store.
export {applyChanges} from './changes.ts'
export {detectCompression, type Compression} from './compression.ts'
export {importRootfs, type ImportedImage, type ImportOptions, type ImportSource} from './import.ts'
export {loadImages, type LoadOptions} from './load.ts'
export type {LoadedImage} from '../records.ts'
export {findImagesToSave, saveImages, type SavedImage, type SaveOptions} from './save.ts'

/** Helpers for the host facts `buildSpec` takes. */

/** Go's name (which seccomp profiles use) for a Node `process.arch`: `x64` → `amd64`. */
export {goArchitecture as goArch} from '../../image/platform.ts'

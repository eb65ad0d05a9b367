/** Helpers for the host facts `buildSpec` takes. */

const GO_ARCHITECTURES: Record<string, string> = {x64: 'amd64', ia32: '386', ppc64: 'ppc64le', mipsel: 'mipsle'}

/** Go's name (which seccomp profiles use) for a Node `process.arch`: `x64` → `amd64`. */
export function goArch(nodeArch: string): string {
  return GO_ARCHITECTURES[nodeArch] ?? nodeArch
}

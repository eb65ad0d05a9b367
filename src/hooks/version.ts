/**
 * The version of the hook contract in types.ts. A new minor adds events or optional fields; a new
 * major changes or removes something plugins rely on.
 */
export const HOOK_API_VERSION = '1.0.0'

// `^1`, `~1.2`, `1`, `1.x`, `1.2.*`, `=1.2.3`, `v1`: one version with an optional prefix. Ranges
// with comparators or alternatives (`>=1 <3`, `1 || 2`) are not accepted: the declared version
// only has to name the API the plugin was written against.
const DECLARED_RANGE = /^\s*(?:\^|~|=)?\s*v?(\d+)(?:\.(\d+|x|X|\*)(?:\.(?:\d+|x|X|\*)(?:-[\w.-]+)?)?)?\s*$/

/**
 * Checks the hook API a plugin declares (`"nerd": {"hookApi": "^1"}`) against the one provided.
 * Returns why the plugin cannot run, or `undefined` when it can. The major must match; a declared
 * minor must not be newer than the provided one (the plugin may use what that minor added).
 */
export function hookApiIncompatibility(pluginName: string, declared: string, provided: string = HOOK_API_VERSION): string | undefined {
  const match = DECLARED_RANGE.exec(declared)
  if (!match) {
    return `plugin "${pluginName}" declares nerd.hookApi "${declared}", which is not a version nerd understands; use a range such as "^1"`
  }
  const [providedMajor, providedMinor] = provided.split('.').map(Number)
  const major = Number(match[1])
  const minor = match[2] === undefined || !/^\d+$/.test(match[2]) ? undefined : Number(match[2])
  if (major !== providedMajor) {
    return `plugin "${pluginName}" targets nerd hook API ${major}.x; this nerd provides ${provided}`
  }
  // Before 1.0 every minor may break, so it must match exactly.
  const minorTooNew = minor !== undefined && (major === 0 ? minor !== providedMinor : minor > providedMinor)
  if (minorTooNew) {
    return `plugin "${pluginName}" targets nerd hook API ${major}.${minor}${major === 0 ? '' : ' or later'}; this nerd provides ${provided}`
  }
  return undefined
}

import {fileURLToPath} from 'node:url'

// This module sits directly under src/ (dist/ once built), at the same depth as the shipped bundle
// dist/nerd.cjs, so these paths hold whether nerd runs from the bundle or from per-file modules.
// Resolve package files through here, never with import.meta.url in nested modules.

/** The nerd package's root directory (holding package.json). */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url))

/** The directory holding the compiled code: dist/ (or src/ when run from sources). */
export const codeDir = fileURLToPath(new URL('.', import.meta.url))

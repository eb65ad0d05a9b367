/**
 * Minor garbage collections while blobs move through nerd (pull, push, save, load).
 *
 * Every socket read and every gRPC frame holds its bytes in an ArrayBuffer of its own, freed only
 * when V8 collects the small JS object that owns it. Moving a blob makes little JS garbage, so the
 * young generation seldom fills, and V8 leaves those buffers to the mark-compacts of the whole heap
 * that external memory starts: 8 of them per 100 MB pulled, about a third of the pull's CPU, with
 * the peak RSS at 190 MB. A scavenge every few MiB frees them in well under a millisecond.
 */
import type * as V8 from 'node:v8'
import type * as Vm from 'node:vm'

const SCAVENGE_EVERY_BYTES = 8 << 20

type MinorGc = (options: {type: 'minor'}) => void

let movedSinceScavenge = 0
let minorGc: MinorGc | null | undefined

/** Counts bytes that passed through this process, collecting the young generation every few MiB. */
export function noteBytesMoved(count: number): void {
  movedSinceScavenge += count
  if (movedSinceScavenge < SCAVENGE_EVERY_BYTES) return
  movedSinceScavenge = 0
  minorGc ??= exposedGc()
  minorGc?.({type: 'minor'})
}

/**
 * Node has no API for a minor GC. V8 gives `gc` to contexts created while --expose-gc is set: one is
 * created with the flag on for that moment only, and its `gc` (which collects the whole isolate's
 * heap) is kept. Without it nerd works as before, only with more memory.
 */
function exposedGc(): MinorGc | null {
  try {
    const v8 = process.getBuiltinModule('node:v8') as typeof V8
    const vm = process.getBuiltinModule('node:vm') as typeof Vm
    v8.setFlagsFromString('--expose-gc')
    try {
      const gc: unknown = vm.runInNewContext('gc')
      return typeof gc === 'function' ? (gc as MinorGc) : null
    } finally {
      v8.setFlagsFromString('--no-expose-gc')
    }
  } catch {
    return null
  }
}

/**
 * Clean-up owed even when nerd ends before its work unwinds: a second ctrl-c (`timeout` signals
 * nerd, then its whole process group), or a stop that outlasts its grace. Whatever holds state
 * that would outlive nerd in containerd (a lease, pinning content for a day) registers its
 * clean-up here while it holds it; stoppableBySignals runs them, newest first as unwinding would,
 * before nerd dies.
 */
const cleanups: Array<() => Promise<unknown>> = []

/** Registers `cleanup` until the returned function is called (when the normal path has done it). */
export function onEarlyExit(cleanup: () => Promise<unknown>): () => void {
  cleanups.push(cleanup)
  return () => {
    const index = cleanups.lastIndexOf(cleanup)
    if (index !== -1) cleanups.splice(index, 1)
  }
}

/** Runs the registered clean-ups one after the other, newest first, for at most `timeoutMs`. */
export async function runEarlyExitCleanups(timeoutMs: number): Promise<void> {
  const pending = cleanups.splice(0).reverse()
  const all = (async () => {
    for (const cleanup of pending) await cleanup().catch(() => undefined)
  })()
  let timer: NodeJS.Timeout | undefined
  await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))])
  clearTimeout(timer)
}

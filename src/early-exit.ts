/**
 * Clean-up owed even when nerd ends before its work unwinds: a second ctrl-c (`timeout` signals
 * nerd, then its whole process group), or a stop that outlasts its grace. Whatever holds state
 * that would outlive nerd in containerd (a lease, pinning content for a day) registers its
 * clean-up here while it holds it; stoppableBySignals runs them, newest first as unwinding would,
 * before nerd dies. Work that no clean-up could undo in time holds the signals back instead
 * (withStopSignalsHeld).
 */
const cleanups: Array<() => Promise<unknown>> = []

/** Signals that end nerd the way ctrl-c does (a long command stops its own way: stoppableBySignals). */
export const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

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

/** How many commands listen for the stop signals to stop their own way (stoppableBySignals). */
let stoppers = 0

/** Listens for the stop signals, for a command that stops its own way (stoppableBySignals); returns how to stop listening. */
export function onStopSignals(listener: (signal: NodeJS.Signals) => void): () => void {
  for (const signal of STOP_SIGNALS) process.on(signal, listener)
  stoppers++
  let listening = true
  return () => {
    if (!listening) return
    listening = false
    stoppers--
    for (const signal of STOP_SIGNALS) process.off(signal, listener)
  }
}

/** How many pieces of work hold the stop signals back (withStopSignalsHeld), and the signal held. */
let holders = 0
let held: NodeJS.Signals | undefined

function holdSignal(signal: NodeJS.Signals): void {
  // A stoppable command stops its own way, when its work allows.
  if (stoppers > 0) return
  if (held === undefined) {
    held = signal
    return
  }
  // A second one ends nerd at once, as it does a stoppable command.
  for (const each of STOP_SIGNALS) process.off(each, holdSignal)
  process.kill(process.pid, signal)
}

/**
 * Runs `work`, which must not be cut in half (a task made and not yet started: neither a Created
 * container nor a running one), with ctrl-c, SIGTERM and SIGHUP held back until it is done: then nerd
 * dies of the signal, as it would have. A second signal ends nerd at once; what that leaves half made
 * is seen to by the next command that needs it, as after SIGKILL.
 */
export async function withStopSignalsHeld<T>(work: () => Promise<T>): Promise<T> {
  if (holders++ === 0) for (const signal of STOP_SIGNALS) process.on(signal, holdSignal)
  try {
    return await work()
  } finally {
    if (--holders === 0) {
      for (const signal of STOP_SIGNALS) process.off(signal, holdSignal)
      const signal = held
      held = undefined
      if (signal) process.kill(process.pid, signal)
    }
  }
}

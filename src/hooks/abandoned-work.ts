/** Kept apart from the process's other state (context.ts): the hook API, and so the SDK's types, depend on nothing else. */
let abandonedWork = false

/**
 * Records that work nerd gave up on may still be running: a hook past its time limit, whose
 * JavaScript nerd cannot stop. Its timers and sockets would keep the process alive, so nerd exits
 * once its command is done (see exitIfWorkWasAbandoned).
 */
export function abandonWork(): void {
  abandonedWork = true
}

/** Ends the process, with its exit code so far, when abandoned work could keep it alive. */
export function exitIfWorkWasAbandoned(): void {
  if (abandonedWork) process.exit()
}

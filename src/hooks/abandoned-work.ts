/** Kept apart from the process's other state (context.ts): the hook API, and so the SDK's types, depend on nothing else. */
let abandonedWork = false

/**
 * Records that work nerd does not wait for may still be running: what a plugin's hook left behind
 * when it returned (a timer, a listening socket) or a hook past its time limit, whose JavaScript
 * nerd cannot stop. Its timers and sockets would keep the process alive, so nerd exits once its
 * command is done (see exitIfWorkWasAbandoned).
 */
export function abandonWork(): void {
  abandonedWork = true
}

/**
 * Ends the process, with its exit code so far, when abandoned work could keep it alive: once what
 * was written to stdout and stderr is out (a pipe takes it asynchronously; process.exit would cut
 * it off).
 */
export async function exitIfWorkWasAbandoned(): Promise<void> {
  if (!abandonedWork) return
  await Promise.all([process.stdout, process.stderr].map(flushed))
  process.exit()
}

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve()
  // Written after all that is queued: its callback comes once they are out (or the stream failed).
  return new Promise((resolve) => stream.write('', () => resolve()))
}

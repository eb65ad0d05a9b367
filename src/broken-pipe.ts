/**
 * A reader of nerd's output that goes away (`nerd logs c | head -1`) ends nerd as it ends docker's
 * CLI: killed by SIGPIPE, without a word (status 141 in a shell). Go's runtime kills a program so
 * at a write to its broken stdout or stderr, unless the program takes SIGPIPE itself, as docker's
 * run, start -a and attach do while they pass signals on: those fail with the write's error
 * (container/attach.ts, container/attach-running.ts). Used by bin/run.js (through launch.ts) for any
 * command's output, and by the commands that have something to let go of first.
 */

/** Ends nerd by SIGPIPE, now. */
export function dieOfBrokenPipe(): void {
  // Node ignores SIGPIPE; its default (death) comes back when the last listener goes.
  const restoreDefault = (): void => undefined
  process.on('SIGPIPE', restoreDefault)
  process.off('SIGPIPE', restoreDefault)
  process.kill(process.pid, 'SIGPIPE')
}

/** Ends nerd by SIGPIPE when it exits, for a command that lets go of what it holds first (an exec handed over, the terminal restored). */
export function dieOfBrokenPipeAtExit(): void {
  process.once('exit', dieOfBrokenPipe)
}

/**
 * docker's `cp` progress on a terminal: `Preparing to copy...`, then `Copying to container - 1.2MB`
 * redrawn in place as the bytes pass (every 75 ms, when the count changed), and last
 * `Successfully copied 2.05kB to web:/tmp` (the tar stream's size, as docker 28's
 * CLI counts it). It goes to stderr, and only when
 * stdout is a terminal and -q is not given (the command decides); the redrawn line only when
 * stderr is one too.
 */
import {humanSize} from '../format/human.ts'
import type {CopyReport} from './cp.ts'

const ESC = '\x1b['
const SAVE = `${ESC}s`
const RESTORE = `${ESC}u`
const HIDE = `${ESC}?25l`
const SHOW = `${ESC}?25h`
const ERASE_LINE = `${ESC}2K`
const ERASE_TAIL = `${ESC}0K`
const UPDATE_MS = 75

export class CopyProgress {
  readonly #output: NodeJS.WritableStream
  readonly #header: string
  readonly #live: boolean
  #total = 0
  #shown = 0
  #timer: NodeJS.Timeout | undefined

  /** Starts showing the progress of a copy `to` or `from` the container on `output` (`live`: a terminal). */
  constructor(output: NodeJS.WritableStream, direction: 'to' | 'from', live: boolean) {
    this.#output = output
    this.#header = `Copying ${direction} container - `
    this.#live = live
    if (!live) return
    output.write(`${SAVE}Preparing to copy...`)
    output.write(`${HIDE}${RESTORE}${ERASE_LINE}${this.#header}${humanSize(0)}`)
    this.#timer = setInterval(() => this.#redraw(), UPDATE_MS)
  }

  /** Counts `bytes` more copied. */
  readonly add = (bytes: number): void => {
    this.#total += bytes
  }

  #redraw(): void {
    if (this.#total === this.#shown) return
    this.#shown = this.#total
    this.#output.write(`${ESC}${this.#header.length + 1}G${ERASE_TAIL}${humanSize(this.#total)}`)
  }

  /** Erases the progress line; with `report` (the copy succeeded), says what was copied. */
  finish(report?: CopyReport): void {
    clearInterval(this.#timer)
    if (this.#live) this.#output.write(`${SHOW}${RESTORE}${ERASE_LINE}`)
    if (report) this.#output.write(copySummary(report))
  }
}

/** docker's last line of a copy: the tar stream's size (docker/cli's cp.go, v28). */
export function copySummary({transferred, destination}: CopyReport): string {
  return `Successfully copied ${humanSize(transferred)} to ${destination}\n`
}

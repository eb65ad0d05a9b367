/**
 * Progress of pulls and pushes: the events pull, push and unpack emit per blob, and a renderer that
 * shows them on a terminal as docker does, one line per layer redrawn in place.
 */
import {humanSize} from '../format/human.ts'
import {familiarName, parseReference, type Reference} from './reference.ts'

export type ProgressStatus =
  | 'waiting'
  | 'downloading'
  | 'verifying'
  | 'downloaded'
  | 'unpacking'
  | 'done'
  | 'already exists'
  | 'preparing'
  | 'pushing'
  | 'pushed'
  | 'mounted'
  /** Push: the repository has the blob already. */
  | 'already pushed'

export type ProgressKind = 'index' | 'manifest' | 'config' | 'layer'

export interface ProgressEvent {
  /** The line this event updates: the blob's short digest (12 hex). */
  id: string
  kind: ProgressKind
  status: ProgressStatus
  digest?: string
  /** Bytes of the blob in the content store (pull) or at the registry (push) so far. */
  current?: number
  total?: number
  /** For `mounted`: the repository the blob was mounted from. */
  from?: string
}

export type ProgressListener = (event: ProgressEvent) => void

const BAR_WIDTH = 50
const REDRAW_INTERVAL_MS = 100

function bar(current: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR_WIDTH, Math.floor((current / total) * BAR_WIDTH)) : 0
  return `[${'='.repeat(filled)}>${' '.repeat(BAR_WIDTH - filled)}]`
}

/** docker's wording for each status: `Downloading [====>    ]  1.2MB/3.4MB`, `Pull complete`. */
export function describeProgress(event: ProgressEvent): string {
  const amounts = (): string => {
    if (event.total === undefined) return ''
    const current = event.current ?? 0
    return ` ${bar(current, event.total)} ${humanSize(current)}/${humanSize(event.total)}`
  }
  switch (event.status) {
    case 'waiting':
      return 'Waiting'
    case 'downloading':
      return `Downloading${amounts()}`
    case 'verifying':
      return 'Verifying Checksum'
    case 'downloaded':
      return 'Download complete'
    case 'unpacking':
      return 'Extracting'
    case 'done':
      return event.kind === 'layer' ? 'Pull complete' : 'Done'
    case 'already exists':
      return 'Already exists'
    case 'preparing':
      return 'Preparing'
    case 'pushing':
      return `Pushing${amounts()}`
    case 'pushed':
      return 'Pushed'
    case 'mounted':
      return event.from ? `Mounted from ${event.from}` : 'Mounted'
    case 'already pushed':
      return 'Layer already exists'
  }
}

export interface ProgressRenderer {
  readonly listener: ProgressListener
  /** Draws the final state and stops redrawing. */
  close(): void
}

/** The parts of a terminal stream the renderer uses. */
export interface ProgressOutput {
  isTTY?: boolean
  columns?: number
  write(text: string): unknown
}

/**
 * A renderer for `output`: on a terminal one line per layer (docker shows no others), redrawn in
 * place with ANSI cursor movements at most every 100 ms; elsewhere (a pipe, a file) a plain line for
 * each new status of a layer, as docker's non-terminal output has them, without the byte counts.
 */
export function createProgressRenderer(output: ProgressOutput): ProgressRenderer {
  if (!output.isTTY) return plainRenderer(output)
  const lines = new Map<string, string>()
  let drawn = 0
  let timer: NodeJS.Timeout | undefined
  let closed = false

  const draw = (): void => {
    timer = undefined
    const width = output.columns && output.columns > 1 ? output.columns - 1 : Number.POSITIVE_INFINITY
    let text = drawn > 0 ? `\x1b[${drawn}A` : ''
    for (const line of lines.values()) text += `\x1b[2K\r${line.length > width ? line.slice(0, width) : line}\n`
    drawn = lines.size
    output.write(text)
  }

  const listener: ProgressListener = (event) => {
    if (closed || event.kind !== 'layer') return
    const line = `${event.id}: ${describeProgress(event)}`
    if (lines.get(event.id) === line) return
    lines.set(event.id, line)
    // Byte counts change constantly: batch those; a new status shows at once.
    if (event.status === 'downloading' || event.status === 'pushing') {
      timer ??= setTimeout(draw, REDRAW_INTERVAL_MS)
    } else {
      if (timer) clearTimeout(timer)
      draw()
    }
  }

  return {
    listener,
    close() {
      if (closed) return
      if (timer) clearTimeout(timer)
      draw()
      closed = true
    },
  }
}

/** Statuses that only move a byte count on: docker prints no line for them off a terminal. */
const COUNTING: ReadonlySet<ProgressStatus> = new Set(['downloading', 'unpacking', 'pushing'])

function plainRenderer(output: ProgressOutput): ProgressRenderer {
  const last = new Map<string, ProgressStatus>()
  let closed = false
  return {
    listener: (event) => {
      if (closed || event.kind !== 'layer' || COUNTING.has(event.status) || last.get(event.id) === event.status) return
      last.set(event.id, event.status)
      output.write(`${event.id}: ${describeProgress(event)}\n`)
    },
    close: () => {
      closed = true
    },
  }
}

/**
 * The reference docker's pull lines name, and whether the tag was assumed (docker then says "Using
 * default tag"); undefined for text that is no reference (a plugin's `ipfs://…`): the pull reports it.
 */
export function reportedReference(text: string): {reference: Reference; tagAssumed: boolean} | undefined {
  try {
    const typed = parseReference(text, {defaultTag: false})
    const tagAssumed = typed.tag === undefined && typed.digest === undefined
    return {reference: tagAssumed ? parseReference(text) : typed, tagAssumed}
  } catch {
    return undefined
  }
}

/** docker's line above a pull's layers: `latest: Pulling from library/busybox` (the digest when pulled by one). */
export function pullHeader(reference: Reference): string {
  return `${reference.digest ?? reference.tag}: Pulling from ${reference.path}`
}

/** docker's line once a pull is done: whether the name now points at another image. */
export function pullStatus(reference: Reference, updated: boolean): string {
  return `Status: ${updated ? 'Downloaded newer image for' : 'Image is up to date for'} ${familiarName(reference)}`
}

/** docker's lines below a pull's layers: what was pulled, and whether the name now points at another image. */
export function pullSummary(reference: Reference, pulled: {target: {digest: string}; updated: boolean}): string[] {
  return [`Digest: ${pulled.target.digest}`, pullStatus(reference, pulled.updated)]
}

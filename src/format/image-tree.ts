/**
 * The layout of docker's `images --tree` (docker 28.5.2's cli/command/image/tree.go): a warning, a
 * legend of the EXTRA column's marks, then each image's names and sizes with a row per platform
 * manifest under it. ANSI colours only for a terminal; off one, plain text as docker's tui prints it.
 */
import {humanSize} from './human.ts'
import {truncateId} from './output.ts'
import {displayWidth} from './width.ts'

/** The sizes and marks of an image or of one of its platform manifests. */
export interface TreeDetails {
  id: string
  diskUsage: number
  contentSize: number
  inUse: boolean
}

export interface TreeChild extends TreeDetails {
  platform: string
  /** Its manifest, config and layers are all here; docker greys the row otherwise (on a terminal). */
  available: boolean
}

export interface TreeImage extends TreeDetails {
  /** The image's names (`busybox:1`); none for an untagged image. */
  names: string[]
  children: TreeChild[]
}

export interface TreeLayout {
  /** Colours and docker's fancy marks: only when writing to a terminal (and NO_COLOR unset). */
  color: boolean
  /** The terminal's columns; 0 when not a terminal (docker lays out 80 then). */
  columns: number
}

/**
 * The layout for an output stream: colours on a terminal unless NO_COLOR is set (docker 28.5.2
 * ignores it; later docker honours it), the terminal's width.
 */
export function terminalLayout(stream: {isTTY?: boolean; columns?: number}, env: NodeJS.ProcessEnv): TreeLayout {
  const terminal = stream.isTTY === true
  return {color: terminal && !env.NO_COLOR, columns: terminal ? (stream.columns ?? 0) : 0}
}

const SPACING = 3
const RESET = '\x1b[0m'
const sgr = (...codes: number[]) => codes.map((code) => `\x1b[${code}m`).join('')
/** docker's tui colours (aec SGR codes): applied to an empty string too, as aec does. */
const COLORS = {
  title: sgr(39, 1),
  name: sgr(34, 1),
  normal: sgr(39),
  unavailable: sgr(39, 2),
  untagged: sgr(39, 2),
  warning: sgr(93),
}
type Color = keyof typeof COLORS | 'none'

const WARNING = "WARNING: This is an experimental feature. The output may change and shouldn't be depended on."
const UNTAGGED = '<untagged>'

/** The one mark docker 28.5.2 has: U, the image or platform is used by a container. */
const IN_USE = {letter: 'U', description: 'In Use', fancy: `\x1b[38;5;0m\x1b[48;5;14m U ${RESET}`}

interface Column {
  title: string
  width: number
  align: 'left' | 'right'
  value?: (details: TreeDetails) => string
  /** The EXTRA column keeps its marks' own colours. */
  uncolored?: boolean
}

/** docker's tui.Ellipsis: cut to `length` characters, the last one `…`; a length of 0 cuts nothing. */
function treeEllipsis(text: string, length: number): string {
  const chars = Array.from(text)
  return length > 0 && chars.length >= length ? `${chars.slice(0, length - 1).join('')}…` : text
}

/** Go's len(): bytes, which docker's widest-name count uses (`└─ ` counts 7). */
function byteLength(text: string): number {
  return Buffer.byteLength(text)
}

/** The whole of `images --tree`'s output. */
export function renderImageTree(images: readonly TreeImage[], layout: TreeLayout): string {
  const paint = (color: Color, text: string) => (layout.color && color !== 'none' ? `${COLORS[color]}${text}${RESET}` : text)
  const width = layout.columns === 0 ? 80 : Math.max(layout.columns, 20)
  const inUsePossible = images.some((image) => image.inUse || image.children.some((child) => child.inUse))
  const mark = layout.color ? IN_USE.fancy : IN_USE.letter
  const placeholder = layout.color ? '   ' : ' '
  const columns: Column[] = [
    {title: 'Image', width: 0, align: 'left'},
    {title: 'ID', width: 12, align: 'left', value: (details) => truncateId(details.id, false)},
    {title: 'Disk usage', width: 10, align: 'right', value: (details) => humanSize(details.diskUsage)},
    {title: 'Content size', width: 12, align: 'right', value: (details) => humanSize(details.contentSize)},
    {
      title: 'Extra',
      width: Math.max('Extra'.length, inUsePossible ? displayWidth(stripAnsi(mark)) : 0),
      align: 'left',
      value: (details) => (inUsePossible ? (details.inUse ? mark : placeholder) : ''),
      uncolored: true,
    },
  ]
  const shown = fitColumns(width, columns, images)
  const cell = (column: Column, color: Color, text: string): string => {
    const length = displayWidth(stripAnsi(text))
    if (length > column.width) return paint(color, treeEllipsis(text, column.width))
    const fill = ' '.repeat(column.width - length)
    return column.align === 'right' ? fill + paint(color, text) : paint(color, text) + fill
  }
  const details = (color: Color, item: TreeDetails) =>
    shown.slice(1).map((column) => ' '.repeat(SPACING) + cell(column, column.uncolored ? 'none' : color, column.value!(item))).join('')

  let out = `${paint('warning', WARNING)}\n${legend(layout.color, width)}\n\n`
  out += `${shown.map((column) => cell(column, 'title', column.title.toUpperCase())).join(' '.repeat(SPACING))}\n`
  const spacing = images.some((image) => image.children.length > 0)
  for (const image of images) {
    if (image.names.length === 0) out += cell(shown[0], 'untagged', UNTAGGED)
    // Longest first; all but the last on lines of their own, the last beside the sizes.
    const names = [...image.names].sort((a, b) => byteLength(b) - byteLength(a))
    names.forEach((name, index) => {
      out += index < names.length - 1 ? `${paint('name', treeEllipsis(name, layout.columns))}\n` : cell(shown[0], 'name', name)
    })
    out += details('normal', image)
    if (image.children.length > 0 || spacing) out += '\n'
    image.children.forEach((child, index) => {
      const color = child.available ? 'normal' : 'unavailable'
      out += cell(shown[0], color, `${index < image.children.length - 1 ? '├─' : '└─'} ${child.platform}`) + details(color, child) + '\n'
    })
    out += '\n'
  }
  return out
}

function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '')
}

/** docker's legend, right-aligned: ` Info ->  U In Use `, or its fancy form on a terminal. */
function legend(color: boolean, width: number): string {
  const header = color ? `${sgr(1)}${sgr(106)}${sgr(30)}i${RESET}${RESET} ${sgr(96)}Info → ${RESET}${RESET}` : ' Info -> '
  const text = `${header} ${color ? IN_USE.fancy : IN_USE.letter} ${IN_USE.description} `
  return ' '.repeat(Math.max(0, width - displayWidth(stripAnsi(text)))) + text
}

/**
 * docker's adjustColumns: the columns after the first that leave it 12 columns or more of `width`,
 * the first as wide as the widest name or platform row (at least its title), at most what is left.
 */
function fitColumns(width: number, columns: readonly Column[], images: readonly TreeImage[]): Column[] {
  let nameWidth = width
  let kept = columns.length
  for (let index = 1; index < columns.length; index++) {
    const taken = columns[index].width + SPACING
    if (nameWidth - taken < 12) {
      kept = index
      break
    }
    nameWidth -= taken
  }
  let widest = byteLength(columns[0].title)
  for (const image of images) {
    for (const name of image.names) widest = Math.max(widest, byteLength(name))
    for (const child of image.children) widest = Math.max(widest, byteLength(child.platform) + byteLength('└─ '))
  }
  return [{...columns[0], width: Math.min(nameWidth, widest)}, ...columns.slice(1, kept)]
}

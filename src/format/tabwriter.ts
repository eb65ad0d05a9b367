import {displayWidth} from './width.ts'

/**
 * Go's text/tabwriter (in docker's fork, which measures display width) with a space pad character
 * and no flags: tab-terminated cells in consecutive lines form a column padded to its widest cell
 * plus `padding`, at least `minWidth`; the text after a line's last tab is not padded. A
 * vertical tab ends a cell like a tab, a form feed ends the line and every column.
 */
export interface TabWriterOptions {
  /** Minimal cell width, padding included. */
  minWidth: number
  /** Spaces added to the widest cell of a column. */
  padding: number
}

/** docker's `tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)` for every table it prints. */
export const DOCKER_TABLE: TabWriterOptions = {minWidth: 10, padding: 3}

interface Cell {
  text: string
  width: number
}

function formatSection(text: string, options: TabWriterOptions): string {
  const rawLines = text.split('\n')
  const lines: Cell[][] = rawLines.map((raw, index) => {
    const cells = raw.split(/[\t\v]/).map((cell) => ({text: cell, width: displayWidth(cell)}))
    // Text after the last newline only forms a cell when it is not empty.
    if (index === rawLines.length - 1 && cells[cells.length - 1].text === '') cells.pop()
    return cells
  })
  let output = ''
  const widths: number[] = []

  const writeLines = (first: number, end: number): void => {
    for (let index = first; index < end; index++) {
      lines[index].forEach((cell, column) => {
        output += cell.text
        if (column < widths.length) output += ' '.repeat(widths[column] - cell.width)
      })
      if (index + 1 < lines.length) output += '\n'
    }
  }

  // Elastic tabstops: a column is a block of consecutive lines that have a cell in it.
  const format = (first: number, end: number): void => {
    const column = widths.length
    let line0 = first
    for (let line = first; line < end; line++) {
      if (column >= lines[line].length - 1) continue
      writeLines(line0, line)
      line0 = line
      let width = options.minWidth
      for (; line < end; line++) {
        if (column >= lines[line].length - 1) break
        width = Math.max(width, lines[line][column].width + options.padding)
      }
      widths.push(width)
      format(line0, line)
      widths.pop()
      line0 = line
    }
    writeLines(line0, end)
  }

  format(0, lines.length)
  return output
}

/** Aligns tab-separated text into columns. */
export function alignColumns(text: string, options: TabWriterOptions = DOCKER_TABLE): string {
  const sections = text.split('\f')
  return sections.map((section, index) => formatSection(index < sections.length - 1 ? `${section}\n` : section, options)).join('')
}

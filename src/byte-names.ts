/**
 * File names as Linux has them: bytes, not necessarily UTF-8 (docker's Go strings carry them as
 * they are). Node decodes names, tar headers and argv as UTF-8, turning a byte that is no part of
 * a UTF-8 character into U+FFFD, so a name like `caf\xe9` can no longer be found or written. nerd
 * keeps such names in strings as Python's surrogateescape does: each such byte becomes the lone
 * surrogate U+DC80 + (byte - 0x80), which no UTF-8 text decodes to, and goes back to the byte when
 * the name is used. Names that are UTF-8 are the strings they always were.
 */
import {readlinkSync} from 'node:fs'
import {realpath} from 'node:fs/promises'
import {resolve} from 'node:path'

const ESCAPE_BASE = 0xdc00
/** An escaped byte: U+DC80 to U+DCFF. */
const ESCAPED = /[\udc80-\udcff]/

/** The length of the UTF-8 character at `at` in `bytes`, or 0 when no valid one starts there (overlong, surrogate, above U+10FFFF, cut short). */
function characterLength(bytes: Uint8Array, at: number): number {
  const lead = bytes[at]
  if (lead < 0x80) return 1
  const continuation = (offset: number, low = 0x80, high = 0xbf): boolean => at + offset < bytes.length && bytes[at + offset] >= low && bytes[at + offset] <= high
  if (lead >= 0xc2 && lead <= 0xdf) return continuation(1) ? 2 : 0
  if (lead >= 0xe0 && lead <= 0xef) {
    const [low, high] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : [0x80, 0xbf]
    return continuation(1, low, high) && continuation(2) ? 3 : 0
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const [low, high] = lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf]
    return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0
  }
  return 0
}

/** The name `bytes` as a string: UTF-8 decoded, a byte that is no part of a character escaped. */
export function decodeName(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  const text = buffer.toString('utf8')
  // U+FFFD in the text: a replaced byte, or the character itself.
  if (!text.includes('\ufffd')) return text
  let decoded = ''
  let start = 0
  for (let at = 0; at < buffer.length; ) {
    const length = characterLength(buffer, at)
    if (length > 0) {
      at += length
      continue
    }
    decoded += buffer.toString('utf8', start, at) + String.fromCharCode(ESCAPE_BASE + buffer[at])
    start = ++at
  }
  return decoded + buffer.toString('utf8', start)
}

/** Whether `name` holds an escaped byte, which Node's own UTF-8 encoding of it would lose. */
export function hasEscapedBytes(name: string): boolean {
  return ESCAPED.test(name)
}

/** The bytes of the name `name` (decodeName's inverse). */
export function encodeName(name: string): Buffer {
  if (!hasEscapedBytes(name)) return Buffer.from(name)
  const pieces: Buffer[] = []
  let start = 0
  for (let at = 0; at < name.length; at++) {
    const code = name.charCodeAt(at)
    if (code < 0xdc80 || code > 0xdcff) continue
    pieces.push(Buffer.from(name.slice(start, at)), Buffer.of(code - ESCAPE_BASE))
    start = at + 1
  }
  pieces.push(Buffer.from(name.slice(start)))
  return Buffer.concat(pieces)
}

/** `path` as fs calls take it: the string itself, or its bytes when it holds escaped ones. */
export function fsPath(path: string): string | Buffer {
  return hasEscapedBytes(path) ? encodeName(path) : path
}

/** The target of the symbolic link at `path` (fsPath's), byte-faithful. */
export function readLinkName(path: string | Buffer): string {
  return decodeName(readlinkSync(path, {encoding: 'buffer'}))
}

/** The path of `path` (fsPath's) with every symbolic link resolved, byte-faithful. */
export async function realPathName(path: string): Promise<string> {
  return decodeName(await realpath(fsPath(path), {encoding: 'buffer'}))
}

/** `path` made absolute against the working directory as its bytes are: process.cwd() decodes it lossily. */
export function absolutePath(path: string): string {
  const cwd = process.cwd()
  return resolve(cwd.includes('\ufffd') ? readLinkName('/proc/self/cwd') : cwd, path)
}

/**
 * `args`, the last arguments of this process as Node decoded them (UTF-8, U+FFFD for what is
 * not), with the bytes of those that are no UTF-8 restored from the command line `readCommandLine`
 * gives (/proc/self/cmdline: NUL-terminated arguments, Node's own options among them), read only then. `args` as they are when the command
 * line's last arguments are not what they decode to (run by another process than the one given).
 */
export function argumentsAsGiven(args: string[], readCommandLine: () => Buffer): string[] {
  if (args.length === 0 || !args.some((arg) => arg.includes('\ufffd'))) return args
  const commandLine = readCommandLine()
  const given: Buffer[] = []
  for (let start = 0; start < commandLine.length; ) {
    const end = commandLine.indexOf(0, start)
    given.push(commandLine.subarray(start, end < 0 ? commandLine.length : end))
    start = end < 0 ? commandLine.length : end + 1
  }
  const last = given.slice(-args.length)
  if (last.length !== args.length || last.some((bytes, index) => bytes.toString('utf8') !== args[index])) return args
  return last.map(decodeName)
}

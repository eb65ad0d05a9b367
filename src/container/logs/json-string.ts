/**
 * JSON string contents straight from the container's bytes into an output buffer, escaped as
 * docker's json-file writer does (Go's encoding/json rules): `"` `\` and control characters, `<`
 * `>` `&` and U+2028/U+2029 as `\uXXXX`, each byte of invalid UTF-8 as `\ufffd`. Working on bytes
 * keeps the logger from allocating a string per line, which is what makes V8 grow its heap under
 * a chatty container.
 */

/** The most bytes `length` input bytes can take once escaped (`\u00XX` for every byte). */
export function maxEscapedLength(length: number): number {
  return length * 6
}

const HEX = '0123456789abcdef'
const SHORT_ESCAPES: Record<number, number> = {0x22: 0x22, 0x5c: 0x5c, 0x0a: 0x6e, 0x0d: 0x72, 0x09: 0x74, 0x08: 0x62, 0x0c: 0x66}

/** 0: copied as is; 1: escaped; 2: the start of a multi-byte sequence to check. */
const BYTE_CLASS = new Uint8Array(256)
for (let byte = 0; byte < 0x20; byte++) BYTE_CLASS[byte] = 1
for (const byte of [0x22, 0x5c, 0x3c, 0x3e, 0x26]) BYTE_CLASS[byte] = 1
for (let byte = 0x80; byte < 0x100; byte++) BYTE_CLASS[byte] = 2

function writeUnicodeEscape(target: Buffer, offset: number, code: number): number {
  target[offset] = 0x5c
  target[offset + 1] = 0x75
  target[offset + 2] = HEX.charCodeAt((code >> 12) & 15)
  target[offset + 3] = HEX.charCodeAt((code >> 8) & 15)
  target[offset + 4] = HEX.charCodeAt((code >> 4) & 15)
  target[offset + 5] = HEX.charCodeAt(code & 15)
  return offset + 6
}

function isContinuation(source: Buffer, at: number, end: number, low = 0x80, high = 0xbf): boolean {
  return at < end && source[at]! >= low && source[at]! <= high
}

/** Length of the valid UTF-8 sequence at `index`, or 0 when the byte there does not start one. */
function sequenceLength(source: Buffer, index: number, end: number): number {
  const lead = source[index]!
  if (lead >= 0xc2 && lead <= 0xdf) return isContinuation(source, index + 1, end) ? 2 : 0
  if (lead >= 0xe0 && lead <= 0xef) {
    const second = isContinuation(source, index + 1, end, lead === 0xe0 ? 0xa0 : 0x80, lead === 0xed ? 0x9f : 0xbf)
    return second && isContinuation(source, index + 2, end) ? 3 : 0
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const second = isContinuation(source, index + 1, end, lead === 0xf0 ? 0x90 : 0x80, lead === 0xf4 ? 0x8f : 0xbf)
    return second && isContinuation(source, index + 2, end) && isContinuation(source, index + 3, end) ? 4 : 0
  }
  return 0
}

/**
 * Writes `source[start, end)` escaped into `target` at `offset` (which must have room for
 * maxEscapedLength(end - start) bytes); returns the offset after it.
 */
export function writeEscaped(source: Buffer, start: number, end: number, target: Buffer, offset: number): number {
  let run = start
  let index = start
  while (index < end) {
    const byteClass = BYTE_CLASS[source[index]!]!
    if (byteClass === 0) {
      index++
      continue
    }
    if (byteClass === 2) {
      const length = sequenceLength(source, index, end)
      // U+2028 and U+2029 (E2 80 A8/A9) are valid JSON but break JavaScript parsers; Go escapes them.
      const separator = length === 3 && source[index] === 0xe2 && source[index + 1] === 0x80 && (source[index + 2] === 0xa8 || source[index + 2] === 0xa9)
      if (length > 0 && !separator) {
        index += length
        continue
      }
      offset = writeUnicodeEscape(target, offset + source.copy(target, offset, run, index), length === 0 ? 0xfffd : 0x2028 + (source[index + 2]! - 0xa8))
      index += length === 0 ? 1 : 3
      run = index
      continue
    }
    offset += source.copy(target, offset, run, index)
    const byte = source[index]!
    const short = SHORT_ESCAPES[byte]
    if (short !== undefined) {
      target[offset] = 0x5c
      target[offset + 1] = short
      offset += 2
    } else offset = writeUnicodeEscape(target, offset, byte)
    index++
    run = index
  }
  return offset + source.copy(target, offset, run, end)
}

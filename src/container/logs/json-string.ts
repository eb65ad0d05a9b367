/**
 * JSON string contents straight from the container's bytes into an output buffer, escaped as
 * docker's json-file writer does (Go's encoding/json rules): `"` `\` and control characters, `<`
 * `>` `&` and U+2028/U+2029 as `\uXXXX`, each byte of invalid UTF-8 as `\ufffd`. Working from the
 * bytes leaves the logger one short-lived string per line to collect, not a decoded string, an
 * object and its JSON text.
 */

/** The most bytes `length` input bytes can take once escaped (`\u00XX` for every byte). */
export function maxEscapedLength(length: number): number {
  return length * 6
}

const HEX = '0123456789abcdef'
// Only these four: docker's writer gives every other control character (a tab too) as `\u00XX`.
const SHORT_ESCAPES: Record<number, number> = {0x22: 0x22, 0x5c: 0x5c, 0x0a: 0x6e, 0x0d: 0x72}

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

/** The longest run from `lastIndex` that needs no escaping and no UTF-8 check. */
const PLAIN_RUN = /[^\x00-\x1f"\\<>&\x80-\xff]*/y

/**
 * Writes `source[start, end)` escaped into `target` at `offset` (which must have room for
 * maxEscapedLength(end - start) bytes); returns the offset after it. The plain runs are found by a
 * regular expression over the bytes as Latin-1 and copied natively: the logger runs without
 * V8's optimizing compilers, where a loop over each byte would be several times slower.
 */
export function writeEscaped(source: Buffer, start: number, end: number, target: Buffer, offset: number): number {
  const text = source.toString('latin1', start, end)
  let index = start
  while (index < end) {
    PLAIN_RUN.lastIndex = index - start
    PLAIN_RUN.test(text)
    const special = start + PLAIN_RUN.lastIndex
    offset += source.copy(target, offset, index, special)
    if (special === end) break
    const byte = source[special]!
    if (byte >= 0x80) {
      const length = sequenceLength(source, special, end)
      // U+2028 and U+2029 (E2 80 A8/A9) are valid JSON but end lines in JavaScript; Go escapes them.
      const separator = length === 3 && byte === 0xe2 && source[special + 1] === 0x80 && (source[special + 2] === 0xa8 || source[special + 2] === 0xa9)
      if (length > 0 && !separator) {
        offset += source.copy(target, offset, special, special + length)
        index = special + length
      } else {
        offset = writeUnicodeEscape(target, offset, length === 0 ? 0xfffd : 0x2028 + (source[special + 2]! - 0xa8))
        index = special + (length === 0 ? 1 : 3)
      }
      continue
    }
    const short = SHORT_ESCAPES[byte]
    if (short !== undefined) {
      target[offset] = 0x5c
      target[offset + 1] = short
      offset += 2
    } else offset = writeUnicodeEscape(target, offset, byte)
    index = special + 1
  }
  return offset
}

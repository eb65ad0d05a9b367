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

/** What a byte needs: copied as it is, escaped on its own, or (0x80 and up) a UTF-8 check. */
const PLAIN = 0
const ESCAPED = 1
const NON_ASCII = 2
const KIND = new Uint8Array(256)
for (let byte = 0; byte < 0x20; byte++) KIND[byte] = ESCAPED
for (const character of '"\\<>&') KIND[character.charCodeAt(0)] = ESCAPED
KIND.fill(NON_ASCII, 0x80)

const HEX_DIGITS = Buffer.from('0123456789abcdef')
// Only these four have a short escape: docker's writer gives every other control character (a tab too) as `\u00XX`.
const SHORT_ESCAPE = new Uint8Array(256)
for (const [character, escape] of [['"', '"'], ['\\', '\\'], ['\n', 'n'], ['\r', 'r']] as const) SHORT_ESCAPE[character.charCodeAt(0)] = escape.charCodeAt(0)
/** `\u00XX` of every byte with no short escape, for Buffer.fill to repeat over a run of it (a binary's NULs). */
const UNICODE_ESCAPE = Array.from({length: 0x80}, (_, byte) => Buffer.from(`\\u${byte.toString(16).padStart(4, '0')}`))
/** A run of one byte this long or longer is escaped with one fill; a shorter one byte by byte. */
const FILL_RUN = 8
/** A plain run this long or longer is copied natively; a shorter one byte by byte. */
const COPY_RUN = 32

function writeUnicodeEscape(target: Buffer, offset: number, code: number): number {
  target[offset] = 0x5c
  target[offset + 1] = 0x75
  target[offset + 2] = HEX_DIGITS[(code >> 12) & 15]!
  target[offset + 3] = HEX_DIGITS[(code >> 8) & 15]!
  target[offset + 4] = HEX_DIGITS[(code >> 4) & 15]!
  target[offset + 5] = HEX_DIGITS[code & 15]!
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
 * maxEscapedLength(end - start) bytes); returns the offset after it. Bytes are looked at one by one
 * but for the long stretches: a plain run that goes on past COPY_RUN bytes is found by a regular
 * expression over the bytes as Latin-1 and copied natively, and a run of one control byte (a
 * binary's NULs) is escaped with one fill. A call into native code costs as much as dozens of bytes
 * done in JavaScript, so short runs stay in JavaScript (the logger runs without TurboFan, on Maglev).
 */
export function writeEscaped(source: Buffer, start: number, end: number, target: Buffer, offset: number): number {
  let text: string | undefined
  let index = start
  while (index < end) {
    const byte = source[index]!
    const kind = KIND[byte]
    if (kind === PLAIN) {
      let stop = index + 1
      const limit = Math.min(end, index + COPY_RUN)
      while (stop < limit && KIND[source[stop]!] === PLAIN) stop++
      if (stop === limit && stop < end) {
        text ??= source.toString('latin1', start, end)
        PLAIN_RUN.lastIndex = stop - start
        PLAIN_RUN.test(text)
        stop = start + PLAIN_RUN.lastIndex
        offset += source.copy(target, offset, index, stop)
      } else {
        while (index < stop) target[offset++] = source[index++]!
      }
      index = stop
    } else if (kind === ESCAPED) {
      const short = SHORT_ESCAPE[byte]!
      if (short !== 0) {
        target[offset] = 0x5c
        target[offset + 1] = short
        offset += 2
        index++
        continue
      }
      let stop = index + 1
      while (stop < end && source[stop] === byte) stop++
      if (stop - index >= FILL_RUN) {
        const filled = offset + (stop - index) * 6
        target.fill(UNICODE_ESCAPE[byte]!, offset, filled)
        offset = filled
        index = stop
      } else {
        for (; index < stop; index++) offset = writeUnicodeEscape(target, offset, byte)
      }
    } else {
      const length = sequenceLength(source, index, end)
      // U+2028 and U+2029 (E2 80 A8/A9) are valid JSON but end lines in JavaScript; Go escapes them.
      const separator = length === 3 && byte === 0xe2 && source[index + 1] === 0x80 && (source[index + 2] === 0xa8 || source[index + 2] === 0xa9)
      if (length > 0 && !separator) {
        for (const stop = index + length; index < stop; ) target[offset++] = source[index++]!
      } else {
        offset = writeUnicodeEscape(target, offset, length === 0 ? 0xfffd : 0x2028 + (source[index + 2]! - 0xa8))
        index += length === 0 ? 1 : 3
      }
    }
  }
  return offset
}

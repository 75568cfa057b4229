import type { TextEncoding } from './types'

/** What the first bytes of a file say about its encoding. */
export interface EncodingSniff {
  encoding: TextEncoding
  /** Bytes of byte-order mark to skip. */
  bomLength: number
}

export function sniffEncoding(head: Uint8Array): EncodingSniff {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8-bom', bomLength: 3 }
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 }
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 }
  return { encoding: 'utf-8', bomLength: 0 }
}

/**
 * NUL bytes never occur in UTF-8 text; in a file without a BOM they mean UTF-16 without a
 * byte-order mark, or a binary file. Returns why the head is not text, or null.
 */
export function whyNotText(head: Uint8Array, encoding: TextEncoding): string | null {
  if (encoding === 'utf-16le' || encoding === 'utf-16be') return null
  const nul = head.indexOf(0)
  if (nul < 0) return null
  return `contains NUL bytes (at byte ${nul}): it is a binary file, or UTF-16 text without a byte-order mark. Save it as UTF-8`
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes UTF-8, or explains where and why it is not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { error: string } {
  try {
    return { text: strictUtf8.decode(bytes) }
  } catch {
    const at = firstInvalidUtf8Byte(bytes)
    const column = at < 0 ? 0 : strictUtf8.decode(bytes.subarray(0, at)).length + 1
    const byte = at < 0 ? '' : ` 0x${bytes[at].toString(16).toUpperCase().padStart(2, '0')}`
    return {
      error:
        `invalid UTF-8 byte${byte} at column ${column}: this line is in another encoding (Latin-1 or Windows-1252?) ` +
        `than the rest of the file. Re-save the file as UTF-8`,
    }
  }
}

/** Index of the first byte that starts an invalid UTF-8 sequence, or -1. */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0
    if (length === 0 || i + length > bytes.length) return i
    for (let k = 1; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i
    // Overlong 3/4-byte forms, UTF-16 surrogates and code points past U+10FFFF.
    if (b === 0xe0 && bytes[i + 1] < 0xa0) return i
    if (b === 0xed && bytes[i + 1] > 0x9f) return i
    if (b === 0xf0 && bytes[i + 1] < 0x90) return i
    if (b === 0xf4 && bytes[i + 1] > 0x8f) return i
    i += length
  }
  return -1
}

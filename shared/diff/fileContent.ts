export type DecodedFile =
  | { kind: 'text'; text: string; hadBom: boolean }
  | { kind: 'binary' }
  | { kind: 'undecodable'; reason: string };

/** git calls a file binary when its first 8000 bytes hold a NUL byte. */
const BINARY_SNIFF_LENGTH = 8000;

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const UTF16LE_BOM = [0xff, 0xfe];
const UTF16BE_BOM = [0xfe, 0xff];

/**
 * Decodes a file's bytes for diffing: UTF-8 with or without a byte-order mark, and UTF-16 when it starts with one
 * (git itself shows UTF-16 as binary, for its NUL bytes). The returned text never includes the byte-order mark.
 */
export function decodeFileContent(bytes: Uint8Array): DecodedFile {
  if (startsWith(bytes, UTF16LE_BOM)) return decode(bytes, 'utf-16le', 'UTF-16LE');
  if (startsWith(bytes, UTF16BE_BOM)) return decode(bytes, 'utf-16be', 'UTF-16BE');
  if (bytes.subarray(0, BINARY_SNIFF_LENGTH).includes(0)) return { kind: 'binary' };
  return decode(bytes, 'utf-8', 'UTF-8');
}

function decode(bytes: Uint8Array, encoding: string, name: string): DecodedFile {
  try {
    // TextDecoder drops a leading byte-order mark of its own encoding.
    const text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
    // A NUL character after a UTF-16 byte-order mark means binary data that merely starts like one.
    if (name !== 'UTF-8' && text.slice(0, BINARY_SNIFF_LENGTH).includes('\0')) return { kind: 'binary' };
    return { kind: 'text', text, hadBom: name !== 'UTF-8' || startsWith(bytes, UTF8_BOM) };
  } catch {
    const detail =
      name === 'UTF-8'
        ? ' and has no UTF-16 byte-order mark'
        : ' although it starts with its byte-order mark';
    return { kind: 'undecodable', reason: `the file is not valid ${name}${detail}` };
  }
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, index) => bytes[index] === byte);
}

/**
 * Z85 (ZeroMQ RFC 32 base-85), the text encoding the Delta protocol uses for inline deletion
 * vectors and for the UUID inside `u` descriptors. Every 4 bytes, read as a big-endian unsigned
 * 32-bit number, become 5 characters, most significant digit first.
 *
 * Inputs whose length is not a multiple of 4 are padded with zero bytes before encoding (Delta's
 * convention: the descriptor's `sizeInBytes` keeps the true length, so the decoder truncates).
 * Pure functions, no I/O.
 */
import { InvalidArgumentError } from "../errors/argument-errors.js";

/** The 85 characters of Z85, in digit order. */
export const Z85_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

const DIGIT_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < Z85_ALPHABET.length; i++) DIGIT_OF[Z85_ALPHABET.charCodeAt(i)] = i;

/** Outcome of {@link decodeZ85}: the bytes, or why the text is not Z85. */
export type Z85Result = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

/**
 * Encodes bytes as Z85. A length that is not a multiple of 4 is zero-padded first, so the result
 * has `5 * ceil(length / 4)` characters.
 */
export function encodeZ85(bytes: Uint8Array): string {
  const groups = Math.ceil(bytes.length / 4);
  const chars: string[] = new Array<string>(groups * 5);
  for (let g = 0; g < groups; g++) {
    const i = g * 4;
    let value = ((bytes[i] ?? 0) * 0x1000000 + ((bytes[i + 1] ?? 0) << 16) + ((bytes[i + 2] ?? 0) << 8) + (bytes[i + 3] ?? 0)) >>> 0;
    for (let d = 4; d >= 0; d--) {
      chars[g * 5 + d] = Z85_ALPHABET[value % 85]!;
      value = Math.floor(value / 85);
    }
  }
  return chars.join("");
}

/**
 * Decodes Z85 text into bytes. Fails (as a value, not an exception) when the length is not a
 * multiple of 5, a character is outside the alphabet, or a group exceeds 2^32 - 1.
 *
 * Standard Z85 yields `4 * length / 5` bytes; callers truncate to the length they know
 * (`sizeInBytes`). One non-standard tail is also accepted, because delta-rs writes it (through the
 * Rust `z85` crate): a final group that starts with k `#` characters (k = 1..3; no standard group
 * can start with `#`, since 84 * 85^4 > 2^32) holds the last 4 - k bytes, big-endian, in its
 * remaining 5 - k digits. The result is then `4 * length / 5 - k` bytes long.
 */
export function decodeZ85(text: string): Z85Result {
  if (text.length % 5 !== 0) return { ok: false, reason: `length ${text.length} is not a multiple of 5` };
  const groups = text.length / 5;
  const out = new Uint8Array(groups * 4);
  for (let g = 0; g < groups; g++) {
    let pad = 0;
    if (g === groups - 1) while (pad < 4 && text[g * 5 + pad] === "#") pad++;
    if (pad === 4) return { ok: false, reason: `group ${g} (${text.slice(g * 5)}) is all padding` };
    let value = 0;
    for (let d = pad; d < 5; d++) {
      const pos = g * 5 + d;
      const code = text.charCodeAt(pos);
      const digit = code < 128 ? DIGIT_OF[code]! : -1;
      if (digit < 0) return { ok: false, reason: `character ${JSON.stringify(text[pos])} at position ${pos} is not in the Z85 alphabet` };
      value = value * 85 + digit;
    }
    const width = 4 - pad;
    if (value >= 2 ** (8 * width)) return { ok: false, reason: `group ${g} (${text.slice(g * 5, g * 5 + 5)}) exceeds ${8 * width} bits` };
    for (let b = width - 1; b >= 0; b--) {
      out[g * 4 + b] = value % 256;
      value = Math.floor(value / 256);
    }
    if (pad > 0) return { ok: true, bytes: out.subarray(0, g * 4 + width) };
  }
  return { ok: true, bytes: out };
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Encodes a UUID in canonical text form (`8-4-4-4-12` hex digits) as the 20 Z85 characters of its
 * 16 bytes, as `u` deletion vector descriptors store it. Throws `RangeError` for anything that is
 * not a UUID (a programming error of the caller).
 */
export function uuidToZ85(uuid: string): string {
  if (!UUID_PATTERN.test(uuid))
    throw new InvalidArgumentError("uuid", JSON.stringify(uuid), "a UUID such as 123e4567-e89b-12d3-a456-426614174000");
  const hex = uuid.replace(/-/g, "");
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return encodeZ85(bytes);
}

/**
 * Decodes 20 Z85 characters into a UUID in canonical lowercase text form, or returns why it
 * cannot (wrong length, bad characters).
 */
export function z85ToUuid(text: string): { ok: true; uuid: string } | { ok: false; reason: string } {
  if (text.length !== 20) return { ok: false, reason: `a Z85 UUID has 20 characters, not ${text.length}` };
  const decoded = decodeZ85(text);
  if (!decoded.ok) return decoded;
  const hex = Array.from(decoded.bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { ok: true, uuid };
}

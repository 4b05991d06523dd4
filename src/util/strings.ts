/**
 * Compares two strings by Unicode code point, which is the order of their UTF-8 bytes: the order
 * S3 and Azure list keys in and Spark's `UTF8String` order. Plain `<` on JS strings compares
 * UTF-16 units and differs above U+FFFF. Returns -1, 0 or 1.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    // a surrogate (half of a code point above U+FFFF) sorts above every other UTF-16 unit
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * String functions and LIKE over evaluated columns, with Spark's semantics: positions and lengths
 * count Unicode code points; `substring` is 1-based (0 acts as 1, negative counts from the end);
 * `trim` removes spaces (U+0020) only; `concat` is NULL when any argument is.
 */
import type { BoundFunction } from "./bound.js";
import { allocate, type Col } from "./vectors.js";

/** Applies a string function (not abs) per row. */
export function stringFunction(name: Exclude<BoundFunction, "abs">, args: readonly Col[]): Col {
  const n = args[0]!.length;
  const out = allocate(name === "length" ? "integer" : "string", n);
  const values = out.values as unknown as (string | number)[];
  for (let i = 0; i < n; i++) {
    let valid = true;
    for (const a of args) valid &&= a.valid[i] === 1;
    if (!valid) continue;
    const s = args[0]!.values[i] as string | Uint8Array;
    out.valid[i] = 1;
    switch (name) {
      case "lower":
        values[i] = (s as string).toLowerCase();
        break;
      case "upper":
        values[i] = (s as string).toUpperCase();
        break;
      case "trim":
        values[i] = (s as string).replace(/^ +| +$/g, "");
        break;
      case "length":
        values[i] = s instanceof Uint8Array ? s.length : codePointLength(s);
        break;
      case "concat": {
        let text = "";
        for (const a of args) text += a.values[i] as string;
        values[i] = text;
        break;
      }
      case "substring":
        values[i] = substring(s as string, args[1]!.values[i] as number, args[2] ? (args[2].values[i] as number) : undefined);
        break;
    }
  }
  return out;
}

function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
    else {
      n++;
      i++;
    }
  }
  return n;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Spark's `substring(s, pos, len)`: 1-based; pos 0 is 1; a negative pos counts from the end. */
export function substring(s: string, pos: number, len?: number): string {
  // Split into code points only when some take two code units (no array per row otherwise).
  const chars = SURROGATE.test(s) ? [...s] : undefined;
  const count = chars ? chars.length : s.length;
  const start = pos > 0 ? pos - 1 : pos < 0 ? count + pos : 0;
  const end = len === undefined ? count : start + len;
  const from = Math.max(start, 0);
  if (from >= end) return "";
  const to = Math.min(end, count);
  return chars ? chars.slice(from, to).join("") : s.slice(from, to);
}

const patterns = new Map<string, RegExp>();

/**
 * A LIKE pattern as a regular expression: `%` any run of characters, `_` one character, the
 * escape character makes the next one literal.
 */
export function likeRegExp(pattern: string, escape: string): RegExp {
  const key = `${escape}\u0000${pattern}`;
  let re = patterns.get(key);
  if (re) return re;
  let source = "";
  const chars = [...pattern];
  for (let k = 0; k < chars.length; k++) {
    const c = chars[k]!;
    if (c === escape && k + 1 < chars.length) source += escapeRegExp(chars[++k]!);
    else if (c === "%") source += "[^]*";
    else if (c === "_") source += "[^]";
    else source += escapeRegExp(c);
  }
  re = new RegExp(`^${source}$`, "u");
  if (patterns.size > 1000) patterns.clear();
  patterns.set(key, re);
  return re;
}

function escapeRegExp(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

/** `value LIKE pattern` per row as three-valued bytes (0 FALSE, 1 NULL, 2 TRUE). */
export function like(value: Col, pattern: Col, escape: string): Uint8Array {
  const out = new Uint8Array(value.length);
  for (let i = 0; i < out.length; i++) {
    if (value.valid[i] === 0 || pattern.valid[i] === 0) out[i] = 1;
    else out[i] = likeRegExp(pattern.values[i] as string, escape).test(value.values[i] as string) ? 2 : 0;
  }
  return out;
}

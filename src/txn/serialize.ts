/**
 * Writing actions as commit-file bytes: one JSON object per line, keys in a stable order,
 * undefined fields omitted (nulls that carry meaning, such as a null partition value, are kept).
 */
import stableStringify from "fast-json-stable-stringify";
import type { Action } from "../log/actions.js";

const encoder = new TextEncoder();

/** The bytes of a commit (or JSON checkpoint) file holding `actions`, newline-terminated. */
export function serializeActions(actions: readonly Action[]): Uint8Array {
  return encoder.encode(actions.map((a) => stableStringify(a)).join("\n") + "\n");
}

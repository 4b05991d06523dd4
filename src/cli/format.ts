/**
 * Rendering Arrow rows for the terminal: an aligned table, JSON lines, or CSV.
 */
import type { RecordBatch } from "apache-arrow";

/** Output formats of `lakelog scan`. */
export type RowFormat = "table" | "json" | "csv";

/** A cell as text: bigints in full, timestamps as ISO-8601, binary as hex, nested values as JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (typeof value === "object") return JSON.stringify(toPlain(value));
  return String(value);
}

function toPlain(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value && typeof value === "object" && "toJSON" in value && typeof (value as { toJSON: unknown }).toJSON === "function") {
    return toPlain((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  return value;
}

/** Rows of the batches as printable lines. */
export function formatRows(batches: RecordBatch[], format: RowFormat): string[] {
  const fields = batches[0]?.schema.fields.map((f) => f.name) ?? [];
  const rows: unknown[][] = [];
  for (const batch of batches) {
    const columns = fields.map((name) => batch.getChild(name)!);
    for (let i = 0; i < batch.numRows; i++) rows.push(columns.map((c) => displayValue(c.type.toString(), c.get(i))));
  }
  if (format === "json") return rows.map((r) => JSON.stringify(Object.fromEntries(fields.map((f, k) => [f, toPlain(r[k])]))));
  const text = rows.map((r) => r.map(cellText));
  if (format === "csv") return [fields.join(","), ...text.map((r) => r.map(csvCell).join(","))];
  const widths = fields.map((f, k) => Math.min(40, Math.max(f.length, ...text.map((r) => r[k]!.length))));
  const line = (cells: string[]) => cells.map((c, k) => (c.length > widths[k]! ? `${c.slice(0, widths[k]! - 1)}…` : c.padEnd(widths[k]!))).join("  ");
  return [line(fields), widths.map((w) => "-".repeat(w)).join("  "), ...text.map(line), `(${rows.length} row${rows.length === 1 ? "" : "s"})`];
}

/** Timestamps come out of Arrow as epoch milliseconds: show them as dates. */
function displayValue(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type.startsWith("Timestamp") && typeof value === "number") return new Date(value);
  if (type.startsWith("Date") && typeof value === "number") return new Date(value).toISOString().slice(0, 10);
  return value;
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

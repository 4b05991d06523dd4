/**
 * Row output formats, each consuming record batches one at a time: `ndjson`, `json` (one streamed
 * array), `csv` and `table` (aligned columns for people). Memory is bounded by one batch plus
 * the output buffer; `table` also keeps the first rows it sees to size its columns.
 */
import { type RecordBatch, type Schema, Type } from "apache-arrow";
import { rendererFor, type BinaryEncoding, type ColumnRenderer, type RendererFactory } from "./cells.js";
import type { Output } from "./output.js";
import type { Style } from "../style.js";

/** Text row formats. */
export type TextFormat = "table" | "ndjson" | "json" | "csv";

/** Consumes batches and writes them. */
export interface RowSink {
  batch(batch: RecordBatch): Promise<void>;
  /** Writes what remains (table footer, closing bracket); resolves with the rows written. */
  end(): Promise<number>;
}

/** Options of {@link rowSink}. */
export interface RowSinkOptions {
  binary?: BinaryEncoding;
  /** Styling for `table` (dim NULL). */
  style?: Style;
  /** Widest column in `table` output (characters). */
  maxWidth?: number;
}

/** Rows per string handed to the output: big enough to amortise calls, small enough to stay bounded. */
const CHUNK_ROWS = 2048;

/** A sink writing `format` to `out` for batches of `schema`. */
export function rowSink(format: TextFormat, schema: Schema, out: Output, options: RowSinkOptions = {}): RowSink {
  const factories = schema.fields.map((f) => rendererFor(f, options.binary ?? "hex"));
  const names = schema.fields.map((f) => f.name);
  switch (format) {
    case "ndjson":
      return lineSink(out, factories, jsonLine(names), { before: "", between: "\n", after: "\n" });
    case "json":
      return lineSink(out, factories, jsonLine(names), { before: "[\n", between: ",\n", after: "\n]\n", empty: "[]\n" });
    case "csv":
      return lineSink(out, factories, csvLine(schema), {
        before: `${names.map(csvText).join(",")}\n`,
        between: "\n",
        after: "\n",
        empty: `${names.map(csvText).join(",")}\n`,
      });
    case "table":
      return tableSink(out, names, factories, schema, options);
  }
}

type LineRenderer = (cells: ColumnRenderer[], i: number) => string;

function jsonLine(names: string[]): LineRenderer {
  const keys = names.map((n) => `${JSON.stringify(n)}:`);
  return (cells, i) => {
    let line = "{";
    for (let k = 0; k < cells.length; k++) line += (k === 0 ? "" : ",") + keys[k] + cells[k]!.json(i);
    return `${line}}`;
  };
}

/** Arrow types whose text never holds a separator, quote or line break, nor is empty: never quoted. */
const PLAIN_CSV = new Set<Type>([Type.Int, Type.Float, Type.Bool, Type.Decimal, Type.Date, Type.Timestamp, Type.Time]);

function csvLine(schema: Schema): LineRenderer {
  const quoted = schema.fields.map((f) => !PLAIN_CSV.has(f.type.typeId));
  return (cells, i) => {
    let line = "";
    for (let k = 0; k < cells.length; k++) {
      const text = cells[k]!.text(i);
      line += (k === 0 ? "" : ",") + (text === null ? "" : quoted[k] ? csvText(text) : text);
    }
    return line;
  };
}

/** A CSV field: quoted when it holds a separator, quote or line break, or is empty (an empty string, not a null). */
export function csvText(text: string): string {
  if (text === "") return '""';
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

interface Framing {
  before: string;
  between: string;
  after: string;
  /** Written instead of before+after when there were no rows. */
  empty?: string;
}

function lineSink(out: Output, factories: RendererFactory[], line: LineRenderer, framing: Framing): RowSink {
  let rows = 0;
  return {
    async batch(batch) {
      const cells = batch.data.children.map((d, k) => factories[k]!(d));
      for (let start = 0; start < batch.numRows && !out.closed; start += CHUNK_ROWS) {
        const end = Math.min(batch.numRows, start + CHUNK_ROWS);
        let text = rows === 0 ? framing.before : framing.between;
        for (let i = start; i < end; i++) text += (i === start ? "" : framing.between) + line(cells, i);
        rows += end - start;
        await out.write(text);
      }
    },
    async end() {
      await out.write(rows === 0 ? (framing.empty ?? "") : framing.after);
      return rows;
    },
  };
}

const SIZING_ROWS = 200;
const NUMERIC = /^(Int|Float|Decimal)/;

/** Aligned columns: the first rows size the columns, later rows are cut to fit (`…`). */
function tableSink(out: Output, names: string[], factories: RendererFactory[], schema: Schema, options: RowSinkOptions): RowSink {
  const style = options.style;
  const maxWidth = Math.max(4, options.maxWidth ?? 40);
  const rightAlign = schema.fields.map((f) => NUMERIC.test(String(f.type)));
  let pending: Array<Array<string | null>> = [];
  let widths: number[] | undefined;
  let rows = 0;
  const nullText = style ? style.dim("NULL") : "NULL";
  const cell = (text: string | null, k: number): string => {
    const width = widths![k]!;
    if (text === null) return rightAlign[k] ? `${" ".repeat(width - 4)}${nullText}` : `${nullText}${" ".repeat(width - 4)}`;
    const flat = text.replace(/[\r\n\t]/g, " ");
    const cut = flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
    return rightAlign[k] ? cut.padStart(width) : cut.padEnd(width);
  };
  const line = (cells: Array<string | null>): string => cells.map(cell).join("  ").trimEnd();
  const flush = async (): Promise<void> => {
    if (!widths) {
      widths = names.map((n, k) => Math.min(maxWidth, Math.max(n.length, 4, ...pending.map((r) => (r[k] ?? "NULL").length))));
      const header = names
        .map((n, k) => (rightAlign[k] ? n.padStart(widths![k]!) : n.padEnd(widths![k]!)))
        .join("  ")
        .trimEnd();
      await out.write(`${style ? style.bold(header) : header}\n${widths.map((w) => "─".repeat(w)).join("  ")}\n`);
    }
    if (pending.length > 0) await out.write(`${pending.map(line).join("\n")}\n`);
    pending = [];
  };
  return {
    async batch(batch) {
      const cells = batch.data.children.map((d, k) => factories[k]!(d));
      for (let i = 0; i < batch.numRows && !out.closed; i++) {
        pending.push(cells.map((c) => c.text(i)));
        rows++;
        if (pending.length >= (widths ? CHUNK_ROWS : SIZING_ROWS)) await flush();
      }
    },
    async end() {
      await flush();
      await out.write(`(${rows === 1 ? "1 row" : `${rows.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",")} rows`})\n`);
      return rows;
    },
  };
}

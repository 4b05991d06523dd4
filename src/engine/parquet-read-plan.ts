/**
 * How a read is cut into decode calls, so the WASM heap (which never shrinks) stays near a fixed
 * budget whatever the file's row-group sizes: small consecutive row groups are decoded together,
 * and a row group larger than the budget is decoded a few columns at a time, its batches zipped
 * back together. Sizes are the footer's uncompressed sizes of the projected column chunks.
 * Pure functions, no I/O.
 */
import { RecordBatch, Schema, Struct, makeData, type Data } from "apache-arrow";
import { CorruptParquetError } from "../errors/parquet-errors.js";
import type { FooterField, ParquetFooter } from "./parquet-footer.js";

/** One fetch and one or more decode calls: some row groups, cut into column groups. */
export interface DecodeUnit {
  rowGroups: number[];
  /** Consecutive runs of the requested fields; each is decoded separately. */
  columnGroups: FooterField[][];
}

function fieldBytes(footer: ParquetFooter, rowGroup: number, field: FooterField): number {
  const chunks = footer.rowGroups[rowGroup]?.chunks ?? [];
  let sum = 0;
  for (let leaf = field.leafStart; leaf < field.leafEnd; leaf++) sum += chunks[leaf]?.uncompressed ?? 0;
  return sum;
}

/** Row groups are merged into one decode call only while they total less than this: merging saves per-call overhead, which matters for small ones only. */
const MERGE_LIMIT = 4 * 1024 * 1024;

/**
 * Cuts the read of `fields` from `rowGroups` (in that order) into units of at most `budget`
 * uncompressed bytes. Consecutive small row groups merge (up to 4 MiB); a row group over budget
 * becomes one unit whose fields are split greedily (one field at least per group).
 */
export function planDecodeUnits(footer: ParquetFooter, rowGroups: readonly number[], fields: FooterField[], budget: number): DecodeUnit[] {
  const mergeLimit = Math.min(budget, MERGE_LIMIT);
  const units: DecodeUnit[] = [];
  let bytes = 0;
  for (const rg of rowGroups) {
    const sizes = fields.map((f) => fieldBytes(footer, rg, f));
    const size = sizes.reduce((a, b) => a + b, 0);
    if (size > budget && fields.length > 1) {
      units.push({ rowGroups: [rg], columnGroups: splitFields(fields, sizes, budget) });
      bytes = Number.POSITIVE_INFINITY;
      continue;
    }
    const last = units[units.length - 1];
    if (last && last.rowGroups[last.rowGroups.length - 1] === rg - 1 && bytes + size <= mergeLimit) {
      last.rowGroups.push(rg);
      bytes += size;
    } else {
      units.push({ rowGroups: [rg], columnGroups: [fields] });
      bytes = size;
    }
  }
  return units;
}

function splitFields(fields: FooterField[], sizes: number[], budget: number): FooterField[][] {
  const groups: FooterField[][] = [];
  let current: FooterField[] = [];
  let bytes = 0;
  fields.forEach((field, i) => {
    const size = sizes[i] as number;
    if (current.length > 0 && bytes + size > budget) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(field);
    bytes += size;
  });
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * Joins the batches of column groups decoded from the same rows: batch i of every part becomes one
 * batch with all their columns, in part order. Parts must have matching batch lengths.
 */
export function zipColumnGroups(parts: RecordBatch[][], path: string): RecordBatch[] {
  const first = parts[0] ?? [];
  return first.map((batch, i) => {
    const pieces = parts.map((p) => p[i]);
    if (pieces.some((p) => !p || p.numRows !== batch.numRows))
      throw new CorruptParquetError(path, "column groups of one row group decoded to different row counts");
    const fields = pieces.flatMap((p) => (p as RecordBatch).schema.fields);
    const children = pieces.flatMap((p) => (p as RecordBatch).data.children as Data[]);
    const schema = new Schema(fields, batch.schema.metadata);
    return new RecordBatch(schema, makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children }));
  });
}

/**
 * Joins complete single-row-group Parquet files ("parts", each written by parquet-wasm's
 * synchronous writer) into one Parquet file, emitted as a sequence of byte chunks.
 *
 * Each part's column data is emitted as is, right after the previous one; its footer's offsets are
 * shifted to the new positions; its page indexes (column index, offset index) are kept and
 * emitted after all data, with the offsets inside each offset index shifted too; one footer with
 * every row group closes the file. The result is byte-for-byte the layout the Rust writer itself
 * produces for a multi-row-group file. Pure and synchronous.
 */
import { ParquetWriteError } from "../errors/parquet-errors.js";
import { decodeFooter, footerLength, PARQUET_MAGIC } from "./parquet-footer.js";
import {
  decodeStruct,
  encodeStruct,
  getI64,
  getInt,
  getStruct,
  getStructList,
  i16,
  i32,
  i64,
  structList,
  type ThriftStruct,
  TType,
} from "./parquet-thrift.js";

interface PendingIndex {
  chunk: ThriftStruct;
  bytes: Uint8Array;
  offsetField: number;
  lengthField: number;
}

/** Assembles one Parquet file from parts; see the module notes. */
export class ParquetStitcher {
  private position = 0;
  private numRows = 0n;
  private readonly rowGroups: ThriftStruct[] = [];
  private readonly columnIndexes: PendingIndex[] = [];
  private readonly offsetIndexes: PendingIndex[] = [];
  private first: ThriftStruct | undefined;

  /** Bytes emitted so far. */
  get bytesWritten(): number {
    return this.position;
  }

  /** Rows in the parts added so far. */
  get rowCount(): number {
    return Number(this.numRows);
  }

  /** Row groups added so far. */
  get rowGroupCount(): number {
    return this.rowGroups.length;
  }

  /** Adds a part; returns the chunks to emit now (the file header first, then its column data). */
  add(part: Uint8Array): Uint8Array[] {
    const length = footerLength(part, part.byteLength, "(parquet writer output)");
    const footer = decodeFooter(
      part.subarray(part.byteLength - 8 - length, part.byteLength - 8),
      part.byteLength,
      "(parquet writer output)",
    );
    const out: Uint8Array[] = [];
    if (this.position === 0) {
      out.push(PARQUET_MAGIC.slice());
      this.position = PARQUET_MAGIC.byteLength;
    }
    this.first ??= footer.raw;
    const dataEnd = footer.rowGroups.reduce(
      (end, g) => g.chunks.reduce((e, c) => Math.max(e, c.start + c.length), end),
      PARQUET_MAGIC.byteLength,
    );
    const shift = BigInt(this.position - PARQUET_MAGIC.byteLength);
    for (const raw of getStructList(footer.raw, 4)) {
      this.rowGroups.push(this.shiftRowGroup(raw, shift, part));
      this.numRows += getI64(raw, 3) ?? 0n;
    }
    if (dataEnd > PARQUET_MAGIC.byteLength) {
      out.push(part.subarray(PARQUET_MAGIC.byteLength, dataEnd));
      this.position += dataEnd - PARQUET_MAGIC.byteLength;
    }
    return out;
  }

  /**
   * Closes the file: returns the page indexes and the footer. `emptySchemaPart` (a part with no
   * row groups) supplies the schema when no part was added.
   */
  finish(emptySchemaPart?: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (!this.first) {
      if (!emptySchemaPart) throw new ParquetWriteError("no batches and no schema to write an empty file with");
      out.push(...this.add(emptySchemaPart));
    }
    for (const pending of [...this.columnIndexes, ...this.offsetIndexes]) {
      pending.chunk.set(pending.offsetField, i64(this.position));
      pending.chunk.set(pending.lengthField, i32(pending.bytes.byteLength));
      out.push(pending.bytes);
      this.position += pending.bytes.byteLength;
    }
    const meta = new Map(this.first as ThriftStruct);
    meta.set(3, i64(this.numRows));
    meta.set(4, structList(this.rowGroups));
    const encoded = encodeStruct(meta);
    const tail = new Uint8Array(encoded.byteLength + 8);
    tail.set(encoded, 0);
    new DataView(tail.buffer).setUint32(encoded.byteLength, encoded.byteLength, true);
    tail.set(PARQUET_MAGIC, encoded.byteLength + 4);
    out.push(tail);
    this.position += tail.byteLength;
    return out;
  }

  private shiftRowGroup(raw: ThriftStruct, shift: bigint, part: Uint8Array): ThriftStruct {
    const columns = getStructList(raw, 1).map((chunk) => {
      const next = new Map(chunk);
      const meta = getStruct(chunk, 3);
      if (meta) {
        const shifted = new Map(meta);
        for (const id of [9, 10, 11, 14]) shiftField(shifted, id, shift);
        next.set(3, { t: TType.Struct, v: shifted });
      }
      if ((getI64(chunk, 2) ?? 0n) > 0n) shiftField(next, 2, shift);
      this.takeIndex(next, part, 6, 7, this.columnIndexes, undefined);
      this.takeIndex(next, part, 4, 5, this.offsetIndexes, shift);
      return next;
    });
    const next = new Map(raw);
    next.set(1, structList(columns));
    shiftField(next, 5, shift);
    next.set(7, i16(this.rowGroups.length));
    return next;
  }

  /** Moves a page-index structure out of the part, shifting page offsets for offset indexes. */
  private takeIndex(
    chunk: ThriftStruct,
    part: Uint8Array,
    offsetField: number,
    lengthField: number,
    into: PendingIndex[],
    shift: bigint | undefined,
  ): void {
    const offset = getI64(chunk, offsetField);
    const length = getInt(chunk, lengthField);
    if (offset === undefined || length === undefined) return;
    let bytes = part.slice(Number(offset), Number(offset) + length);
    if (shift !== undefined) {
      const index = decodeStruct(bytes).value;
      const pages = getStructList(index, 1).map((page) => {
        const moved = new Map(page);
        shiftField(moved, 1, shift);
        return moved;
      });
      index.set(1, structList(pages));
      bytes = encodeStruct(index).slice();
    }
    into.push({ chunk, bytes, offsetField, lengthField });
  }
}

function shiftField(s: ThriftStruct, id: number, shift: bigint): void {
  const v = getI64(s, id);
  if (v !== undefined) s.set(id, i64(v + shift));
}

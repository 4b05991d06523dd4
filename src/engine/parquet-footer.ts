/**
 * The Parquet footer as lakelog needs it: where each column chunk lives, and how to rebuild a
 * small, self-contained Parquet file that holds only some columns of some row groups.
 *
 * That rebuilt ("projected") file is how the reader gets projection and row-group selection out of
 * parquet-wasm's synchronous decoder, which has neither (see `spec/notes/parquet-wasm.md`): the
 * reader fetches just the byte ranges of the wanted column chunks, places them after a fresh
 * `PAR1`, and appends a footer whose schema, row groups and offsets describe only those bytes.
 * Pure functions over bytes; no I/O.
 */
import { InternalError } from "../errors/argument-errors.js";
import { CorruptParquetError, UnsupportedParquetError } from "../errors/parquet-errors.js";
import {
  decodeStruct,
  encodeStruct,
  getI64,
  getInt,
  getList,
  getString,
  getStruct,
  getStructList,
  i32,
  i64,
  structList,
  ThriftDecodeError,
  type ThriftStruct,
  type ThriftValue,
  TType,
} from "./parquet-thrift.js";

/** `PAR1`, at the start and end of every unencrypted Parquet file. */
export const PARQUET_MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]);
/** `PARE`: a file whose footer is encrypted. */
const ENCRYPTED_MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x45]);
/** Key under which Arrow writers embed their schema; the reader drops it (see module notes). */
export const ARROW_SCHEMA_KEY = "ARROW:schema";

/** Byte range of one column chunk in the file, and its size once decompressed. */
export interface ChunkRange {
  start: number;
  length: number;
  uncompressed: number;
}

/** One row group as the footer describes it. */
export interface FooterRowGroup {
  numRows: number;
  /** Uncompressed size of all its column data. */
  totalByteSize: number;
  /** Compressed size: the bytes a full read of the row group fetches. */
  compressedSize: number;
  /** One range per leaf column, in schema leaf order. */
  chunks: ChunkRange[];
}

/** One top-level field and the schema elements and leaf columns it spans. */
export interface FooterField {
  name: string;
  /** Index range `[start, end)` in the flattened schema list. */
  schemaStart: number;
  schemaEnd: number;
  /** Index range `[start, end)` of its leaf columns. */
  leafStart: number;
  leafEnd: number;
}

/** Parquet physical type codes (the footer's `Type` enum). */
export const PhysicalType = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  INT96: 3,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
  FIXED_LEN_BYTE_ARRAY: 7,
} as const;

/** One leaf column: where its element sits in the flattened schema, and its physical type. */
export interface FooterLeaf {
  schemaIndex: number;
  physicalType: number;
}

/** A decoded footer. `raw` is the FileMetaData tree, kept whole for rebuilding. */
export interface ParquetFooter {
  raw: ThriftStruct;
  numRows: number;
  rowGroups: FooterRowGroup[];
  fields: FooterField[];
  leaves: FooterLeaf[];
  numLeaves: number;
  keyValueMetadata: Map<string, string>;
  createdBy: string | undefined;
  /** Offset of the first footer byte; every column chunk ends at or before it. */
  metadataStart: number;
}

/**
 * Checks the last 8 bytes of a file (`tail` ends at the file's end) and returns the length of
 * the Thrift metadata that precedes them. Throws {@link CorruptParquetError} or
 * {@link UnsupportedParquetError}.
 */
export function footerLength(tail: Uint8Array, fileSize: number, path: string): number {
  if (fileSize < 12 || tail.byteLength < 8) throw new CorruptParquetError(path, `file of ${fileSize} bytes is too small to be Parquet`);
  const magic = tail.subarray(tail.byteLength - 4);
  if (equalBytes(magic, ENCRYPTED_MAGIC)) throw new UnsupportedParquetError(path, "an encrypted footer");
  if (!equalBytes(magic, PARQUET_MAGIC)) throw new CorruptParquetError(path, "no PAR1 magic at the end (truncated or not Parquet)");
  const view = new DataView(tail.buffer, tail.byteOffset + tail.byteLength - 8, 4);
  const length = view.getUint32(0, true);
  if (length + 12 > fileSize) throw new CorruptParquetError(path, `footer length ${length} exceeds the file size ${fileSize}`);
  return length;
}

/**
 * Decodes the footer metadata (`bytes` is exactly the Thrift FileMetaData) of a file of
 * `fileSize` bytes, validating every column chunk range against the file.
 */
export function decodeFooter(bytes: Uint8Array, fileSize: number, path: string): ParquetFooter {
  let raw: ThriftStruct;
  try {
    raw = decodeStruct(bytes).value;
  } catch (err) {
    if (err instanceof ThriftDecodeError) throw new CorruptParquetError(path, `unreadable footer: ${err.message}`, { cause: err });
    throw err;
  }
  if (raw.has(8)) throw new UnsupportedParquetError(path, "column encryption");
  const metadataStart = fileSize - 8 - bytes.byteLength;
  const { fields, leaves } = topLevelFields(getStructList(raw, 2), path);
  const numLeaves = leaves.length;
  const rowGroups = getStructList(raw, 4).map((rg, i) => decodeRowGroup(rg, i, numLeaves, metadataStart, path));
  const keyValueMetadata = new Map<string, string>();
  for (const kv of getStructList(raw, 5)) {
    const key = getString(kv, 1);
    if (key !== undefined) keyValueMetadata.set(key, getString(kv, 2) ?? "");
  }
  const numRows = toSafe(getI64(raw, 3), "num_rows", path);
  // a footer whose row groups do not add up to its row count would read as fewer rows, silently
  const groupRows = rowGroups.reduce((n, g) => n + g.numRows, 0);
  if (groupRows !== numRows)
    throw new CorruptParquetError(path, `footer says ${numRows} rows but its ${rowGroups.length} row groups hold ${groupRows}`);
  return { raw, numRows, rowGroups, fields, leaves, numLeaves, keyValueMetadata, createdBy: getString(raw, 6), metadataStart };
}

function topLevelFields(schema: ThriftStruct[], path: string): { fields: FooterField[]; leaves: FooterLeaf[] } {
  const root = schema[0];
  if (!root) throw new CorruptParquetError(path, "footer has an empty schema");
  const fields: FooterField[] = [];
  const leaves: FooterLeaf[] = [];
  let pos = 1;
  // Walks one subtree from `pos`, returning after its last element.
  const walk = (depth: number): void => {
    if (depth > 100) throw new CorruptParquetError(path, "schema nested too deeply");
    const element = schema[pos];
    if (!element) throw new CorruptParquetError(path, "schema ends inside a group");
    pos++;
    const physicalType = getInt(element, 1);
    if (physicalType !== undefined) {
      leaves.push({ schemaIndex: pos - 1, physicalType });
      return;
    }
    const children = getInt(element, 5) ?? 0;
    for (let i = 0; i < children; i++) walk(depth + 1);
  };
  const rootChildren = getInt(root, 5) ?? 0;
  for (let i = 0; i < rootChildren; i++) {
    const schemaStart = pos;
    const leafStart = leaves.length;
    const name = getString(schema[pos] ?? new Map(), 4) ?? "";
    walk(1);
    fields.push({ name, schemaStart, schemaEnd: pos, leafStart, leafEnd: leaves.length });
  }
  if (pos !== schema.length) throw new CorruptParquetError(path, `schema lists ${schema.length} elements but its tree holds ${pos}`);
  return { fields, leaves };
}

function decodeRowGroup(rg: ThriftStruct, index: number, numLeaves: number, limit: number, path: string): FooterRowGroup {
  const columns = getStructList(rg, 1);
  if (columns.length !== numLeaves)
    throw new CorruptParquetError(path, `row group ${index} has ${columns.length} column chunks for ${numLeaves} columns`);
  const chunks = columns.map((chunk, c) => {
    const filePath = getString(chunk, 1);
    if (filePath) throw new UnsupportedParquetError(path, `column chunks stored in another file (${filePath})`);
    if (chunk.has(8) || chunk.has(9)) throw new UnsupportedParquetError(path, "column encryption");
    const meta = getStruct(chunk, 3);
    if (!meta) throw new CorruptParquetError(path, `row group ${index} column ${c} has no metadata`);
    const range = chunkRange(meta);
    if (range.start < 0 || range.length < 0 || range.start + range.length > limit) {
      throw new CorruptParquetError(
        path,
        `row group ${index} column ${c} spans bytes ${range.start}..${range.start + range.length}, outside the data area (${limit} bytes)`,
      );
    }
    return range;
  });
  return {
    numRows: toSafe(getI64(rg, 3), "num_rows", path),
    totalByteSize: Number(getI64(rg, 2) ?? 0n),
    compressedSize: chunks.reduce((sum, c) => sum + c.length, 0),
    chunks,
  };
}

/**
 * Where a chunk starts: at its dictionary page when it has one, else at its first data page. A
 * dictionary offset of 0 or past the data page (written by some old writers) is ignored.
 */
function chunkRange(meta: ThriftStruct): ChunkRange {
  const data = Number(getI64(meta, 9) ?? -1n);
  const dict = getI64(meta, 11);
  const start = dict !== undefined && dict > 0n && Number(dict) < data ? Number(dict) : data;
  return { start, length: Number(getI64(meta, 7) ?? -1n), uncompressed: Number(getI64(meta, 6) ?? 0n) };
}

/** A coalesced byte range to fetch, and the bytes once fetched. */
export interface FetchRange {
  start: number;
  end: number;
}

/**
 * The byte ranges holding the given leaves of the given row groups, sorted, with neighbours
 * closer than `gap` bytes merged into one.
 */
export function planFetch(footer: ParquetFooter, rowGroups: readonly number[], leaves: readonly number[], gap: number): FetchRange[] {
  const ranges: FetchRange[] = [];
  for (const rg of rowGroups) {
    const group = footer.rowGroups[rg];
    if (!group) continue;
    for (const leaf of leaves) {
      const chunk = group.chunks[leaf];
      if (chunk && chunk.length > 0) ranges.push({ start: chunk.start, end: chunk.start + chunk.length });
    }
  }
  ranges.sort((a, b) => a.start - b.start);
  const merged: FetchRange[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end + gap) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}

/** The leaf indexes of the given top-level fields, in field order. */
export function leavesOf(fields: readonly FooterField[]): number[] {
  return fields.flatMap((f) => Array.from({ length: f.leafEnd - f.leafStart }, (_, i) => f.leafStart + i));
}

/**
 * Builds a self-contained Parquet file holding `fields` (in that order) of `rowGroups`, from
 * fetched ranges that cover those column chunks (as {@link planFetch} returns them). The fetched
 * bytes are laid out one after another and the new footer points into them. The Arrow schema
 * hint (`ARROW:schema`) is dropped, so column types follow the Parquet schema alone.
 *
 * INT96 leaves are declared as 12-byte FIXED_LEN_BYTE_ARRAY (same bytes on disk), so the decoder
 * hands over the raw values instead of converting them to nanoseconds, which overflows outside
 * the years 1677–2262; `parquet-int96` converts them exactly.
 */
export function buildProjectedFile(
  footer: ParquetFooter,
  rowGroups: readonly number[],
  fields: readonly FooterField[],
  fetched: readonly { range: FetchRange; bytes: Uint8Array }[],
): Uint8Array {
  const placed: { range: FetchRange; bytes: Uint8Array; at: number }[] = [];
  let at = PARQUET_MAGIC.byteLength;
  for (const f of fetched) {
    placed.push({ ...f, at });
    at += f.bytes.byteLength;
  }
  const relocate = (offset: number): number => {
    const hit = placed.find((p) => offset >= p.range.start && offset < p.range.start + p.bytes.byteLength);
    if (!hit) throw new InternalError(`offset ${offset} is not in any fetched range`);
    return hit.at + (offset - hit.range.start);
  };
  const leaves = leavesOf(fields);
  const rawGroups = getStructList(footer.raw, 4);
  const isInt96 = (leaf: number) => footer.leaves[leaf]?.physicalType === PhysicalType.INT96;
  const newGroups = rowGroups.map((rg) =>
    projectRowGroup(rawGroups[rg] as ThriftStruct, footer.rowGroups[rg] as FooterRowGroup, leaves, relocate, isInt96),
  );
  const meta = projectedMetadata(footer, fields, leaves, newGroups);
  const encoded = encodeStruct(meta);
  const out = new Uint8Array(at + encoded.byteLength + 8);
  out.set(PARQUET_MAGIC, 0);
  for (const p of placed) out.set(p.bytes, p.at);
  out.set(encoded, at);
  new DataView(out.buffer).setUint32(at + encoded.byteLength, encoded.byteLength, true);
  out.set(PARQUET_MAGIC, at + encoded.byteLength + 4);
  return out;
}

/** A file with the footer's schema (all fields) and no row groups: enough to derive its Arrow schema. */
export function buildSchemaOnlyFile(footer: ParquetFooter): Uint8Array {
  return buildProjectedFile({ ...footer, rowGroups: [] }, [], footer.fields, []);
}

function projectRowGroup(
  raw: ThriftStruct,
  group: FooterRowGroup,
  leaves: number[],
  relocate: (offset: number) => number,
  isInt96: (leaf: number) => boolean,
): ThriftStruct {
  const columns = getStructList(raw, 1);
  const newColumns: ThriftStruct[] = [];
  let compressed = 0;
  let firstOffset: number | undefined;
  for (const leaf of leaves) {
    const chunk = columns[leaf] as ThriftStruct;
    const range = group.chunks[leaf] as ChunkRange;
    const meta = new Map(getStruct(chunk, 3));
    const start = range.length > 0 ? relocate(range.start) : 0;
    const dataOffset = Number(getI64(meta, 9) ?? 0n);
    const hasDict = range.start !== dataOffset;
    meta.set(9, i64(start + (dataOffset - range.start)));
    if (hasDict) meta.set(11, i64(start));
    else meta.delete(11);
    for (const id of [10, 14, 15]) meta.delete(id); // index page, bloom filter: not carried over
    if (isInt96(leaf)) {
      meta.set(1, i32(PhysicalType.FIXED_LEN_BYTE_ARRAY));
      meta.delete(12); // INT96 statistics have no meaning as bytes
    }
    const next = new Map(chunk);
    for (const id of [4, 5, 6, 7]) next.delete(id); // page index: not carried over
    next.set(2, i64(start));
    next.set(3, { t: TType.Struct, v: meta });
    newColumns.push(next);
    compressed += range.length;
    firstOffset ??= start;
  }
  const next = new Map(raw);
  next.set(1, structList(newColumns));
  next.delete(4); // sorting columns index leaves that may be gone
  next.delete(7);
  if (firstOffset !== undefined) next.set(5, i64(firstOffset));
  else next.delete(5);
  next.set(6, i64(compressed));
  return next;
}

function projectedMetadata(footer: ParquetFooter, fields: readonly FooterField[], leaves: number[], groups: ThriftStruct[]): ThriftStruct {
  const schema = getList(footer.raw, 2);
  const root = new Map((schema[0] as { v: ThriftStruct }).v);
  root.set(5, i32(fields.length));
  const elements: ThriftValue[] = [{ t: TType.Struct, v: root }];
  const int96Elements = new Set(footer.leaves.filter((l) => l.physicalType === PhysicalType.INT96).map((l) => l.schemaIndex));
  for (const f of fields) {
    for (let i = f.schemaStart; i < f.schemaEnd; i++) {
      const element = schema[i] as ThriftValue;
      if (!int96Elements.has(i) || element.t !== TType.Struct) {
        elements.push(element);
        continue;
      }
      const fixed = new Map(element.v);
      fixed.set(1, i32(PhysicalType.FIXED_LEN_BYTE_ARRAY));
      fixed.set(2, i32(12));
      elements.push({ t: TType.Struct, v: fixed });
    }
  }
  const meta = new Map(footer.raw);
  meta.set(2, { t: TType.List, elem: TType.Struct, v: elements });
  meta.set(3, i64(groups.reduce((sum, g) => sum + (getI64(g, 3) ?? 0n), 0n)));
  meta.set(4, structList(groups));
  const kv = getStructList(footer.raw, 5).filter((e) => getString(e, 1) !== ARROW_SCHEMA_KEY);
  if (kv.length > 0) meta.set(5, structList(kv));
  else meta.delete(5);
  const orders = getList(footer.raw, 7);
  if (orders.length === footer.numLeaves)
    meta.set(7, { t: TType.List, elem: TType.Struct, v: leaves.map((l) => orders[l] as ThriftValue) });
  else meta.delete(7);
  return meta;
}

function toSafe(v: bigint | undefined, what: string, path: string): number {
  if (v === undefined || v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new CorruptParquetError(path, `footer ${what} is missing or out of range`);
  return Number(v);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
}

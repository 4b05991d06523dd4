/**
 * Generated columns (writer feature `generatedColumns`): a top-level column whose field metadata
 * `delta.generationExpression` holds a SQL expression over the other columns. PROTOCOL.md: a
 * writer must make every written row satisfy `column <=> expression` (null-safe equality).
 *
 * lakelog computes a generated column the written data omits (with the expression language:
 * `bindValue` against the table schema, stored-assignment conversion to the column type), and
 * checks one the data supplies: a row whose value differs (NULL equals only NULL) fails the write
 * with {@link GeneratedColumnMismatchError}. An expression lakelog cannot evaluate fails with
 * {@link UnsupportedGenerationExpressionError} before any file is written.
 */
import { type Data, Field, type RecordBatch, Schema } from "apache-arrow";
import { batchOf } from "../../arrow/data.js";
import { LakelogError } from "../../errors/base.js";
import { GeneratedColumnMismatchError, UnsupportedGenerationExpressionError } from "../../errors/feature-errors.js";
import { bindValue, type BoundValue } from "../../expr/bind.js";
import { evaluateValue } from "../../expr/evaluate.js";
import { parseExpression } from "../../expr/parse.js";
import { readScalar } from "../../expr/read.js";
import { compareScalars } from "../../expr/values.js";
import { toArrowSchema } from "../../schema/arrow-schema.js";
import type { PrimitiveTypeName, StructField, StructType } from "../../schema/types.js";
import { conformBatch, writeArrowSchema } from "./conform.js";
import { violationsAt } from "./constraint-values.js";

/** Field metadata key marking an identity column (whose omitted values are allocated, see identity-columns.ts). */
const IDENTITY_START = "delta.identity.start";

/** Field metadata key of a generated column's expression. */
export const GENERATION_EXPRESSION_KEY = "delta.generationExpression";

/** One generated column, compiled. */
export interface GeneratedColumn {
  /** The column name (schema spelling) and its position in the schema. */
  readonly name: string;
  readonly index: number;
  /** The SQL text as stored in the table. */
  readonly expression: string;
  /** The expression bound to the table schema, converted to the column's type. */
  readonly value: BoundValue;
  readonly type: PrimitiveTypeName;
}

/**
 * The generated columns of `schema` (top-level fields with `delta.generationExpression`),
 * compiled. Throws {@link UnsupportedGenerationExpressionError} for an expression lakelog cannot
 * parse, bind or store in the column's type. Pure.
 */
export function compileGeneratedColumns(schema: StructType): GeneratedColumn[] {
  const out: GeneratedColumn[] = [];
  schema.fields.forEach((field, index) => {
    const expression = field.metadata[GENERATION_EXPRESSION_KEY];
    if (typeof expression !== "string") return;
    if (typeof field.type !== "string" || field.type === "variant") {
      throw new UnsupportedGenerationExpressionError(field.name, expression, "only columns of primitive types can be computed");
    }
    try {
      const value = bindValue(parseExpression(expression), schema, { targetType: field.type });
      out.push({ name: field.name, index, expression, value, type: field.type });
    } catch (err) {
      if (!(err instanceof LakelogError)) throw err;
      throw new UnsupportedGenerationExpressionError(field.name, expression, err.message, { cause: err });
    }
  });
  return out;
}

/** True when the schema has a generated column. */
export function hasGeneratedColumns(schema: StructType): boolean {
  return schema.fields.some((f) => typeof f.metadata[GENERATION_EXPRESSION_KEY] === "string");
}

/**
 * Conforms write batches to a schema with generated columns: {@link conformBatch}, then each
 * omitted generated column computed and each supplied one checked. One instance per write (it
 * caches the schemas it derives).
 */
export class GeneratedColumnFiller {
  private readonly relaxed = new Map<string, StructType>();

  constructor(
    private readonly schema: StructType,
    private readonly columns: readonly GeneratedColumn[],
  ) {}

  /** `raw` conformed to the schema, generated columns filled in or checked. Throws {@link GeneratedColumnMismatchError}. */
  conform(raw: RecordBatch): RecordBatch {
    if (this.columns.length === 0) return conformBatch(raw, this.schema);
    const present = new Set(raw.schema.fields.map((f) => f.name.toLowerCase()));
    const missing = this.columns.filter((g) => !present.has(g.name.toLowerCase()));
    const target = this.relaxedSchema(missing);
    const batch = conformBatch(raw, target);
    for (const g of this.columns) if (!missing.includes(g)) checkColumn(batch, g);
    if (missing.length === 0) return batch;
    const columns: Data[] = [...batch.data.children];
    for (const g of missing) columns[g.index] = evaluateValue(g.value, batch).data[0]!;
    const arrow = writeArrowSchema(target);
    const fields = arrow.fields.map((f, i) => (columns[i]!.type === f.type ? f : f.clone({ type: columns[i]!.type })));
    return conformBatch(batchOf(new Schema(fields, arrow.metadata), columns, batch.numRows), this.schema);
  }

  /** The schema with the omitted generated columns nullable (they are null until computed). */
  private relaxedSchema(missing: readonly GeneratedColumn[]): StructType {
    if (missing.every((g) => this.schema.fields[g.index]!.nullable)) return this.schema;
    const key = missing.map((g) => g.index).join(",");
    let schema = this.relaxed.get(key);
    if (!schema) {
      const indexes = new Set(missing.map((g) => g.index));
      schema = { ...this.schema, fields: this.schema.fields.map((f, i) => (indexes.has(i) ? { ...f, nullable: true } : f)) };
      this.relaxed.set(key, schema);
    }
    return schema;
  }
}

/** Checks `column <=> expression` on every row; throws on the first batch with a mismatch. */
function checkColumn(batch: RecordBatch, g: GeneratedColumn): void {
  const expected = evaluateValue(g.value, batch).data[0]!;
  const supplied = batch.data.children[g.index]!;
  const bad: number[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const a = readScalar(supplied, i);
    const b = readScalar(expected, i);
    const same = a === null || b === null ? a === b : compareScalars(a, b, g.type) === 0;
    if (!same) bad.push(i);
  }
  if (bad.length === 0) return;
  const row = bad[0]!;
  const column = { path: [g.name], type: g.type, nullable: true };
  const shown = violationsAt(batch, [column], [row])[0]!.values[g.name];
  const computed = batchOf(new Schema([new Field(g.name, expected.type, true)]), [expected], batch.numRows);
  const expectedShown = violationsAt(computed, [column], [row])[0]!.values[g.name];
  throw new GeneratedColumnMismatchError(g.name, g.expression, row, shown, expectedShown, bad.length);
}

/**
 * The Arrow schema plain-object rows are typed by: the table's, without the computed columns
 * (generated, identity, and those in `alsoComputed`) that no row gives a value for, so they count as
 * omitted rather than NULL.
 */
export function rowInputSchema(schema: StructType, data: unknown, alsoComputed: ReadonlySet<string> = new Set()): Schema {
  const arrow = toArrowSchema(schema);
  if (!Array.isArray(data)) return arrow;
  const isComputed = (f: StructField) =>
    typeof f.metadata[GENERATION_EXPRESSION_KEY] === "string" || IDENTITY_START in f.metadata || alsoComputed.has(f.name);
  const computed = new Set(schema.fields.filter(isComputed).map((f) => f.name.toLowerCase()));
  if (computed.size === 0) return arrow;
  const given = new Set<string>();
  for (const row of data) if (row !== null && typeof row === "object") for (const k of Object.keys(row)) given.add(k.toLowerCase());
  const fields = arrow.fields.filter((f) => !computed.has(f.name.toLowerCase()) || given.has(f.name.toLowerCase()));
  return fields.length === arrow.fields.length ? arrow : new Schema(fields, arrow.metadata);
}

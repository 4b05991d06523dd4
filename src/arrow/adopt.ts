/**
 * Adopting Arrow objects made by another copy of apache-arrow (its CommonJS build next to our ES
 * module build, or a second installed version). Such objects pass `instanceof` checks (apache-arrow
 * overrides them) but this copy's IPC writer serialises them into corrupt bytes, which would crash
 * the Parquet encoder. Adoption rebuilds the schema and `Data` tree with this copy's classes,
 * sharing every buffer. Pure and synchronous.
 */
import {
  Binary,
  Bool,
  Data,
  type DataType,
  Date_,
  Decimal,
  Dictionary,
  Duration,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float,
  Int,
  Interval,
  LargeBinary,
  LargeList,
  LargeUtf8,
  List,
  Map_,
  Null,
  RecordBatch,
  Schema,
  Struct,
  Time,
  Timestamp,
  Type,
  Utf8,
  Vector,
} from "apache-arrow";
import { ParquetWriteError } from "../errors/parquet-errors.js";
import { batchOf } from "./data.js";

/** Whether the batch was built by a different copy of apache-arrow than the engine's. */
export function isForeignBatch(batch: RecordBatch): boolean {
  return Object.getPrototypeOf(batch) !== RecordBatch.prototype || Object.getPrototypeOf(batch.data) !== Data.prototype;
}

/** The batch itself when it is this copy's, else an equivalent batch of this copy's classes (buffers shared). */
export function adoptBatch(batch: RecordBatch): RecordBatch {
  if (!isForeignBatch(batch)) return batch;
  const schema = new Schema(batch.schema.fields.map(adoptField), new Map(batch.schema.metadata));
  const columns = batch.data.children.map((d, i) => adoptData(d, (schema.fields[i] as Field).type));
  return batchOf(schema, columns, batch.numRows);
}

/** The schema itself when it is this copy's, else an equivalent one of this copy's classes. */
export function adoptSchema(schema: Schema): Schema {
  if (Object.getPrototypeOf(schema) === Schema.prototype && schema.fields.every((f) => Object.getPrototypeOf(f) === Field.prototype))
    return schema;
  return new Schema(schema.fields.map(adoptField), new Map(schema.metadata));
}

function adoptField(f: Field): Field {
  return new Field(f.name, adoptType(f.type), f.nullable, new Map(f.metadata));
}

type Props = Record<string, unknown>;

function adoptType(t: DataType): DataType {
  const p = t as unknown as Props;
  const children = () => (t.children as Field[]).map(adoptField);
  switch (t.typeId) {
    case Type.Null:
      return new Null();
    case Type.Bool:
      return new Bool();
    case Type.Int:
      return new Int(p.isSigned as never, p.bitWidth as never);
    case Type.Float:
      return new Float(p.precision as never);
    case Type.Utf8:
      return new Utf8();
    case Type.LargeUtf8:
      return new LargeUtf8();
    case Type.Binary:
      return new Binary();
    case Type.LargeBinary:
      return new LargeBinary();
    case Type.FixedSizeBinary:
      return new FixedSizeBinary(p.byteWidth as number);
    case Type.Decimal:
      return new Decimal(p.scale as number, p.precision as number, p.bitWidth as number);
    case Type.Date:
      return new Date_(p.unit as never);
    case Type.Time:
      return new Time(p.unit as never, p.bitWidth as never);
    case Type.Timestamp:
      return new Timestamp(p.unit as never, p.timezone as string | null);
    case Type.Interval:
      return new Interval(p.unit as never);
    case Type.Duration:
      return new Duration(p.unit as never);
    case Type.List:
      return new List(children()[0] as Field);
    case Type.LargeList:
      return new LargeList(children()[0] as Field);
    case Type.FixedSizeList:
      return new FixedSizeList(p.listSize as number, children()[0] as Field);
    case Type.Struct:
      return new Struct(children());
    case Type.Map:
      return new Map_(children()[0] as Field<Struct>, p.keysSorted as boolean);
    case Type.Dictionary:
      return new Dictionary(
        adoptType(p.dictionary as DataType),
        adoptType(p.indices as DataType) as never,
        p.id as number,
        p.isOrdered as boolean,
      );
    default:
      throw new ParquetWriteError(`columns of type ${t} cannot be written to Parquet`);
  }
}

function adoptData(d: Data, type: DataType): Data {
  const childTypes = (type.children ?? []) as Field[];
  const children = d.children.map((c, i) => adoptData(c, (childTypes[i] as Field).type));
  const dictionaryType = (type as unknown as Props).dictionary as DataType | undefined;
  const dictionary = d.dictionary && dictionaryType ? new Vector(d.dictionary.data.map((x) => adoptData(x, dictionaryType))) : undefined;
  return new Data(type, d.offset, d.length, d.nullCount, d.buffers, children, dictionary);
}

/**
 * lakelog — the Delta Lake table format for Node.js.
 *
 * This file is the deliberate public surface: everything a user imports comes from here.
 */

// storage
export { openStore } from "./storage/open-store.js";
export { parseLocation, type StoreLocation } from "./storage/location.js";
export { ensureAtomicCreate, type EnsureAtomicCreateOptions } from "./storage/atomic-create.js";
export { MemoryStore, type MemoryStoreOptions } from "./storage/memory-store.js";
export { LocalStore } from "./storage/local-store.js";
export { RetryStore } from "./storage/retry-store.js";
export { CountingStore, type StoreCounters } from "./storage/counting-store.js";
export type { AzureStorageOptions, RetryOptions, S3StorageOptions, StorageOptions } from "./storage/options.js";
export type {
  AtomicCreateSupport,
  ByteRange,
  CallOptions,
  GetOptions,
  ListOptions,
  ObjectMeta,
  ObjectStore,
  PutMode,
  PutOptions,
  PutResult,
  PutStreamOptions,
  StoreCapabilities,
} from "./storage/store.js";

// errors
export { LakelogError, isLakelogError } from "./errors/base.js";
export {
  AlreadyExistsError,
  AmbiguousOutcomeError,
  InvalidPathError,
  InvalidStorageConfigError,
  MissingDependencyError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionError,
  StorageError,
  StoreRequestError,
  TransientError,
  UnsupportedCapabilityError,
} from "./errors/storage-errors.js";
export {
  CorruptLogError,
  MissingActionError,
  MissingLogVersionsError,
  TableNotFoundError,
  TimestampOutOfRangeError,
  UnsupportedFeatureError,
  VersionNotFoundError,
} from "./errors/log-errors.js";
export { InvalidSchemaError, SchemaInferenceError, SchemaMismatchError } from "./errors/schema-errors.js";
export { CorruptParquetError, ParquetCastError, ParquetMemoryError, ParquetWriteError, UnsupportedParquetError } from "./errors/parquet-errors.js";
export {
  ExpressionParseError,
  IncompatibleLiteralError,
  InvalidExpressionError,
  InvalidPartitionValueError,
  UnknownColumnError,
} from "./errors/expression-errors.js";
export {
  CorruptDeletionVectorError,
  DeletionVectorOutsideTableError,
  InvalidDeletionVectorDescriptorError,
  InvalidRowIndexError,
} from "./errors/dv-errors.js";

// tables: open, inspect, time travel, scan
export { DeltaTable, type OpenTableOptions, type TimestampLike } from "./table/delta-table.js";
export type { ScanOptions, ScanProgress } from "./scan/scan.js";
export type { HistoryEntry } from "./timetravel/history.js";
export type { Snapshot } from "./log/snapshot.js";
export type {
  Action,
  AddCDCFile,
  AddFile,
  CommitInfo,
  DeletionVectorDescriptor,
  DomainMetadata,
  Metadata,
  Protocol,
  RemoveFile,
  SetTransaction,
} from "./log/actions.js";
export { SUPPORTED_READER_FEATURES } from "./log/table-features.js";

// filters
export { and, col, lit, not, or, type Expression, type LiteralValue } from "./scan/expression.js";
export { parseExpression } from "./scan/expr-parse.js";
export { formatExpression } from "./scan/expr-format.js";

// schemas
export type { ArrayType, DataType, MapType, PrimitiveTypeName, StructField, StructType } from "./schema/types.js";
export { toArrowSchema, toArrowType } from "./schema/arrow-schema.js";

// writing
export { writeDeltaTable, type CreateOptions, type WriteDeltaTableOptions } from "./table/delta-table.js";
export type { WriteMetrics, WriteOptions, WriteResult } from "./ops/write.js";
export type { WriteInput } from "./ops/write-input.js";
export { fromArrowSchema } from "./schema/from-arrow.js";
export { setParquetEncodeThreads } from "./engine/parquet-encode-pool.js";

// transactions
export { Transaction, type CommitResult, type OperationInfo, type TransactionOptions } from "./txn/transaction.js";
export type { IsolationLevel } from "./txn/conflicts.js";
export { SUPPORTED_WRITER_FEATURES } from "./txn/protocol-support.js";
export {
  CommitConflictError,
  CommitRetriesExhaustedError,
  ConcurrentAppendError,
  ConcurrentDeleteDeleteError,
  ConcurrentDeleteReadError,
  ConcurrentDomainMetadataError,
  ConcurrentTransactionError,
  MetadataChangedError,
  ProtocolChangedError,
  TableExistsError,
  WriteRefusedError,
} from "./errors/txn-errors.js";
export { ConstraintViolationError, NullConstraintError, UnsupportedConstraintError } from "./errors/constraint-errors.js";

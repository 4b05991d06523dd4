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
export { FaultStore, InjectedFault, type FaultAction, type FaultCall, type FaultMethod, type FaultRule } from "./storage/fault-store.js";
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
export { ExternalPathRefusedError, InternalError, InvalidArgumentError, InvalidOperationError } from "./errors/argument-errors.js";
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
  InvalidTablePropertyError,
  MissingLogVersionsError,
  TableNotFoundError,
  TimestampOutOfRangeError,
  UnsupportedFeatureError,
  VersionNotFoundError,
} from "./errors/log-errors.js";
export { InvalidSchemaError, SchemaInferenceError, SchemaMismatchError } from "./errors/schema-errors.js";
export {
  CorruptParquetError,
  ParquetCastError,
  ParquetMemoryError,
  ParquetWriteError,
  UnsupportedParquetError,
} from "./errors/parquet-errors.js";
export {
  AmbiguousColumnError,
  ArithmeticOverflowError,
  DivisionByZeroError,
  ExpressionParseError,
  ExpressionTypeError,
  IncompatibleLiteralError,
  InvalidCastError,
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
export type { ExternalPathPolicy } from "./scan/path-policy.js";
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
export { readTableProperties, TableProperties, type CheckpointPolicy } from "./log/table-properties.js";

// filters
export { and, col, lit, not, or, type Expression, type LiteralValue } from "./expr/expression.js";
export { parseExpression } from "./expr/parse.js";
export { formatExpression } from "./expr/format.js";
export { aliasResolver, bindValue, type BindValueOptions, type BoundValue, type ColumnResolver, type ValueType } from "./expr/bind.js";
export { evaluateValue } from "./expr/evaluate.js";

// schemas
export type { ArrayType, DataType, MapType, PrimitiveTypeName, StructField, StructType } from "./schema/types.js";
export { isSimpleTypeName } from "./schema/types.js";
export { parseSchemaString } from "./schema/parse-schema.js";
export { toArrowSchema, toArrowType } from "./schema/arrow-schema.js";

// writing
export { writeDeltaTable, type CreateOptions, type WriteDeltaTableOptions } from "./table/delta-table.js";
export type { WriteMetrics, WriteOptions, WriteResult } from "./ops/write/write-table.js";
export {
  DEFAULT_OPTIMIZE_CONCURRENCY,
  DEFAULT_OPTIMIZE_TARGET_SIZE,
  DEFAULT_ZORDER_MEMORY_LIMIT,
  type FileSizeMetrics,
  type OptimizeMetrics,
  type OptimizeOptions,
  type OptimizeProgress,
} from "./ops/maintenance/optimize.js";
export type { VacuumOptions, VacuumProgress, VacuumResult } from "./ops/maintenance/vacuum.js";
export type { RestoreMetrics, RestoreOptions, RestoreResult } from "./ops/maintenance/restore.js";
export type { DeleteMetrics, DeleteOptions, DeleteResult } from "./ops/row-level/delete.js";
export type { SetValue, UpdateMetrics, UpdateOptions, UpdateResult } from "./ops/row-level/update.js";
export { MergeBuilder, DEFAULT_MAX_SOURCE_BYTES } from "./ops/row-level/merge.js";
export type { MergeMetrics, MergeOptions, MergeResult } from "./ops/row-level/merge.js";
export { MergeCardinalityError, MergeSourceTooLargeError } from "./errors/merge-errors.js";
export type { ChangesOptions } from "./scan/changes.js";
export type { TableChangesOptions } from "./table/delta-table.js";
export { ChangeDataFeedNotEnabledError, ChangeDataFileMissingError, ChangeDataVersionError } from "./errors/row-level-errors.js";
export type { CheckpointMetrics, CheckpointOptions } from "./ops/maintenance/checkpoint.js";
export type { AutoMaintenanceOptions, MaintenanceEvent } from "./ops/maintenance/checkpoint-auto.js";
export type { LogCleanupMetrics, LogCleanupOptions } from "./ops/maintenance/log-cleanup.js";
export type { WriteInput } from "./ops/write/input.js";
export { fromArrowSchema } from "./schema/from-arrow.js";
export { createEngine, setParquetEncodeThreads, systemClock, type Clock, type Engine, type ParquetHandler } from "./engine/index.js";

// transactions
export { Transaction, type CommitOutcome, type CommitResult, type OperationInfo, type TransactionOptions } from "./txn/transaction.js";
export type { Conflict, IsolationLevel, WinningCommit } from "./txn/conflicts.js";
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
export {
  GeneratedColumnMismatchError,
  IdentityColumnUpdateError,
  IdentityColumnValueError,
  IdentityOverflowError,
  InvalidIdentityColumnError,
  UnsupportedGenerationExpressionError,
} from "./errors/feature-errors.js";
export { InvalidOptimizeOptionError, OptimizePredicateError, ZOrderColumnError, ZOrderMemoryLimitError } from "./errors/optimize-errors.js";
export { RestoreMissingFilesError, VacuumRetentionTooShortError } from "./errors/maintenance-vacuum-errors.js";
export { MalformedVariantError } from "./errors/variant-errors.js";
export {
  decodeVariant,
  encodeVariant,
  isVariantField,
  validateVariant,
  variantToJson,
  EncodedVariant,
  VariantDate,
  VariantDecimal,
  VariantTime,
  VariantTimestamp,
  VariantUuid,
  type DecodeVariantOptions,
  type VariantValue,
} from "./variant/index.js";

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

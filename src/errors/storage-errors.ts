/**
 * The closed set of storage errors. Every backend translates its SDK's or the OS's errors into one
 * of these at its boundary, with the original as `cause`; nothing above the store looks at SDK
 * error shapes or message text.
 */
import { LakelogError } from "./base.js";

/** Common fields: the store-relative path and the backend that failed. */
export abstract class StorageError extends LakelogError {
  constructor(
    message: string,
    readonly path: string,
    readonly backend: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The object does not exist. */
export class NotFoundError extends StorageError {
  readonly code = "NOT_FOUND";
  constructor(path: string, backend: string, options?: { cause?: unknown }) {
    super(`object not found: ${path} on ${backend}`, path, backend, options);
  }
}

/** A `create` found the object already present (another writer got there first). */
export class AlreadyExistsError extends StorageError {
  readonly code = "ALREADY_EXISTS";
  constructor(path: string, backend: string, options?: { cause?: unknown }) {
    super(`object already exists: ${path} on ${backend} (create-if-absent refused to overwrite it)`, path, backend, options);
  }
}

/** A conditional update (`ifMatch`) found a different version of the object. */
export class PreconditionError extends StorageError {
  readonly code = "PRECONDITION_FAILED";
  constructor(
    path: string,
    backend: string,
    readonly expectedEtag: string,
    options?: { cause?: unknown },
  ) {
    super(
      `conditional update failed: ${path} on ${backend} no longer has etag ${expectedEtag} (re-read it and retry)`,
      path,
      backend,
      options,
    );
  }
}

/** Credentials are missing, wrong, or lack the permission for this request. */
export class PermissionDeniedError extends StorageError {
  readonly code = "PERMISSION_DENIED";
  constructor(path: string, backend: string, detail: string, options?: { cause?: unknown }) {
    super(`permission denied: ${path} on ${backend}: ${detail} (check the credentials and their rights)`, path, backend, options);
  }
}

/**
 * A failure expected to pass on its own (throttling, 5xx, a reset connection). Raised only after
 * the store's retries are used up. `mayHaveApplied` says whether the request could have taken
 * effect although it reported failure.
 */
export class TransientError extends StorageError {
  readonly code = "TRANSIENT";
  constructor(
    path: string,
    backend: string,
    readonly attempts: number,
    readonly mayHaveApplied: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      `storage request failed transiently: ${path} on ${backend} after ${attempts} attempt(s) (try again later)`,
      path,
      backend,
      options,
    );
  }
}

/**
 * A create-if-absent whose outcome is unknown: the request may or may not have written the object
 * (for example the connection dropped after the body was sent). Never retried blindly; the caller
 * resolves it by reading the object back (the commit layer compares its transaction id).
 */
export class AmbiguousOutcomeError extends StorageError {
  readonly code = "AMBIGUOUS_OUTCOME";
  constructor(path: string, backend: string, options?: { cause?: unknown }) {
    super(
      `outcome of create unknown: ${path} on ${backend} may or may not have been written (read it back to decide)`,
      path,
      backend,
      options,
    );
  }
}

/** A path that is empty, malformed, or would leave the store's root (`..`). */
export class InvalidPathError extends StorageError {
  readonly code = "INVALID_PATH";
  constructor(path: string, backend: string, reason: string) {
    super(`invalid path: ${JSON.stringify(path)} on ${backend}: ${reason}`, path, backend);
  }
}

/** The request was refused by the service for a reason not covered above (HTTP status kept). */
export class StoreRequestError extends StorageError {
  readonly code = "STORE_REQUEST_FAILED";
  constructor(
    path: string,
    backend: string,
    readonly status: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`storage request failed: ${path} on ${backend}${status ? ` (HTTP ${status})` : ""}: ${detail}`, path, backend, options);
  }
}

/** The store cannot provide something the caller needs (atomic create, a put mode). */
export class UnsupportedCapabilityError extends LakelogError {
  readonly code = "UNSUPPORTED_CAPABILITY";
  constructor(
    readonly backend: string,
    readonly capability: string,
    hint: string,
  ) {
    super(`store ${backend} cannot provide ${capability} (${hint})`);
  }
}

/** The URL or the storage options cannot be turned into a store. */
export class InvalidStorageConfigError extends LakelogError {
  readonly code = "INVALID_STORAGE_CONFIG";
  constructor(
    readonly url: string,
    detail: string,
  ) {
    super(`cannot open store for ${url}: ${detail}`);
  }
}

/** An optional dependency needed for this URL scheme is not installed. */
export class MissingDependencyError extends LakelogError {
  readonly code = "MISSING_DEPENDENCY";
  constructor(
    readonly packageName: string,
    readonly neededFor: string,
    options?: { cause?: unknown },
  ) {
    super(`package ${packageName} is needed for ${neededFor} but is not installed (npm install ${packageName})`, options);
  }
}

/**
 * Translation of AWS SDK (v3) errors into the typed storage errors.
 *
 * Errors are classified only by fields the SDK and Node define for machines: the error `name`
 * (the S3 error code, e.g. `NoSuchKey`), `$metadata.httpStatusCode`, `$retryable.throttling`, and
 * the Node system error `code` (e.g. `ECONNRESET`). Message text is never looked at; it only
 * ends up in the detail of the message we build.
 */
import { LakelogError } from "../errors/base.js";
import {
  AlreadyExistsError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionError,
  StoreRequestError,
  TransientError,
} from "../errors/storage-errors.js";
import { CONNECTION_LOST_CODES, NEVER_SENT_CODES } from "./network-errors.js";

/** What the failed request was, which decides how a 404, 409 or 412 reads. */
export interface S3ErrorContext {
  /** Store-relative path (or list prefix) the request was for. */
  path: string;
  /** Backend name for the error, normally `s3`. */
  backend: string;
  /** The request was a create-if-absent (`If-None-Match: *`): 412 and 409 mean "already exists". */
  isCreate?: boolean;
  /** The request was conditional on this etag (`If-Match`): 412 and 409 mean "changed". */
  ifMatch?: string;
}

/** Throttling codes: the service refused the request before acting on it. */
const THROTTLING_NAMES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "ProvisionedThroughputExceededException",
]);

/**
 * Transient codes for requests the service certainly did not apply: S3 gave up reading the
 * request body (`RequestTimeout`, a 400), or a conflicting operation was in progress and this one
 * was refused (`OperationAborted`, a 409).
 */
const REFUSED_NAMES = new Set(["RequestTimeout", "OperationAborted"]);

/** Transient server-side codes after which the request may or may not have taken effect. */
const SERVER_FAULT_NAMES = new Set(["InternalError", "ServiceUnavailable", "InternalServerError", "BadGateway", "GatewayTimeout"]);

/** HTTP statuses worth retrying; whether the request may have applied is decided separately. */
const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);

/** S3 codes meaning the credentials are missing, wrong or not allowed, whatever the status. */
const PERMISSION_NAMES = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "TokenRefreshRequired",
  "AllAccessDisabled",
  "CredentialsProviderError",
]);

/** 404 codes that are not about the object: the bucket or the multipart upload is gone. */
const NOT_THE_OBJECT_NAMES = new Set(["NoSuchBucket", "NoSuchUpload"]);

/** The machine-readable fields of an SDK or Node error; every one may be absent. */
interface S3ErrorFields {
  name?: string;
  status?: number;
  code?: string;
  throttling?: boolean;
}

/** Reads the classification fields of an unknown thrown value without trusting its shape. */
function s3ErrorFields(err: unknown): S3ErrorFields {
  if (typeof err !== "object" || err === null) return {};
  const e = err as {
    name?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: { throttling?: unknown };
  };
  return {
    name: typeof e.name === "string" ? e.name : undefined,
    status: typeof e.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined,
    code: typeof e.code === "string" ? e.code : undefined,
    throttling: e.$retryable?.throttling === true,
  };
}

/**
 * True for an answer that says a conditional write's precondition did not hold: 412
 * `PreconditionFailed`, or 409 `ConditionalRequestConflict` (a concurrent conditional write to the
 * same key; AWS documents it for both `If-None-Match` and `If-Match`).
 */
function isConditionFailure(fields: S3ErrorFields): boolean {
  return fields.status === 412 || fields.name === "PreconditionFailed" || fields.name === "ConditionalRequestConflict";
}

/**
 * Maps an error thrown by the S3 client (or while reading a response body) to the storage error
 * set, with the original as `cause`:
 * - 404 / `NoSuchKey` / `NotFound` → {@link NotFoundError} (a missing bucket or upload is a
 *   {@link StoreRequestError} instead: retrying or reading back cannot fix it);
 * - 412 / 409 `ConditionalRequestConflict` → {@link AlreadyExistsError} for a create,
 *   {@link PreconditionError} for an `If-Match` write;
 * - 401 / 403 and credential codes → {@link PermissionDeniedError};
 * - throttling, 5xx, timeouts and dropped connections → {@link TransientError} for one attempt,
 *   with `mayHaveApplied` false only when the request certainly had no effect (no connection was
 *   made, or the service refused it: throttling, `RequestTimeout`, `OperationAborted`);
 * - anything else → {@link StoreRequestError} with the HTTP status.
 *
 * Lakelog errors and `AbortError`s are returned unchanged. Pure: performs no I/O.
 */
export function translateS3Error(err: unknown, context: S3ErrorContext): unknown {
  if (err instanceof LakelogError) return err;
  const fields = s3ErrorFields(err);
  if (fields.name === "AbortError") return err;
  const { path, backend } = context;
  scrubCredentialEcho(err);
  const options = { cause: err };
  const { name, status } = fields;

  if (isConditionFailure(fields)) {
    if (context.isCreate) return new AlreadyExistsError(path, backend, options);
    if (context.ifMatch !== undefined) return new PreconditionError(path, backend, context.ifMatch, options);
    return new StoreRequestError(path, backend, status, describe(fields, err), options);
  }
  if (status === 404 || name === "NoSuchKey" || name === "NotFound") {
    if (name !== undefined && NOT_THE_OBJECT_NAMES.has(name))
      return new StoreRequestError(path, backend, status, describe(fields, err), options);
    return new NotFoundError(path, backend, options);
  }
  if (status === 401 || status === 403 || (name !== undefined && PERMISSION_NAMES.has(name))) {
    return new PermissionDeniedError(path, backend, describe(fields, err), options);
  }
  const transient = transientOutcome(fields);
  if (transient !== undefined) return new TransientError(path, backend, 1, transient.mayHaveApplied, options);
  return new StoreRequestError(path, backend, status, describe(fields, err), options);
}

/**
 * Fields of an S3 error body that echo the request's credentials back (`SignatureDoesNotMatch`,
 * `InvalidAccessKeyId`): the SDK copies them onto the error, where printing the cause chain
 * (`util.inspect`, `JSON.stringify`) would show them. They are removed from the kept cause.
 */
const CREDENTIAL_ECHO_FIELDS = [
  "AWSAccessKeyId",
  "StringToSign",
  "StringToSignBytes",
  "SignatureProvided",
  "CanonicalRequest",
  "CanonicalRequestBytes",
];

function scrubCredentialEcho(err: unknown): void {
  if (typeof err !== "object" || err === null) return;
  const fields = err as Record<string, unknown>;
  for (const field of CREDENTIAL_ECHO_FIELDS) if (field in fields) delete fields[field];
}

/** Whether the failure is transient and, if so, whether the request may have taken effect. */
function transientOutcome({ name, status, code, throttling }: S3ErrorFields): { mayHaveApplied: boolean } | undefined {
  if (throttling || status === 429 || (name !== undefined && (THROTTLING_NAMES.has(name) || REFUSED_NAMES.has(name)))) {
    return { mayHaveApplied: false };
  }
  if (code !== undefined && NEVER_SENT_CODES.has(code)) return { mayHaveApplied: false };
  if (status !== undefined && TRANSIENT_STATUSES.has(status)) return { mayHaveApplied: true };
  if (name !== undefined && SERVER_FAULT_NAMES.has(name)) return { mayHaveApplied: true };
  if (code !== undefined && CONNECTION_LOST_CODES.has(code)) return { mayHaveApplied: true };
  // the Node HTTP handler names connection, socket-idle and request timeouts `TimeoutError`
  if (name === "TimeoutError") return { mayHaveApplied: true };
  return undefined;
}

/** Names that carry no information: the SDK's placeholders for an error body it could not read. */
const PLACEHOLDER_NAMES = new Set(["Error", "Unknown", "UnknownError"]);

/** Human-readable detail for messages only (never used to classify). */
function describe({ name, code, status }: S3ErrorFields, err: unknown): string {
  const label = [name, code].filter((s): s is string => s !== undefined && !PLACEHOLDER_NAMES.has(s)).join(" ");
  const message = err instanceof Error ? err.message : String(err);
  const informative = message !== "" && !PLACEHOLDER_NAMES.has(message) && message !== label;
  if (label === "") return informative ? message : `HTTP ${status ?? "error"} without details`;
  return informative ? `${label}: ${message}` : label;
}

/**
 * Translation of Azure SDK errors (`RestError` and Node socket errors) into the typed storage
 * errors, at the backend's boundary. Classification reads only the structured fields: HTTP
 * `statusCode`, the service error code (`details.errorCode`, the `x-ms-error-code` header, or the
 * body's `code`) and the socket error `code`; never the message text.
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
import { isAbortError } from "../util/abort.js";
import { CONNECTION_LOST_CODES, NEVER_SENT_CODES } from "./network-errors.js";

/** What the failed request was doing; decides how 409 and 412 read. */
export type AzureOperation = "read" | "write" | "create" | "update" | "delete" | "list";

/** The request an error belongs to. */
export interface AzureErrorContext {
  /** Store-relative path (or list prefix) for the error. */
  path: string;
  backend: string;
  operation: AzureOperation;
  /** For `update`: the etag the caller expected. */
  expectedEtag?: string;
  /** The caller's signal: an abort is passed through only when this signal fired. */
  signal?: AbortSignal;
}

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_SERVICE_CODES = new Set(["ServerBusy", "OperationTimedOut", "InternalError"]);

/** The HTTP status of an SDK error, if the service answered. */
export function azureStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof status === "number" && status > 0 ? status : undefined;
}

/**
 * The Azure error code of an SDK error: the parsed `x-ms-error-code` header (`details.errorCode`),
 * the raw header, else the error's own `code` (the body's code, or a socket error code).
 */
export function azureErrorCode(err: unknown): string | undefined {
  if (err === null || typeof err !== "object") return undefined;
  const e = err as { details?: unknown; response?: { headers?: { get?: (name: string) => unknown } }; code?: unknown };
  const fromDetails = (e.details as { errorCode?: unknown } | undefined)?.errorCode;
  if (typeof fromDetails === "string" && fromDetails) return fromDetails;
  const header = typeof e.response?.headers?.get === "function" ? e.response.headers.get("x-ms-error-code") : undefined;
  if (typeof header === "string" && header) return header;
  return typeof e.code === "string" && e.code ? e.code : undefined;
}

/**
 * Maps an error from an Azure SDK call to the storage error set, with the original as `cause`.
 * lakelog errors pass through, and so does an abort when the caller's signal fired; an abort the
 * caller did not ask for (the SDK's reaction to a dropped response stream) is transient.
 * `TransientError.mayHaveApplied` is false only when the request certainly had no effect: no
 * connection was made (refused, DNS), or the service answered 503 ServerBusy.
 */
export function translateAzureError(err: unknown, ctx: AzureErrorContext): unknown {
  if (err instanceof LakelogError) return err;
  const { path, backend } = ctx;
  if (isAbortError(err)) return ctx.signal?.aborted ? err : new TransientError(path, backend, 1, true, { cause: err });
  const status = azureStatus(err);
  const code = azureErrorCode(err);
  if (status === undefined) {
    if (code && NEVER_SENT_CODES.has(code)) return new TransientError(path, backend, 1, false, { cause: err });
    if (code && CONNECTION_LOST_CODES.has(code)) return new TransientError(path, backend, 1, true, { cause: err });
    return new StoreRequestError(path, backend, undefined, code ?? describe(err), { cause: err });
  }
  if (ctx.operation === "create" && (status === 412 || (status === 409 && (code === undefined || code === "BlobAlreadyExists")))) {
    return new AlreadyExistsError(path, backend, { cause: err });
  }
  if (ctx.operation === "update" && status === 412) return new PreconditionError(path, backend, ctx.expectedEtag ?? "", { cause: err });
  if (status === 404) return new NotFoundError(path, backend, { cause: err });
  if (status === 401 || status === 403) return new PermissionDeniedError(path, backend, code ?? `HTTP ${status}`, { cause: err });
  if (status === 503 && code === "ServerBusy") return new TransientError(path, backend, 1, false, { cause: err });
  if (TRANSIENT_STATUS.has(status) || (code && TRANSIENT_SERVICE_CODES.has(code))) {
    return new TransientError(path, backend, 1, true, { cause: err });
  }
  return new StoreRequestError(path, backend, status, code ?? describe(err), { cause: err });
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

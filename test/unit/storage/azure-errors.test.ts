import { describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  InvalidPathError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionError,
  StoreRequestError,
  TransientError,
} from "../../../src/errors/storage-errors.js";
import { azureErrorCode, azureStatus, translateAzureError } from "../../../src/storage/azure-errors.js";
import type { AzureOperation } from "../../../src/storage/azure-errors.js";

/** Shaped like the SDK's RestError for a service answer: status, body code, parsed header code. */
function serviceError(statusCode: number, errorCode?: string): Error {
  return Object.assign(new Error("the service said no (message text is never read)"), {
    name: "RestError",
    statusCode,
    code: errorCode,
    details: errorCode ? { errorCode } : {},
  });
}

/** Shaped like the SDK's RestError for a transport failure: a socket code, no status. */
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { name: "RestError", code });
}

const ctx = (operation: AzureOperation, extra: { signal?: AbortSignal; expectedEtag?: string } = {}) => ({
  path: "t/_delta_log/00.json",
  backend: "azure",
  operation,
  ...extra,
});

type Expected = { type: abstract new (...args: never[]) => Error; mayHaveApplied?: boolean; status?: number };

describe("translateAzureError", () => {
  it.each<[string, Error, AzureOperation, Expected]>([
    ["409 BlobAlreadyExists on create (Azurite)", serviceError(409, "BlobAlreadyExists"), "create", { type: AlreadyExistsError }],
    ["412 ConditionNotMet on create (Azure)", serviceError(412, "ConditionNotMet"), "create", { type: AlreadyExistsError }],
    ["409 without a code on create", serviceError(409), "create", { type: AlreadyExistsError }],
    ["409 with an unrelated code on create", serviceError(409, "LeaseAlreadyPresent"), "create", { type: StoreRequestError, status: 409 }],
    ["412 on update", serviceError(412, "ConditionNotMet"), "update", { type: PreconditionError }],
    ["412 on a plain write", serviceError(412, "LeaseIdMissing"), "write", { type: StoreRequestError, status: 412 }],
    ["404 BlobNotFound", serviceError(404, "BlobNotFound"), "read", { type: NotFoundError }],
    ["404 ContainerNotFound", serviceError(404, "ContainerNotFound"), "list", { type: NotFoundError }],
    ["404 on a create (no container)", serviceError(404, "ContainerNotFound"), "create", { type: NotFoundError }],
    ["403 AuthorizationFailure", serviceError(403, "AuthorizationFailure"), "read", { type: PermissionDeniedError }],
    ["403 AuthenticationFailed", serviceError(403, "AuthenticationFailed"), "write", { type: PermissionDeniedError }],
    ["401 without a code", serviceError(401), "read", { type: PermissionDeniedError }],
    ["503 ServerBusy: certainly not applied", serviceError(503, "ServerBusy"), "create", { type: TransientError, mayHaveApplied: false }],
    ["503 without ServerBusy", serviceError(503), "create", { type: TransientError, mayHaveApplied: true }],
    ["500 InternalError", serviceError(500, "InternalError"), "write", { type: TransientError, mayHaveApplied: true }],
    ["500 OperationTimedOut", serviceError(500, "OperationTimedOut"), "write", { type: TransientError, mayHaveApplied: true }],
    ["408", serviceError(408), "read", { type: TransientError, mayHaveApplied: true }],
    ["429", serviceError(429), "read", { type: TransientError, mayHaveApplied: true }],
    ["502", serviceError(502), "read", { type: TransientError, mayHaveApplied: true }],
    ["504", serviceError(504), "read", { type: TransientError, mayHaveApplied: true }],
    ["ECONNREFUSED: never sent", socketError("ECONNREFUSED"), "create", { type: TransientError, mayHaveApplied: false }],
    ["ENOTFOUND (DNS): never sent", socketError("ENOTFOUND"), "create", { type: TransientError, mayHaveApplied: false }],
    ["EAI_AGAIN (DNS): never sent", socketError("EAI_AGAIN"), "create", { type: TransientError, mayHaveApplied: false }],
    ["ECONNRESET: may have applied", socketError("ECONNRESET"), "create", { type: TransientError, mayHaveApplied: true }],
    ["ETIMEDOUT: may have applied", socketError("ETIMEDOUT"), "write", { type: TransientError, mayHaveApplied: true }],
    ["EPIPE", socketError("EPIPE"), "write", { type: TransientError, mayHaveApplied: true }],
    ["REQUEST_SEND_ERROR", socketError("REQUEST_SEND_ERROR"), "write", { type: TransientError, mayHaveApplied: true }],
    ["an unknown socket code", socketError("EWEIRD"), "read", { type: StoreRequestError }],
    ["400 InvalidBlockList", serviceError(400, "InvalidBlockList"), "write", { type: StoreRequestError, status: 400 }],
    ["416 outside a ranged read", serviceError(416, "InvalidRange"), "read", { type: StoreRequestError, status: 416 }],
  ])("%s", (_label, err, operation, expected) => {
    const out = translateAzureError(err, ctx(operation, { expectedEtag: '"0x1"' }));
    expect(out).toBeInstanceOf(expected.type);
    expect((out as Error).cause).toBe(err);
    expect(out).toMatchObject({ path: "t/_delta_log/00.json", backend: "azure" });
    if (expected.mayHaveApplied !== undefined) expect((out as TransientError).mayHaveApplied).toBe(expected.mayHaveApplied);
    if (expected.status !== undefined) expect((out as StoreRequestError).status).toBe(expected.status);
    if (out instanceof TransientError) expect(out.attempts).toBe(1);
  });

  it("classifies by fields only: the message text does not matter", () => {
    const misleading = Object.assign(new Error("BlobNotFound ECONNRESET 503 ServerBusy"), { statusCode: 409, code: "BlobAlreadyExists" });
    expect(translateAzureError(misleading, ctx("read"))).toBeInstanceOf(StoreRequestError);
  });

  it("reads the code from the x-ms-error-code header when details are missing", () => {
    const err = Object.assign(new Error("x"), {
      statusCode: 503,
      response: { headers: { get: (n: string) => (n === "x-ms-error-code" ? "ServerBusy" : undefined) } },
    });
    expect(azureErrorCode(err)).toBe("ServerBusy");
    expect((translateAzureError(err, ctx("create")) as TransientError).mayHaveApplied).toBe(false);
  });

  it("keeps the expected etag on PreconditionError", () => {
    const out = translateAzureError(serviceError(412, "ConditionNotMet"), ctx("update", { expectedEtag: '"0xABC"' }));
    expect(out).toMatchObject({ expectedEtag: '"0xABC"', code: "PRECONDITION_FAILED" });
  });

  it("passes lakelog errors through unchanged", () => {
    const own = new InvalidPathError("..", "azure", "climbs above the store root");
    expect(translateAzureError(own, ctx("read"))).toBe(own);
  });

  it("passes an abort through when the caller's signal fired", () => {
    const controller = new AbortController();
    controller.abort();
    const abort = Object.assign(new Error("aborted"), { name: "AbortError" });
    expect(translateAzureError(abort, ctx("read", { signal: controller.signal }))).toBe(abort);
  });

  it("treats an abort the caller did not ask for (a dropped response stream) as transient", () => {
    const abort = Object.assign(new Error("aborted"), { name: "AbortError" });
    expect(translateAzureError(abort, ctx("read", { signal: new AbortController().signal }))).toBeInstanceOf(TransientError);
    expect(translateAzureError(abort, ctx("read"))).toBeInstanceOf(TransientError);
  });

  it("wraps non-SDK failures as StoreRequestError", () => {
    const out = translateAzureError(new RangeError("File download response doesn't contain valid content length header"), ctx("read"));
    expect(out).toBeInstanceOf(StoreRequestError);
    expect((out as StoreRequestError).status).toBeUndefined();
  });
});

describe("azureStatus and azureErrorCode", () => {
  it.each<[unknown, number | undefined, string | undefined]>([
    [serviceError(404, "BlobNotFound"), 404, "BlobNotFound"],
    [socketError("ECONNRESET"), undefined, "ECONNRESET"],
    [{ statusCode: 0 }, undefined, undefined],
    [{ statusCode: "500" }, undefined, undefined],
    [null, undefined, undefined],
    ["text", undefined, undefined],
    [{ statusCode: 404, code: "BodyCode", details: { errorCode: "HeaderCode" } }, 404, "HeaderCode"],
  ])("%o -> %s / %s", (err, status, code) => {
    expect(azureStatus(err)).toBe(status);
    expect(azureErrorCode(err)).toBe(code);
  });
});

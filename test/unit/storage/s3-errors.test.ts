import { describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionError,
  StoreRequestError,
  TransientError,
} from "../../../src/errors/storage-errors.js";
import { translateS3Error } from "../../../src/storage/s3-errors.js";

/** An error shaped like the AWS SDK v3's service exceptions. */
function sdkError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`message of ${name}`), { name, $metadata: { httpStatusCode: status }, ...extra });
}

/** An error shaped like a Node system error from the HTTP handler. */
function netError(code: string, name = "Error"): Error {
  return Object.assign(new Error(`connect ${code}`), { code, name });
}

const ctx = { path: "_delta_log/00000000000000000001.json", backend: "s3" };

describe("translateS3Error", () => {
  it.each([
    ["NoSuchKey 404", sdkError("NoSuchKey", 404), NotFoundError],
    ["HEAD NotFound 404", sdkError("NotFound", 404), NotFoundError],
    ["unnamed 404", sdkError("Unknown", 404), NotFoundError],
    ["NoSuchBucket 404 (not the object)", sdkError("NoSuchBucket", 404), StoreRequestError],
    ["NoSuchUpload 404 (not the object)", sdkError("NoSuchUpload", 404), StoreRequestError],
    ["AccessDenied 403", sdkError("AccessDenied", 403), PermissionDeniedError],
    ["HEAD 403 without body", sdkError("Unknown", 403), PermissionDeniedError],
    ["401", sdkError("Unauthorized", 401), PermissionDeniedError],
    ["InvalidAccessKeyId 403", sdkError("InvalidAccessKeyId", 403), PermissionDeniedError],
    ["no credentials found", sdkError("CredentialsProviderError"), PermissionDeniedError],
    ["InvalidArgument 400", sdkError("InvalidArgument", 400), StoreRequestError],
    ["NotImplemented 501", sdkError("NotImplemented", 501), StoreRequestError],
    ["412 on a plain write", sdkError("PreconditionFailed", 412), StoreRequestError],
    ["InvalidRange 416", sdkError("InvalidRange", 416), StoreRequestError],
    ["a plain Error", new Error("boom"), StoreRequestError],
  ])("%s -> %o", (_label, err, expected) => {
    const out = translateS3Error(err, ctx);
    expect(out).toBeInstanceOf(expected);
    expect((out as Error).cause).toBe(err);
    expect(out).toMatchObject({ path: ctx.path, backend: "s3" });
  });

  it.each([
    ["412", sdkError("PreconditionFailed", 412)],
    ["409 ConditionalRequestConflict", sdkError("ConditionalRequestConflict", 409)],
  ])("a create answered %s is AlreadyExistsError", (_label, err) => {
    expect(translateS3Error(err, { ...ctx, isCreate: true })).toBeInstanceOf(AlreadyExistsError);
  });

  it.each([
    ["412", sdkError("PreconditionFailed", 412)],
    ["409 ConditionalRequestConflict", sdkError("ConditionalRequestConflict", 409)],
  ])("an If-Match write answered %s is PreconditionError carrying the etag", (_label, err) => {
    const out = translateS3Error(err, { ...ctx, ifMatch: '"abc"' });
    expect(out).toBeInstanceOf(PreconditionError);
    expect(out).toMatchObject({ expectedEtag: '"abc"' });
  });

  it.each([
    // refused before processing: certainly not applied
    ["503 SlowDown", sdkError("SlowDown", 503), false],
    ["429", sdkError("TooManyRequests", 429), false],
    ["Throttling", sdkError("Throttling", 400), false],
    ["$retryable throttling", sdkError("Whatever", 400, { $retryable: { throttling: true } }), false],
    ["400 RequestTimeout (body not received)", sdkError("RequestTimeout", 400), false],
    ["409 OperationAborted", sdkError("OperationAborted", 409), false],
    ["ECONNREFUSED", netError("ECONNREFUSED"), false],
    ["ENOTFOUND (DNS)", netError("ENOTFOUND"), false],
    ["EAI_AGAIN (DNS)", netError("EAI_AGAIN"), false],
    // may have reached the server
    ["500 InternalError", sdkError("InternalError", 500), true],
    ["502", sdkError("Unknown", 502), true],
    ["503 ServiceUnavailable", sdkError("ServiceUnavailable", 503), true],
    ["504", sdkError("Unknown", 504), true],
    ["ECONNRESET (renamed TimeoutError by the handler)", netError("ECONNRESET", "TimeoutError"), true],
    ["EPIPE", netError("EPIPE", "TimeoutError"), true],
    ["ETIMEDOUT", netError("ETIMEDOUT"), true],
    ["socket idle timeout", Object.assign(new Error("socket timed out"), { name: "TimeoutError" }), true],
    ["premature close of the body", netError("ERR_STREAM_PREMATURE_CLOSE"), true],
  ])("%s is a TransientError with mayHaveApplied=%s", (_label, err, mayHaveApplied) => {
    const out = translateS3Error(err, ctx);
    expect(out).toBeInstanceOf(TransientError);
    expect(out).toMatchObject({ attempts: 1, mayHaveApplied, cause: err });
  });

  it("a throttled create is transient, not 'already exists'", () => {
    expect(translateS3Error(sdkError("SlowDown", 503), { ...ctx, isCreate: true })).toMatchObject({
      code: "TRANSIENT",
      mayHaveApplied: false,
    });
  });

  it("classifies by name, status and code, never by message text", () => {
    const misleading = Object.assign(new Error("NoSuchKey SlowDown ECONNRESET 404 AccessDenied"), {
      name: "InvalidArgument",
      $metadata: { httpStatusCode: 400 },
    });
    expect(translateS3Error(misleading, ctx)).toBeInstanceOf(StoreRequestError);
  });

  it("keeps the HTTP status on StoreRequestError", () => {
    expect(translateS3Error(sdkError("InvalidRange", 416), ctx)).toMatchObject({ status: 416 });
  });

  it("passes aborts and lakelog errors through unchanged", () => {
    const abort = Object.assign(new Error("Request aborted"), { name: "AbortError" });
    expect(translateS3Error(abort, ctx)).toBe(abort);
    const typed = new NotFoundError("x", "s3");
    expect(translateS3Error(typed, ctx)).toBe(typed);
  });

  it("tolerates thrown non-errors", () => {
    expect(translateS3Error("weird", ctx)).toBeInstanceOf(StoreRequestError);
    expect(translateS3Error(undefined, ctx)).toBeInstanceOf(StoreRequestError);
  });
});

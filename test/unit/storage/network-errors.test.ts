import { describe, expect, it } from "vitest";
import { TransientError } from "../../../src/errors/storage-errors.js";
import { translateAzureError } from "../../../src/storage/azure-errors.js";
import { CONNECTION_LOST_CODES, NEVER_SENT_CODES } from "../../../src/storage/network-errors.js";
import { translateS3Error } from "../../../src/storage/s3-errors.js";

/** A socket error as Node raises it, and as the Azure SDK wraps it (no HTTP status). */
const s3Socket = (code: string) => Object.assign(new Error(`connect ${code}`), { code, name: "Error" });
const azureSocket = (code: string) => Object.assign(new Error(`connect ${code}`), { name: "RestError", code });

describe("socket errors read the same on S3 and Azure", () => {
  const cases = [...[...NEVER_SENT_CODES].map((c) => [c, false] as const), ...[...CONNECTION_LOST_CODES].map((c) => [c, true] as const)];

  it.each(cases)("%s on a create: transient, mayHaveApplied=%s, on both backends", (code, mayHaveApplied) => {
    const s3 = translateS3Error(s3Socket(code), { path: "_delta_log/1.json", backend: "s3", isCreate: true });
    const azure = translateAzureError(azureSocket(code), { path: "_delta_log/1.json", backend: "azure", operation: "create" });
    for (const out of [s3, azure]) {
      expect(out).toBeInstanceOf(TransientError);
      expect(out).toMatchObject({ mayHaveApplied });
    }
  });

  it("no code is in both sets", () => {
    expect([...NEVER_SENT_CODES].filter((c) => CONNECTION_LOST_CODES.has(c))).toEqual([]);
  });
});

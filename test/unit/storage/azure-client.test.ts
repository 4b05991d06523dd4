import { describe, expect, it } from "vitest";
import { MissingDependencyError } from "../../../src/errors/storage-errors.js";
import { createContainerClient, importOptional, loadAzureBlobSdk } from "../../../src/storage/azure-client.js";
import type { AzureClientConfig, AzureCredentialSource } from "../../../src/storage/azure-config.js";

const KEY = Buffer.from("not-a-real-key").toString("base64");

describe("importOptional", () => {
  it.each(["ERR_MODULE_NOT_FOUND", "MODULE_NOT_FOUND"])("turns %s into MissingDependencyError naming the package", async (code) => {
    const missing = Object.assign(new Error("Cannot find package"), { code });
    const load = importOptional("@azure/storage-blob", "Azure tables", () => Promise.reject(missing));
    await expect(load).rejects.toBeInstanceOf(MissingDependencyError);
    await expect(load).rejects.toMatchObject({ packageName: "@azure/storage-blob", cause: missing });
  });

  it("passes other load failures through", async () => {
    const broken = new SyntaxError("bad module");
    await expect(importOptional("x", "y", () => Promise.reject(broken))).rejects.toBe(broken);
  });
});

describe("createContainerClient (no network I/O)", () => {
  const config = (credential: AzureCredentialSource, serviceUrl?: string): AzureClientConfig => ({
    credential,
    serviceUrl,
    container: "tables",
    prefix: "t1",
    rootUrl: "az://tables/t1",
  });

  it.each<[string, AzureClientConfig, string]>([
    [
      "connection string",
      config({
        kind: "connection-string",
        connectionString: `DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:10000/dev;`,
      }),
      "http://127.0.0.1:10000/dev/tables",
    ],
    [
      "shared key",
      config({ kind: "shared-key", accountName: "acct", accountKey: KEY }, "https://acct.blob.core.windows.net"),
      "https://acct.blob.core.windows.net/tables",
    ],
    [
      "SAS token",
      config({ kind: "sas", sasToken: "sv=2024&sig=abc" }, "https://acct.blob.core.windows.net"),
      "https://acct.blob.core.windows.net/tables?sv=2024&sig=abc",
    ],
    [
      "DefaultAzureCredential",
      config({ kind: "default" }, "https://acct.blob.core.windows.net"),
      "https://acct.blob.core.windows.net/tables",
    ],
  ])("builds the container client for a %s", async (_label, cfg, url) => {
    const client = await createContainerClient(cfg, await loadAzureBlobSdk());
    expect(client.url).toBe(url);
    expect(client.containerName).toBe("tables");
  });
});

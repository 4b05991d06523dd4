import { describe, expect, it } from "vitest";
import { InvalidStorageConfigError } from "../../../src/errors/storage-errors.js";
import { azureRootUrl, parseConnectionString, resolveAzureConfig } from "../../../src/storage/azure-config.js";
import type { AzureLocation } from "../../../src/storage/azure-config.js";
import { parseLocation } from "../../../src/storage/location.js";
import type { AzureStorageOptions } from "../../../src/storage/options.js";

const az = (url: string) => parseLocation(url) as AzureLocation;
const CS = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5PQ==;EndpointSuffix=core.windows.net";
const fakeCredential = { getToken: async () => ({ token: "t", expiresOnTimestamp: 0 }) };

describe("resolveAzureConfig: which credential wins", () => {
  it.each<[string, string, AzureStorageOptions, Record<string, string>, string]>([
    ["explicit connection string", "az://c/p", { connectionString: CS }, {}, "connection-string"],
    ["env connection string", "az://c/p", {}, { AZURE_STORAGE_CONNECTION_STRING: CS }, "connection-string"],
    ["explicit key with explicit account", "az://c/p", { accountName: "acct", accountKey: "k" }, {}, "shared-key"],
    ["env key with env account", "az://c/p", {}, { AZURE_STORAGE_ACCOUNT_NAME: "acct", AZURE_STORAGE_ACCOUNT_KEY: "k" }, "shared-key"],
    [
      "AZURE_STORAGE_ACCOUNT / AZURE_STORAGE_KEY spellings",
      "az://c/p",
      {},
      { AZURE_STORAGE_ACCOUNT: "acct", AZURE_STORAGE_KEY: "k" },
      "shared-key",
    ],
    [
      "env key with the account from an abfss URL",
      "abfss://c@acct.dfs.core.windows.net/p",
      {},
      { AZURE_STORAGE_ACCOUNT_KEY: "k" },
      "shared-key",
    ],
    ["explicit SAS", "abfss://c@acct.dfs.core.windows.net/p", { sasToken: "?sv=1&sig=x" }, {}, "sas"],
    ["env SAS", "abfss://c@acct.dfs.core.windows.net/p", {}, { AZURE_STORAGE_SAS_TOKEN: "sv=1&sig=x" }, "sas"],
    ["explicit token credential", "abfss://c@acct.dfs.core.windows.net/p", { credential: fakeCredential }, {}, "token"],
    ["nothing: DefaultAzureCredential", "abfss://c@acct.dfs.core.windows.net/p", {}, {}, "default"],
    ["connection string beats key", "az://c/p", { connectionString: CS, accountName: "acct", accountKey: "k" }, {}, "connection-string"],
    ["key beats SAS", "az://c/p", { accountName: "acct", accountKey: "k", sasToken: "sig=x" }, {}, "shared-key"],
    [
      "explicit credential beats env connection string",
      "az://c/p",
      { accountName: "acct", credential: fakeCredential },
      { AZURE_STORAGE_CONNECTION_STRING: CS },
      "token",
    ],
    ["explicit SAS beats env key", "az://c/p", { accountName: "acct", sasToken: "sig=x" }, { AZURE_STORAGE_ACCOUNT_KEY: "k" }, "sas"],
    [
      "blank env values are unset",
      "abfss://c@acct.dfs.core.windows.net/p",
      {},
      { AZURE_STORAGE_CONNECTION_STRING: "  ", AZURE_STORAGE_SAS_TOKEN: "" },
      "default",
    ],
  ])("%s", (_label, url, options, env, kind) => {
    expect(resolveAzureConfig(az(url), options, env).credential.kind).toBe(kind);
  });

  it("strips the leading ? of a SAS token", () => {
    const config = resolveAzureConfig(az("az://c/p"), { accountName: "acct", sasToken: "?sv=1&sig=x" }, {});
    expect(config.credential).toEqual({ kind: "sas", sasToken: "sv=1&sig=x" });
  });

  it("skips environment credentials that belong to another account than the URL names", () => {
    const env = {
      AZURE_STORAGE_ACCOUNT_NAME: "other",
      AZURE_STORAGE_ACCOUNT_KEY: "k",
      AZURE_STORAGE_CONNECTION_STRING: CS.replace("acct", "other"),
    };
    const config = resolveAzureConfig(az("abfss://c@acct.dfs.core.windows.net/p"), {}, env);
    expect(config.credential.kind).toBe("default");
    expect(config.serviceUrl).toBe("https://acct.blob.core.windows.net");
  });

  it.each<[string, string, AzureStorageOptions]>([
    ["an accountName contradicting the URL", "abfss://c@acct.dfs.core.windows.net/p", { accountName: "other" }],
    ["a connection string for another account", "abfss://c@acct.dfs.core.windows.net/p", { connectionString: CS.replace("acct", "other") }],
    ["a key without any account name", "az://c/p", { accountKey: "k" }],
    ["no account and no endpoint", "az://c/p", { sasToken: "sig=x" }],
    ["an endpoint that is not a URL", "az://c/p", { accountName: "a", accountKey: "k", endpoint: "not a url" }],
    [
      "an endpoint with a query string",
      "az://c/p",
      { accountName: "a", accountKey: "k", endpoint: "https://a.blob.core.windows.net?sig=x" },
    ],
  ])("refuses %s with InvalidStorageConfigError", (_label, url, options) => {
    expect(() => resolveAzureConfig(az(url), options, {})).toThrow(InvalidStorageConfigError);
  });
});

describe("resolveAzureConfig: endpoint", () => {
  it.each<[string, string, AzureStorageOptions, Record<string, string>, string]>([
    [
      "explicit endpoint first, trailing / trimmed",
      "abfss://c@acct.dfs.core.windows.net/p",
      { endpoint: "http://127.0.0.1:10000/devstoreaccount1/" },
      { AZURE_STORAGE_BLOB_ENDPOINT: "http://env" },
      "http://127.0.0.1:10000/devstoreaccount1",
    ],
    [
      "then AZURE_STORAGE_BLOB_ENDPOINT",
      "abfss://c@acct.dfs.core.windows.net/p",
      {},
      { AZURE_STORAGE_BLOB_ENDPOINT: "http://127.0.0.1:10000/dev" },
      "http://127.0.0.1:10000/dev",
    ],
    [
      "then the URL's account (abfss names the dfs host; the blob host is used)",
      "abfss://c@acct.dfs.core.windows.net/p",
      {},
      {},
      "https://acct.blob.core.windows.net",
    ],
    ["https URL", "https://acct.blob.core.windows.net/c/p", {}, {}, "https://acct.blob.core.windows.net"],
    ["az:// with the account from options", "az://c/p", { accountName: "fromopts" }, {}, "https://fromopts.blob.core.windows.net"],
    [
      "az:// with the account from the environment",
      "az://c/p",
      {},
      { AZURE_STORAGE_ACCOUNT: "fromenv" },
      "https://fromenv.blob.core.windows.net",
    ],
  ])("%s", (_label, url, options, env, serviceUrl) => {
    expect(resolveAzureConfig(az(url), options, env).serviceUrl).toBe(serviceUrl);
  });

  it("leaves the endpoint to a connection string", () => {
    expect(resolveAzureConfig(az("az://c/p"), { connectionString: CS }, {}).serviceUrl).toBeUndefined();
  });

  it("carries container, prefix and a secret-free root URL", () => {
    const config = resolveAzureConfig(az("abfss://c@acct.dfs.core.windows.net/tables/t1"), { sasToken: "sig=secret" }, {});
    expect(config).toMatchObject({ container: "c", prefix: "tables/t1", rootUrl: "az://c/tables/t1" });
    expect(config.rootUrl).not.toContain("secret");
  });
});

describe("azureRootUrl and parseConnectionString", () => {
  it("roots at az://container/prefix without the account", () => {
    expect(azureRootUrl(az("https://acct.blob.core.windows.net/c/a/b"))).toBe("az://c/a/b");
    expect(azureRootUrl(az("az://c"))).toBe("az://c/");
  });

  it("keeps = inside values and lower-cases names", () => {
    const settings = parseConnectionString(`${CS};BlobEndpoint=http://h:1/x;`);
    expect(settings.get("accountkey")).toBe("a2V5PQ==");
    expect(settings.get("accountname")).toBe("acct");
    expect(settings.get("blobendpoint")).toBe("http://h:1/x");
  });
});

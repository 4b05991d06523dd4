/**
 * Loading of the optional Azure SDK packages and construction of the container client from a
 * resolved {@link AzureClientConfig}. The packages are imported on first use, so lakelog installs
 * and runs without them when no Azure table is opened.
 */
import type * as AzureBlob from "@azure/storage-blob";
import { InternalError } from "../errors/argument-errors.js";
import { InvalidStorageConfigError, MissingDependencyError } from "../errors/storage-errors.js";
import type { AzureClientConfig } from "./azure-config.js";

/** The `@azure/storage-blob` module. */
export type AzureBlobSdk = typeof AzureBlob;

/**
 * Imports an optional package through `importer`; a missing package (or a missing dependency of
 * it) becomes {@link MissingDependencyError} naming `packageName`, with the loader's error as cause.
 */
export async function importOptional<T>(packageName: string, neededFor: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND")
      throw new MissingDependencyError(packageName, neededFor, { cause: err });
    throw err;
  }
}

/** Imports `@azure/storage-blob`, or throws {@link MissingDependencyError}. */
export function loadAzureBlobSdk(): Promise<AzureBlobSdk> {
  return importOptional("@azure/storage-blob", "Azure tables (az://, abfss://)", () => import("@azure/storage-blob"));
}

/**
 * Builds the container client for `config`. The SDK's own retries are off (one try per call):
 * the retry decorator above the store is the single retry policy. Connections are kept alive and
 * reused; Node's agent retires an idle socket before the server's announced keep-alive timeout.
 * Imports `@azure/identity` only when no credential is configured (DefaultAzureCredential).
 * Performs no network I/O.
 */
export async function createContainerClient(config: AzureClientConfig, sdk: AzureBlobSdk): Promise<AzureBlob.ContainerClient> {
  const pipeline: AzureBlob.StoragePipelineOptions = {
    retryOptions: { maxTries: 1 },
    keepAliveOptions: { enable: true },
    userAgentOptions: { userAgentPrefix: "lakelog" },
  };
  const { credential, serviceUrl } = config;
  let service: AzureBlob.BlobServiceClient;
  switch (credential.kind) {
    case "connection-string":
      service = fromConnectionString(sdk, credential.connectionString, pipeline, config.rootUrl);
      break;
    case "shared-key":
      service = new sdk.BlobServiceClient(
        requireUrl(serviceUrl),
        new sdk.StorageSharedKeyCredential(credential.accountName, credential.accountKey),
        pipeline,
      );
      break;
    case "sas":
      service = new sdk.BlobServiceClient(`${requireUrl(serviceUrl)}?${credential.sasToken}`, new sdk.AnonymousCredential(), pipeline);
      break;
    case "token":
      service = new sdk.BlobServiceClient(
        requireUrl(serviceUrl),
        credential.credential as AzureBlob.BlobServiceClient["credential"],
        pipeline,
      );
      break;
    case "default": {
      const identity = await importOptional(
        "@azure/identity",
        "Azure tables without an explicit credential (DefaultAzureCredential)",
        () => import("@azure/identity"),
      );
      service = new sdk.BlobServiceClient(requireUrl(serviceUrl), new identity.DefaultAzureCredential(), pipeline);
      break;
    }
  }
  return service.getContainerClient(config.container);
}

function requireUrl(serviceUrl: string | undefined): string {
  // resolveAzureConfig always sets serviceUrl unless the credential is a connection string
  if (serviceUrl === undefined) throw new InternalError("azure client config without a service URL");
  return serviceUrl;
}

/**
 * The SDK's client for a connection string; its parse failures (a `TypeError: Invalid URL`, a
 * plain `Error` for a missing endpoint) become {@link InvalidStorageConfigError}. The SDK's
 * message and the string itself are left out: both can hold the account key.
 */
function fromConnectionString(
  sdk: AzureBlobSdk,
  connectionString: string,
  pipeline: AzureBlob.StoragePipelineOptions,
  rootUrl: string,
): AzureBlob.BlobServiceClient {
  try {
    return sdk.BlobServiceClient.fromConnectionString(connectionString, pipeline);
  } catch {
    throw new InvalidStorageConfigError(
      rootUrl,
      "the Azure connection string is malformed (expected AccountName=...;AccountKey=...;BlobEndpoint=... or DefaultEndpointsProtocol=https;...;EndpointSuffix=...)",
    );
  }
}

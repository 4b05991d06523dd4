/**
 * Loading the optional AWS SDK and building its client. `@aws-sdk/client-s3` is an optional peer
 * dependency: it is imported only when an `s3://` store is opened, and only types are imported
 * statically.
 */
import type * as S3Sdk from "@aws-sdk/client-s3";
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { InvalidStorageConfigError, MissingDependencyError } from "../errors/storage-errors.js";
import type { ResolvedS3Config } from "./s3-config.js";

/** The `@aws-sdk/client-s3` module. */
export type S3Module = typeof S3Sdk;

/** The package this backend needs. */
export const S3_SDK_PACKAGE = "@aws-sdk/client-s3";

/** Give up connecting after this long (reported as a transient failure). */
const CONNECTION_TIMEOUT_MS = 10_000;
/** Give up on a socket that stays idle this long mid-request (transient; may have applied). */
const SOCKET_IDLE_TIMEOUT_MS = 120_000;

/**
 * Imports `@aws-sdk/client-s3`, or throws {@link MissingDependencyError} when it is not installed
 * (decided by the loader's error `code`, `ERR_MODULE_NOT_FOUND` or `MODULE_NOT_FOUND`). Other
 * import failures are rethrown. `importer` is for tests.
 */
export async function loadS3Sdk(importer: () => Promise<unknown> = () => import("@aws-sdk/client-s3")): Promise<S3Module> {
  try {
    return (await importer()) as S3Module;
  } catch (cause) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new MissingDependencyError(S3_SDK_PACKAGE, "s3:// tables", { cause });
    }
    throw cause;
  }
}

/**
 * The client configuration for resolved settings. SDK retries are off (`maxAttempts: 1`) because
 * the store's retry decorator is the one retry policy; checksums are computed and validated only
 * where S3 requires them (`WHEN_REQUIRED`), which S3-compatible servers accept too.
 */
export function s3ClientConfig(config: ResolvedS3Config): S3ClientConfig {
  const clientConfig: S3ClientConfig = {
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    maxAttempts: 1,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, socketTimeout: SOCKET_IDLE_TIMEOUT_MS },
  };
  if (config.endpoint !== undefined) clientConfig.endpoint = config.endpoint;
  if (config.credentials !== undefined) clientConfig.credentials = config.credentials;
  if (config.profile !== undefined) clientConfig.profile = config.profile;
  return clientConfig;
}

/**
 * Accepts an injected client after a shape check (it must have `send`); it is used as-is, with
 * its own retry and checksum settings. Throws {@link InvalidStorageConfigError} otherwise.
 */
export function asS3Client(client: unknown, url: string): S3Client {
  if (typeof client !== "object" || client === null || typeof (client as { send?: unknown }).send !== "function") {
    throw new InvalidStorageConfigError(url, "the s3.client option must be an S3Client from @aws-sdk/client-s3");
  }
  return client as S3Client;
}

/**
 * Storage options: explicit settings per backend. Anything left out falls back to the
 * environment variables and credential chains each cloud's SDK users already know (see README).
 */
import type { AtomicCreateSupport } from "./store.js";

/** Settings for `s3://` tables. Unset fields come from `AWS_*` environment variables and the AWS credential chain. */
export interface S3StorageOptions {
  /** AWS region; default `AWS_REGION` / `AWS_DEFAULT_REGION`, else `us-east-1`. */
  region?: string;
  /** Custom endpoint for S3-compatible servers (MinIO, Ceph, R2); default `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`. */
  endpoint?: string;
  /** Path-style addressing; default true when a custom endpoint is set (`AWS_S3_FORCE_PATH_STYLE`). */
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Named profile from the shared config files (`AWS_PROFILE`). */
  profile?: string;
  /**
   * Override how create-if-absent is trusted: `native` (AWS, or a server you know honours
   * `If-None-Match`), `probe` (prove it once before committing; the default for custom endpoints),
   * `none` (the server cannot; commits need single-writer mode). Env: `LAKELOG_S3_ATOMIC_CREATE`.
   */
  atomicCreate?: AtomicCreateSupport;
  /** Use this SDK client as-is (an `S3Client` from `@aws-sdk/client-s3`). */
  client?: unknown;
}

/** Settings for Azure Blob / ADLS Gen2 tables. Unset fields come from `AZURE_STORAGE_*` variables, else `DefaultAzureCredential`. */
export interface AzureStorageOptions {
  /** A full connection string (`AZURE_STORAGE_CONNECTION_STRING`). */
  connectionString?: string;
  /** Storage account name (`AZURE_STORAGE_ACCOUNT_NAME` / `AZURE_STORAGE_ACCOUNT`). */
  accountName?: string;
  /** Shared key (`AZURE_STORAGE_ACCOUNT_KEY` / `AZURE_STORAGE_KEY`). */
  accountKey?: string;
  /** SAS token, with or without the leading `?` (`AZURE_STORAGE_SAS_TOKEN`). */
  sasToken?: string;
  /** A `TokenCredential` from `@azure/identity` (Entra ID). */
  credential?: unknown;
  /** Blob service endpoint, e.g. `http://127.0.0.1:10000/devstoreaccount1` (`AZURE_STORAGE_BLOB_ENDPOINT`). */
  endpoint?: string;
}

/** Retry policy for transient failures (throttling, 5xx, resets): exponential backoff with full jitter. */
export interface RetryOptions {
  /** Attempts per request including the first; default 5. */
  maxAttempts?: number;
  /** First backoff ceiling in ms; default 100. */
  baseDelayMs?: number;
  /** Largest backoff ceiling in ms; default 5000. */
  maxDelayMs?: number;
}

/** Options accepted by `openStore` and everything that opens a table. */
export interface StorageOptions {
  s3?: S3StorageOptions;
  azure?: AzureStorageOptions;
  /** Retry policy, or `false` to surface the first transient failure. */
  retry?: RetryOptions | false;
  /** Environment to read defaults from; default `process.env`. */
  env?: Record<string, string | undefined>;
}

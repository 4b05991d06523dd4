/**
 * Resolution of {@link S3StorageOptions} and the environment into the settings an S3 client needs.
 * Pure: reads only the `env` record it is given, performs no I/O.
 */
import { InvalidStorageConfigError } from "../errors/storage-errors.js";
import type { S3StorageOptions } from "./options.js";
import type { AtomicCreateSupport } from "./store.js";

/** Static credentials for the client. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Fully resolved S3 settings; fields left undefined fall to the AWS SDK's own defaults. */
export interface ResolvedS3Config {
  region: string;
  /** Custom endpoint URL (S3-compatible servers), absent for AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Explicit credentials; when absent (and no profile) the SDK's default chain decides. */
  credentials?: S3Credentials;
  /** Named profile from the shared AWS config files. */
  profile?: string;
  atomicCreate: AtomicCreateSupport;
}

const DEFAULT_REGION = "us-east-1";
const ATOMIC_CREATE_VALUES: readonly AtomicCreateSupport[] = ["native", "probe", "none"];

/**
 * Resolves the S3 settings, option first, then environment, then default:
 * - region: `region` → `AWS_REGION` → `AWS_DEFAULT_REGION` → `us-east-1`;
 * - endpoint: `endpoint` → `AWS_ENDPOINT_URL_S3` → `AWS_ENDPOINT_URL` (must be an http(s) URL);
 * - path-style: `forcePathStyle` → `AWS_S3_FORCE_PATH_STYLE` → true exactly when an endpoint is set;
 * - credentials: `accessKeyId` + `secretAccessKey` (+ `sessionToken`) → `profile` →
 *   `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`) → `AWS_PROFILE` → none
 *   (the SDK's default chain: SSO, web identity, container and instance metadata);
 * - atomic create: `atomicCreate` → `LAKELOG_S3_ATOMIC_CREATE` → `native` for AWS, `probe` when a
 *   custom endpoint is set or a client is injected (its endpoint cannot be seen from here).
 *
 * Empty environment values count as unset. Throws {@link InvalidStorageConfigError} (naming
 * `url`) for an unusable endpoint, boolean or atomic-create value, or half a key pair.
 */
export function resolveS3Config(options: S3StorageOptions, env: Record<string, string | undefined>, url: string): ResolvedS3Config {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const region = options.region ?? read("AWS_REGION") ?? read("AWS_DEFAULT_REGION") ?? DEFAULT_REGION;
  const endpointVariable = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"].find((name) => read(name) !== undefined);
  const endpoint =
    options.endpoint !== undefined
      ? checkEndpoint(options.endpoint, "the endpoint option", url)
      : endpointVariable !== undefined
        ? checkEndpoint(read(endpointVariable), endpointVariable, url)
        : undefined;
  const pathStyleEnv = read("AWS_S3_FORCE_PATH_STYLE");
  const forcePathStyle =
    options.forcePathStyle ??
    (pathStyleEnv === undefined ? endpoint !== undefined : parseBoolean(pathStyleEnv, "AWS_S3_FORCE_PATH_STYLE", url));
  const resolved: ResolvedS3Config = {
    region,
    forcePathStyle,
    atomicCreate: resolveAtomicCreate(options, read("LAKELOG_S3_ATOMIC_CREATE"), endpoint, url),
  };
  if (endpoint !== undefined) resolved.endpoint = endpoint;
  Object.assign(resolved, resolveCredentials(options, read, url));
  return resolved;
}

function resolveCredentials(
  options: S3StorageOptions,
  read: (name: string) => string | undefined,
  url: string,
): Pick<ResolvedS3Config, "credentials" | "profile"> {
  if (options.accessKeyId !== undefined || options.secretAccessKey !== undefined) {
    if (!options.accessKeyId || !options.secretAccessKey) {
      throw new InvalidStorageConfigError(url, "accessKeyId and secretAccessKey must be given together");
    }
    return { credentials: keyPair(options.accessKeyId, options.secretAccessKey, options.sessionToken) };
  }
  if (options.profile !== undefined) return { profile: options.profile };
  const accessKeyId = read("AWS_ACCESS_KEY_ID");
  const secretAccessKey = read("AWS_SECRET_ACCESS_KEY");
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    return { credentials: keyPair(accessKeyId, secretAccessKey, read("AWS_SESSION_TOKEN")) };
  }
  const profile = read("AWS_PROFILE");
  return profile === undefined ? {} : { profile };
}

function keyPair(accessKeyId: string, secretAccessKey: string, sessionToken: string | undefined): S3Credentials {
  return sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
}

function resolveAtomicCreate(
  options: S3StorageOptions,
  fromEnv: string | undefined,
  endpoint: string | undefined,
  url: string,
): AtomicCreateSupport {
  const chosen = options.atomicCreate ?? fromEnv;
  if (chosen !== undefined) {
    if (!(ATOMIC_CREATE_VALUES as readonly string[]).includes(chosen)) {
      const source = options.atomicCreate !== undefined ? "atomicCreate" : "LAKELOG_S3_ATOMIC_CREATE";
      throw new InvalidStorageConfigError(
        url,
        `${source} must be one of ${ATOMIC_CREATE_VALUES.join(", ")}, got ${JSON.stringify(chosen)}`,
      );
    }
    return chosen as AtomicCreateSupport;
  }
  // AWS S3 honours If-None-Match; an unknown server (or an injected client's) must prove it first.
  return endpoint !== undefined || options.client !== undefined ? "probe" : "native";
}

function checkEndpoint(endpoint: string | undefined, source: string, url: string): string | undefined {
  if (endpoint === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(endpoint);
  } catch {
    throw new InvalidStorageConfigError(url, `${source} ${JSON.stringify(endpoint)} is not a URL (expected e.g. http://127.0.0.1:9000)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new InvalidStorageConfigError(url, `${source} ${JSON.stringify(endpoint)} must use http or https`);
  }
  return endpoint;
}

/** Parses `true`/`false`/`1`/`0`/`yes`/`no` (any case); anything else is a config error. */
function parseBoolean(value: string, name: string, url: string): boolean {
  switch (value.toLowerCase()) {
    case "true":
    case "1":
    case "yes":
      return true;
    case "false":
    case "0":
    case "no":
      return false;
    default:
      throw new InvalidStorageConfigError(url, `${name} must be true or false, got ${JSON.stringify(value)}`);
  }
}

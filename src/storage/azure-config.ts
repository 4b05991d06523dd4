/**
 * Resolution of an Azure table location's credential and blob endpoint from the explicit options,
 * the table URL and the environment. Pure: no SDK and no I/O, so every rule is unit-tested.
 *
 * Credentials, first match wins. Explicit options are consulted before the environment, so a
 * credential passed in code is never shadowed by a variable left in the shell:
 * 1. a connection string (`connectionString`, then `AZURE_STORAGE_CONNECTION_STRING`);
 * 2. a shared key (`accountKey`, then `AZURE_STORAGE_ACCOUNT_KEY` / `AZURE_STORAGE_KEY`);
 * 3. a SAS token (`sasToken`, then `AZURE_STORAGE_SAS_TOKEN`);
 * 4. a `TokenCredential` (`credential`; explicit only);
 * 5. otherwise `DefaultAzureCredential` from `@azure/identity`.
 *
 * Environment credentials that name a different account than the table URL are skipped, so a
 * shell configured for one account cannot send another account's table to it.
 */
import { InvalidStorageConfigError } from "../errors/storage-errors.js";
import type { StoreLocation } from "./location.js";
import type { AzureStorageOptions } from "./options.js";

/** An Azure location as parsed by `parseLocation`. */
export type AzureLocation = Extract<StoreLocation, { kind: "azure" }>;

/** Which credential the client is built with. */
export type AzureCredentialSource =
  | { kind: "connection-string"; connectionString: string }
  | { kind: "shared-key"; accountName: string; accountKey: string }
  | { kind: "sas"; sasToken: string }
  | { kind: "token"; credential: unknown }
  | { kind: "default" };

/** Everything needed to build a container client, resolved but not yet connected. */
export interface AzureClientConfig {
  credential: AzureCredentialSource;
  /**
   * Blob service URL (`https://account.blob.core.windows.net`, or an emulator's
   * `http://127.0.0.1:10000/devstoreaccount1`), no trailing `/`. Unset for a connection string,
   * which carries its own endpoint.
   */
  serviceUrl?: string;
  container: string;
  /** Key prefix inside the container; no leading or trailing `/`. */
  prefix: string;
  /** `az://container/prefix`: the store's root URL, free of secrets. */
  rootUrl: string;
}

type Env = Record<string, string | undefined>;

/**
 * Resolves the credential and endpoint for `location` (see the module comment for the order).
 * Performs no I/O. Throws {@link InvalidStorageConfigError} when the settings contradict each
 * other (an explicit account or connection string for another account than the URL names) or no
 * endpoint can be derived (no account anywhere).
 */
export function resolveAzureConfig(location: AzureLocation, options: AzureStorageOptions, env: Env): AzureClientConfig {
  const rootUrl = azureRootUrl(location);
  const envAccount = nonEmpty(env.AZURE_STORAGE_ACCOUNT_NAME) ?? nonEmpty(env.AZURE_STORAGE_ACCOUNT);
  const explicitAccount = nonEmpty(options.accountName);
  if (explicitAccount && location.account && !sameAccount(explicitAccount, location.account)) {
    throw new InvalidStorageConfigError(
      rootUrl,
      `accountName ${explicitAccount} contradicts the account ${location.account} in the table URL`,
    );
  }
  const account = explicitAccount ?? location.account ?? envAccount;
  // environment credentials only apply to the account the environment names
  const envMatches = envAccount === undefined || account === undefined || sameAccount(envAccount, account);
  const credential = explicitCredential(rootUrl, location, options, account) ??
    environmentCredential(location, env, account, envMatches) ?? { kind: "default" };
  const base = { container: location.container, prefix: location.prefix, rootUrl, credential };
  if (credential.kind === "connection-string") return base;
  const endpoint = nonEmpty(options.endpoint) ?? nonEmpty(env.AZURE_STORAGE_BLOB_ENDPOINT) ?? location.endpoint;
  const serviceUrl = endpoint ?? (account ? `https://${account}.blob.core.windows.net` : undefined);
  if (serviceUrl === undefined) {
    throw new InvalidStorageConfigError(
      rootUrl,
      "no storage account (use abfss://container@account.dfs.core.windows.net/path, set accountName or AZURE_STORAGE_ACCOUNT_NAME, or give an endpoint or connection string)",
    );
  }
  return { ...base, serviceUrl: checkServiceUrl(rootUrl, serviceUrl) };
}

/** `az://container/prefix` for a location (never includes credentials or the account). */
export function azureRootUrl(location: AzureLocation): string {
  return `az://${location.container}/${location.prefix}`;
}

/**
 * Splits a connection string into its settings, keyed by lower-cased name
 * (`accountname`, `accountkey`, `blobendpoint`, `sharedaccesssignature`, ...). Values keep any `=`.
 */
export function parseConnectionString(connectionString: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const part of connectionString.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    settings.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return settings;
}

/** The first credential given in the options, if any. */
function explicitCredential(
  rootUrl: string,
  location: AzureLocation,
  options: AzureStorageOptions,
  account: string | undefined,
): AzureCredentialSource | undefined {
  const connectionString = nonEmpty(options.connectionString);
  if (connectionString) {
    const named = connectionStringAccount(connectionString);
    if (named && location.account && !sameAccount(named, location.account)) {
      throw new InvalidStorageConfigError(
        rootUrl,
        `the connection string is for account ${named}, but the table URL names ${location.account}`,
      );
    }
    return { kind: "connection-string", connectionString };
  }
  const accountKey = nonEmpty(options.accountKey);
  if (accountKey) {
    if (!account)
      throw new InvalidStorageConfigError(
        rootUrl,
        "accountKey is set but no account name is known (set accountName or AZURE_STORAGE_ACCOUNT_NAME)",
      );
    return { kind: "shared-key", accountName: account, accountKey };
  }
  const sasToken = nonEmpty(options.sasToken);
  if (sasToken) return { kind: "sas", sasToken: stripQuestionMark(sasToken) };
  if (options.credential !== undefined && options.credential !== null) return { kind: "token", credential: options.credential };
  return undefined;
}

/** The first credential found in the environment that belongs to the table's account. */
function environmentCredential(
  location: AzureLocation,
  env: Env,
  account: string | undefined,
  envMatches: boolean,
): AzureCredentialSource | undefined {
  const connectionString = nonEmpty(env.AZURE_STORAGE_CONNECTION_STRING);
  if (connectionString) {
    const named = connectionStringAccount(connectionString);
    if (!(named && location.account && !sameAccount(named, location.account))) return { kind: "connection-string", connectionString };
  }
  if (!envMatches) return undefined;
  const accountKey = nonEmpty(env.AZURE_STORAGE_ACCOUNT_KEY) ?? nonEmpty(env.AZURE_STORAGE_KEY);
  if (accountKey && account) return { kind: "shared-key", accountName: account, accountKey };
  const sasToken = nonEmpty(env.AZURE_STORAGE_SAS_TOKEN);
  if (sasToken) return { kind: "sas", sasToken: stripQuestionMark(sasToken) };
  return undefined;
}

function connectionStringAccount(connectionString: string): string | undefined {
  return nonEmpty(parseConnectionString(connectionString).get("accountname"));
}

function checkServiceUrl(rootUrl: string, serviceUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(serviceUrl);
  } catch {
    throw new InvalidStorageConfigError(rootUrl, `blob endpoint ${JSON.stringify(serviceUrl)} is not a URL`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new InvalidStorageConfigError(rootUrl, `blob endpoint ${JSON.stringify(serviceUrl)} must be http(s)`);
  }
  if (parsed.search || parsed.username || parsed.password) {
    throw new InvalidStorageConfigError(rootUrl, "the blob endpoint must not carry credentials (pass a SAS token as sasToken)");
  }
  return serviceUrl.replace(/\/+$/, "");
}

function sameAccount(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function stripQuestionMark(token: string): string {
  return token.startsWith("?") ? token.slice(1) : token;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

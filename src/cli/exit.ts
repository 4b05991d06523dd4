/**
 * Exit codes and error reporting of the CLI. Nothing here imports the library: errors are
 * classified by their stable `code`, so `--help` stays fast and a failure while loading the
 * library is still reported.
 */

/** The documented exit codes (spec/cli.md). */
export const EXIT = {
  ok: 0,
  /** Any other failure: storage, corrupt data, an unsupported feature. */
  error: 1,
  /** A usage mistake: unknown command or flag, a bad flag value, an invalid filter expression. */
  usage: 2,
  /** The URL holds no Delta table. */
  notATable: 3,
  /** A concurrent writer won, or the table already exists where it must not. */
  conflict: 4,
  /** `validate` found problems. */
  checkFailed: 5,
  /** Interrupted (Ctrl-C); the table is as it was. */
  interrupted: 130,
} as const;

/** A mistake in how the CLI was called: reported in one line, exit status 2. */
export class UsageError extends Error {
  readonly code = "CLI_USAGE";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure the CLI itself detects (an output file, a bad input file): exit status 1. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CliError";
  }
}

const USAGE_CODES = new Set(["CLI_USAGE", "EXPRESSION_PARSE", "UNKNOWN_COLUMN", "INCOMPATIBLE_LITERAL", "INVALID_EXPRESSION"]);
const CONFLICT_CODES = new Set([
  "PROTOCOL_CHANGED",
  "METADATA_CHANGED",
  "CONCURRENT_APPEND",
  "CONCURRENT_DELETE_READ",
  "CONCURRENT_DELETE_DELETE",
  "CONCURRENT_TRANSACTION",
  "CONCURRENT_DOMAIN_METADATA",
  "COMMIT_RETRIES_EXHAUSTED",
  "TABLE_EXISTS",
]);

/** What to do on the command line, for errors whose message speaks of the library's options. */
const CLI_HINTS: Record<string, string> = {
  VACUUM_RETENTION_TOO_SHORT: "on the command line: --no-retention-check",
  TABLE_EXISTS: "lakelog create: --if-exists ignore; lakelog import: --mode append or overwrite",
};

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function isAbort(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === "AbortError";
}

/** The exit code for an error thrown by a command. */
export function exitCodeFor(err: unknown): number {
  if (isAbort(err)) return EXIT.interrupted;
  const code = codeOf(err);
  if (code === undefined) return EXIT.error;
  if (USAGE_CODES.has(code)) return EXIT.usage;
  if (code === "TABLE_NOT_FOUND") return EXIT.notATable;
  if (CONFLICT_CODES.has(code)) return EXIT.conflict;
  return EXIT.error;
}

const SECRET_ENV = [
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_ACCESS_KEY_ID",
  "AZURE_STORAGE_ACCOUNT_KEY",
  "AZURE_STORAGE_CONNECTION_STRING",
  "AZURE_STORAGE_SAS_TOKEN",
  "AZURE_CLIENT_SECRET",
];

/**
 * Removes credentials from text about to be printed: the values of the credential environment
 * variables, and secrets embedded in URLs or connection strings (SAS signatures, account keys,
 * presigned-URL signatures, user:password@).
 */
export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const name of SECRET_ENV) {
    const value = env[name];
    if (value && value.length >= 4) out = out.split(value).join("***");
  }
  return out
    .replace(/(AccountKey|SharedAccessSignature)=[^;\s"']+/gi, "$1=***")
    .replace(/([?&](?:sig|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token)=)[^&\s"']+/gi, "$1***")
    .replace(/(\/\/[^/\s:@]+):[^/\s@]+@/g, "$1:***@");
}

/** The cause chain of an error, outermost first, one line each. */
export function causeChain(err: unknown): string[] {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = (err as { cause?: unknown } | null)?.cause;
  while (current !== undefined && current !== null && !seen.has(current) && lines.length < 10) {
    seen.add(current);
    const e = current as { name?: unknown; message?: unknown; code?: unknown };
    const name = typeof e.name === "string" ? e.name : typeof current;
    const message = typeof e.message === "string" ? e.message : String(current);
    const code = typeof e.code === "string" ? ` [${e.code}]` : "";
    lines.push(`caused by ${name}${code}: ${message}`);
    current = (current as { cause?: unknown }).cause;
  }
  return lines;
}

/** Where and how {@link reportError} reports. */
export interface ReportContext {
  /** The subcommand that failed ("" before one was chosen). */
  command: string;
  verbose: boolean;
  write: (line: string) => void;
  /** True for errors lakelog throws on purpose (the library's `isLakelogError`). */
  isLakelogError: (err: unknown) => boolean;
}

/**
 * Prints a command's failure to stderr (one line; with `verbose` the cause chain and the stack)
 * and returns the exit code. Unexpected errors (not lakelog's, not usage) say so.
 */
export function reportError(err: unknown, context: ReportContext): number {
  const { command, verbose, write } = context;
  const exit = exitCodeFor(err);
  const prefix = command ? `lakelog ${command}` : "lakelog";
  if (exit === EXIT.interrupted) {
    write(`${prefix}: interrupted; nothing was committed`);
    return exit;
  }
  const message = err instanceof Error ? err.message : String(err);
  const code = codeOf(err);
  const known = err instanceof UsageError || err instanceof CliError || context.isLakelogError(err);
  const tag = known && code !== "CLI_USAGE" ? ` [${code}]` : "";
  const hint = exit === EXIT.usage ? ` (see lakelog ${command ? `${command} ` : ""}--help)` : "";
  const unexpected = known ? "" : "unexpected failure: ";
  const cliHint = code !== undefined && CLI_HINTS[code] ? ` (${CLI_HINTS[code]})` : "";
  write(
    redact(`${prefix}: ${unexpected}${oneLine(message)}${tag}${exit === EXIT.usage && !message.includes("--help") ? hint : ""}${cliHint}`),
  );
  if (verbose) {
    for (const line of causeChain(err)) write(redact(`  ${oneLine(line)}`));
    if (err instanceof Error && err.stack) write(redact(err.stack.split("\n").slice(1).join("\n")));
  } else if (!known || causeChain(err).length > 0) {
    write("  (run with --verbose for the cause)");
  }
  return exit;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * Runs the lakelog CLI as a child process and collects its output.
 */
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { afterAll } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");

/**
 * The CLI compiled to plain JavaScript once per test process: src/ transpiled (types erased, no
 * checking) into a temporary package that links the project's node_modules, so each run is a
 * plain `node main.js` without a TypeScript loader in the child.
 */
function transpiledMain(): string {
  const out = mkdtempSync(join(tmpdir(), "lakelog-cli-build-"));
  afterAll(() => rmSync(out, { recursive: true, force: true })); // after the importing file's tests
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
        const js = ts.transpileModule(readFileSync(path, "utf8"), {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
          fileName: path,
        }).outputText;
        const target = join(out, relative(ROOT, path)).replace(/\.ts$/, ".js");
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, js);
      }
    }
  };
  walk(join(ROOT, "src"));
  writeFileSync(join(out, "package.json"), readFileSync(join(ROOT, "package.json")));
  symlinkSync(join(ROOT, "node_modules"), join(out, "node_modules"), "dir");
  return join(out, "src/cli/main.js");
}

/** The CLI entry point the tests run. */
export const CLI_MAIN = transpiledMain();

/** The transpiled package's root (holds src/ as JavaScript and a link to node_modules). */
export const TRANSPILED_ROOT = resolve(CLI_MAIN, "../../..");

/** The exit code and output of one run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link cli}. */
export interface CliRunOptions {
  env?: Record<string, string | undefined>;
  /** Extra Node flags before the script (e.g. `--import` of a hook). */
  nodeArgs?: string[];
  input?: string;
}

/** The environment for a child: colour decided by the test, not inherited. */
function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `lakelog <args>`. */
export function cli(args: string[], options: CliRunOptions = {}): Promise<CliResult> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [...(options.nodeArgs ?? []), CLI_MAIN, ...args],
      { cwd: ROOT, env: childEnv(options.env), maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs `lakelog <args>` inside a pseudo-terminal (`script`), so stdout and stderr are TTYs. */
export function cliInTerminal(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, CLI_MAIN, ...args].map(quote).join(" ");
  return new Promise((done) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: ROOT,
      env: childEnv({ TERM: "xterm", COLUMNS: "120", ...env }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("close", (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

/** Runs `lakelog <args>` with stdout on the file descriptor `stdoutFd` (e.g. /dev/full); collects stderr. */
export function cliToFd(args: string[], stdoutFd: number): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd: ROOT, env: childEnv(), stdio: ["ignore", stdoutFd, "pipe"] });
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("close", (code) => done({ code: code ?? 1, stderr }));
  });
}

/** Runs `lakelog <args>` and closes its stdout after the first chunk, as `| head -1` would. */
export function cliClosedPipe(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd: ROOT, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stdout.once("data", () => child.stdout.destroy());
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("close", (code) => done({ code: code ?? 1, stderr }));
  });
}

/**
 * Starts `lakelog <args>` in its own process group with stdout read slowly (a chunk every 200 ms,
 * so a long scan is still running), waits for `readyMs`, then sends `signal` to the whole group
 * (as Ctrl-C on a terminal does: `group`) or to the `lakelog` process alone; resolves with its exit.
 */
export function cliSignalled(
  args: string[],
  signal: NodeJS.Signals,
  target: "group" | "process",
  readyMs: number,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      cwd: ROOT,
      env: childEnv(),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.stdout.on("data", () => {
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 200);
    });
    setTimeout(() => (target === "group" ? process.kill(-child.pid!, signal) : child.kill(signal)), readyMs);
    child.on("close", (code) => done({ code, stderr }));
  });
}

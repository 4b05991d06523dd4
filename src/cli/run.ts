/**
 * The `lakelog` command's body (started by main.ts). It imports only commander and the CLI's own
 * framework: the library (Arrow, parquet-wasm) is loaded by a command when it runs, so `--help`
 * and `--version` start fast. Only the CLI layer prints.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { processContext } from "./context.js";
import { EXIT, reportError } from "./exit.js";
import { buildProgram, CommanderError, commanderExitCode } from "./program.js";
import { stdoutOutput, type Output } from "./render/output.js";

/** lakelog's version from its package.json (found upwards from this file, in dist/ or src/). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "lakelog" && pkg.version) return pkg.version;
    } catch {
      // not here: look one folder up
    }
    dir = dirname(dir);
  }
  return "unknown";
}

async function isLakelogError(err: unknown): Promise<(e: unknown) => boolean> {
  try {
    const lib = await import("../index.js");
    return lib.isLakelogError(err) ? () => true : () => false;
  } catch {
    return () => false;
  }
}

/**
 * A reader that went away (`lakelog --help | head`) is not an error: further output is dropped
 * and the command finishes as it would (scan stops producing on its own). Any other stdout
 * failure fails the run: a command's next write throws it and it is reported like any error;
 * one nothing reported (help text, a last write) is reported as the process exits.
 */
function reportUnreportedOutputFailure(out: Output): void {
  process.on("exit", () => {
    if (out.failure === undefined || (process.exitCode ?? 0) !== EXIT.ok) return;
    process.stderr.write(`lakelog: ${out.failure.message}\n`);
    process.exitCode = EXIT.error;
  });
}

async function main(argv: string[]): Promise<number> {
  reportUnreportedOutputFailure(stdoutOutput());
  const verbose = argv.includes("--verbose");
  const controller = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write("\ninterrupting (Ctrl-C again to quit at once)…\n");
    controller.abort(Object.assign(new Error("interrupted by Ctrl-C"), { name: "AbortError" }));
  });
  let exitCode: number = EXIT.ok;
  const program = buildProgram(packageVersion(), {
    writeOut: (text) => void process.stdout.write(text),
    writeErr: (text) => void process.stderr.write(text),
    async run(command, body) {
      const ctx = processContext(verbose, controller.signal);
      try {
        exitCode = await body(ctx);
      } catch (err) {
        const known = await isLakelogError(err);
        exitCode = reportError(err, { command, verbose, write: ctx.err, isLakelogError: known });
      }
    },
  });
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) return commanderExitCode(err);
    throw err;
  }
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`lakelog: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.error;
  },
);

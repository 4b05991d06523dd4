/**
 * What every command gets: where to print, styles, the verbosity and the abort signal that
 * Ctrl-C fires. Commands return their exit code.
 */
import { stdoutOutput, type Output } from "./render/output.js";
import { styleFor, type Style } from "./style.js";

/** The environment a command runs in. */
export interface CliContext {
  out: Output;
  /** Styles for stdout. */
  style: Style;
  /** Styles for stderr. */
  errStyle: Style;
  /** Writes a line to stderr. */
  err(line: string): void;
  /** Writes a line to stdout (for small outputs; big ones go through `out`). */
  print(line?: string): Promise<void>;
  verbose: boolean;
  /** Fired by Ctrl-C. */
  signal: AbortSignal;
  /** True when stderr is a terminal (progress bars). */
  errIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

/** The context for this process. */
export function processContext(verbose: boolean, signal: AbortSignal): CliContext {
  const out = stdoutOutput();
  return {
    out,
    style: styleFor(process.stdout),
    errStyle: styleFor(process.stderr),
    err: (line) => void process.stderr.write(`${line}\n`),
    print: (line = "") => out.write(`${line}\n`),
    verbose,
    signal,
    errIsTTY: process.stderr.isTTY === true,
    env: process.env,
  };
}

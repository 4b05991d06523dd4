/**
 * Where rendered text goes: stdout or a file, written with backpressure so a slow consumer (a
 * pipe, a terminal) bounds memory instead of letting output pile up. A closed pipe (`| head`)
 * ends the command quietly; any other write failure fails it with `CLI_OUTPUT`. This is the one
 * place that listens for stdout's errors (main.ts reports a failure no command reported).
 */
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { CliError } from "../exit.js";

/** A text or byte sink with backpressure. */
export interface Output {
  /** Resolves once the stream accepts more (immediately unless its buffer is full). */
  write(chunk: string | Uint8Array): Promise<void>;
  /** Flushes and closes (files) or just flushes (stdout). */
  close(): Promise<void>;
  /** True once the reader went away (EPIPE): stop producing. */
  readonly closed: boolean;
  /** The write failure other than EPIPE, if one happened (writes throw it). */
  readonly failure: CliError | undefined;
  readonly isTTY: boolean;
}

/** Wraps a writable stream. `own` streams are ended by `close()`. */
export function streamOutput(stream: Writable & { isTTY?: boolean }, own: boolean): Output {
  let closed = false;
  let failure: CliError | undefined;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") closed = true;
    else failure ??= new CliError("CLI_OUTPUT", `cannot write the output: ${err.message}`);
  });
  return {
    get closed() {
      return closed;
    },
    get failure() {
      return failure;
    },
    isTTY: stream.isTTY === true,
    async write(chunk) {
      if (failure) throw failure;
      if (closed) return;
      if (!stream.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            stream.off("drain", done);
            stream.off("close", done);
            stream.off("error", done);
            resolve();
          };
          stream.on("drain", done);
          stream.on("close", done);
          stream.on("error", done);
        });
      }
      if (failure) throw failure;
    },
    async close() {
      if (!own) return;
      await new Promise<void>((resolve, reject) => {
        stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
      });
      if (failure) throw failure;
    },
  };
}

let stdout: Output | undefined;

/** Standard output: one per process, so its error listener is attached once, before anything is printed. */
export function stdoutOutput(): Output {
  return (stdout ??= streamOutput(process.stdout, false));
}

/** A new file (replaced when it exists). */
export function fileOutput(path: string): Output {
  return streamOutput(createWriteStream(path), true);
}

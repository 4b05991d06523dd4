/**
 * Where rendered text goes: stdout or a file, written with backpressure so a slow consumer (a
 * pipe, a terminal) bounds memory instead of letting output pile up. A closed pipe (`| head`)
 * ends the command quietly.
 */
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";

/** A text or byte sink with backpressure. */
export interface Output {
  /** Resolves once the stream accepts more (immediately unless its buffer is full). */
  write(chunk: string | Uint8Array): Promise<void>;
  /** Flushes and closes (files) or just flushes (stdout). */
  close(): Promise<void>;
  /** True once the reader went away (EPIPE): stop producing. */
  readonly closed: boolean;
  readonly isTTY: boolean;
}

/** Wraps a writable stream. `own` streams are ended by `close()`. */
export function streamOutput(stream: Writable & { isTTY?: boolean }, own: boolean): Output {
  let closed = false;
  let failure: Error | undefined;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") closed = true;
    else failure = err;
  });
  return {
    get closed() {
      return closed;
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

/** Standard output. */
export function stdoutOutput(): Output {
  return streamOutput(process.stdout, false);
}

/** A new file (replaced when it exists). */
export function fileOutput(path: string): Output {
  return streamOutput(createWriteStream(path), true);
}

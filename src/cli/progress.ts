/**
 * A progress bar on stderr, drawn only when stderr is a terminal (silent otherwise), redrawn at
 * most ten times a second and erased when the work ends.
 */
import type { CliContext } from "./context.js";
import { humanCount, humanDuration } from "./style.js";

/** Reports progress of one piece of work. */
export interface Progress {
  /** `done` of `total` units (total may be unknown), with an extra note (rows, bytes). */
  update(done: number, total: number | undefined, note?: string): void;
  /** Erases the bar. */
  finish(): void;
}

const WIDTH = 24;

/** The text of a bar: `[██████░░░░]  52%  12/23 files  note`. */
export function barText(label: string, done: number, total: number | undefined, note: string, elapsedMs: number): string {
  const known = total !== undefined && total > 0;
  const fraction = known ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * WIDTH);
  const bar = known
    ? `[${"█".repeat(filled)}${"░".repeat(WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`
    : "[working]";
  const count = known ? `${humanCount(done)}/${humanCount(total)} ${label}` : `${humanCount(done)} ${label}`;
  return `${bar}  ${count}${note ? `  ${note}` : ""}  ${humanDuration(elapsedMs)}`;
}

/** A bar for `label` units (e.g. "files"), or a no-op when stderr is not a terminal. */
export function progressBar(ctx: CliContext, label: string): Progress {
  if (!ctx.errIsTTY) return { update: () => {}, finish: () => {} };
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(done, total, note = "") {
      const now = Date.now();
      if (now - last < 100 && done !== total) return;
      last = now;
      drawn = true;
      process.stderr.write(`\r\x1b[2K${barText(label, done, total, note, now - started)}`);
    },
    finish() {
      if (drawn) process.stderr.write("\r\x1b[2K");
    },
  };
}

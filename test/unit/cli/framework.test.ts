/**
 * The CLI framework without processes: exit codes, error lines, redaction, usage lines, styling.
 */
import { describe, expect, it } from "vitest";
import { EXIT, UsageError, exitCodeFor, redact, reportError } from "../../../src/cli/exit.js";
import { usageLine } from "../../../src/cli/program.js";
import { colourWanted, humanBytes, timeAgo } from "../../../src/cli/style.js";
import { barText } from "../../../src/cli/progress.js";
import { histogramLines, sizeHistogram } from "../../../src/cli/commands/health.js";
import { styleFor } from "../../../src/cli/style.js";

class FakeLakelogError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

describe("exit codes and error reports", () => {
  it.each([
    ["TABLE_NOT_FOUND", EXIT.notATable],
    ["CONCURRENT_APPEND", EXIT.conflict],
    ["TABLE_EXISTS", EXIT.conflict],
    ["EXPRESSION_PARSE", EXIT.usage],
    ["CORRUPT_LOG", EXIT.error],
  ])("%s exits %i", (code, exit) => {
    expect(exitCodeFor(new FakeLakelogError(code, "x"))).toBe(exit);
  });

  it("prints one line, the cause chain only with --verbose, and never a credential", () => {
    const lines: string[] = [];
    const err = new FakeLakelogError("STORE_REQUEST_FAILED", "get failed: s3://b/t/_delta_log", {
      cause: new Error("socket hang up key=SECRETVALUE123"),
    });
    const env = { AWS_SECRET_ACCESS_KEY: "SECRETVALUE123" };
    const report = (verbose: boolean) =>
      reportError(err, { command: "info", verbose, write: (l) => lines.push(redact(l, env)), isLakelogError: () => true });
    expect(report(false)).toBe(EXIT.error);
    expect(lines).toEqual(["lakelog info: get failed: s3://b/t/_delta_log [STORE_REQUEST_FAILED]", "  (run with --verbose for the cause)"]);
    lines.length = 0;
    report(true);
    expect(lines[1]).toBe("  caused by Error: socket hang up key=***");
    expect(lines.join("\n")).not.toContain("SECRETVALUE123");
  });

  it("redacts SAS signatures, account keys and passwords in URLs", () => {
    expect(redact("https://a.blob.core.windows.net/c?sv=1&sig=abc%2Fdef&se=2", {})).toBe(
      "https://a.blob.core.windows.net/c?sv=1&sig=***&se=2",
    );
    expect(redact("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy==;", {})).toBe(
      "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=***;",
    );
    expect(redact("s3://user:hunter2@host/b", {})).toBe("s3://user:***@host/b");
  });

  it("reports a usage error with a pointer to --help, exit 2", () => {
    const lines: string[] = [];
    expect(
      reportError(new UsageError("give --where"), {
        command: "delete",
        verbose: false,
        write: (l) => lines.push(l),
        isLakelogError: () => false,
      }),
    ).toBe(2);
    expect(lines).toEqual(["lakelog delete: give --where (see lakelog delete --help)"]);
  });

  it("folds commander's two-line messages into one", () => {
    expect(usageLine("scan", "error: unknown option '--limt'\n(Did you mean --limit?)\n")).toBe(
      "lakelog scan: unknown option '--limt' (did you mean --limit?); see lakelog scan --help",
    );
  });
});

describe("terminal output", () => {
  it("colours only a TTY, never with NO_COLOR", () => {
    expect(colourWanted({ isTTY: true }, {})).toBe(true);
    expect(colourWanted({ isTTY: false }, {})).toBe(false);
    expect(colourWanted({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colourWanted({ isTTY: true }, { NO_COLOR: "1", FORCE_COLOR: "1" })).toBe(false);
    expect(colourWanted({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
  });

  it("humanises sizes and times", () => {
    expect([0, 1023, 1024, 1536, 32 * 2 ** 20, 1.5 * 2 ** 30].map(humanBytes)).toEqual([
      "0 B",
      "1023 B",
      "1 KiB",
      "1.5 KiB",
      "32 MiB",
      "1.5 GiB",
    ]);
    expect(timeAgo(0, 5_000)).toBe("just now");
    expect(timeAgo(0, 3 * 3_600_000)).toBe("3 hours ago");
    expect(timeAgo(0, 86_400_000)).toBe("1 day ago");
  });

  it("draws a progress bar and a size histogram", () => {
    expect(barText("files", 3, 12, "1,000 rows", 1500)).toBe("[██████░░░░░░░░░░░░░░░░░░]  25%  3/12 files  1,000 rows  1.5 s");
    const buckets = sizeHistogram([100, 200, 2 * 2 ** 20, 600 * 2 ** 20]);
    expect(buckets.map((b) => b.files)).toEqual([2, 0, 1, 0, 0, 0, 1]);
    const lines = histogramLines(buckets, styleFor({ isTTY: false }, {}), 10);
    expect(lines[0]).toBe("          < 128 KiB  ██████████        2  300 B");
    expect(lines[2]).toBe("      1 MiB – 8 MiB  █████             1  2 MiB");
  });
});

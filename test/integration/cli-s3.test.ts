/**
 * The CLI against the S3-compatible test server, with credentials from the AWS environment
 * variables only: read commands, an import, and a wrong secret that is never printed.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { writeDeltaTable } from "../../src/index.js";
import { cli } from "../unit/cli/run-cli.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("lakelog on S3", () => {
  const target = inject("s3");
  const s3 = target?.options.s3 ?? {};
  const env = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: s3.region ?? "us-east-1",
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_S3_FORCE_PATH_STYLE: s3.forcePathStyle ? "true" : undefined,
  };

  it(
    "reads, validates and imports with credentials from the environment; a wrong secret is not printed",
    { timeout: 300_000 },
    async () => {
      expect(target, "the servers project provides an S3 target").toBeDefined();
      const url = `${target!.url}/cli-${randomUUID()}`;
      await writeDeltaTable(
        url,
        [
          { id: 1n, name: "a" },
          { id: 2n, name: null },
        ],
        { storage: target!.options },
      );
      const info = JSON.parse((await cli(["info", url, "--json"], { env })).stdout);
      expect(info).toMatchObject({ version: 0, numRows: 2, numFiles: 1 });
      expect((await cli(["scan", url, "--format", "csv"], { env })).stdout).toBe("id,name\n1,a\n2,\n");
      const valid = await cli(["validate", url], { env });
      expect(valid.code, valid.stdout + valid.stderr).toBe(0);
      const dir = mkdtempSync(join(tmpdir(), "lakelog-cli-s3-"));
      dirs.push(dir);
      writeFileSync(join(dir, "more.csv"), "id,name\n3,c\n");
      const imported = await cli(["import", url, join(dir, "more.csv")], { env });
      expect(imported.code, imported.stderr).toBe(0);
      expect(JSON.parse((await cli(["info", url, "--json"], { env })).stdout)).toMatchObject({ version: 1, numRows: 3 });
      const secret = "not-the-secret-0123456789abcdef";
      const denied = await cli(["info", url, "--verbose"], { env: { ...env, AWS_SECRET_ACCESS_KEY: secret } });
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toMatch(/^lakelog info: /);
      expect(denied.stderr).not.toContain(secret);
    },
  );
});

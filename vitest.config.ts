import { defineConfig } from "vitest/config";

// The AWS SDK warns on every process that its 2027 releases will need Node 22; the suite starts
// dozens of processes, so the warning is silenced for tests (never in the library).
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

// Two projects: `unit` runs in-memory and on local disk with no servers; `servers` (conformance and
// integration) gets a real S3-compatible server and Azurite from test/setup/servers.ts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/fuzz/**/*.test.ts"],
          testTimeout: 30_000,
          env,
        },
      },
      {
        test: {
          name: "servers",
          include: ["test/conformance/**/*.test.ts", "test/integration/**/*.test.ts"],
          globalSetup: ["test/setup/servers.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          env,
        },
      },
    ],
  },
});

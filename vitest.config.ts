import { defineConfig } from "vitest/config";

// Two projects: `unit` runs in-memory and on local disk with no servers; `servers` (conformance and
// integration) gets a real S3-compatible server and Azurite from test/setup/servers.ts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "servers",
          include: ["test/conformance/**/*.test.ts", "test/integration/**/*.test.ts"],
          globalSetup: ["test/setup/servers.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

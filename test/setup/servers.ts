/**
 * Vitest global setup for the `servers` project: the real S3-compatible server and Azurite from
 * scripts/test-servers.ts, handed to the tests through provide/inject.
 */
import type { TestProject } from "vitest/node";
import { startTestServers, type CloudTarget, type TestServers } from "../../scripts/test-servers.js";

declare module "vitest" {
  export interface ProvidedContext {
    s3: CloudTarget;
    azure: CloudTarget;
  }
}

let servers: TestServers | undefined;

// the global setup runs in vitest's main process, which the project's `env` does not reach
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** Starts or finds the servers and provides their settings. */
export async function setup(project: TestProject): Promise<void> {
  servers = await startTestServers();
  project.provide("s3", servers.s3);
  project.provide("azure", servers.azure);
}

/** Stops whatever {@link setup} started. */
export async function teardown(): Promise<void> {
  await servers?.stop();
}

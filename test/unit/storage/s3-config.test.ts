import { describe, expect, it } from "vitest";
import { InvalidStorageConfigError, MissingDependencyError } from "../../../src/errors/storage-errors.js";
import { resolveS3Config } from "../../../src/storage/s3-config.js";
import { asS3Client, loadS3Sdk, s3ClientConfig } from "../../../src/storage/s3-sdk.js";

const URL = "s3://bucket/table";

describe("resolveS3Config: region", () => {
  it.each([
    [{ region: "eu-west-1" }, { AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "ap-south-1" }, "eu-west-1"],
    [{}, { AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "ap-south-1" }, "us-west-2"],
    [{}, { AWS_DEFAULT_REGION: "ap-south-1" }, "ap-south-1"],
    [{}, { AWS_REGION: "", AWS_DEFAULT_REGION: "ap-south-1" }, "ap-south-1"],
    [{}, {}, "us-east-1"],
  ])("options %o, env %o -> %s", (options, env, region) => {
    expect(resolveS3Config(options, env, URL).region).toBe(region);
  });
});

describe("resolveS3Config: endpoint, path style and atomic create", () => {
  it.each([
    // [options, env, endpoint, forcePathStyle, atomicCreate]
    [{}, {}, undefined, false, "native"],
    [{ endpoint: "http://127.0.0.1:7480" }, {}, "http://127.0.0.1:7480", true, "probe"],
    [{}, { AWS_ENDPOINT_URL_S3: "http://s3.local", AWS_ENDPOINT_URL: "http://other" }, "http://s3.local", true, "probe"],
    [{}, { AWS_ENDPOINT_URL: "http://other" }, "http://other", true, "probe"],
    [{ endpoint: "https://x.r2.dev" }, { AWS_ENDPOINT_URL_S3: "http://s3.local" }, "https://x.r2.dev", true, "probe"],
    [{ endpoint: "http://minio:9000", forcePathStyle: false }, {}, "http://minio:9000", false, "probe"],
    [{}, { AWS_S3_FORCE_PATH_STYLE: "true" }, undefined, true, "native"],
    [{}, { AWS_ENDPOINT_URL: "http://m", AWS_S3_FORCE_PATH_STYLE: "FALSE" }, "http://m", false, "probe"],
    [{ endpoint: "http://m", atomicCreate: "native" as const }, {}, "http://m", true, "native"],
    [{}, { AWS_ENDPOINT_URL: "http://m", LAKELOG_S3_ATOMIC_CREATE: "none" }, "http://m", true, "none"],
    [{ atomicCreate: "probe" as const }, { LAKELOG_S3_ATOMIC_CREATE: "none" }, undefined, false, "probe"],
    [{ client: { send() {} } }, {}, undefined, false, "probe"],
  ])("options %o, env %o", (options, env, endpoint, forcePathStyle, atomicCreate) => {
    const config = resolveS3Config(options, env, URL);
    expect(config.endpoint).toBe(endpoint);
    expect(config.forcePathStyle).toBe(forcePathStyle);
    expect(config.atomicCreate).toBe(atomicCreate);
  });

  it.each([
    [{ endpoint: "not a url" }, {}],
    [{ endpoint: "ftp://host" }, {}],
    [{}, { AWS_ENDPOINT_URL_S3: "::" }],
    [{}, { AWS_S3_FORCE_PATH_STYLE: "sometimes" }],
    [{}, { LAKELOG_S3_ATOMIC_CREATE: "maybe" }],
    [{ atomicCreate: "always" as never }, {}],
    [{ accessKeyId: "AKIA" }, {}],
    [{ secretAccessKey: "secret" }, {}],
  ])("refuses options %o, env %o with InvalidStorageConfigError naming the URL", (options, env) => {
    expect(() => resolveS3Config(options, env, URL)).toThrow(InvalidStorageConfigError);
    expect(() => resolveS3Config(options, env, URL)).toThrow(URL);
  });
});

describe("resolveS3Config: credentials", () => {
  const envKeys = {
    AWS_ACCESS_KEY_ID: "ENVKEY",
    AWS_SECRET_ACCESS_KEY: "envsecret",
    AWS_SESSION_TOKEN: "envtoken",
    AWS_PROFILE: "envprofile",
  };

  it("prefers explicit keys over everything", () => {
    const config = resolveS3Config({ accessKeyId: "K", secretAccessKey: "S", sessionToken: "T", profile: "p" }, envKeys, URL);
    expect(config.credentials).toEqual({ accessKeyId: "K", secretAccessKey: "S", sessionToken: "T" });
    expect(config.profile).toBeUndefined();
  });

  it("then an explicit profile", () => {
    const config = resolveS3Config({ profile: "p" }, envKeys, URL);
    expect(config.credentials).toBeUndefined();
    expect(config.profile).toBe("p");
  });

  it("then the keys in the given environment", () => {
    expect(resolveS3Config({}, envKeys, URL).credentials).toEqual({
      accessKeyId: "ENVKEY",
      secretAccessKey: "envsecret",
      sessionToken: "envtoken",
    });
  });

  it("then AWS_PROFILE", () => {
    const config = resolveS3Config({}, { AWS_PROFILE: "envprofile", AWS_ACCESS_KEY_ID: "half-a-pair" }, URL);
    expect(config.credentials).toBeUndefined();
    expect(config.profile).toBe("envprofile");
  });

  it("else leaves both to the SDK's default chain", () => {
    const config = resolveS3Config({}, {}, URL);
    expect(config.credentials).toBeUndefined();
    expect(config.profile).toBeUndefined();
  });
});

describe("s3ClientConfig", () => {
  it("turns SDK retries off and checksums to WHEN_REQUIRED", () => {
    const config = s3ClientConfig(resolveS3Config({ endpoint: "http://127.0.0.1:7480", accessKeyId: "K", secretAccessKey: "S" }, {}, URL));
    expect(config).toMatchObject({
      region: "us-east-1",
      endpoint: "http://127.0.0.1:7480",
      forcePathStyle: true,
      maxAttempts: 1,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      credentials: { accessKeyId: "K", secretAccessKey: "S" },
    });
  });

  it("sets no endpoint, credentials or profile it was not given", () => {
    const config = s3ClientConfig(resolveS3Config({}, {}, URL));
    expect(config).not.toHaveProperty("endpoint");
    expect(config).not.toHaveProperty("credentials");
    expect(config).not.toHaveProperty("profile");
  });
});

describe("loadS3Sdk and asS3Client", () => {
  it("reports a missing SDK as MissingDependencyError naming the package", async () => {
    const missing = Object.assign(new Error("Cannot find package '@aws-sdk/client-s3'"), { code: "ERR_MODULE_NOT_FOUND" });
    const load = loadS3Sdk(() => Promise.reject(missing));
    await expect(load).rejects.toBeInstanceOf(MissingDependencyError);
    await expect(load).rejects.toMatchObject({ packageName: "@aws-sdk/client-s3", cause: missing });
  });

  it("rethrows other import failures as they are", async () => {
    const broken = new SyntaxError("bad module");
    await expect(loadS3Sdk(() => Promise.reject(broken))).rejects.toBe(broken);
  });

  it("loads the installed SDK", async () => {
    expect(typeof (await loadS3Sdk()).S3Client).toBe("function");
  });

  it("accepts anything with send() as an injected client and refuses the rest", () => {
    const client = { send: async () => ({}) };
    expect(asS3Client(client, URL)).toBe(client);
    expect(() => asS3Client({}, URL)).toThrow(InvalidStorageConfigError);
    expect(() => asS3Client("client", URL)).toThrow(InvalidStorageConfigError);
  });
});

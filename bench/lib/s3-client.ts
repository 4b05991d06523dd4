/**
 * The raw S3 peer's client: the AWS SDK pointed at the same server, bucket and prefix as a test
 * server target, with lakelog's store settings (no request checksums unless required).
 */
import { S3Client } from "@aws-sdk/client-s3";
import type { CloudTarget } from "../../scripts/test-servers.js";

/** An S3 client for `target`, the bucket of its `s3://` URL and the key prefix after it (no slashes around). */
export function rawS3Client(target: CloudTarget): { client: S3Client; bucket: string; prefix: string } {
  const o = target.options.s3!;
  const client = new S3Client({
    region: o.region,
    endpoint: o.endpoint,
    forcePathStyle: o.forcePathStyle,
    credentials: { accessKeyId: o.accessKeyId!, secretAccessKey: o.secretAccessKey! },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const [bucket, ...rest] = target.url.slice("s3://".length).split("/");
  return { client, bucket: bucket!, prefix: rest.join("/") };
}

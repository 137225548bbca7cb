// Direct looks into the test stack's bucket, for asserting what the API stored or removed. Tests inspect the
// bucket with the full SDK client (ListObjectsV2 and friends, which runtime code never needs).
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getConfig } from '../../shared/config.ts';

let client: S3Client | undefined;

/** An SDK S3 client on the test stack's bucket (the same endpoint and path style as the functions). */
export function testBucket(): { s3: S3Client; bucket: string } {
  const config = getConfig();
  client ??= new S3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE });
  return { s3: client, bucket: config.BUCKET_NAME };
}

export async function objectExists(key: string): Promise<boolean> {
  const { s3, bucket } = testBucket();
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

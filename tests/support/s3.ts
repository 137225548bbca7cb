// Direct looks into the test stack's bucket, for asserting what the API stored or removed.
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { getStorage } from '../../shared/storage/s3.ts';

export async function objectExists(key: string): Promise<boolean> {
  const { s3, bucket } = getStorage();
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

// One S3 client per cold start; the local stack points it at the emulator through AWS_ENDPOINT_URL_S3.
import { S3Client } from '@aws-sdk/client-s3';
import { traceSdkClient } from '../observability/tracing.ts';
import { getConfig } from '../config.ts';

export interface Storage {
  s3: S3Client;
  bucket: string;
}

let cached: Storage | undefined;

export function getStorage(): Storage {
  if (cached) return cached;
  const config = getConfig();
  cached = { s3: traceSdkClient(new S3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE }), 'S3'), bucket: config.BUCKET_NAME };
  return cached;
}

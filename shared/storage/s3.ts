// One S3 client per cold start; the local stack points it at the emulator through AWS_ENDPOINT_URL_S3.
import { S3 } from '../aws/s3.ts';
import { getConfig } from '../config.ts';

export interface Storage {
  s3: S3;
  bucket: string;
}

let cached: Storage | undefined;

export function getStorage(): Storage {
  if (cached) return cached;
  const config = getConfig();
  cached = { s3: new S3({ forcePathStyle: config.S3_FORCE_PATH_STYLE }), bucket: config.BUCKET_NAME };
  return cached;
}

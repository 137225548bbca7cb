// The private files bucket. Browsers upload straight to it with presigned POST/PUT and download with
// presigned GET, so it needs CORS for the app's origins; nothing in it is ever public.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Presigned-POST uploads land here until confirmed (HeadObject); what is never confirmed expires. */
export const TEMPORARY_UPLOAD_PREFIX = 'tmp/';
/** Task reports (GET /reports/tasks): fetched once through a 5-minute presigned GET, kept a day, then expired. */
export const REPORT_PREFIX = 'reports/';

export interface FileStorageProps {
  allowedOrigins: string[];
  versioning: boolean;
}

export class FileStorage extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: FileStorageProps) {
    super(scope, id);
    // Log delivery through a bucket policy, not the legacy LogDeliveryWrite ACL (which object ownership
    // "bucket owner enforced" forbids). Set here so the construct does not depend on cdk.json flags.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    const privateBucket = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    };

    // Who fetched or changed which object: the trail for "who saw this file" questions. (cdk-nag's S1 knows a
    // log destination bucket need not log itself.)
    this.accessLogs = new s3.Bucket(this, 'access-logs', {
      ...privateBucket,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
    });
    this.bucket = new s3.Bucket(this, 'files', {
      ...privateBucket,
      versioned: props.versioning,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'files/',
      cors: [
        {
          // POST: the browser's presigned-POST form upload (no presigned PUT is ever handed out);
          // GET/HEAD: presigned downloads and previews fetched by the app.
          allowedOrigins: props.allowedOrigins,
          allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.HEAD, s3.HttpMethods.POST],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag', 'Content-Length', 'Content-Type', 'Content-Disposition'],
          maxAge: 3600,
        },
      ],
      lifecycleRules: [
        {
          id: 'expire-unconfirmed-uploads',
          prefix: TEMPORARY_UPLOAD_PREFIX,
          expiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          id: 'expire-reports',
          prefix: REPORT_PREFIX,
          expiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          id: 'abort-incomplete-multipart-uploads',
          abortIncompleteMultipartUploadAfter: Duration.days(2),
          ...(props.versioning ? { noncurrentVersionExpiration: Duration.days(30) } : {}),
        },
      ],
    });
  }
}

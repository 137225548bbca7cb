// The signed-request module against AWS's own published SigV4 examples (so a signature is proven right, not
// merely accepted: s3rver and the local gateway check none), and its retries against a scripted wire.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { S3 } from '../../shared/aws/s3.ts';
import { AwsServiceError, createAwsClient, parseJsonError, type AwsResponse, type Transport } from '../../shared/aws/signed-request.ts';
import { isThrottled } from '../../shared/db/errors.ts';
import { jsonError, QUICK_RETRY } from '../support/aws-transport.ts';

/** The example credentials of AWS's documentation. */
const EXAMPLE_CREDENTIALS = async () => ({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
/** The examples use the global endpoint with virtual-hosted buckets (examplebucket.s3.amazonaws.com). */
const exampleS3 = (transport?: Transport) => new S3({ region: 'us-east-1', endpoint: 'https://s3.amazonaws.com', credentials: EXAMPLE_CREDENTIALS, transport });

const ok = (headers: Record<string, string> = {}, body = ''): AwsResponse => ({ status: 200, headers, body: Buffer.from(body) });

afterEach(() => {
  vi.useRealTimers();
});

describe('S3 signatures (AWS Signature Version 4 examples of the S3 API reference)', () => {
  it('presigns a GET exactly as the "query parameters" example: examplebucket/test.txt, 24 hours from 2013-05-24', async () => {
    const url = await exampleS3().presignGetObject({
      Bucket: 'examplebucket',
      Key: 'test.txt',
      expiresInSeconds: 86400,
      signingDate: new Date('2013-05-24T00:00:00Z'),
    });

    expect(url).toBe(
      'https://examplebucket.s3.amazonaws.com/test.txt' +
        '?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
        '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
        '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });

  it('signs a request in its headers as the "GET Object" example (Range bytes=0-9)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2013-05-24T00:00:00Z'));
    let authorization: string | undefined;
    const s3 = exampleS3(async (request) => {
      authorization = request.headers.authorization;
      return ok({ 'content-length': '10' }, '0123456789');
    });

    await s3.getObject({ Bucket: 'examplebucket', Key: 'test.txt', Range: 'bytes=0-9' });

    expect(authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('signs a POST policy as the "browser-based upload" example (sigv4examplebucket, 2015-12-29)', async () => {
    const policy =
      'eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9';

    const signature = await exampleS3().client.signer.sign(policy, { signingDate: new Date('2015-12-29T00:00:00Z') });

    expect(signature).toBe('8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e');
  });

  it("grants a presigned POST whose policy holds the caller's conditions, each field and the key, signed with that day's key", async () => {
    const now = new Date('2030-01-02T03:04:05.678Z');
    const s3 = new S3({ region: 'eu-west-1', endpoint: 'http://localhost:4569', forcePathStyle: true, credentials: async () => ({ ...(await EXAMPLE_CREDENTIALS()), sessionToken: 'session-token' }) });

    const { url, fields, expiration } = await s3.presignPost({
      Bucket: 'files',
      Key: 'tmp/user_1/file_1',
      Fields: { 'Content-Type': 'application/pdf' },
      Conditions: [['eq', '$key', 'tmp/user_1/file_1'], ['content-length-range', 1, 1000]],
      expiresInSeconds: 600,
      now,
    });

    expect(url).toBe('http://localhost:4569/files');
    expect(expiration).toBe('2030-01-02T03:14:05Z');
    const credential = 'AKIAIOSFODNN7EXAMPLE/20300102/eu-west-1/s3/aws4_request';
    expect(JSON.parse(Buffer.from(fields.Policy, 'base64').toString('utf8'))).toEqual({
      expiration: '2030-01-02T03:14:05Z',
      conditions: [
        ['eq', '$key', 'tmp/user_1/file_1'],
        ['content-length-range', 1, 1000],
        { 'Content-Type': 'application/pdf' },
        { bucket: 'files' },
        { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
        { 'X-Amz-Credential': credential },
        { 'X-Amz-Date': '20300102T030405Z' },
        { 'X-Amz-Security-Token': 'session-token' },
        { key: 'tmp/user_1/file_1' },
      ],
    });
    // The signing key derived by hand, as the SigV4 documentation spells it out.
    const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
    const signingKey = hmac(hmac(hmac(hmac('AWS4wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20300102'), 'eu-west-1'), 's3'), 'aws4_request');
    expect(fields).toEqual({
      'Content-Type': 'application/pdf',
      bucket: 'files',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': credential,
      'X-Amz-Date': '20300102T030405Z',
      'X-Amz-Security-Token': 'session-token',
      key: 'tmp/user_1/file_1',
      Policy: fields.Policy,
      'X-Amz-Signature': createHmac('sha256', signingKey).update(fields.Policy).digest('hex'),
    });
  });

  it('addresses buckets virtual-hosted on AWS and path-style on an emulator, keys encoded once and kept verbatim', () => {
    const key = 'uploads/user_1/../Résumé (final).pdf';
    expect(exampleS3().objectUrl('examplebucket', key)).toBe('https://examplebucket.s3.amazonaws.com/uploads/user_1/../R%C3%A9sum%C3%A9%20%28final%29.pdf');
    expect(new S3({ region: 'us-east-1', endpoint: 'http://localhost:4569', forcePathStyle: true, credentials: EXAMPLE_CREDENTIALS }).objectUrl('files', key)).toBe(
      'http://localhost:4569/files/uploads/user_1/../R%C3%A9sum%C3%A9%20%28final%29.pdf',
    );
  });

  it('fails on a redirect (a bucket in another region answers 301) instead of taking it for success', async () => {
    const redirect = '<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>';
    await expect(exampleS3(async () => ({ status: 301, headers: {}, body: Buffer.from(redirect) })).putObject({ Bucket: 'b', Key: 'k', Body: 'x' })).rejects.toMatchObject({
      name: 'PermanentRedirect',
      $metadata: { httpStatusCode: 301 },
    });
  });
});

describe('retries (the SDK standard mode: 3 attempts for network errors, 5xx and throttling)', () => {
  /** A wire that answers from a script, one entry per attempt. */
  function scripted(...answers: (AwsResponse | Error)[]) {
    let attempts = 0;
    const transport: Transport = async () => {
      const answer = answers[Math.min(attempts++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answer;
    };
    const client = createAwsClient({ service: 'lambda', region: 'us-east-1', credentials: EXAMPLE_CREDENTIALS, transport, retry: QUICK_RETRY, parseError: parseJsonError });
    const send = () => client.send({ method: 'POST', url: new URL('https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/f/invocations'), body: '{}' });
    return { send, attempts: () => attempts };
  }

  it('retries a dropped connection and a 5xx, then succeeds', async () => {
    const wire = scripted(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), jsonError(502, 'ServiceException'), { status: 202, headers: {}, body: Buffer.alloc(0) });
    expect((await wire.send()).status).toBe(202);
    expect(wire.attempts()).toBe(3);
  });

  it('gives up after 3 throttled attempts with a typed error the API answers as 503', async () => {
    const wire = scripted(jsonError(429, 'TooManyRequestsException', 'Rate exceeded'));
    const err = await wire.send().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsServiceError);
    expect(err).toMatchObject({ name: 'TooManyRequestsException', code: 'TooManyRequestsException', status: 429, throttling: true, message: 'Rate exceeded', $metadata: { httpStatusCode: 429, attempts: 3 } });
    expect(isThrottled(err)).toBe(true);
    expect(wire.attempts()).toBe(3);
  });

  it("does not retry the caller's mistakes: a 4xx fails at once with the service's code", async () => {
    const wire = scripted(jsonError(404, 'ResourceNotFoundException:http://internal.amazon.com/coral/', 'Function not found'));
    await expect(wire.send()).rejects.toMatchObject({ name: 'ResourceNotFoundException', status: 404, throttling: false });
    expect(wire.attempts()).toBe(1);
  });

  it("reads S3's XML errors, and names a bodiless HEAD 404 NotFound as the SDK does", async () => {
    const noSuchKey = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>';
    await expect(exampleS3(async () => ({ status: 404, headers: {}, body: Buffer.from(noSuchKey) })).getObject({ Bucket: 'b', Key: 'k' })).rejects.toMatchObject({
      name: 'NoSuchKey',
      message: 'The specified key does not exist.',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(exampleS3(async () => ({ status: 404, headers: {}, body: Buffer.alloc(0) })).headObject({ Bucket: 'b', Key: 'k' })).rejects.toMatchObject({
      name: 'NotFound',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it("treats S3's SlowDown as throttling, and a CopyObject error inside a 200 as an error", async () => {
    const slowDown = '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
    const s3 = new S3({ region: 'us-east-1', endpoint: 'https://s3.amazonaws.com', credentials: EXAMPLE_CREDENTIALS, retry: QUICK_RETRY, transport: async () => ({ status: 503, headers: {}, body: Buffer.from(slowDown) }) });
    const err = await s3.putObject({ Bucket: 'b', Key: 'k', Body: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SlowDown', status: 503, $metadata: { attempts: 3 } });
    expect(isThrottled(err)).toBe(true);

    const failedCopy = exampleS3(async () => ok({}, '<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>'));
    await expect(failedCopy.copyObject({ Bucket: 'b', Key: 'to', CopySource: 'b/from' })).rejects.toMatchObject({ name: 'InternalError' });
  });
});

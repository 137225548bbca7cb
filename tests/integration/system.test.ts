import { describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { CreateBucketCommand, DeleteBucketCommand } from '@aws-sdk/client-s3';
import { testBucket } from '../support/s3.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

describe('GET /system/health', () => {
  it('reports the table and the bucket reachable, without a token', async () => {
    const res = await api.get('/system/health');
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.data.status).toBe('ok');
    expect(res.body.data.checks.database.ok).toBe(true);
    expect(res.body.data.checks.storage.ok).toBe(true);
  });

  it('answers 503 SERVICE_UNAVAILABLE in the error envelope, naming the failing dependency, when the bucket is gone', async () => {
    const { s3, bucket } = testBucket();
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    try {
      const res = await api.get('/system/health');

      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        success: false,
        error: { code: 'SERVICE_UNAVAILABLE', details: { status: 'degraded', failing: ['storage'], checks: { database: { ok: true }, storage: { ok: false } } } },
        requestId: expect.any(String),
      });
      expect(res.body.error.message).toContain('storage');
    } finally {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    }
    expect((await api.get('/system/health')).status).toBe(200);
  });

  it('carries the security headers and a request id on every response', async () => {
    const res = await api.get('/system/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toContain('max-age=');
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });
});

describe('unknown routes', () => {
  it('answers 404 NOT_FOUND in the error envelope', async () => {
    const res = await api.get('/no/such/route');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    expect(typeof res.body.timestamp).toBe('string');
    expect(typeof res.body.requestId).toBe('string');
  });

  it('carries CORS and security headers, so a browser can read the 404 (as the $default route in AWS)', async () => {
    const res = await api.get('/no/such/route', { headers: { origin: 'http://app.test' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.test');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-request-id')).toBe(res.body.requestId);
  });

  it('answers a known path with an unknown method the same way', async () => {
    const res = await api.del('/system/health', undefined, { headers: { origin: 'http://app.test' } });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.test');
  });
});


describe('the $default catch-all (what API Gateway sends for unmatched requests in AWS)', () => {
  it('answers 404 NOT_FOUND in the envelope from the system handler', async () => {
    const { handler } = await import('../../functions/system/handler.ts');
    const { buildHttpEvent, lambdaContext } = await import('../../infra/local/gateway.ts');
    void stack.apiUrl; // the stack's environment must be loaded before the handler's config is read
    const event = buildHttpEvent({ method: 'GET', path: '/nowhere', routeKey: '$default' });
    const res = (await handler(event as never, lambdaContext('system', 'req-1'))) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
  });
});

describe('CORS', () => {
  it('answers a preflight from the app origin with the allowed methods and headers', async () => {
    const res = await fetch(`${stack.apiUrl}/tasks`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://app.test', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.test');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });

  it('lets the app origin read responses and gives other origins nothing', async () => {
    const allowed = await fetch(`${stack.apiUrl}/system/health`, { headers: { Origin: 'http://app.test' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.test');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('Retry-After');
    const other = await fetch(`${stack.apiUrl}/system/health`, { headers: { Origin: 'http://evil.test' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';

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
});


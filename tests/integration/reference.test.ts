// The API serves its own description: the OpenAPI and AsyncAPI documents and the reference page with its
// assets, raw (no envelope), cacheable, compressed, and the page under a content security policy that allows
// this origin only. (tests/integration/reference-page.test.ts drives the page in a real browser.)
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { useTestStack } from '../support/stack.ts';
import { DOCS_ASSETS } from '../../shared/contract/reference.ts';
import { PAGE_CONTENT_SECURITY_POLICY } from '../../functions/reference/site.ts';

const stack = useTestStack();
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${stack.apiUrl}${path}`, { headers });

describe('GET /openapi.json', () => {
  it('is the OpenAPI 3.1 document npm run openapi wrote, as plain JSON without a token', async () => {
    const res = await get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc).toEqual(JSON.parse(readFileSync('docs/openapi.json', 'utf8')));
  });

  it('answers 304 to a client whose ETag is current, and the whole document again once it is not', async () => {
    const first = await get('/openapi.json');
    const etag = first.headers.get('etag')!;
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect((await get('/openapi.json', { 'if-none-match': etag })).status).toBe(304);
    expect((await get('/openapi.json', { 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('is gzipped for a client that accepts gzip (API Gateway does not compress)', async () => {
    const res = await get('/openapi.json', { 'accept-encoding': 'gzip' });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toMatch(/Accept-Encoding/);
    // fetch decodes gzip itself; the document arrives whole.
    expect(((await res.json()) as any).openapi).toBe('3.1.0');
  });
});

describe('GET /asyncapi.json', () => {
  // docs/asyncapi.json is committed (tests/contract/openapi.test.ts keeps it fresh); a deployment without it
  // answers 404 in the envelope (functions/reference/site.ts), as the document says.
  it('is the AsyncAPI document of the WebSocket API', async () => {
    const res = await get('/asyncapi.json');
    expect(res.status).toBe(200);
    expect((await res.json()) as any).toEqual(JSON.parse(readFileSync('docs/asyncapi.json', 'utf8')));
  });
});

describe('GET /docs', () => {
  it('is an HTML page under a policy that allows scripts, styles and calls from this origin only', async () => {
    const res = await get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toBe(PAGE_CONTENT_SECURITY_POLICY);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
  });

  it('links the AsyncAPI document and loads every asset by a relative, versioned URL', async () => {
    const html = await (await get('/docs')).text();
    expect(html).toContain('href="asyncapi.json"');
    const urls = [...html.matchAll(/(?:src|href)="(docs\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) expect(url).toMatch(/^docs\/assets\/[\w.-]+\?v=[\w-]{16}$/);
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
  });
});

describe('GET /docs/assets/{asset}', () => {
  it('serves each asset the page links for good under its versioned URL (immutable), gzipped when it is text', async () => {
    const html = await (await get('/docs')).text();
    const urls = [...html.matchAll(/(?:src|href)="(docs\/assets\/[^"]+)"/g)].map((m) => m[1]);
    for (const url of urls) {
      const res = await fetch(`${stack.apiUrl}/${url}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(res.status, url).toBe(200);
      expect(res.headers.get('cache-control'), url).toBe('public, max-age=31536000, immutable');
      const name = new URL(url, 'http://x/').pathname.split('/').pop()!;
      const expected = readFileSync(DOCS_ASSETS[name as keyof typeof DOCS_ASSETS]);
      expect(Buffer.from(await res.arrayBuffer()).equals(expected), url).toBe(true);
    }
  });

  it('sends the gzipped bytes of Swagger UI, a fraction of its size', async () => {
    // node:http instead of fetch, which would decode the body.
    const { request } = await import('node:http');
    const body = await new Promise<{ encoding?: string; bytes: Buffer }>((resolve, reject) => {
      request(`${stack.apiUrl}/docs/assets/swagger-ui-bundle.js`, { headers: { 'accept-encoding': 'gzip, deflate, br' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], bytes: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });
    const original = readFileSync(DOCS_ASSETS['swagger-ui-bundle.js']);
    expect(body.encoding).toBe('gzip');
    expect(body.bytes.length).toBeLessThan(original.length / 2);
    expect(gunzipSync(body.bytes).equals(original)).toBe(true);
  });

  it('revalidates an asset asked for without its current version', async () => {
    const res = await get('/docs/assets/reference.js?v=outdated');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('serves nothing outside its list of files', async () => {
    for (const path of ['/docs/assets/package.json', '/docs/assets/..%2F..%2Fpackage.json', '/docs/assets/swagger-ui-bundle.js.map']) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as any).error.code, path).toBe('VALIDATION_ERROR');
    }
  });
});

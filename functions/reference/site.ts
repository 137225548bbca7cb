// The reference page's files as HTTP answers: read once per container from beside the bundle (or from the
// project when running from source), hashed for ETags and versioned URLs, gzipped on demand (API Gateway's
// HTTP API does not compress). Plain functions; the handler only maps routes onto them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DOCS_ASSETS, REFERENCE_DOCUMENTS, REFERENCE_SIDE_DIR, type DocsAsset, type ReferenceDocument } from '#shared/contract/reference.ts';

export type SiteFileName = DocsAsset | ReferenceDocument;

const SOURCES: Record<SiteFileName, string> = { ...DOCS_ASSETS, ...REFERENCE_DOCUMENTS };

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
};

/** A year: the longest lifetime caches honour, for URLs whose `v` pins the content. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Cache, but ask every time (a 304 when the ETag still matches): the page and the documents change with deploys. */
const REVALIDATE = 'no-cache';

/**
 * What the page needs and nothing more: its scripts, style sheets and icon from this origin (Swagger UI sets
 * element styles through the DOM, which a policy does not restrict, and its icons are data: SVGs), and calls to
 * this same origin, the API itself, for the documents and for "Try it out".
 */
export const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface SiteFile {
  body: Buffer;
  contentType: string;
  hash: string;
  gzipped?: Buffer;
}

export interface SiteAnswer {
  status: 200 | 304;
  body?: Buffer;
  headers: Record<string, string>;
}

/**
 * Where a file is: in the bundle's side folder when deployed (infra/bundling.ts puts it there), else its source
 * path in the project (`npm start` and the tests import this module from functions/reference/).
 */
export function defaultLocate(moduleUrl: string = import.meta.url): (name: SiteFileName) => string {
  const here = dirname(fileURLToPath(moduleUrl));
  const side = join(here, REFERENCE_SIDE_DIR);
  if (existsSync(side)) return (name) => join(side, name);
  const projectRoot = resolve(here, '../..');
  return (name) => join(projectRoot, SOURCES[name]);
}

const hashOf = (body: Buffer) => createHash('sha256').update(body).digest('base64url').slice(0, 16);

export function createSite(locate: (name: SiteFileName) => string = defaultLocate()) {
  const cache = new Map<SiteFileName, SiteFile | null>();

  /** The file, or undefined when it is not there (the AsyncAPI document before `npm run openapi` writes it). */
  function read(name: SiteFileName): SiteFile | undefined {
    if (!cache.has(name)) {
      const path = locate(name);
      if (!existsSync(path)) return undefined; // not cached: a document written later is found then
      const body = name === 'index.html' ? versionAssetUrls(readFileSync(path, 'utf8')) : readFileSync(path);
      cache.set(name, { body, contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream', hash: hashOf(body) });
    }
    return cache.get(name) ?? undefined;
  }

  /** `docs/assets/x.js` becomes `docs/assets/x.js?v=<hash of x.js>`, so browsers keep each asset until it changes. */
  function versionAssetUrls(html: string): Buffer {
    const out = html.replace(/docs\/assets\/([\w.-]+)/g, (url, name: string) => {
      const asset = name in DOCS_ASSETS ? read(name as DocsAsset) : undefined;
      if (!asset) throw new Error(`index.html links ${url}, which is not a shipped asset (shared/contract/reference.ts DOCS_ASSETS)`);
      return `${url}?v=${asset.hash}`;
    });
    return Buffer.from(out, 'utf8');
  }

  /**
   * The answer for one file: 304 when the client's ETag is current, the gzipped body when it accepts gzip (text
   * only), immutable caching when `version` is the file's hash.
   */
  function answer(name: SiteFileName, request: { ifNoneMatch?: string; acceptEncoding?: string; version?: string }): SiteAnswer | undefined {
    const file = read(name);
    if (!file) return undefined;
    const etag = `"${file.hash}"`;
    const headers: Record<string, string> = {
      'Content-Type': file.contentType,
      ETag: etag,
      'Cache-Control': request.version !== undefined && request.version === file.hash ? IMMUTABLE : REVALIDATE,
      Vary: 'Accept-Encoding, Origin',
    };
    if (name === 'index.html') headers['Content-Security-Policy'] = PAGE_CONTENT_SECURITY_POLICY;
    const tags = request.ifNoneMatch?.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (tags?.includes(etag) || tags?.includes('*')) return { status: 304, headers };
    const compressible = file.contentType !== 'image/png';
    if (compressible && /\bgzip\b/i.test(request.acceptEncoding ?? '')) {
      file.gzipped ??= gzipSync(file.body, { level: 9 });
      return { status: 200, body: file.gzipped, headers: { ...headers, 'Content-Encoding': 'gzip' } };
    }
    return { status: 200, body: file.body, headers };
  }

  return { answer };
}

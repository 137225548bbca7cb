import { describe, expect, it } from 'vitest';
import { allRoutes } from '../../shared/contract/index.ts';
import { buildOpenApi } from '../../shared/http/openapi.ts';

describe('the OpenAPI document', () => {
  const doc = buildOpenApi(allRoutes, 'http://localhost:3001/api/v1');

  it('describes every route of the contract, with its path parameters', () => {
    for (const route of allRoutes) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()] as { parameters: { name: string; in: string }[] } | undefined;
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      const pathParams = route.path.match(/\{(\w+)\}/g)?.map((p) => p.slice(1, -1)) ?? [];
      expect(op!.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(pathParams);
    }
  });

  it('documents the optional Idempotency-Key header on every route that honours it, and only there', () => {
    for (const route of allRoutes) {
      const op = doc.paths[route.path][route.method.toLowerCase()] as { parameters: { name: string; in: string; required: boolean }[] };
      const header = op.parameters.find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
      expect(Boolean(header), `${route.method} ${route.path}`).toBe(Boolean(route.idempotent));
      if (header) expect(header.required).toBe(false);
    }
  });

  it('marks public routes as needing no token', () => {
    const health = doc.paths['/system/health'].get as { security?: unknown[] };
    expect(health.security).toEqual([]);
  });
});

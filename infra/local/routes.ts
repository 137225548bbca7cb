// Matches a request path against the contract the way API Gateway does: static segments beat {params}.
import type { RouteDef } from '../../shared/http/contract.ts';
import { routeKey } from '../../shared/http/contract.ts';

export interface CompiledRoute {
  route: RouteDef;
  key: string;
  regex: RegExp;
  paramNames: string[];
  specificity: number[];
}

export function compileRoutes(routes: RouteDef[]): CompiledRoute[] {
  const compiled = routes.map((route) => {
    const segments = route.path.split('/').filter(Boolean);
    const paramNames: string[] = [];
    const pattern = segments
      .map((seg) => {
        const m = /^\{(\w+)\+?\}$/.exec(seg);
        if (m) {
          paramNames.push(m[1]);
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    return {
      route,
      key: routeKey(route),
      regex: new RegExp(`^/${pattern}/?$`),
      paramNames,
      specificity: segments.map((s) => (s.startsWith('{') ? 0 : 1)),
    };
  });
  // Most specific first: compare segment by segment, static (1) before parameter (0).
  return compiled.sort((a, b) => {
    for (let i = 0; i < Math.max(a.specificity.length, b.specificity.length); i++) {
      const d = (b.specificity[i] ?? -1) - (a.specificity[i] ?? -1);
      if (d) return d;
    }
    return 0;
  });
}

export interface RouteMatch {
  compiled: CompiledRoute;
  pathParameters: Record<string, string>;
}

/**
 * A path parameter as API Gateway hands it over: percent-decoded, or as sent when it is not valid
 * percent-encoding (`%E0`), so the route's schema answers 400 instead of the decoder throwing.
 */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Returns the matching route for method + path, or `methodNotAllowed` when only the path matches. */
export function matchRoute(table: CompiledRoute[], method: string, path: string): RouteMatch | 'no-route' {
  for (const c of table) {
    if (c.route.method !== method) continue;
    const m = c.regex.exec(path);
    if (!m) continue;
    const pathParameters: Record<string, string> = {};
    c.paramNames.forEach((name, i) => (pathParameters[name] = decodePathSegment(m[i + 1])));
    return { compiled: c, pathParameters };
  }
  return 'no-route';
}

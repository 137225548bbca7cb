// Error tracking: an unexpected error (a bug or an outage, never an AppError) is logged once, at error level,
// with its (source-mapped) stack and whatever the logger carries (request id, route, user id, trace id), and
// counted as UnexpectedErrors by [Service] and [Service, Route]. Never the request's headers or body: only the
// error itself goes in, and the logger masks token-shaped text in its message and stack.
import type { Logger } from '../log.ts';
import { Dimension, HttpMetric } from './metric-names.ts';
import { currentMetrics, type Metrics } from './metrics.ts';
import { mapStack } from './stack.ts';

export interface UnexpectedErrorContext {
  /** Route key, socket route or event kind: where it happened (a dimension: keep it to a fixed set). */
  route?: string;
  metrics?: Metrics;
  /** What else identifies the work (ids only). */
  fields?: Record<string, unknown>;
}

export function reportUnexpectedError(log: Logger, error: unknown, context: UnexpectedErrorContext = {}): void {
  const metrics = context.metrics ?? currentMetrics();
  const err = error instanceof Error ? error : new Error(String(error));
  let stack = err.stack;
  try {
    if (stack) stack = mapStack(stack);
  } catch {
    // an unreadable map leaves the stack as thrown
  }
  log.error('unexpected error', {
    ...context.fields,
    ...(context.route ? { route: context.route } : {}),
    error: { name: err.name, message: err.message, stack, ...(hasCode(err) ? { code: err.code } : {}) },
  });
  if (context.route) metrics.put(HttpMetric.unexpectedErrors, 'Count', 1, { [Dimension.route]: context.route }, [[Dimension.service], [Dimension.service, Dimension.route]]);
  else metrics.count(HttpMetric.unexpectedErrors);
}

const hasCode = (e: Error): e is Error & { code: string } => typeof (e as { code?: unknown }).code === 'string';

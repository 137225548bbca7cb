// The invocation frame of a function that is not behind the HTTP pipeline (scheduled targets, async jobs,
// stream consumers): one metric recorder current for the invocation and written once at its end, and an error
// that escapes logged once as unexpected (stack, what `route` names) and counted before Lambda sees it.
import type { Logger } from '../log.ts';
import { reportUnexpectedError } from './errors.ts';
import { createMetrics, withMetrics } from './metrics.ts';

export function instrumented<E, R, C = unknown>(
  service: string,
  log: Logger,
  handle: (event: E, context?: C) => Promise<R>,
  routeOf: (event: E) => string | undefined = () => undefined,
): (event: E, context?: C) => Promise<R> {
  return (event, context) => {
    const metrics = createMetrics(service);
    return withMetrics(metrics, async () => {
      try {
        return await handle(event, context);
      } catch (err) {
        reportUnexpectedError(log, err, { route: routeOf(event), metrics });
        throw err; // Lambda's retries and failure destination still apply
      }
    });
  };
}

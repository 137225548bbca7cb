// CloudWatch custom metrics in the embedded metric format (EMF): an invocation collects what it counts and writes
// it once, at its end, as one JSON line in its log stream; CloudWatch Logs extracts the metrics from the line. No
// API call, no SDK, nothing on the request path but a few object writes. Names and dimensions: metric-names.ts.
// The line carries an `_aws` key and no `message`: that is how log readers (system-logs) tell it from a log line.
// Spec: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
import { AsyncLocalStorage } from 'node:async_hooks';
import { writeLine } from '../log.ts';
import { Dimension, METRICS_NAMESPACE } from './metric-names.ts';
import { traceRoot } from './trace-header.ts';

export type MetricUnit = 'Count' | 'Milliseconds';

export interface Metrics {
  readonly service: string;
  /**
   * Adds `value` to a Count metric with dimensions [Service], or [Service, ...keys of `dimensions`]:
   * `count(DomainMetric.taskStatusChanges, { Status: 'done' })`.
   */
  count(name: string, dimensions?: Record<string, string>, value?: number): void;
  /** The general form: a value under each of `dimensionSets` (names), whose values are `dimensions` (Service is added). */
  put(name: string, unit: MetricUnit, value: number, dimensions: Record<string, string>, dimensionSets: string[][]): void;
  /** A property on the invocation's metric line (request id, route...): searchable in Logs Insights, not a dimension. */
  property(key: string, value: string | number | undefined): void;
  /** Writes what was recorded (nothing when nothing was) and starts over. */
  flush(): void;
}

interface Entry {
  name: string;
  unit: MetricUnit;
  values: number[];
  dimensions: Record<string, string>;
  sets: string[][];
}

/** A recorder for one invocation of the function group `service`. */
export function createMetrics(service: string): Metrics {
  let entries = new Map<string, Entry>();
  let properties: Record<string, string | number> = {};
  const metrics: Metrics = {
    service,
    count: (name, dimensions = {}, value = 1) =>
      metrics.put(name, 'Count', value, dimensions, [[Dimension.service, ...Object.keys(dimensions)]]),
    put(name, unit, value, dimensions, sets) {
      const all = { [Dimension.service]: service, ...dimensions };
      const key = JSON.stringify([name, all, sets]);
      const entry = entries.get(key);
      // A count is summed; other values are kept apart (EMF takes an array of up to 100 values).
      if (entry && unit === 'Count') entry.values[0] += value;
      else if (entry) entry.values.push(value);
      else entries.set(key, { name, unit, values: [value], dimensions: all, sets });
    },
    property(key, value) {
      if (value !== undefined) properties[key] = value;
    },
    flush() {
      if (entries.size) {
        const traceId = traceRoot(); // from an alarm's metric line to the request's trace
        if (traceId) properties.traceId = traceId;
        for (const line of emfLines([...entries.values()], properties, Date.now())) writeLine(line, { service });
      }
      entries = new Map();
      properties = {};
    },
  };
  return metrics;
}

/**
 * The EMF documents for `entries`: entries whose dimension values agree share a document (one directive per
 * dimension-set list), so a request's metrics are one line; a value that disagrees (two statuses) opens another.
 */
export function emfLines(entries: Entry[], properties: Record<string, string | number>, timestamp: number): string[] {
  const namespace = process.env.METRICS_NAMESPACE || METRICS_NAMESPACE;
  const docs: { dims: Record<string, string>; values: Record<string, number | number[]>; directives: Map<string, { Dimensions: string[][]; Metrics: { Name: string; Unit: MetricUnit }[] }> }[] = [];
  for (const e of entries) {
    let doc = docs.find((d) => !(e.name in d.values) && Object.entries(e.dimensions).every(([k, v]) => d.dims[k] === undefined || d.dims[k] === v));
    if (!doc) docs.push((doc = { dims: {}, values: {}, directives: new Map() }));
    Object.assign(doc.dims, e.dimensions);
    doc.values[e.name] = e.values.length === 1 ? e.values[0] : e.values.slice(0, 100);
    const setsKey = JSON.stringify(e.sets);
    const directive = doc.directives.get(setsKey) ?? { Dimensions: e.sets, Metrics: [] };
    directive.Metrics.push({ Name: e.name, Unit: e.unit });
    doc.directives.set(setsKey, directive);
  }
  return docs.map((d) =>
    JSON.stringify({
      _aws: { Timestamp: timestamp, CloudWatchMetrics: [...d.directives.values()].map((x) => ({ Namespace: namespace, ...x })) },
      ...properties,
      ...d.dims,
      ...d.values,
    }),
  );
}

const noop: Metrics = { service: '', count() {}, put() {}, property() {}, flush() {} };

// In Lambda a process runs one invocation at a time, so a module variable is the invocation's recorder. The local
// stack runs every function at once in one process and switches to an AsyncLocalStorage, which tells concurrent
// invocations apart at a cost Lambda need not pay (Node 20/22 hook every promise: ~0.3-0.5 us an await).
let current: Metrics | undefined;
let scope: AsyncLocalStorage<Metrics> | undefined;

/** For the local stack (infra/local): the recorder follows each invocation's async context. */
export function trackMetricsPerAsyncContext(): void {
  scope ??= new AsyncLocalStorage<Metrics>();
}

/**
 * The recorder of the invocation in progress, for shared modules that every kind of handler calls (pushes, mail):
 * they would otherwise need it threaded through every caller. Outside an invocation (unit tests), a no-op.
 */
export function currentMetrics(): Metrics {
  return (scope ? scope.getStore() : current) ?? noop;
}

/** Runs `fn` as one invocation with `metrics` as its recorder, and flushes it at the end, thrown or not. */
export async function withMetrics<T>(metrics: Metrics, fn: () => Promise<T>): Promise<T> {
  const previous = current;
  try {
    if (scope) return await scope.run(metrics, fn);
    current = metrics;
    return await fn();
  } finally {
    current = previous;
    metrics.flush();
  }
}

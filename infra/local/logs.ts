// Local stand-in for CloudWatch Logs: the local stack runs every function in one process, so it tells them
// apart with an AsyncLocalStorage set around each invocation (loadHandler) and files each JSON log line under
// `<stateDir>/logs/<function>.log`, one line per event as a log group holds them. GET /admin/system-logs reads
// these files through the same reader interface as the CloudWatch groups (shared/system-logs/).
import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setLogSink } from '../../shared/log.ts';
import { trackMetricsPerAsyncContext } from '../../shared/observability/metrics.ts';

const current = new AsyncLocalStorage<string>();

/** Runs `fn` as an invocation of the function `name`: its log lines go to that function's file. */
export function runAsFunction<T>(name: string, fn: () => T): T {
  return current.run(name, fn);
}

/**
 * Installs the sink: each line goes to `<dir>/<function>.log` (the invocation's function, else the logger's
 * `service`, else `local`), and to the console unless `console` is false (tests).
 */
export function installLocalLogFiles(dir: string, options: { console: boolean }): () => void {
  mkdirSync(dir, { recursive: true });
  trackMetricsPerAsyncContext(); // concurrent invocations in one process: each metric line holds its own counts
  setLogSink((line, level, base) => {
    const fn = current.getStore() ?? (typeof base.service === 'string' ? base.service : typeof base.fn === 'string' ? base.fn : 'local');
    appendFileSync(join(dir, `${fn.replace(/[^a-z0-9-]/gi, '_')}.log`), line + '\n');
    if (options.console) (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line + '\n');
  });
  return () => setLogSink(undefined);
}

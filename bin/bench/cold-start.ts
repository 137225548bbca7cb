// Cold import time: fresh `node` processes each importing one bundle, as a Lambda cold start's init phase
// does (minus the runtime's own bootstrap).
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { median } from './stats.ts';

/** Runs inside the fresh process: time the import of the bundle, and the whole process up to that point. */
const PROBE = `
const cpu = process.cpuUsage();
const started = performance.now();
await import(process.argv[1]);
const done = performance.now();
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ importMs: done - started, importCpuMs: (used.user + used.system) / 1000, readyMs: done }));
`;

export interface ColdSample {
  /** Wall time of the import. */
  importMs: number;
  /** CPU time (all threads) the import used: less sensitive to other load on the machine than wall time. */
  importCpuMs: number;
  /** From process start to imported. */
  readyMs: number;
}

export interface ColdStartResult {
  importMsMedian: number;
  importCpuMsMedian: number;
  readyMsMedian: number;
  samples: ColdSample[];
  error?: string;
}

function runOnce(bundleFile: string, env: Record<string, string>): Promise<ColdSample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE, pathToFileURL(bundleFile).href], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(err.trim().split('\n').slice(0, 3).join(' | ') || `exit ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch {
        reject(new Error(`unexpected output: ${out.slice(0, 200)}`));
      }
    });
  });
}

const summarize = (samples: ColdSample[], error?: string): ColdStartResult => ({
  importMsMedian: median(samples.map((s) => s.importMs)),
  importCpuMsMedian: median(samples.map((s) => s.importCpuMs)),
  readyMsMedian: median(samples.map((s) => s.readyMs)),
  samples,
  ...(error ? { error } : {}),
});

/** One thing to import cold: a bundle and the environment of the process that imports it. */
export interface ColdVariant {
  file: string;
  env: Record<string, string>;
}

/**
 * Median of `runs` fresh processes per variant (a bundle and an environment), run one after another so they do
 * not compete for the cores, and alternating between variants so a burst of load elsewhere hits all alike:
 * a function and the baseline measured in the same rounds give a ratio that holds on a busy machine.
 */
export async function measureColdImport<K extends string>(variants: Record<K, ColdVariant>, runs = 5): Promise<Record<K, ColdStartResult>> {
  const names = Object.keys(variants) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as ColdSample[]])) as Record<K, ColdSample[]>;
  try {
    for (let i = 0; i < runs; i++) {
      for (const name of names) samples[name].push(await runOnce(variants[name].file, variants[name].env));
    }
  } catch (err) {
    return Object.fromEntries(names.map((n) => [n, summarize(samples[n], (err as Error).message)])) as Record<K, ColdStartResult>;
  }
  return Object.fromEntries(names.map((n) => [n, summarize(samples[n])])) as Record<K, ColdStartResult>;
}

// Cold import time: fresh `node` processes each importing one bundle, as a Lambda cold start's init phase
// does (minus the runtime's own bootstrap).
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { median } from './stats.ts';

/** Runs inside the fresh process: time the import of the bundle, and the whole process up to that point. */
const PROBE = `
const started = performance.now();
await import(process.argv[1]);
const done = performance.now();
process.stdout.write(JSON.stringify({ importMs: done - started, readyMs: done }));
`;

export interface ColdStartResult {
  importMsMedian: number;
  readyMsMedian: number;
  samples: { importMs: number; readyMs: number }[];
  error?: string;
}

function runOnce(bundleFile: string, env: Record<string, string>): Promise<{ importMs: number; readyMs: number }> {
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

/** Median of `runs` fresh processes, run one after another so they do not compete for the two cores. */
export async function measureColdImport(bundleFile: string, env: Record<string, string>, runs = 5): Promise<ColdStartResult> {
  const samples: { importMs: number; readyMs: number }[] = [];
  try {
    for (let i = 0; i < runs; i++) samples.push(await runOnce(bundleFile, env));
  } catch (err) {
    return { importMsMedian: NaN, readyMsMedian: NaN, samples, error: (err as Error).message };
  }
  return {
    importMsMedian: median(samples.map((s) => s.importMs)),
    readyMsMedian: median(samples.map((s) => s.readyMs)),
    samples,
  };
}

// Cold import as a count of machine instructions (valgrind's callgrind), the figure that does not move with the
// machine's load: on this 2-core VM, CPU-time ratios near 1.3 move by about ±0.1 between runs, instruction
// counts by about 1-2% (V8's background threads do slightly different work each run). A fresh `node` imports the
// bundle under callgrind with address-space randomisation off; the same process importing nothing is
// subtracted, so what is left is the import. No V8 flags are passed: any flag changes V8's flag hash, which makes
// it refuse Node's built-in code cache and compile Node's own modules from source, inflating what loading a
// Node built-in costs.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { median } from './stats.ts';

const run = promisify(execFile);

/** Whether valgrind is on this machine (every kind of machine here has it; elsewhere the column is empty). */
export async function instructionCountsAvailable(): Promise<boolean> {
  try {
    await run('valgrind', ['--version']);
    return true;
  } catch {
    return false;
  }
}

async function hasSetarch(): Promise<boolean> {
  try {
    await run('setarch', ['-R', 'true']);
    return true;
  } catch {
    return false;
  }
}

/** Instructions of one fresh `node` importing `file` (or nothing). */
async function countOnce(file: string | undefined, env: Record<string, string>, setarch: boolean): Promise<number> {
  const script = file ? `await import(${JSON.stringify(pathToFileURL(file).href)});` : '';
  const command = ['valgrind', '--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--input-type=module', '-e', script];
  const [bin, ...args] = setarch ? ['setarch', '-R', ...command] : command;
  const { stderr } = await run(bin!, args, { env, maxBuffer: 16 * 1024 * 1024 });
  const collected = /Collected\s*:\s*(\d+)/.exec(stderr);
  if (!collected) throw new Error(`callgrind printed no count: ${stderr.split('\n').slice(-3).join(' | ')}`);
  return Number(collected[1]);
}

export interface InstructionCounts {
  /** Median instructions of the import alone (the process's count minus an empty process's). */
  importInstructions: number;
  samples: number[];
}

/**
 * The median over `runs` of each file's import instructions (fresh processes, two at a time: the count does
 * not depend on what else runs). Keys are names; the empty process is measured as often, and subtracted.
 */
export async function countImportInstructions<K extends string>(files: Record<K, string>, env: Record<string, string>, runs = 3): Promise<Record<K, InstructionCounts>> {
  const setarch = await hasSetarch();
  const names = Object.keys(files) as K[];
  const jobs: { name: K | undefined; run: number }[] = [];
  for (let r = 0; r < runs; r++) for (const name of [undefined, ...names]) jobs.push({ name, run: r });
  const totals = new Map<K | undefined, number[]>();
  const queue = [...jobs];
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(2, availableParallelism())) }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const count = await countOnce(job.name === undefined ? undefined : files[job.name], env, setarch);
        totals.set(job.name, [...(totals.get(job.name) ?? []), count]);
      }
    }),
  );
  const empty = median(totals.get(undefined) ?? []);
  return Object.fromEntries(
    names.map((name) => {
      const samples = (totals.get(name) ?? []).map((total) => total - empty);
      return [name, { importInstructions: median(samples), samples }];
    }),
  ) as Record<K, InstructionCounts>;
}

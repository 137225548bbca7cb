// The local stack's log source: `<dir>/<function>.log`, one JSON line per event (infra/local/logs.ts writes
// them). Reads the files of the asked functions, keeps the matching lines, and pages through them oldest
// first; the cursor is the (time, service, line) of the last entry handed out.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validationError } from '../errors.ts';
import { resumeLogQuery, encodeLogCursor, entryOf, levelsFrom, type LogEntry, type LogPage, type LogQuery, type LogReader } from './reader.ts';

type Position = { t: string; s: string; n: number };

const lineOf = (e: LogEntry) => Number(e.id.slice(e.id.lastIndexOf(':') + 1));
const after = (e: LogEntry, p: Position) => (e.timestamp !== p.t ? e.timestamp > p.t : e.service !== p.s ? e.service > p.s : lineOf(e) > p.n);

export class FileLogReader implements LogReader {
  constructor(private readonly dir: string) {}

  services(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => f.slice(0, -'.log'.length))
      .sort();
  }

  async read(asked: LogQuery): Promise<LogPage> {
    const { query, positions: position } = resumeLogQuery<Position>(asked);
    if (position && (typeof position.t !== 'string' || typeof position.s !== 'string' || typeof position.n !== 'number')) {
      throw validationError('cursor', 'cursor is malformed');
    }
    const levels = levelsFrom(query.level);
    const matches: LogEntry[] = [];
    for (const service of query.services.length ? query.services : this.services()) {
      const file = join(this.dir, `${service}.log`);
      if (!existsSync(file)) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((raw, i) => {
          if (!raw) return;
          const entry = entryOf(raw, `${service}:${i + 1}`, service, 0);
          if (!entry || !levels.includes(entry.level)) return;
          const at = Date.parse(entry.timestamp);
          if (at < query.from || at > query.to) return;
          if (position && !after(entry, position)) return;
          matches.push(entry);
        });
    }
    matches.sort((a, b) => (a.timestamp !== b.timestamp ? (a.timestamp < b.timestamp ? -1 : 1) : a.service !== b.service ? (a.service < b.service ? -1 : 1) : lineOf(a) - lineOf(b)));
    const entries = matches.slice(0, query.limit);
    const last = entries[entries.length - 1];
    return {
      entries,
      nextCursor: matches.length > query.limit ? encodeLogCursor(query, { t: last.timestamp, s: last.service, n: lineOf(last) } satisfies Position) : undefined,
    };
  }
}

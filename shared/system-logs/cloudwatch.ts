// The functions' CloudWatch log groups as a log source: one FilterLogEvents read per group (a JSON filter
// pattern on `level` does the level filter in CloudWatch; Lambda's START/END/REPORT lines are not JSON and never
// match), merged by time across groups under one composite cursor that holds each group's position. Why not
// Logs Insights: docs/data-model.md, "Admin: system logs".
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { validationError } from '../errors.ts';
import { resumeLogQuery, encodeLogCursor, entryOf, levelsFrom, type LogEntry, type LogPage, type LogQuery, type LogReader } from './reader.ts';

/**
 * A group's position: `t` (event time, ms) and the ids already handed out at that time; or `k`, the group's
 * own nextToken (with the start time it was issued for) when everything it returned was handed out; or done.
 */
type GroupPosition = { t: number; ids: string[] } | { k: string; st: number } | { done: true };

/** FilterLogEvents calls per group and page: a sparse filter may return empty pages while it scans. */
const MAX_CALLS_PER_GROUP = 5;

interface Candidate {
  entry: LogEntry;
  /** CloudWatch's event time (ms), what positions are made of. */
  ts: number;
}

export class CloudWatchLogReader implements LogReader {
  /** `groups`: function name to log group name. */
  constructor(
    private readonly groups: Record<string, string>,
    private readonly client: Pick<CloudWatchLogsClient, 'send'> = new CloudWatchLogsClient({}),
  ) {}

  services(): string[] {
    return Object.keys(this.groups).sort();
  }

  async read(asked: LogQuery): Promise<LogPage> {
    const resumed = resumeLogQuery<Record<string, GroupPosition>>(asked);
    const query = resumed.query;
    const positions = resumed.positions ?? {};
    const services = query.services.length ? query.services : this.services();
    for (const [service, p] of Object.entries(positions)) {
      if (!services.includes(service) || !isPosition(p)) throw validationError('cursor', 'cursor is malformed');
    }
    const pattern = `{ ${levelsFrom(query.level).map((l) => `$.level = "${l}"`).join(' || ')} }`;
    const reads = await Promise.all(services.map((service) => this.readGroup(service, positions[service], pattern, query)));

    const all = reads.flatMap((r) => r.candidates).sort(byTime);
    const taken = all.slice(0, query.limit);
    const next: Record<string, GroupPosition> = {};
    for (const r of reads) {
      const previous = positions[r.service];
      if (previous && 'done' in previous) {
        next[r.service] = previous;
        continue;
      }
      const mine = taken.filter((c) => c.entry.service === r.service);
      if (mine.length === r.candidates.length) {
        // Everything this group returned is on the page: continue with its own token, or it is finished.
        next[r.service] = r.token ? { k: r.token, st: r.startTime } : { done: true };
        continue;
      }
      if (mine.length === 0) {
        next[r.service] = previous ?? { t: query.from, ids: [] };
        continue;
      }
      const lastTs = mine[mine.length - 1].ts;
      const carried = previous && 't' in previous && previous.t === lastTs ? previous.ids : [];
      next[r.service] = { t: lastTs, ids: [...carried, ...mine.filter((c) => c.ts === lastTs).map((c) => c.entry.id)] };
    }
    const more = Object.values(next).some((p) => !('done' in p));
    return { entries: taken.map((c) => c.entry), nextCursor: more ? encodeLogCursor(query, next) : undefined };
  }

  private async readGroup(service: string, position: GroupPosition | undefined, pattern: string, query: LogQuery) {
    const groupName = this.groups[service];
    const candidates: Candidate[] = [];
    if (!groupName || (position && 'done' in position)) return { service, candidates, token: undefined, startTime: query.from };
    const skip = new Set(position && 't' in position ? position.ids : []);
    const startTime = position && 't' in position ? position.t : position && 'k' in position ? position.st : query.from;
    let token = position && 'k' in position ? position.k : undefined;
    for (let call = 0; call < MAX_CALLS_PER_GROUP; call++) {
      const out = await this.client.send(
        new FilterLogEventsCommand({
          logGroupName: groupName,
          startTime,
          endTime: query.to,
          filterPattern: pattern,
          limit: Math.min(10_000, query.limit + skip.size + 1),
          nextToken: token,
        }),
      );
      for (const event of out.events ?? []) {
        const candidate = candidateOf(event, service);
        if (candidate && !skip.has(candidate.entry.id)) candidates.push(candidate);
      }
      token = out.nextToken;
      if (!token || candidates.length > query.limit) break;
    }
    return { service, candidates, token, startTime };
  }
}

function candidateOf(event: FilteredLogEvent, service: string): Candidate | null {
  if (!event.message || event.timestamp === undefined || !event.eventId) return null;
  const entry = entryOf(event.message, event.eventId, service, event.timestamp);
  return entry && { entry, ts: event.timestamp };
}

const byTime = (a: Candidate, b: Candidate) =>
  a.ts !== b.ts ? a.ts - b.ts : a.entry.service !== b.entry.service ? (a.entry.service < b.entry.service ? -1 : 1) : a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0;

function isPosition(p: unknown): p is GroupPosition {
  if (!p || typeof p !== 'object') return false;
  const o = p as Record<string, unknown>;
  if (o.done === true) return true;
  if (typeof o.k === 'string') return typeof o.st === 'number';
  return typeof o.t === 'number' && Array.isArray(o.ids) && o.ids.every((id) => typeof id === 'string') && o.ids.length <= 10_000;
}

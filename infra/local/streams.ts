// Lambda's event source mappings on the table's stream, for the local stack: one reader per entry of
// shared/streams/subscriptions.ts polls DynamoDB Local's stream (the DynamoDB Streams API it serves on its
// own endpoint), keeps the records the entry's filters match, and invokes the same handler module the Lambda
// runs with the same event shape, batch size and failure rules:
//
// - in order per shard, a parent shard before its children;
// - `batchItemFailures` (or a thrown error) delivers the batch again from the failed record, after a short
//   backoff, up to `retryAttempts` times; then the batch is described in `<stateDir>/streams/<fn>-failures.jsonl`
//   (the stand-in for the on-failure SQS queue) and the reader moves on;
// - the position is kept in `<stateDir>/streams/<fn>.json`, so `npm start` resumes where it stopped.
//
// Not emulated: bisect-on-error (a thrown error retries the whole batch here), batching windows, parallel
// batches per shard. Deletes made by the local TTL sweeper (infra/local/ttl.ts) carry TTL's userIdentity.
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttributeValue as EventAttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamApiRecord,
  type AttributeValue as StreamAttributeValue,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { matchesFilter, TTL_DELETER_IDENTITY, type StreamSubscription } from '../../shared/streams/subscriptions.ts';
import { createLogger } from '../../shared/log.ts';
import { lambdaContext, loadHandler } from './gateway.ts';
import { localDynamoClient } from './dynamodb-local.ts';
import { keyIdOf, type TtlDeletions } from './ttl.ts';

export interface StreamFailure {
  function: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  attempts: number;
  reason: string;
  at: string;
}

export interface StreamPollerOptions {
  endpoint: string;
  tableName: string;
  subscriptions: readonly StreamSubscription[];
  ttlDeletions: TtlDeletions;
  /** Positions and failure descriptions go under `<stateDir>/streams/`. */
  stateDir: string;
  /** How a function is run; default: its handler module in this process. */
  invoke?: (fn: string, event: DynamoDBStreamEvent) => Promise<unknown>;
  /**
   * Longest pause between polls of a caught-up stream (Lambda polls about 4 times a second). The pause starts
   * at 50 ms after activity and doubles up to this; `settle()` ends it at once.
   */
  idlePollMs?: number;
  /** First retry delay; doubles per attempt up to half a second. */
  retryBaseMs?: number;
}

export interface StreamPollers {
  /**
   * Resolves once every reader has finished a poll that began after this call, found nothing new and has
   * nothing left to retry: everything written to the table before the call has been handled (or given up).
   */
  settle(timeoutMs?: number): Promise<void>;
  /** Batches given up after their last retry, oldest first. */
  failures(): StreamFailure[];
  close(): Promise<void>;
}

const log = createLogger({ service: 'local-streams' });

/** Records per GetRecords call (the API's maximum). */
const PAGE_SIZE = 1000;
/** Pause after a poll that found records but not a full page. */
const BUSY_POLL_MS = 50;

/** Lambda event attribute values: binary as base64 strings (the Streams API returns bytes). */
function toEventValue(value: StreamAttributeValue): EventAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toEventValue) };
  if (value.M !== undefined) return { M: toEventImage(value.M) };
  return value as EventAttributeValue;
}

function toEventImage(image: Record<string, StreamAttributeValue>): Record<string, EventAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toEventValue(v)]));
}

export async function startStreamPollers(options: StreamPollerOptions): Promise<StreamPollers> {
  const table = localDynamoClient(options.endpoint);
  const described = await table.send(new DescribeTableCommand({ TableName: options.tableName })).finally(() => table.destroy());
  const streamArn = described.Table?.LatestStreamArn;
  if (!streamArn || !described.Table?.StreamSpecification?.StreamEnabled) throw new Error(`table ${options.tableName} has no stream`);

  const client = new DynamoDBStreamsClient({ endpoint: options.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const dir = join(options.stateDir, 'streams');
  mkdirSync(dir, { recursive: true });
  const invoke =
    options.invoke ?? (async (fn: string, event: DynamoDBStreamEvent) => (await loadHandler(fn))(event, lambdaContext(fn, randomUUID())));

  // Both readers see each REMOVE; whether it was TTL's is decided once, by whichever reads it first.
  const ttlBySequence = new Map<string, boolean>();
  const wasTtlDelete = (record: StreamApiRecord): boolean => {
    const seq = record.dynamodb?.SequenceNumber ?? '';
    let decided = ttlBySequence.get(seq);
    if (decided === undefined) {
      decided = options.ttlDeletions.claim(keyIdOf(record.dynamodb?.Keys as never));
      ttlBySequence.set(seq, decided);
      if (ttlBySequence.size > 10_000) ttlBySequence.delete(ttlBySequence.keys().next().value!);
    }
    return decided;
  };

  const toLambdaRecord = (record: StreamApiRecord): DynamoDBRecord => {
    const d = record.dynamodb ?? {};
    return {
      eventID: record.eventID,
      eventName: record.eventName as DynamoDBRecord['eventName'],
      eventVersion: record.eventVersion ?? '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: process.env.AWS_REGION ?? 'us-east-1',
      dynamodb: {
        ...(d.ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) } : {}),
        Keys: toEventImage(d.Keys ?? {}),
        ...(d.NewImage ? { NewImage: toEventImage(d.NewImage) } : {}),
        ...(d.OldImage ? { OldImage: toEventImage(d.OldImage) } : {}),
        SequenceNumber: d.SequenceNumber,
        SizeBytes: d.SizeBytes,
        StreamViewType: d.StreamViewType,
      },
      eventSourceARN: streamArn,
      ...(record.eventName === 'REMOVE' && wasTtlDelete(record) ? { userIdentity: { ...TTL_DELETER_IDENTITY } } : {}),
    };
  };

  const readers = options.subscriptions.map(
    (subscription) =>
      new Reader(subscription, {
        client,
        streamArn,
        invoke,
        toLambdaRecord,
        checkpointFile: join(dir, `${subscription.function}.json`),
        failuresFile: join(dir, `${subscription.function}-failures.jsonl`),
        idlePollMs: options.idlePollMs ?? 400,
        retryBaseMs: options.retryBaseMs ?? 50,
      }),
  );
  for (const reader of readers) reader.start();

  return {
    async settle(timeoutMs = 20_000) {
      await Promise.all(readers.map((r) => r.settle(timeoutMs)));
    },
    failures: () => readers.flatMap((r) => r.failures).sort((a, b) => a.at.localeCompare(b.at)),
    async close() {
      await Promise.all(readers.map((r) => r.stop()));
      client.destroy();
    },
  };
}

interface ReaderContext {
  client: DynamoDBStreamsClient;
  streamArn: string;
  invoke: (fn: string, event: DynamoDBStreamEvent) => Promise<unknown>;
  toLambdaRecord: (record: StreamApiRecord) => DynamoDBRecord;
  checkpointFile: string;
  failuresFile: string;
  idlePollMs: number;
  retryBaseMs: number;
}

interface ShardState {
  shard: Shard;
  iterator?: string;
  /** Sequence number of the last record fully handled (the checkpoint). */
  checkpoint?: string;
  /** Matched records waiting for (another) delivery, in order. */
  pending: DynamoDBRecord[];
  /** Sequence number of the last record of the GetRecords page `pending` came from. */
  pendingPageEnd?: string;
  attempts: number;
  retryAt: number;
  closed: boolean;
}

/** One event source mapping: its own position in every shard, its own retries. */
class Reader {
  readonly failures: StreamFailure[] = [];
  private readonly shards = new Map<string, ShardState>();
  private readonly saved: Record<string, string>;
  private stopped = false;
  private loop?: Promise<void>;
  private ticksStarted = 0;
  private waiters: { minTick: number; resolve: () => void }[] = [];
  private lastDiscovery = 0;
  private idleStreak = 0;
  /** The last pass read a full page somewhere: more is waiting. */
  private readFullPage = false;
  private wake?: () => void;

  constructor(
    private readonly subscription: StreamSubscription,
    private readonly ctx: ReaderContext,
  ) {
    this.saved = this.readCheckpoints();
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    for (const w of this.waiters) w.resolve();
  }

  settle(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`the ${this.subscription.function} stream reader did not catch up within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        minTick: this.ticksStarted + 1,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
      this.wake?.();
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const tick = ++this.ticksStarted;
      let busy = false;
      try {
        busy = await this.tick();
      } catch (err) {
        busy = true;
        if ((err as Error).name === 'ResourceNotFoundException') return; // the table was deleted
        log.warn('stream poll failed', { function: this.subscription.function, error: err });
      }
      if (!busy) {
        const done = this.waiters.filter((w) => w.minTick <= tick);
        this.waiters = this.waiters.filter((w) => w.minTick > tick);
        for (const w of done) w.resolve();
      }
      this.idleStreak = busy ? 0 : this.idleStreak + 1;
      const pause = busy ? this.busyPause() : Math.min(this.ctx.idlePollMs, 50 * 2 ** Math.min(this.idleStreak - 1, 10));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /**
   * Straight on after a full page; after a partial one, a short pause (DynamoDB Local serves the tests'
   * requests too, and a writer that keeps writing would otherwise be chased poll by poll); with only
   * retries waiting, until the first one is due.
   */
  private busyPause(): number {
    if (this.readFullPage) return 0;
    const retries = [...this.shards.values()].filter((s) => s.pending.length > 0).map((s) => s.retryAt);
    const nextRetry = retries.length ? Math.max(0, Math.min(...retries) - Date.now()) : Infinity;
    return Math.min(BUSY_POLL_MS, nextRetry);
  }

  /** One pass over the shards; true while there is work (records read, retries due). */
  private async tick(): Promise<boolean> {
    this.readFullPage = false;
    if (this.shards.size === 0 || Date.now() - this.lastDiscovery > 5_000) await this.discoverShards();
    let busy = false;
    for (const state of this.shards.values()) {
      if (state.closed && state.pending.length === 0) continue;
      const parent = state.shard.ParentShardId ? this.shards.get(state.shard.ParentShardId) : undefined;
      if (parent && !(parent.closed && parent.pending.length === 0)) {
        busy = true;
        continue;
      }
      if (state.pending.length > 0) {
        busy = true;
        if (Date.now() >= state.retryAt) await this.deliver(state);
        continue;
      }
      if (await this.read(state)) busy = true;
    }
    return busy;
  }

  private async discoverShards(): Promise<void> {
    this.lastDiscovery = Date.now();
    let start: string | undefined;
    do {
      const out = await this.ctx.client.send(new DescribeStreamCommand({ StreamArn: this.ctx.streamArn, ExclusiveStartShardId: start }));
      for (const shard of out.StreamDescription?.Shards ?? []) {
        if (!this.shards.has(shard.ShardId!)) {
          this.shards.set(shard.ShardId!, { shard, checkpoint: this.saved[shard.ShardId!], pending: [], attempts: 0, retryAt: 0, closed: false });
        }
      }
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }

  private async iteratorFor(state: ShardState): Promise<string | undefined> {
    const at = state.checkpoint
      ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: state.checkpoint }
      : { ShardIteratorType: 'TRIM_HORIZON' as const };
    try {
      return (await this.ctx.client.send(new GetShardIteratorCommand({ StreamArn: this.ctx.streamArn, ShardId: state.shard.ShardId!, ...at }))).ShardIterator;
    } catch (err) {
      if (!state.checkpoint) throw err;
      // The saved position is no longer in the stream (trimmed, or the database was reset): start over.
      state.checkpoint = undefined;
      return this.iteratorFor(state);
    }
  }

  /** Reads the next page of a shard and delivers what matches; true when it found records. */
  private async read(state: ShardState): Promise<boolean> {
    state.iterator ??= await this.iteratorFor(state);
    if (!state.iterator) {
      state.closed = true;
      return false;
    }
    let page;
    try {
      page = await this.ctx.client.send(new GetRecordsCommand({ ShardIterator: state.iterator, Limit: PAGE_SIZE }));
    } catch (err) {
      if ((err as Error).name !== 'ExpiredIteratorException' && (err as Error).name !== 'TrimmedDataAccessException') throw err;
      state.iterator = undefined;
      return true;
    }
    state.iterator = page.NextShardIterator;
    if (!page.NextShardIterator) state.closed = true;
    const records = page.Records ?? [];
    if (records.length === 0) return false;
    if (records.length >= PAGE_SIZE) this.readFullPage = true;
    const lambdaRecords = records.map(this.ctx.toLambdaRecord);
    state.pending = lambdaRecords.filter((r) => this.subscription.filters.some((f) => matchesFilter(f, r)));
    state.pendingPageEnd = records[records.length - 1].dynamodb?.SequenceNumber;
    state.attempts = 0;
    state.retryAt = 0;
    await this.deliver(state);
    return true;
  }

  /** Delivers `pending` batch by batch until it is empty or a batch fails. */
  private async deliver(state: ShardState): Promise<void> {
    const { batchSize, retryAttempts, maxRecordAgeSeconds } = this.subscription;
    while (state.pending.length > 0) {
      const batch = state.pending.slice(0, batchSize);
      const failedAt = await this.invoke(batch);
      if (failedAt === undefined) {
        state.pending = state.pending.slice(batch.length);
        state.attempts = 0;
        continue;
      }
      state.pending = state.pending.slice(failedAt.index);
      state.attempts++;
      const oldest = batch[failedAt.index].dynamodb?.ApproximateCreationDateTime;
      const tooOld = oldest !== undefined && Date.now() / 1000 - oldest > maxRecordAgeSeconds;
      if (state.attempts > retryAttempts || tooOld) {
        const given = batch.slice(failedAt.index);
        this.giveUp(state, given, failedAt.reason);
        state.pending = state.pending.slice(given.length);
        state.attempts = 0;
        continue;
      }
      state.retryAt = Date.now() + Math.min(500, this.ctx.retryBaseMs * 2 ** (state.attempts - 1));
      return;
    }
    if (state.pendingPageEnd) this.saveCheckpoint(state, state.pendingPageEnd);
  }

  /** Runs the function on a batch; the index of the first record to deliver again, or undefined when all went through. */
  private async invoke(batch: DynamoDBRecord[]): Promise<{ index: number; reason: string } | undefined> {
    let result: unknown;
    try {
      result = await this.ctx.invoke(this.subscription.function, { Records: batch });
    } catch (err) {
      return { index: 0, reason: `function error: ${(err as Error).message}` };
    }
    const failures = (result as Partial<DynamoDBBatchResponse> | undefined)?.batchItemFailures ?? [];
    if (failures.length === 0) return undefined;
    // As Lambda: the lowest failed sequence number; an identifier that names no record fails the whole batch.
    const indexes = failures.map((f) => batch.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier));
    const index = indexes.includes(-1) ? 0 : Math.min(...indexes);
    return { index, reason: 'batch item failure reported by the function' };
  }

  private giveUp(state: ShardState, batch: DynamoDBRecord[], reason: string): void {
    const failure: StreamFailure = {
      function: this.subscription.function,
      shardId: state.shard.ShardId!,
      startSequenceNumber: batch[0].dynamodb?.SequenceNumber ?? '',
      endSequenceNumber: batch[batch.length - 1].dynamodb?.SequenceNumber ?? '',
      batchSize: batch.length,
      attempts: state.attempts,
      reason,
      at: new Date().toISOString(),
    };
    this.failures.push(failure);
    appendFileSync(this.ctx.failuresFile, JSON.stringify(failure) + '\n');
    log.error('stream batch given up after its last retry', { ...failure });
  }

  private readCheckpoints(): Record<string, string> {
    try {
      const saved = JSON.parse(readFileSync(this.ctx.checkpointFile, 'utf8')) as { streamArn?: string; shards?: Record<string, string> };
      return saved.streamArn === this.ctx.streamArn ? (saved.shards ?? {}) : {};
    } catch {
      return {};
    }
  }

  private saveCheckpoint(state: ShardState, sequenceNumber: string): void {
    state.checkpoint = sequenceNumber;
    state.pendingPageEnd = undefined;
    const shards = Object.fromEntries([...this.shards.values()].filter((s) => s.checkpoint).map((s) => [s.shard.ShardId!, s.checkpoint!]));
    writeFileSync(this.ctx.checkpointFile, JSON.stringify({ streamArn: this.ctx.streamArn, shards }, null, 2));
  }
}

import { performance } from 'node:perf_hooks';
import { foldRun, isRunTrace, sealBundle, type SpanRecord } from '@llm-workbench/bundle';
import { decodeOtlpJson, decodeOtlpProtobuf, encodeOtlpProtobuf } from '@llm-workbench/otlp';
import type { BundleSink } from '@llm-workbench/sink';
import type { ReceiverMetrics } from './receiver-metrics.js';
import type { FoldedJournal } from './spool/folded-journal.js';
import { RECORD_JSON, RECORD_PROTOBUF, RECORD_TRUNCATED, type Spool } from './spool/spool.js';

/** Limits and timings the assembler needs (a subset of the receiver options). */
export interface AssemblerLimits {
  quietMs: number;
  ttlMs: number;
  lateWindowMs: number;
  maxOpenTraces: number;
  maxSpansPerTrace: number;
  maxBufferedBytes: number;
}

type TraceState = 'open' | 'folding' | 'lingering';

interface TraceEntry {
  readonly traceId: string;
  state: TraceState;
  /** Distinct span records (exact duplicates dropped; conflicting ones kept for the fold). */
  readonly records: SpanRecord[];
  readonly bySpanId: Map<string, SpanRecord>;
  hasRoot: boolean;
  firstSeen: number;
  lastSeen: number;
  bytes: number;
  readonly segments: Set<number>;
  /** Fold as incomplete (folded early once, or spans dropped); recorded in the spool. */
  truncated: boolean;
  /** Settles when the spool record saying so is on disk. */
  truncatedDurable: Promise<void> | null;
  /** Spans arrived while folding: fold again. */
  dirty: boolean;
  /** Distinct spans in the last bundle written, or -1. */
  foldedCount: number;
  lingerUntil: number;
  retryAt: number;
  failures: number;
}

/** What became of one request's spans. */
export interface AcceptOutcome {
  /** Spans not kept: their trace's late window had closed, or the trace hit its span cap. */
  readonly dropped: number;
  readonly droppedReason: string;
  /** The spool record to write: the body as received, or the kept spans re-encoded. */
  readonly record: { kind: number; payload: Uint8Array } | null;
  /** Call with the segment the record went to. */
  attach(segment: number): void;
}

const MAX_FOLDS_AT_ONCE = 4;
const MAX_TOMBSTONES = 100_000;
const MAX_RETRY_MS = 30_000;

function fingerprint(s: SpanRecord): string {
  return JSON.stringify(s, (_k, v: unknown) =>
    typeof v === 'bigint'
      ? `${v}n`
      : v instanceof Uint8Array
        ? Buffer.from(v).toString('base64')
        : v,
  );
}

/**
 * Holds traces while their spans arrive across requests, decides when each is folded, and
 * settles it (bundle written, journal entry on disk, spool segments released). All state changes
 * happen synchronously on the event loop, in the same order as the spool records, so replaying
 * the spool after a crash rebuilds the same traces.
 */
export class TraceAssembler {
  private readonly traces = new Map<string, TraceEntry>();
  /** Settled traces, oldest first: a span for one of them is late and its window closed. */
  private readonly tombstones = new Set<string>();
  private openCount = 0;
  private lingeringCount = 0;
  private foldingCount = 0;
  private bufferedBytes = 0;
  /** Bytes of traces by state: folding bytes are on their way out, lingering ones can be dropped. */
  private readonly stateBytes: Record<TraceState, number> = { open: 0, folding: 0, lingering: 0 };
  private readonly foldQueue: Array<[TraceEntry, boolean]> = [];
  private foldsRunning = 0;
  private readonly idle: Array<() => void> = [];
  private closing = false;
  private pumpScheduled = false;

  constructor(
    private readonly limits: AssemblerLimits,
    private readonly spool: Spool,
    private readonly journal: FoldedJournal,
    private readonly sink: BundleSink,
    private readonly metrics: ReceiverMetrics,
    private readonly log: (line: string) => void,
  ) {}

  get gauges(): Record<string, number> {
    return {
      open_traces: this.openCount,
      folding_traces: this.foldingCount,
      lingering_traces: this.lingeringCount,
      buffered_bytes: Math.round(this.bufferedBytes),
    };
  }

  /** Whether memory is over its cap even without what lingers: folding cannot keep up, answer 503. */
  get overloaded(): boolean {
    this.enforceCaps();
    return this.bufferedBytes - this.stateBytes.lingering > this.limits.maxBufferedBytes;
  }

  // ---- Recovery -----------------------------------------------------------------------------

  /** Rebuilds traces from the spool and the journal. Call once, before accepting requests. */
  async recover(): Promise<{ records: number; spans: number; traces: number }> {
    let records = 0;
    let spans = 0;
    for await (const entry of this.spool.replay()) {
      records++;
      if (entry.kind === RECORD_TRUNCATED) {
        const traceId = entry.payload.toString('hex');
        const t = this.entryFor(traceId, performance.now());
        t.truncated = true;
        this.touch(t, entry.segment);
        continue;
      }
      const decoded =
        entry.kind === RECORD_JSON
          ? decodeOtlpJson(entry.payload)
          : decodeOtlpProtobuf(entry.payload);
      if (!decoded.ok) {
        this.log(
          `spool segment ${entry.segment}: a record no longer decodes (${decoded.issues[0]?.message ?? ''}); skipped`,
        );
        continue;
      }
      const per = entry.payload.length / Math.max(1, decoded.spans.length);
      const now = performance.now();
      for (const span of decoded.spans) {
        const t = this.entryFor(span.traceId, now);
        this.insert(t, span, per);
        this.touch(t, entry.segment);
        spans++;
      }
    }
    const now = performance.now();
    for (const t of [...this.traces.values()]) {
      const folded = this.journal.entries.get(t.traceId);
      if (folded === undefined) continue; // never folded: open, quiet and TTL counted from now
      t.foldedCount = folded;
      if (t.records.length > folded) continue; // gained spans after its bundle: fold again
      this.setState(t, 'lingering');
      t.lingerUntil = now + this.limits.lateWindowMs;
      // Fewer spans than its bundle: settled before the crash, only some of its segments remain.
      // Reopening it would fold a part of it, so it is settled again at once.
      if (t.records.length < folded) this.release(t);
    }
    for (const id of this.journal.entries.keys()) if (!this.traces.has(id)) this.tombstone(id);
    const onDisk = this.spool.tracesOnDisk();
    await this.journal.compact((id) => onDisk.has(id));
    this.spool.sweepSettled();
    return { records, spans, traces: this.traces.size };
  }

  // ---- Intake -------------------------------------------------------------------------------

  /**
   * Takes the decoded spans of one request. `bodyKind` and `body` are what the spool keeps when
   * every span is kept; otherwise the kept spans are re-encoded, so the spool holds exactly what
   * was accepted.
   */
  accept(spans: readonly SpanRecord[], bodyKind: number, body: Uint8Array): AcceptOutcome {
    const now = performance.now();
    const per = body.length / Math.max(1, spans.length);
    const kept: SpanRecord[] = [];
    const touched = new Set<TraceEntry>();
    let droppedLate = 0;
    let droppedCap = 0;
    for (const span of spans) {
      let t = this.traces.get(span.traceId);
      if (t === undefined && this.tombstones.has(span.traceId)) {
        droppedLate++;
        continue;
      }
      t ??= this.entryFor(span.traceId, now);
      const duplicate = this.isDuplicate(t, span);
      if (!duplicate) {
        if (t.foldedCount >= 0 || t.state === 'folding') this.metrics.spansLate++;
        if (t.records.length >= this.limits.maxSpansPerTrace) {
          droppedCap++;
          this.markTruncated(t);
          continue;
        }
        if (t.state === 'lingering') {
          this.setState(t, 'open');
          t.firstSeen = now;
        } else if (t.state === 'folding') t.dirty = true;
        this.insert(t, span, per);
        t.lastSeen = now;
      }
      kept.push(span);
      touched.add(t);
    }
    this.metrics.spansDroppedLate += droppedLate;
    this.metrics.spansDroppedCap += droppedCap;
    this.metrics.spansLate += droppedLate;
    const dropped = droppedLate + droppedCap;
    let record: AcceptOutcome['record'] = null;
    if (kept.length > 0) {
      record =
        dropped === 0
          ? { kind: bodyKind, payload: body }
          : { kind: RECORD_PROTOBUF, payload: encodeOtlpProtobuf(kept) };
    }
    const reasons: string[] = [];
    if (droppedLate > 0)
      reasons.push(
        `${droppedLate} arrived after their trace's bundle was written and its late window closed`,
      );
    if (droppedCap > 0)
      reasons.push(
        `${droppedCap} exceeded the cap of ${this.limits.maxSpansPerTrace} spans per trace`,
      );
    this.enforceCaps();
    return {
      dropped,
      droppedReason: reasons.join('; '),
      record,
      attach: (segment) => {
        for (const t of touched) this.touch(t, segment);
      },
    };
  }

  private isDuplicate(t: TraceEntry, span: SpanRecord): boolean {
    const prev = t.bySpanId.get(span.spanId);
    if (prev === undefined) return false;
    if (prev === span) return true;
    const fp = fingerprint(span);
    if (fingerprint(prev) === fp) return true;
    // A conflicting version: kept beside the first, and the fold picks one deterministically.
    return t.records.some((r) => r.spanId === span.spanId && fingerprint(r) === fp);
  }

  private entryFor(traceId: string, now: number): TraceEntry {
    let t = this.traces.get(traceId);
    if (t === undefined) {
      t = {
        traceId,
        state: 'open',
        records: [],
        bySpanId: new Map(),
        hasRoot: false,
        firstSeen: now,
        lastSeen: now,
        bytes: 0,
        segments: new Set(),
        truncated: false,
        truncatedDurable: null,
        dirty: false,
        foldedCount: -1,
        lingerUntil: 0,
        retryAt: 0,
        failures: 0,
      };
      this.traces.set(traceId, t);
      this.tombstones.delete(traceId);
      this.openCount++;
    }
    return t;
  }

  private insert(t: TraceEntry, span: SpanRecord, bytes: number): void {
    if (!t.bySpanId.has(span.spanId)) t.bySpanId.set(span.spanId, span);
    else if (this.isDuplicate(t, span)) return;
    t.records.push(span);
    if (span.parentSpanId === undefined) t.hasRoot = true;
    t.bytes += bytes;
    this.bufferedBytes += bytes;
    this.stateBytes[t.state] += bytes;
  }

  private touch(t: TraceEntry, segment: number): void {
    if (t.segments.has(segment)) return;
    t.segments.add(segment);
    this.spool.ref(segment, t.traceId);
  }

  private setState(t: TraceEntry, state: TraceState): void {
    if (t.state === state) return;
    this.stateBytes[t.state] -= t.bytes;
    this.stateBytes[state] += t.bytes;
    if (t.state === 'open') this.openCount--;
    if (t.state === 'lingering') this.lingeringCount--;
    if (t.state === 'folding') this.foldingCount--;
    if (state === 'open') this.openCount++;
    if (state === 'lingering') this.lingeringCount++;
    if (state === 'folding') this.foldingCount++;
    t.state = state;
  }

  private markTruncated(t: TraceEntry): void {
    if (t.truncated) return;
    t.truncated = true;
    const { segment, durable } = this.spool.append(RECORD_TRUNCATED, Buffer.from(t.traceId, 'hex'));
    this.touch(t, segment);
    t.truncatedDurable = durable;
    durable.catch(() => undefined);
  }

  private tombstone(traceId: string): void {
    this.tombstones.delete(traceId);
    this.tombstones.add(traceId);
    if (this.tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.tombstones.values().next().value;
      if (oldest !== undefined) this.tombstones.delete(oldest);
    }
  }

  private release(t: TraceEntry): void {
    this.setState(t, 'open'); // leave the counted states
    this.openCount--;
    this.traces.delete(t.traceId);
    this.bufferedBytes -= t.bytes;
    this.stateBytes.open -= t.bytes;
    for (const segment of t.segments) this.spool.release(segment, t.traceId);
    this.tombstone(t.traceId);
  }

  // ---- Folding ------------------------------------------------------------------------------

  /** Folds what is due, releases what has lingered, and applies the caps. Called on a timer. */
  sweep(): void {
    const now = performance.now();
    for (const t of this.traces.values()) {
      if (t.state === 'open') {
        if (t.retryAt > now) continue;
        if (t.hasRoot && now - t.lastSeen >= this.limits.quietMs) this.schedule(t, false);
        else if (now - t.firstSeen >= this.limits.ttlMs) {
          this.metrics.tracesExpired++;
          this.schedule(t, true);
        }
      } else if (t.state === 'lingering' && now >= t.lingerUntil) {
        this.release(t);
      }
    }
    this.enforceCaps();
    if (this.journal.size > 100_000) {
      const onDisk = this.spool.tracesOnDisk();
      this.journal
        .compact((id) => onDisk.has(id))
        .catch((err: Error) => this.log(`journal compaction failed: ${err.message}`));
    }
  }

  private enforceCaps(): void {
    const { maxOpenTraces, maxBufferedBytes } = this.limits;
    if (this.bufferedBytes > maxBufferedBytes && this.lingeringCount > 0) {
      for (const t of this.traces.values()) {
        if (this.bufferedBytes <= maxBufferedBytes) break;
        if (t.state === 'lingering') this.release(t);
      }
    }
    // Bytes of folding traces are on their way out: only what stays open counts against the cap.
    const over = (): boolean =>
      this.openCount > maxOpenTraces ||
      this.stateBytes.open + this.stateBytes.lingering > maxBufferedBytes;
    if (over()) {
      for (const t of this.traces.values()) {
        if (!over()) break;
        if (t.state !== 'open') continue;
        this.metrics.tracesEvicted++;
        // A scheduled fold leaves the open state at once, so the loop makes progress.
        this.schedule(t, !t.hasRoot || performance.now() - t.lastSeen < this.limits.quietMs);
      }
    }
  }

  private schedule(t: TraceEntry, early: boolean): void {
    this.setState(t, 'folding');
    t.dirty = false;
    if (early) this.markTruncated(t);
    this.foldQueue.push([t, early]);
    this.pump();
  }

  private pump(): void {
    // Folding runs on a later turn of the event loop, never inside the request that triggered it.
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.startFolds();
    });
  }

  private startFolds(): void {
    while (this.foldsRunning < MAX_FOLDS_AT_ONCE && this.foldQueue.length > 0) {
      const [t] = this.foldQueue.shift() as [TraceEntry, boolean];
      this.foldsRunning++;
      void this.fold(t).finally(() => {
        this.foldsRunning--;
        this.startFolds();
        if (this.foldsRunning === 0 && this.foldQueue.length === 0)
          for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  private async fold(t: TraceEntry): Promise<void> {
    try {
      if (t.truncatedDurable !== null) {
        try {
          await t.truncatedDurable;
        } catch {
          // The spool write failed: write the marker again before folding as incomplete.
          t.truncated = false;
          this.markTruncated(t);
          await t.truncatedDurable;
        }
      }
      const spans = t.records.slice();
      if (isRunTrace(spans)) {
        const bundle = sealBundle(foldRun(spans, { truncated: t.truncated }));
        const result = await this.sink.write(bundle);
        if (result.status === 'written') this.metrics.bundlesWritten++;
        else if (result.status === 'revision') this.metrics.bundlesRevision++;
        else this.metrics.bundlesUnchanged++;
        if (result.status !== 'unchanged' && !bundle.run.complete) this.metrics.bundlesIncomplete++;
      } else {
        this.metrics.tracesIgnored++;
      }
      await this.journal.append(t.traceId, spans.length);
      t.foldedCount = spans.length;
      t.failures = 0;
      t.retryAt = 0;
      if (t.dirty || t.records.length > spans.length) {
        t.dirty = false;
        this.setState(t, 'open');
        t.lastSeen = performance.now();
      } else {
        this.setState(t, 'lingering');
        t.lingerUntil = this.closing ? 0 : performance.now() + this.limits.lateWindowMs;
        if (this.closing) this.release(t);
      }
    } catch (err) {
      this.metrics.sinkErrors++;
      t.failures++;
      if (t.failures === 1)
        this.log(
          `could not write the bundle of trace ${t.traceId}: ${(err as Error).message}; retrying`,
        );
      this.setState(t, 'open');
      t.retryAt = performance.now() + Math.min(MAX_RETRY_MS, 500 * 2 ** t.failures);
    }
  }

  /** Folds now every open trace whose root has arrived, and waits for all folds to finish. */
  async flush(): Promise<void> {
    for (const t of this.traces.values())
      if (t.state === 'open' && t.hasRoot) this.schedule(t, false);
    await this.whenIdle();
  }

  /** Like flush, then releases what lingers; traces without a root stay in the spool. */
  async close(): Promise<void> {
    this.closing = true;
    await this.flush();
    for (const t of [...this.traces.values()]) if (t.state === 'lingering') this.release(t);
  }

  private whenIdle(): Promise<void> {
    if (this.foldsRunning === 0 && this.foldQueue.length === 0 && !this.pumpScheduled)
      return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}

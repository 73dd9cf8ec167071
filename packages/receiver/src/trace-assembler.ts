import { performance } from 'node:perf_hooks';
import { crc32 } from 'node:zlib';
import { fingerprint, type SpanRecord } from '@llm-workbench/bundle';
import {
  encodeOtlpProtobuf,
  decodeOtlpJson,
  decodeOtlpJsonLogs,
  decodeOtlpProtobuf,
  decodeOtlpProtobufLogs,
  type SpanIds,
} from '@llm-workbench/otlp';
import type { FoldJob, FoldOutcome, RecordLocation, TraceFolder } from './fold/types.js';
import { ingestOtlp } from './ingest/ingest-otlp.js';
import type { ReceiverMetrics } from './receiver-metrics.js';
import type { FoldedJournal } from './spool/folded-journal.js';
import {
  isLogsRecord,
  RECORD_DROPPED,
  RECORD_JSON,
  RECORD_LOGS_JSON,
  RECORD_PROTOBUF,
  RECORD_TRUNCATED,
  type Spool,
  type SpoolAppend,
} from './spool/spool.js';

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

/**
 * One spool record holding spans, shared by the traces it has spans of. The spans themselves are
 * not kept in memory: the fold reads them back from the spool.
 */
interface RecordRef {
  readonly segment: number;
  readonly offset: number;
  readonly length: number;
  readonly kind: number;
  /** Settles when the record is on disk (or its write failed); null once it has. */
  pending: Promise<void> | null;
  /**
   * The payload while its spool write runs (the spool holds it anyway), and for good when the
   * write failed: the spool does not have it.
   */
  payload: Buffer | null;
  /** Whether the write failed (the payload is then counted against the memory cap). */
  lost: boolean;
  /** Traces holding this record. */
  holders: number;
}

/**
 * One trace held open. Kept small, since the receiver holds up to `maxOpenTraces` of them: the
 * span ids are one string, times are whole milliseconds (small integers, not boxed doubles), and
 * the arrays are exactly as long as they need to be while short.
 */
interface TraceEntry {
  readonly traceId: string;
  state: TraceState;
  /**
   * The span id of each version kept (exact duplicates are not kept; conflicting versions are),
   * one after another, `ID_CHARS` hex characters each: version `v` is at `v * ID_CHARS`.
   */
  spanIds: string;
  /** The span ids, once the trace has more than a few versions. */
  bySpanId: Set<string> | null;
  /**
   * Digests of the versions of span ids that arrived more than once, worked out when the second
   * one came (from the spool): what tells a retry from a conflicting version.
   */
  digests: Map<string, Set<number>> | null;
  /** Distinct span ids. */
  distinct: number;
  /** Workbench events taken as log records, held against `maxSpansPerTrace` as spans are. */
  logEvents: number;
  /** The spool records with spans (or log events, or the truncation marker) of this trace. */
  records: RecordRef[];
  /**
   * For each of `records`, how many versions the trace had once it was held: a span record's
   * versions are those after the previous span record's count, up to its own.
   */
  recordEnds: number[];
  hasRoot: boolean;
  firstSeen: number;
  lastSeen: number;
  /** Estimated bytes held in memory for this trace. */
  bytes: number;
  /** Fold as incomplete (folded early once, or spans dropped); recorded in the spool. */
  truncated: boolean;
  /** Spans dropped at `maxSpansPerTrace`, each request's count recorded in the spool. */
  droppedSpans: number;
  /** Settles when the spool record saying so is on disk. */
  truncatedDurable: Promise<void> | null;
  /** New spans arrived while folding: fold again. */
  dirty: boolean;
  /** Distinct span ids in the last bundle written, or -1. */
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
  /**
   * Settles when the records of the spans dropped at the cap (their counts) are on disk; rejects
   * when one could not be written. Null when none were dropped.
   */
  readonly markers: Promise<void> | null;
  /** Call with where the record went, at once. */
  attach(append: SpoolAppend): void;
}

/**
 * Estimated memory per trace and per span version, measured (see the README): a trace entry with
 * its arrays, map entry and id, and a span id with its record's index. What the spans hold is on
 * disk.
 */
const TRACE_BYTES = 700;
const SPAN_BYTES = 72;
const BY_SPAN_ID_FROM = 16;
/** Hex characters of a span id (8 bytes: the OTLP readers refuse any other length). */
const ID_CHARS = 16;
/** Arrays are copied to their exact length while shorter than this, then grow in place. */
const EXACT_UP_TO = 8;

const FOLD_BATCH = 64;
const MAX_BATCHES_AT_ONCE = 4;
const MAX_TOMBSTONES = 100_000;
const MAX_RETRY_MS = 30_000;

/** What a {@link TraceAssembler} works with. */
export interface TraceAssemblerOptions {
  readonly limits: AssemblerLimits;
  /** Where accepted requests are stored before they are answered; folds read spans back from it. */
  readonly spool: Spool;
  /** Which traces are settled (folded and written), so a restart does not fold them again. */
  readonly journal: FoldedJournal;
  readonly folder: TraceFolder;
  readonly metrics: ReceiverMetrics;
  readonly log: (line: string) => void;
}

/**
 * Holds traces while their spans arrive across requests, decides when each is folded, and
 * settles it (bundle written, journal entry on disk, spool segments released). In memory a trace
 * is only its span ids and the spool records it has spans in: folding reads the
 * spans back from the spool, in a worker thread. All state changes happen synchronously on the
 * event loop, in the same order as the spool records, so replaying the spool after a crash
 * rebuilds the same traces.
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
  private readonly foldQueue: TraceEntry[] = [];
  private batchesRunning = 0;
  private readonly idle: Array<() => void> = [];
  private closing = false;
  private pumpScheduled = false;
  private mismatchLogged = false;
  private lastFailure: string | null = null;

  private readonly limits: AssemblerLimits;
  private readonly spool: Spool;
  private readonly journal: FoldedJournal;
  private readonly folder: TraceFolder;
  private readonly metrics: ReceiverMetrics;
  private readonly log: (line: string) => void;

  constructor(o: TraceAssemblerOptions) {
    this.limits = o.limits;
    this.spool = o.spool;
    this.journal = o.journal;
    this.folder = o.folder;
    this.metrics = o.metrics;
    this.log = o.log;
  }

  get gauges(): Record<string, number> {
    return {
      open_traces: this.openCount,
      folding_traces: this.foldingCount,
      lingering_traces: this.lingeringCount,
      buffered_bytes: Math.round(this.bufferedBytes),
    };
  }

  /**
   * Whether folding cannot keep up, so requests get 503: more traces wait to be folded than may
   * be open at once, or memory is over its cap even without what lingers.
   */
  get overloaded(): boolean {
    this.enforceCaps();
    return (
      this.foldingCount > this.limits.maxOpenTraces ||
      this.bufferedBytes - this.stateBytes.lingering > this.limits.maxBufferedBytes
    );
  }

  /** Why the last fold failed, while no fold has succeeded since (for /healthz); else null. */
  get failing(): string | null {
    return this.lastFailure;
  }

  // ---- Recovery -----------------------------------------------------------------------------

  /** Rebuilds traces from the spool and the journal. Call once, before accepting requests. */
  async recover(): Promise<{ records: number; spans: number; traces: number }> {
    let records = 0;
    let spans = 0;
    for await (const entry of this.spool.replay()) {
      records++;
      const now = nowMs();
      if (entry.kind === RECORD_TRUNCATED || entry.kind === RECORD_DROPPED) {
        const dropped = entry.kind === RECORD_DROPPED;
        if (entry.payload.length !== (dropped ? 20 : 16)) {
          this.log(`spool segment ${entry.segment}: a marker record of the wrong size; skipped`);
          continue;
        }
        const t = this.entryFor(entry.payload.toString('hex', 0, 16), now);
        t.truncated = true;
        if (dropped) t.droppedSpans += entry.payload.readUInt32BE(16);
        this.holdMarker(t, entry.segment);
        continue;
      }
      if (isLogsRecord(entry.kind)) {
        const logs =
          entry.kind === RECORD_LOGS_JSON
            ? decodeOtlpJsonLogs(entry.payload)
            : decodeOtlpProtobufLogs(entry.payload);
        if (!logs.ok) {
          this.log(
            `spool segment ${entry.segment}: a logs record no longer decodes (${logs.issues[0]?.message ?? ''}); skipped`,
          );
          continue;
        }
        const ref = replayedRef(entry.segment, entry.offset, entry.payload.length, entry.kind);
        for (const [traceId, count] of countByTrace(logs.events.map((e) => e.traceId))) {
          const t = this.entryFor(traceId, now);
          t.logEvents += count;
          this.addLogBytes(t, count);
          this.hold(t, ref);
        }
        continue;
      }
      const read = ingestOtlp(entry.kind === RECORD_JSON ? 'json' : 'protobuf', entry.payload);
      if (!read.ok) {
        this.log(
          `spool segment ${entry.segment}: a record no longer decodes (${read.issues[0]?.message ?? ''}); skipped`,
        );
        continue;
      }
      const ref: RecordRef = {
        segment: entry.segment,
        offset: entry.offset,
        length: entry.payload.length,
        kind: entry.kind,
        pending: null,
        payload: null,
        lost: false,
        holders: 0,
      };
      const s = read.spans;
      const ctx = new RequestContext(this.spool, s, entry.kind, entry.payload);
      let last: TraceEntry | undefined;
      for (let i = 0; i < s.count; i++) {
        const traceId = s.traceIds[i] as string;
        const t = last?.traceId === traceId ? last : this.entryFor(traceId, now);
        last = t;
        const spanId = s.spanIds[i] as string;
        const digest = this.duplicateCheck(t, spanId, ctx, i);
        if (digest !== true) this.insert(t, spanId, s.roots[i] as boolean, digest);
        spans++;
      }
      this.attach(ctx, ref);
    }
    const now = nowMs();
    for (const t of [...this.traces.values()]) {
      const folded = this.journal.entries.get(t.traceId);
      if (folded === undefined) continue; // never folded: open, quiet and TTL counted from now
      t.foldedCount = folded;
      if (t.distinct > folded) continue; // gained spans after its bundle: fold again
      this.setState(t, 'lingering');
      t.lingerUntil = now + this.limits.lateWindowMs;
      // Fewer spans than its bundle: settled before the crash, only some of its segments remain.
      // Reopening it would fold a part of it, so it is settled again at once.
      if (t.distinct < folded) this.release(t);
    }
    for (const id of this.journal.entries.keys()) if (!this.traces.has(id)) this.tombstone(id);
    const onDisk = this.spool.tracesOnDisk();
    await this.journal.compact((id) => onDisk.has(id));
    this.spool.sweepSettled();
    return { records, spans, traces: this.traces.size };
  }

  // ---- Intake -------------------------------------------------------------------------------

  /**
   * Takes the accepted spans of one request. `bodyKind` and `body` are what the spool keeps when
   * every span is kept; otherwise the kept spans are re-encoded, so the spool holds exactly what
   * was accepted.
   */
  accept(spans: SpanIds, bodyKind: number, body: Buffer): AcceptOutcome {
    const now = nowMs();
    const ctx = new RequestContext(this.spool, spans, bodyKind, body);
    let droppedLate = 0;
    let droppedCap = 0;
    /** Spans dropped at the cap in this request, by trace. */
    let capped: Map<TraceEntry, number> | null = null;
    let last: TraceEntry | undefined;
    for (let i = 0; i < spans.count; i++) {
      const traceId = spans.traceIds[i] as string;
      let t = last?.traceId === traceId ? last : this.traces.get(traceId);
      if (t === undefined && this.tombstones.has(traceId)) {
        droppedLate++;
        ctx.drop(i);
        continue;
      }
      t ??= this.entryFor(traceId, now);
      last = t;
      const spanId = spans.spanIds[i] as string;
      const digest = this.duplicateCheck(t, spanId, ctx, i);
      if (digest !== true) {
        // The first root is kept past the cap: it is the run span, which ends (and so comes)
        // last, and without it a cut bundle would not know its run.
        if (
          versionCount(t) >= this.limits.maxSpansPerTrace &&
          !(spans.roots[i] === true && !t.hasRoot)
        ) {
          // Counted once, as dropped at the cap, late or not.
          droppedCap++;
          ctx.drop(i);
          capped ??= new Map();
          capped.set(t, (capped.get(t) ?? 0) + 1);
          continue;
        }
        if (t.foldedCount >= 0 || t.state === 'folding') this.metrics.spansLate++;
        if (t.state === 'lingering') {
          this.setState(t, 'open');
          t.firstSeen = now;
        } else if (t.state === 'folding') t.dirty = true;
        this.insert(t, spanId, spans.roots[i] as boolean, digest);
        t.lastSeen = now;
      }
    }
    let markers: Promise<void> | null = null;
    if (capped !== null) {
      markers = Promise.all([...capped].map(([t, n]) => this.recordDropped(t, n))).then(
        () => undefined,
      );
      markers.catch(() => undefined);
    }
    this.metrics.spansDroppedLate += droppedLate;
    this.metrics.spansDroppedCap += droppedCap;
    this.metrics.spansLate += droppedLate;
    const dropped = droppedLate + droppedCap;
    let record: AcceptOutcome['record'] = null;
    if (dropped < spans.count) {
      record =
        dropped === 0
          ? { kind: bodyKind, payload: body }
          : { kind: RECORD_PROTOBUF, payload: encodeOtlpProtobuf(ctx.keptSpans()) };
    }
    this.enforceCaps();
    return {
      dropped,
      droppedReason: droppedReason(
        droppedLate,
        droppedCap,
        `exceeded the cap of ${this.limits.maxSpansPerTrace} spans per trace`,
      ),
      record,
      markers,
      attach: (append) => {
        if (record === null) return;
        const payload = Buffer.from(
          record.payload.buffer,
          record.payload.byteOffset,
          record.payload.byteLength,
        );
        this.attach(ctx, this.spooledRef(append, payload, record.kind));
      },
    };
  }

  /**
   * Takes the workbench events of one OTLP logs request (their trace ids, one per event): each
   * trace they belong to holds the request's spool record, so its fold reads them and makes them
   * events of their spans. A trace they reopen (its bundle written, still within its late window)
   * is folded again; events of a trace whose late window closed are dropped and counted.
   */
  acceptLogs(traceIds: readonly string[], bodyKind: number, body: Buffer): AcceptOutcome {
    const now = nowMs();
    const touched: TraceEntry[] = [];
    let droppedLate = 0;
    let droppedCap = 0;
    for (const [traceId, count] of countByTrace(traceIds)) {
      let t = this.traces.get(traceId);
      if (t === undefined && this.tombstones.has(traceId)) {
        droppedLate += count;
        continue;
      }
      t ??= this.entryFor(traceId, now);
      // A request whose events would take a trace past the cap is not kept for that trace: the
      // spool holds the body whole, and the fold would read every event in it.
      if (t.logEvents + count > this.limits.maxSpansPerTrace) {
        droppedCap += count;
        this.markTruncated(t);
        continue;
      }
      t.logEvents += count;
      if (t.state === 'lingering') {
        this.setState(t, 'open');
        t.firstSeen = now;
      } else if (t.state === 'folding') t.dirty = true;
      t.lastSeen = now;
      this.addLogBytes(t, count);
      touched.push(t);
    }
    this.metrics.spansLate += droppedLate;
    const record = touched.length > 0 ? { kind: bodyKind, payload: body } : null;
    this.enforceCaps();
    return {
      dropped: droppedLate + droppedCap,
      droppedReason: droppedReason(
        droppedLate,
        droppedCap,
        `would take their trace past ${this.limits.maxSpansPerTrace} log-record events`,
      ),
      record,
      markers: null,
      attach: (append) => {
        if (record === null) return;
        const ref = this.spooledRef(append, body, bodyKind);
        for (const t of touched) this.hold(t, ref);
      },
    };
  }

  /**
   * The reference to a request's spool record, holding its bytes until the spool says they are
   * durable (then the fold reads them from disk).
   */
  private spooledRef(append: SpoolAppend, payload: Buffer, kind: number): RecordRef {
    const ref = replayedRef(append.segment, append.offset, payload.length, kind);
    ref.payload = payload;
    ref.pending = append.durable.then(
      () => {
        ref.pending = null;
        ref.payload = null;
      },
      () => {
        // Answered 503, but the spans are in the traces already (a retry will be a duplicate):
        // keep the bytes for the fold, counted against the memory cap.
        ref.pending = null;
        if (ref.holders > 0) {
          ref.lost = true;
          this.bufferedBytes += payload.length;
        } else ref.payload = null;
      },
    );
    return ref;
  }

  /** Counts a trace's log events against the memory cap, as span versions are. */
  private addLogBytes(t: TraceEntry, count: number): void {
    t.bytes += SPAN_BYTES * count;
    this.bufferedBytes += SPAN_BYTES * count;
    this.stateBytes[t.state] += SPAN_BYTES * count;
  }

  /**
   * Attaches a request's record to the traces it touched: the versions they gained since their
   * last span record came in it.
   */
  private attach(ctx: RequestContext, ref: RecordRef): void {
    for (const t of ctx.touched) {
      this.hold(t, ref);
      // The last id appended left a concatenation of two strings; one flat string is ~50 bytes
      // smaller. A large trace looks ids up in its set instead and is left as it is, since
      // flattening it on every request would copy all its ids each time.
      if (t.bySpanId === null) t.spanIds.charCodeAt(0);
    }
  }

  /**
   * Whether a span is an exact duplicate of a version the trace holds: `true`; else the digest of
   * its content when it had to be worked out (its span id was there already), or null. Only a span
   * id seen before costs anything: then the versions' contents are read back from the spool (a
   * retry, or a conflicting version, is rare).
   */
  private duplicateCheck(
    t: TraceEntry,
    spanId: string,
    ctx: RequestContext,
    i: number,
  ): true | number | null {
    ctx.touch(t);
    if (!this.hasSpanId(t, spanId)) return null;
    const digest = ctx.digest(i);
    let known = t.digests?.get(spanId);
    if (known === undefined) {
      known = new Set();
      // Only the records the versions of this span id came in are read.
      const refs = new Set<RecordRef>();
      for (let v = versionOf(t, spanId); v >= 0; v = versionOf(t, spanId, v + 1)) {
        const ref = recordOfVersion(t, v);
        if (ref !== undefined) refs.add(ref);
      }
      for (const ref of refs)
        for (const s of ctx.spansOf(ref))
          if (s.traceId === t.traceId && s.spanId === spanId) known.add(fingerprintDigest(s));
      // Versions from this same request, not in a record of the trace yet.
      for (const j of ctx.earlier(i, t.traceId, spanId)) known.add(ctx.digest(j));
      (t.digests ??= new Map()).set(spanId, known);
    }
    return known.has(digest) ? true : digest;
  }

  private hasSpanId(t: TraceEntry, spanId: string): boolean {
    if (t.bySpanId !== null) return t.bySpanId.has(spanId);
    return versionOf(t, spanId) >= 0;
  }

  private entryFor(traceId: string, now: number): TraceEntry {
    let t = this.traces.get(traceId);
    if (t === undefined) {
      t = {
        traceId,
        state: 'open',
        spanIds: '',
        bySpanId: null,
        digests: null,
        distinct: 0,
        logEvents: 0,
        records: [],
        recordEnds: [],
        hasRoot: false,
        firstSeen: now,
        lastSeen: now,
        bytes: TRACE_BYTES,
        truncated: false,
        droppedSpans: 0,
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
      this.bufferedBytes += TRACE_BYTES;
      this.stateBytes.open += TRACE_BYTES;
    }
    return t;
  }

  /** Adds a version of a span (not a duplicate: see duplicateCheck). */
  private insert(t: TraceEntry, spanId: string, root: boolean, digest: number | null): void {
    if (digest === null) t.distinct++;
    else t.digests?.get(spanId)?.add(digest);
    t.spanIds += spanId;
    if (t.bySpanId !== null) t.bySpanId.add(spanId);
    else if (versionCount(t) > BY_SPAN_ID_FROM) t.bySpanId = new Set(spanIdList(t));
    if (root) t.hasRoot = true;
    t.bytes += SPAN_BYTES;
    this.bufferedBytes += SPAN_BYTES;
    this.stateBytes[t.state] += SPAN_BYTES;
  }

  /** Notes that `t` has spans in `ref` (and so in its segment). */
  private hold(t: TraceEntry, ref: RecordRef): void {
    const records = t.records;
    if (records.at(-1) === ref) return;
    if (records.every((r) => r.segment !== ref.segment)) this.spool.ref(ref.segment, t.traceId);
    t.records = appended(records, ref);
    t.recordEnds = appended(t.recordEnds, versionCount(t));
    ref.holders++;
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

  /**
   * Records that `count` spans of `t` from one request were dropped at the cap: a spool record
   * with the count, so that the trace's bundle says how many in all, after a restart too. Settles
   * when it is on disk; should the write fail, the count is taken back (the request is answered
   * 503, and its retry counts them again).
   */
  private recordDropped(t: TraceEntry, count: number): Promise<void> {
    t.truncated = true;
    t.droppedSpans += count;
    const payload = Buffer.allocUnsafe(20);
    payload.write(t.traceId, 0, 16, 'hex');
    payload.writeUInt32BE(count, 16);
    const append = this.spool.append(RECORD_DROPPED, payload);
    this.holdMarker(t, append.segment);
    if (t.truncatedDurable === null) {
      t.truncatedDurable = append.durable;
      append.durable.catch(() => undefined);
    }
    return append.durable.catch((err: unknown) => {
      t.droppedSpans -= count;
      throw err;
    });
  }

  /**
   * Holds the spool segment of a marker record (it must outlive the trace, like its spans'
   * segments). One reference per segment in a row: a trace past its cap gains no reference for
   * each request that is dropped.
   */
  private holdMarker(t: TraceEntry, segment: number): void {
    const last = t.records.at(-1);
    if (last !== undefined && last.kind === RECORD_TRUNCATED && last.segment === segment) return;
    this.hold(t, markerRef(segment));
  }

  private markTruncated(t: TraceEntry): void {
    if (t.truncated) return;
    t.truncated = true;
    const append = this.spool.append(RECORD_TRUNCATED, Buffer.from(t.traceId, 'hex'));
    this.holdMarker(t, append.segment);
    t.truncatedDurable = append.durable;
    append.durable.catch(() => undefined);
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
    const segments = new Set<number>();
    for (const ref of t.records) {
      segments.add(ref.segment);
      if (--ref.holders === 0 && ref.lost && ref.payload !== null) {
        this.bufferedBytes -= ref.payload.length;
        ref.payload = null;
      }
    }
    for (const segment of segments) this.spool.release(segment, t.traceId);
    this.tombstone(t.traceId);
  }

  // ---- Folding ------------------------------------------------------------------------------

  /** Folds what is due, releases what has lingered, and applies the caps. Called on a timer. */
  sweep(): void {
    const now = nowMs();
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
        this.schedule(t, !t.hasRoot || nowMs() - t.lastSeen < this.limits.quietMs);
      }
    }
  }

  private schedule(t: TraceEntry, early: boolean): void {
    this.setState(t, 'folding');
    t.dirty = false;
    if (early) this.markTruncated(t);
    this.foldQueue.push(t);
    this.pump();
  }

  private pump(): void {
    // Folding starts on a later turn of the event loop, never inside the request that triggered it.
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.startFolds();
    });
  }

  private startFolds(): void {
    while (this.batchesRunning < MAX_BATCHES_AT_ONCE && this.foldQueue.length > 0) {
      const batch = this.foldQueue.splice(0, FOLD_BATCH);
      this.batchesRunning++;
      void this.foldBatch(batch).finally(() => {
        this.batchesRunning--;
        this.startFolds();
        if (this.batchesRunning === 0 && this.foldQueue.length === 0)
          for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  /** Waits until the trace's records and truncation marker are on disk (or their write failed). */
  private async ready(t: TraceEntry): Promise<void> {
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
    for (const ref of t.records) if (ref.pending !== null) await ref.pending;
  }

  private async foldBatch(traces: TraceEntry[]): Promise<void> {
    const ready = await Promise.all(
      traces.map((t) =>
        this.ready(t).then(
          () => true,
          () => false,
        ),
      ),
    );
    const jobs: FoldJob[] = [];
    const taken: Array<{ t: TraceEntry; distinct: number; versions: number; job: number }> = [];
    for (let i = 0; i < traces.length; i++) {
      const t = traces[i] as TraceEntry;
      if (!ready[i]) {
        this.failed(t, 'the spool could not store its truncation marker');
        continue;
      }
      // What the fold will see: every record held now, and so every version counted now.
      taken.push({ t, distinct: t.distinct, versions: versionCount(t), job: jobs.length });
      const records: RecordLocation[] = [];
      for (const ref of t.records) if (ref.kind !== RECORD_TRUNCATED) records.push(location(ref));
      jobs.push({
        traceId: t.traceId,
        truncated: t.truncated,
        droppedSpans:
          t.droppedSpans > 0
            ? { count: t.droppedSpans, limit: this.limits.maxSpansPerTrace }
            : undefined,
        records,
      });
    }
    if (jobs.length === 0) return;
    const outcomes = await this.folder.fold(jobs);
    await Promise.all(
      taken.map(({ t, distinct, versions, job }) =>
        this.settle(t, outcomes[job] ?? { ok: false, message: 'no outcome' }, distinct, versions),
      ),
    );
  }

  private async settle(
    t: TraceEntry,
    outcome: FoldOutcome,
    distinct: number,
    versions: number,
  ): Promise<void> {
    if (!outcome.ok) {
      this.failed(t, outcome.message);
      return;
    }
    if (outcome.spans !== distinct && !this.mismatchLogged) {
      this.mismatchLogged = true;
      this.log(
        `trace ${t.traceId}: ${distinct} spans were accepted but ${outcome.spans} read back from the spool (reported once)`,
      );
    }
    if (outcome.status === 'ignored') this.metrics.tracesIgnored++;
    else if (outcome.status === 'held') this.metrics.segmentsHeld++;
    else if (outcome.status === 'written') this.metrics.bundlesWritten++;
    else if (outcome.status === 'revision') this.metrics.bundlesRevision++;
    else this.metrics.bundlesUnchanged++;
    if ((outcome.status === 'written' || outcome.status === 'revision') && !outcome.complete)
      this.metrics.bundlesIncomplete++;
    try {
      await this.journal.append(t.traceId, distinct);
    } catch (err) {
      this.failed(t, `could not write the journal: ${(err as Error).message}`);
      return;
    }
    t.foldedCount = distinct;
    t.failures = 0;
    this.lastFailure = null;
    t.retryAt = 0;
    if (t.dirty || versionCount(t) > versions) {
      t.dirty = false;
      this.setState(t, 'open');
      t.lastSeen = nowMs();
    } else {
      this.setState(t, 'lingering');
      t.lingerUntil = this.closing ? 0 : nowMs() + this.limits.lateWindowMs;
      if (this.closing) this.release(t);
    }
  }

  private failed(t: TraceEntry, message: string): void {
    this.metrics.sinkErrors++;
    this.lastFailure = message;
    t.failures++;
    if (t.failures === 1)
      this.log(`could not write the bundle of trace ${t.traceId}: ${message}; retrying`);
    this.setState(t, 'open');
    t.retryAt = nowMs() + Math.min(MAX_RETRY_MS, 500 * 2 ** t.failures);
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
    if (this.batchesRunning === 0 && this.foldQueue.length === 0 && !this.pumpScheduled)
      return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}

/**
 * Milliseconds on the monotonic clock, whole: a small integer for 24 days of uptime, stored in a
 * trace entry without a boxed double.
 */
function nowMs(): number {
  return Math.floor(performance.now());
}

/** Versions of span ids a trace holds. */
function versionCount(t: TraceEntry): number {
  return t.spanIds.length / ID_CHARS;
}

/** The first of the trace's versions from `from` on with this span id, or -1. */
function versionOf(t: TraceEntry, spanId: string, from = 0): number {
  const ids = t.spanIds;
  for (let at = ids.indexOf(spanId, from * ID_CHARS); at >= 0; at = ids.indexOf(spanId, at + 1))
    if (at % ID_CHARS === 0) return at / ID_CHARS;
  return -1;
}

/** The span id of each version, in order. */
function spanIdList(t: TraceEntry): string[] {
  const out: string[] = [];
  for (let at = 0; at < t.spanIds.length; at += ID_CHARS)
    out.push(t.spanIds.slice(at, at + ID_CHARS));
  return out;
}

/** The span record version `v` came in; undefined while that record is not attached. */
function recordOfVersion(t: TraceEntry, v: number): RecordRef | undefined {
  const { records, recordEnds } = t;
  // The first record held once the trace had more than v versions, then the first with spans.
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((recordEnds[mid] as number) > v) hi = mid;
    else lo = mid + 1;
  }
  return records.slice(lo).find(holdsSpans);
}

function holdsSpans(ref: RecordRef): boolean {
  return ref.kind !== RECORD_TRUNCATED && !isLogsRecord(ref.kind);
}

/** `list` with `item` appended: a copy of exact length while short, else `list` itself. */
function appended<T>(list: T[], item: T): T[] {
  if (list.length >= EXACT_UP_TO) {
    list.push(item);
    return list;
  }
  return list.concat([item]); // exact length; a push would reserve room for 16 more
}

/** A record standing for a truncation marker: it holds no spans, only its segment. */
function markerRef(segment: number): RecordRef {
  return {
    segment,
    offset: 0,
    length: 0,
    kind: RECORD_TRUNCATED,
    pending: null,
    payload: null,
    lost: false,
    holders: 0,
  };
}

/** A record read back from the spool, or just appended to it. */
function replayedRef(segment: number, offset: number, length: number, kind: number): RecordRef {
  return { segment, offset, length, kind, pending: null, payload: null, lost: false, holders: 0 };
}

/** Why spans or events of a request were not kept: too late, or past their trace's cap. */
function droppedReason(late: number, cap: number, capReason: string): string {
  const reasons: string[] = [];
  if (late > 0) {
    reasons.push(
      `${late} arrived after their trace's bundle was written and its late window closed`,
    );
  }
  if (cap > 0) reasons.push(`${cap} ${capReason}`);
  return reasons.join('; ');
}

/** How many of the ids are each id, in first-seen order. */
function countByTrace(traceIds: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of traceIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

function location(ref: RecordRef): RecordLocation {
  return !ref.lost || ref.payload === null
    ? { segment: ref.segment, offset: ref.offset, length: ref.length, kind: ref.kind }
    : {
        segment: ref.segment,
        offset: ref.offset,
        length: ref.length,
        kind: ref.kind,
        payload: ref.payload,
      };
}

/**
 * One request (or replayed spool record) being taken in: which spans were dropped, which traces
 * it touched, and, only when a span id arrives a second time, the decoded spans it needs to tell a
 * retry from a conflicting version (decoded once per request and per record).
 */
class RequestContext {
  /** Traces with spans in this request, each once. */
  readonly touched: TraceEntry[] = [];
  private readonly seen = new Set<TraceEntry>();
  private dropped: boolean[] | null = null;
  private decoded: SpanRecord[] | null = null;
  private readonly digests = new Map<number, number>();
  private readonly records = new Map<RecordRef, SpanRecord[]>();

  constructor(
    private readonly spool: Spool,
    private readonly scanned: SpanIds,
    private readonly kind: number,
    private readonly body: Buffer,
  ) {}

  touch(t: TraceEntry): void {
    if (this.touched.at(-1) === t || this.seen.has(t)) return;
    this.seen.add(t);
    this.touched.push(t);
  }

  drop(i: number): void {
    (this.dropped ??= new Array<boolean>(this.scanned.count).fill(false))[i] = true;
  }

  /** The request's accepted spans, decoded, in the order of the scan (the decoder's order). */
  private spans(): SpanRecord[] {
    if (this.decoded === null) {
      const d =
        this.kind === RECORD_JSON ? decodeOtlpJson(this.body) : decodeOtlpProtobuf(this.body);
      if (!d.ok || d.spans.length !== this.scanned.count)
        throw new Error('a request that was read could not be decoded again');
      this.decoded = d.spans;
    }
    return this.decoded;
  }

  /** The spans to spool when some were dropped. */
  keptSpans(): SpanRecord[] {
    const dropped = this.dropped;
    return this.spans().filter((_, i) => dropped?.[i] !== true);
  }

  digest(i: number): number {
    let d = this.digests.get(i);
    if (d === undefined) {
      d = fingerprintDigest(this.spans()[i] as SpanRecord);
      this.digests.set(i, d);
    }
    return d;
  }

  /** Earlier spans of this request with these ids that were kept. */
  *earlier(i: number, traceId: string, spanId: string): Generator<number> {
    const { traceIds, spanIds } = this.scanned;
    for (let j = 0; j < i; j++)
      if (spanIds[j] === spanId && traceIds[j] === traceId && this.dropped?.[j] !== true) yield j;
  }

  /** The decoded spans of an earlier record: from memory while it is being written, else the spool. */
  spansOf(ref: RecordRef): SpanRecord[] {
    let spans = this.records.get(ref);
    if (spans === undefined) {
      const payload = ref.payload ?? this.spool.readPayload(ref.segment, ref.offset, ref.length);
      const d = ref.kind === RECORD_JSON ? decodeOtlpJson(payload) : decodeOtlpProtobuf(payload);
      spans = d.ok ? d.spans : [];
      this.records.set(ref, spans);
    }
    return spans;
  }
}

/**
 * The bundle's `fingerprint` of a span version (the fold's identity for telling a retry from a
 * conflicting version of a span id) held as 53 bits, since the receiver keeps one per span in
 * memory: equal versions, equal digests; different ones collide with odds of about 2^-53.
 */
function fingerprintDigest(s: SpanRecord): number {
  const text = fingerprint(s);
  return crc32(text) * 2 ** 21 + (fnv21(text) ^ (text.length & 0x1fffff));
}

/** FNV-1a of a string, folded to 21 bits. */
function fnv21(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 21)) & 0x1fffff;
}

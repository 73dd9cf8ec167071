import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { bundleRun, isRunTrace, runSegmentOf } from '@llm-workbench/bundle';
import type { LogEventRecord, RunBundle, SpanRecord } from '@llm-workbench/bundle';
import {
  decodeOtlpJson,
  decodeOtlpJsonLogs,
  decodeOtlpProtobuf,
  decodeOtlpProtobufLogs,
} from '@llm-workbench/otlp';
import type { BundleSink, BundleWriteOutcome } from '@llm-workbench/sink';
import { isLogsRecord, RECORD_JSON, RECORD_LOGS_JSON, segmentName } from '../spool/spool.js';
import type { FoldJob, FoldOutcome, RecordLocation } from './types.js';
import { RunAssembler, type RunAssemblerOptions, type RunGauges } from './run-assembler.js';

/** Options of {@link FoldEngine}. */
export interface FoldEngineOptions {
  /** The spool folder, whose segment files hold the records. */
  readonly spoolDir: string;
  /** Where bundles go. */
  readonly sink: BundleSink;
  /** Bundle writes at once (each is a few file operations and fsyncs), for a sink without `writeMany`. */
  readonly writeConcurrency: number;
  /** Decoded spans kept between folds, so a record shared by traces is decoded once. */
  readonly cacheSpans: number;
  /**
   * Where and how long segments of runs that span traces are held until their run is whole
   * (see {@link RunAssembler}). Without it each segment is folded alone, as its own bundle.
   */
  readonly runs?: RunAssemblerOptions | undefined;
}

const NOT_WRITTEN: Promise<FoldOutcome> = Promise.resolve({ ok: false, message: 'not written' });

/** Decoded spans of one record, by trace; a trace's spans are taken out when it is folded. */
interface CachedRecord {
  readonly byTrace: Map<string, SpanRecord[]>;
  spans: number;
}

/**
 * Folds traces from the spool: reads the records of each trace (synchronously: it runs on its own
 * thread), decodes them with `@llm-workbench/otlp`, folds and seals the trace's spans, and writes
 * the bundle to the sink, a few writes at a time. Decoded records are kept, within a budget, for
 * the other traces they hold.
 */
export class FoldEngine {
  private readonly cache = new Map<string, CachedRecord>();
  private cachedSpans = 0;
  private writing = 0;
  private readonly writeSlots: Array<() => void> = [];
  private sink: BundleSink;
  private readonly runs: RunAssembler | undefined;

  constructor(private readonly options: FoldEngineOptions) {
    this.sink = options.sink;
    if (options.runs !== undefined)
      this.runs = new RunAssembler(options.runs, (bundle) => this.sink.write(bundle));
  }

  /** The run assembler's gauges and counters; null without one. */
  runGauges(): RunGauges | null {
    return this.runs?.gauges() ?? null;
  }

  /**
   * Writes bundles to `sink` from now on (writes already started finish on the old one), and
   * returns the old one: after the output folder was removed or replaced, a sink holding the old
   * folder's ledger open must not be used again.
   */
  replaceSink(sink: BundleSink): BundleSink {
    const old = this.sink;
    this.sink = sink;
    return old;
  }

  /**
   * Folds the jobs; one outcome per job, in order. Never rejects. With a sink that writes many
   * at once (`writeMany`), the batch's bundles are written together once all are sealed (one
   * folder fsync and one ledger append for them all); otherwise each is written as it is sealed,
   * `writeConcurrency` at a time.
   */
  async fold(jobs: readonly FoldJob[]): Promise<FoldOutcome[]> {
    // Every batch (an empty one is the receiver's tick) also expires runs left open too long.
    if (this.runs !== undefined) await this.runs.sweep();
    const sink = this.sink;
    const outcomes: Array<Promise<FoldOutcome>> = [];
    const sealed: Array<{ at: number; bundle: RunBundle; spans: number }> = [];
    for (const job of jobs) {
      let spans: SpanRecord[];
      let logEvents: LogEventRecord[];
      try {
        spans = this.spansOf(job);
        logEvents = this.logEventsOf(job);
      } catch (err) {
        outcomes.push(
          Promise.resolve({ ok: false, message: `could not read the spool: ${text(err)}` }),
        );
        continue;
      }
      const distinct = countDistinct(spans);
      const segment = this.runs === undefined ? null : runSegmentOf(spans);
      if (segment !== null && this.runs !== undefined) {
        outcomes.push(
          this.runs
            .take({
              segment,
              spans,
              logEvents,
              truncated: job.truncated,
              droppedSpans: job.droppedSpans,
            })
            .then((o): FoldOutcome => (o.ok ? { complete: true, ...o, spans: distinct } : o)),
        );
        continue;
      }
      if (!isRunTrace(spans)) {
        outcomes.push(
          Promise.resolve({ ok: true, status: 'ignored', complete: true, spans: distinct }),
        );
        continue;
      }
      let bundle;
      try {
        bundle = bundleRun(spans, {
          truncated: job.truncated,
          droppedSpans: job.droppedSpans,
          logEvents,
        });
      } catch (err) {
        outcomes.push(Promise.resolve({ ok: false, message: `could not fold: ${text(err)}` }));
        continue;
      }
      if (sink.writeMany !== undefined) {
        sealed.push({ at: outcomes.length, bundle, spans: distinct });
        outcomes.push(NOT_WRITTEN); // replaced below, once the batch is sealed
        continue;
      }
      await this.slot();
      const complete = bundle.run.complete;
      outcomes.push(
        sink
          .write(bundle)
          .then(
            (r): FoldOutcome => ({ ok: true, status: r.status, complete, spans: distinct }),
            (err: unknown): FoldOutcome => ({ ok: false, message: text(err) }),
          )
          .finally(() => this.release()),
      );
    }
    if (sealed.length > 0 && sink.writeMany !== undefined) {
      const written = sink.writeMany(sealed.map((s) => s.bundle)).then(
        (r) => r,
        (err: unknown): BundleWriteOutcome[] =>
          sealed.map(() => ({ ok: false, error: new Error(text(err)) })),
      );
      for (const [k, { at, bundle, spans }] of sealed.entries()) {
        outcomes[at] = written.then((r): FoldOutcome => {
          const o = r[k];
          if (o === undefined) return { ok: false, message: 'the sink gave no outcome' };
          if (!o.ok) return { ok: false, message: o.error.message };
          return { ok: true, status: o.result.status, complete: bundle.run.complete, spans };
        });
      }
    }
    return Promise.all(outcomes);
  }

  private slot(): Promise<void> {
    if (this.writing < this.options.writeConcurrency) {
      this.writing++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.writeSlots.push(resolve));
  }

  private release(): void {
    const next = this.writeSlots.shift();
    if (next !== undefined) next();
    else this.writing--;
  }

  /** Every span of the job's trace in its records (duplicates included: the fold drops them). */
  private spansOf(job: FoldJob): SpanRecord[] {
    const out: SpanRecord[] = [];
    for (const loc of job.records) {
      if (isLogsRecord(loc.kind)) continue;
      const key = `${loc.segment}:${loc.offset}`;
      let cached = loc.payload === undefined ? this.cache.get(key) : undefined;
      let spans = cached?.byTrace.get(job.traceId);
      if (spans === undefined) {
        // Not decoded yet, or decoded and this trace taken out by an earlier fold (it was reopened
        // by a late span): decode the record again.
        const fresh = this.decode(loc);
        spans = fresh.byTrace.get(job.traceId);
        if (cached === undefined && loc.payload === undefined) {
          cached = fresh;
          this.cache.set(key, fresh);
          this.cachedSpans += fresh.spans;
        } else {
          cached = undefined;
        }
      }
      if (cached !== undefined) {
        cached.byTrace.delete(job.traceId);
        const n = spans?.length ?? 0;
        cached.spans -= n;
        this.cachedSpans -= n;
        if (cached.byTrace.size === 0) this.cache.delete(key);
      }
      if (spans !== undefined) for (const s of spans) out.push(s);
    }
    this.trim();
    return out;
  }

  /**
   * The job's trace's events that came as log records. Not cached: log records are few, and a
   * record is read once per trace it has events of.
   */
  private logEventsOf(job: FoldJob): LogEventRecord[] {
    const out: LogEventRecord[] = [];
    for (const loc of job.records) {
      if (!isLogsRecord(loc.kind)) continue;
      const payload =
        loc.payload === undefined
          ? this.read(loc)
          : Buffer.from(loc.payload.buffer, loc.payload.byteOffset, loc.payload.byteLength);
      const decoded =
        loc.kind === RECORD_LOGS_JSON
          ? decodeOtlpJsonLogs(payload)
          : decodeOtlpProtobufLogs(payload);
      if (!decoded.ok)
        throw new Error(`a spool record no longer decodes: ${decoded.issues[0]?.message ?? ''}`);
      for (const e of decoded.events) if (e.traceId === job.traceId) out.push(e);
    }
    return out;
  }

  /** Drops the least recently decoded records beyond the budget. */
  private trim(): void {
    for (const [key, cached] of this.cache) {
      if (this.cachedSpans <= this.options.cacheSpans) break;
      this.cache.delete(key);
      this.cachedSpans -= cached.spans;
    }
  }

  private decode(loc: RecordLocation): CachedRecord {
    // A payload crossing to the worker arrives as a plain Uint8Array.
    const payload =
      loc.payload === undefined
        ? this.read(loc)
        : Buffer.from(loc.payload.buffer, loc.payload.byteOffset, loc.payload.byteLength);
    // Decoded once, by the walker that checked the record at the door, building records this time.
    const decoded =
      loc.kind === RECORD_JSON ? decodeOtlpJson(payload) : decodeOtlpProtobuf(payload);
    const byTrace = new Map<string, SpanRecord[]>();
    if (!decoded.ok)
      throw new Error(`a spool record no longer decodes: ${decoded.issues[0]?.message ?? ''}`);
    for (const span of decoded.spans) {
      let list = byTrace.get(span.traceId);
      if (list === undefined) byTrace.set(span.traceId, (list = []));
      list.push(span);
    }
    return { byTrace, spans: decoded.spans.length };
  }

  private read(loc: RecordLocation): Buffer {
    const fd = openSync(join(this.options.spoolDir, segmentName(loc.segment)), 'r');
    try {
      const buf = Buffer.allocUnsafe(loc.length);
      let done = 0;
      while (done < loc.length) {
        const n = readSync(fd, buf, done, loc.length - done, loc.offset + done);
        if (n === 0)
          throw new Error(`segment ${loc.segment} ends before its record at ${loc.offset}`);
        done += n;
      }
      return buf;
    } finally {
      closeSync(fd);
    }
  }
}

function countDistinct(spans: readonly SpanRecord[]): number {
  const ids = new Set<string>();
  for (const s of spans) ids.add(s.spanId);
  return ids.size;
}

function text(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

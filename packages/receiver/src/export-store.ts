import {
  decodeOtlpJsonLogs,
  decodeOtlpProtobufLogs,
  summarizeRejections,
  type OtlpEncoding,
} from '@llm-workbench/otlp';
import type { StoreOutcome } from './grpc/otlp-grpc-server.js';
import { ingestOtlp } from './ingest/ingest-otlp.js';
import type { ReceiverMetrics } from './receiver-metrics.js';
import {
  RECORD_JSON,
  RECORD_LOGS_JSON,
  RECORD_LOGS_PROTOBUF,
  RECORD_PROTOBUF,
  type Spool,
} from './spool/spool.js';
import type { AcceptOutcome, TraceAssembler } from './trace-assembler.js';

/** Per signal: what its items are called in a 503, its spool records, the counter it accepts in. */
const SIGNALS = {
  traces: {
    what: 'the spans',
    record: { json: RECORD_JSON, protobuf: RECORD_PROTOBUF },
    accepted: 'spansAccepted',
  },
  logs: {
    what: 'the log records',
    record: { json: RECORD_LOGS_JSON, protobuf: RECORD_LOGS_PROTOBUF },
    accepted: 'logEventsAccepted',
  },
} as const satisfies Record<
  string,
  {
    what: string;
    record: Record<OtlpEncoding, number>;
    accepted: 'spansAccepted' | 'logEventsAccepted';
  }
>;

/** What an {@link ExportStore} works with. */
export interface ExportStoreOptions {
  readonly assembler: TraceAssembler;
  readonly spool: Spool;
  readonly metrics: ReceiverMetrics;
  readonly log: (line: string) => void;
}

/**
 * The part of answering an OTLP export that does not depend on the protocol it came by (HTTP or
 * gRPC): decode the body, apply it to the traces, spool what was kept and wait until it is
 * durable, then say what to tell the client.
 *
 * @example
 * const store = new ExportStore({ assembler, spool, metrics, log });
 * const outcome = await store.traces('protobuf', body); // { ok: true, partial } once on disk
 */
export class ExportStore {
  /** Whether the last spool write failed (logged once until one works again). */
  private spoolFailing = false;

  constructor(private readonly o: ExportStoreOptions) {}

  /** Stores an `ExportTraceServiceRequest`; resolves once its spans are on disk. */
  async traces(format: OtlpEncoding, body: Buffer): Promise<StoreOutcome> {
    const decoded = ingestOtlp(format, body);
    if (!decoded.ok) return badRequest(decoded.issues);
    this.o.metrics.spansRejected += decoded.rejected.length;
    const outcome = this.o.assembler.accept(decoded.spans, SIGNALS.traces.record[format], body);
    return this.spoolAndAnswer(SIGNALS.traces, outcome, decoded.spans.count, decoded.rejected);
  }

  /**
   * Stores an `ExportLogsServiceRequest`: the workbench events it holds as log records are
   * spooled (the body as received) and joined to their traces, whose folds make them events of
   * their spans. Other log records are not ours: accepted and not kept.
   */
  async logs(format: OtlpEncoding, body: Buffer): Promise<StoreOutcome> {
    const decoded = format === 'json' ? decodeOtlpJsonLogs(body) : decodeOtlpProtobufLogs(body);
    if (!decoded.ok) return badRequest(decoded.issues);
    this.o.metrics.logRecordsRejected += decoded.rejected.length;
    const traceIds = decoded.events.map((e) => e.traceId);
    const outcome = this.o.assembler.acceptLogs(traceIds, SIGNALS.logs.record[format], body);
    return this.spoolAndAnswer(SIGNALS.logs, outcome, decoded.events.length, decoded.rejected);
  }

  /**
   * Appends what the assembler kept of a request to the spool (nothing when it kept nothing) and
   * waits until it is durable, with the counts of spans it dropped at the cap, then counts the
   * request's `count` items less those dropped as accepted and answers with the partial success;
   * answers 503 when the spool could not store them.
   */
  private async spoolAndAnswer(
    signal: (typeof SIGNALS)[keyof typeof SIGNALS],
    outcome: AcceptOutcome,
    count: number,
    rejected: Parameters<typeof partialOf>[0],
  ): Promise<StoreOutcome> {
    const durable: Promise<void>[] = outcome.markers === null ? [] : [outcome.markers];
    if (outcome.record !== null) {
      const append = this.o.spool.append(outcome.record.kind, outcome.record.payload);
      outcome.attach(append);
      durable.push(append.durable);
    }
    if (durable.length > 0) {
      try {
        await Promise.all(durable);
      } catch (err) {
        this.o.metrics.spoolErrors++;
        if (!this.spoolFailing)
          this.o.log(
            `spool write failed: ${(err as Error).message}; answering 503 until it works again`,
          );
        this.spoolFailing = true;
        return {
          ok: false,
          status: 503,
          message: `could not store ${signal.what} durably`,
          headers: { 'retry-after': '5' },
        };
      }
      this.spoolFailing = false;
    }
    this.o.metrics[signal.accepted] += count - outcome.dropped;
    return { ok: true, partial: partialOf(rejected, outcome) };
  }
}

function badRequest(issues: ReadonlyArray<{ readonly message: string }>): StoreOutcome {
  return { ok: false, status: 400, message: issues.map((i) => i.message).join('; '), headers: {} };
}

/** The partial success of a stored request: what the decoder rejected and the assembler dropped. */
function partialOf(
  rejected: Parameters<typeof summarizeRejections>[0],
  outcome: AcceptOutcome,
): { rejectedSpans: number; errorMessage: string } {
  return {
    rejectedSpans: rejected.length + outcome.dropped,
    errorMessage: [summarizeRejections(rejected), outcome.droppedReason]
      .filter((x) => x !== '')
      .join('; '),
  };
}

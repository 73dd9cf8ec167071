import type { SigningKey } from '@llm-workbench/evidence';
import { DEFAULT_MAX_SPANS_PER_TRACE } from '@llm-workbench/otlp';
import type { BundleSink } from '@llm-workbench/sink';

/**
 * Options of the receiver. Every option has a default (see {@link RECEIVER_DEFAULTS}); the CLI
 * sets them from flags and `WORKBENCH_*` environment variables through `resolveReceiverOptions`.
 */
export interface ReceiverOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  host: string;
  /** TCP port; 0 picks a free one. Default 4319. */
  port: number;
  /**
   * TCP port of the OTLP/gRPC door (`TraceService/Export`, as the Collector's `otlp` and
   * `loadbalancing` exporters send), on `host`; 0 picks a free one; null for none. Off by
   * default: 4317 is the Collector's own port on the same machine in the usual setup, and a
   * receiver behind a Collector needs only one door. Default null.
   */
  grpcPort: number | null;
  /** Folder that receives the bundles (a `FileBundleSink`). Default `./bundles`. */
  outDir: string;
  /** Folder for the write-ahead spool and the folded-traces journal. Default `./workbench-data`. */
  dataDir: string;
  /** Bearer token required on `POST /v1/traces`; null for none. Default null. Never logged. */
  token: string | null;
  /** A trace whose root has arrived is folded after this long without new spans. Default 5000 ms. */
  quietMs: number;
  /** A trace is folded, as incomplete, this long after its first span at the latest. Default 600000 ms. */
  ttlMs: number;
  /**
   * How long a folded trace's spans are kept so that a late span can reopen it and produce a
   * revision. Default 60000 ms.
   */
  lateWindowMs: number;
  /**
   * How long a run that spans traces may wait for its next segment: counted from when its first
   * segment was held (in `<data>/open-runs`, surviving restarts); then the run is folded from
   * what it has, as an incomplete bundle naming the missing segments. Default 7 days.
   */
  runTtlMs: number;
  /** Most runs spanning traces held open at once; beyond it the oldest is folded early, as incomplete. Default 10000. */
  maxOpenRuns: number;
  /** Most bytes of held segments on disk; beyond it the oldest runs are folded early, as incomplete. Default 1 GiB. */
  maxOpenRunBytes: number;
  /** Largest request body, counted after decompression. Default 16 MiB. */
  maxBodyBytes: number;
  /**
   * Most traces held open at once; beyond it the oldest is folded early, as incomplete. As many
   * again may wait to be folded; beyond that, requests get 503 until folding catches up.
   * Default 10000.
   */
  maxOpenTraces: number;
  /** Most spans kept per trace; more are dropped and the trace is marked incomplete. Default 50000. */
  maxSpansPerTrace: number;
  /**
   * Estimated bytes held in memory for traces (open, folding and late-window ones): about 700
   * bytes a trace and 64 a span, since spans themselves stay in the spool until folded. Above it,
   * late-window traces are released, then open traces folded early; if folding cannot keep up,
   * requests get 503. Default 64 MiB (some 50,000 traces of 10 spans).
   */
  maxBufferedBytes: number;
  /**
   * Most requests decoded and stored at once, counted from the moment a body has arrived whole;
   * more get 429. Bodies still arriving hold no slot: together they may hold at most
   * `maxInflightRequests × maxBodyBytes` bytes of memory, beyond which they get 429. Default 64.
   */
  maxInflightRequests: number;
  /**
   * Longest pause in a request body, and the grace a body gets before `minBodyRate` applies: a
   * body is answered 408 and its connection closed once it has paused this long, or taken longer
   * than this plus one second for every `minBodyRate` bytes received. Default 10000 ms.
   */
  bodyIdleTimeoutMs: number;
  /** Bytes per second a request body must average after its grace (see `bodyIdleTimeoutMs`). Default 16 KiB. */
  minBodyRate: number;
  /**
   * Most TCP connections open at once; more are closed as they arrive, so that clients cannot
   * use up the file descriptors the spool and the bundles need. Default 1024.
   */
  maxConnections: number;
  /**
   * How long `close()` waits for requests in flight (a body still arriving, a spool write)
   * before cutting their connections unanswered, and then, separately, for the folds of traces
   * whose root has arrived (what is left is folded after the next start). `/healthz` answers 503
   * meanwhile. Default 10000 ms.
   */
  shutdownTimeoutMs: number;
  /** Spool segment size before a new segment is started. Default 64 MiB. */
  segmentBytes: number;
  /** Whether the spool fsyncs before answering (durability). Default true. */
  fsync: boolean;
  /**
   * Whether the `outDir` sink appends to the folder's `ledger.jsonl` (the hash chain `workbench
   * verify DIR` checks). One receiver per folder: receivers behind a load balancer write into
   * folders of their own, or turn it off. Default true.
   */
  ledger: boolean;
  /**
   * Sign every bundle written to `outDir`, as role `receiver` (`X.dsse.json` beside `X.json`,
   * before it), and keep the ledger's checkpoint signed. The CLI reads it from `--sign-key FILE`,
   * `WORKBENCH_SIGNING_KEY` (the PEM) or `WORKBENCH_SIGNING_KEY_FILE` (a path). It reaches the
   * fold worker as a KeyObject, never as text, and is never logged (only its key id). Not used
   * with `sink`, which signs as it was built to. Default none.
   */
  signingKey?: SigningKey | undefined;
  /** Where bundles go; overrides `outDir`. Default a `FileBundleSink` on `outDir`. */
  sink?: BundleSink | undefined;
  /** Receives one line per notable event (start, recovery, drops, sink errors). Default none. */
  log?: ((line: string) => void) | undefined;
}

/** The defaults of {@link ReceiverOptions}. */
export const RECEIVER_DEFAULTS = {
  host: '127.0.0.1',
  port: 4319,
  grpcPort: null,
  outDir: './bundles',
  dataDir: './workbench-data',
  token: null,
  quietMs: 5_000,
  ttlMs: 600_000,
  lateWindowMs: 60_000,
  runTtlMs: 7 * 24 * 3_600_000,
  maxOpenRuns: 10_000,
  maxOpenRunBytes: 1024 ** 3,
  maxBodyBytes: 16 * 1024 * 1024,
  maxOpenTraces: 10_000,
  maxSpansPerTrace: DEFAULT_MAX_SPANS_PER_TRACE,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxInflightRequests: 64,
  bodyIdleTimeoutMs: 10_000,
  minBodyRate: 16 * 1024,
  maxConnections: 1024,
  shutdownTimeoutMs: 10_000,
  segmentBytes: 64 * 1024 * 1024,
  fsync: true,
  ledger: true,
} as const satisfies Omit<ReceiverOptions, 'sink' | 'log' | 'signingKey'>;

/** A running receiver. */
export interface Receiver {
  /** Base URL, e.g. `http://127.0.0.1:4319`; traces go to `${url}/v1/traces`. */
  readonly url: string;
  /** `host:port` of the OTLP/gRPC door, e.g. `127.0.0.1:4317`; null when `grpcPort` is null. */
  readonly grpcAddress: string | null;
  /** A snapshot of the counters served at `/metrics`. */
  metrics(): Readonly<Record<string, number>>;
  /** Folds every trace whose root has arrived and waits for the bundles to be written. */
  flush(): Promise<void>;
  /**
   * Stops accepting requests (new ones get 503, `/healthz` answers 503), waits for those in
   * flight (cutting their connections after `shutdownTimeoutMs`), folds what has its root and
   * writes the bundles (waiting at most `shutdownTimeoutMs` more), and closes the spool; traces
   * without a root, and folds not finished in time, stay in the spool for the next start. Runs
   * once; later calls return the same promise.
   */
  close(): Promise<void>;
}

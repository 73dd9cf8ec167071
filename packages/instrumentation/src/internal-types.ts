import type { Tracer } from '@opentelemetry/api';
import type { ArtifactStore } from './artifact-store.js';
import type { Reporter } from './reporter.js';
import type { EventLogger, ModelPricer } from './types.js';

/** Options after merging code options, the environment and the defaults. Never exported. */
export interface ResolvedConfig {
  readonly tracer: Tracer;
  readonly captureContent: boolean;
  readonly inlineArtifactContent: boolean;
  readonly artifactDiffMaxBytes: number;
  readonly artifactCacheMaxBytes: number;
  readonly generateRunId: () => string;
  readonly price: ModelPricer | null;
  /** Where workbench events go as log records; null: as span events. */
  readonly eventLogger: EventLogger | null;
}

/** What a run and all its steps share. Released when the run ends. */
export interface RunState {
  readonly config: ResolvedConfig;
  readonly reporter: Reporter;
  readonly artifacts: ArtifactStore;
  /** Set when the run span ended: artifacts can no longer be versioned. */
  ended: boolean;
  /**
   * Gate ids requested and not yet resolved, in request order (at most MAX_TOKEN_ENTRIES): what a
   * resume token carries, so the next segment knows which decisions are awaited.
   */
  readonly openGates: Set<string>;
  /** The workflow the run follows, for a resume token; null when none was given. */
  readonly workflow: { readonly id: string; readonly revision: string } | null;
}

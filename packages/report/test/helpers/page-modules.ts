import type { webcrypto } from 'node:crypto';
import { fileURLToPath } from 'node:url';

// The in-page modules are browser TypeScript with DOM types, outside the TypeScript program the
// tests are in (which has none), so they are imported by path and given their types here.

/** WebCrypto's SubtleCrypto, as Node types it (the tests have no DOM types). */
export type Subtle = webcrypto.SubtleCrypto;

export type IntegrityResult =
  | {
      state: 'verified';
      sha256: string;
      schemaVersion: 1 | 2 | 3;
      redactions: Array<{ path: string; kind: string }>;
    }
  | {
      state: 'content-mismatch';
      sha256: string;
      problems: Array<{ code: string; path: string; message: string }>;
    }
  | { state: 'mismatch'; expected: string; computed: string }
  | {
      state: 'invalid';
      problems: Array<{ code: string; path: string; message: string }>;
      computed: string | null;
      intact: boolean;
    };
export type ParsedText = { ok: true; value: unknown } | { ok: false; message: string };
export interface GateSummary {
  gateId: string;
  stepId: string | null;
  requestedAt: string | null;
  resolvedAt: string | null;
  decision: string | null;
  actor: string | null;
  reason: string | null;
  waitMs: number | null;
}
export interface ModelTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  cost: Map<string, number>;
}
export interface DiffLine {
  kind: 'hunk' | 'add' | 'del' | 'ctx' | 'meta';
  text: string;
  oldLine: number | null;
  newLine: number | null;
}
export interface WorkflowGraph {
  nodes: Array<{ id: string; label: string; kind: string | null }>;
  edges: Array<{ from: string; to: string }>;
  gates: Array<{ id: string; node: string | null; after: string | null; before: string | null }>;
  omittedNodes: number;
}
export interface WorkflowLayout {
  layers: string[][];
  position: Map<string, { layer: number; index: number }>;
  backEdges: Set<number>;
}
export interface StepView {
  stepId: string;
  name: string;
  depth: number;
  status: { code: string | null; message: string | null };
}

export interface ContentView {
  sha256: string | null;
  content: string | null;
  omitted: string | null;
  redacted: boolean;
}
export interface PageKey {
  label: string;
  keyId: string;
  spki: Uint8Array;
}
export interface SignatureCheck {
  keyId: string;
  status: 'verified' | 'invalid' | 'untrusted';
  label: string | null;
  engine: 'webcrypto' | 'javascript' | null;
}
export interface StatementView {
  runId: string | null;
  traceId: string | null;
  schemaVersion: number | null;
  signedAt: string | null;
  signerRole: string | null;
  subject: Array<{ name: string; sha256: string }>;
}
export type SignatureResult =
  | { state: 'unsigned' }
  | { state: 'unreadable'; code: string; message: string }
  | { state: 'subject-mismatch'; statement: StatementView; expected: string | null }
  | {
      state: 'verified' | 'invalid' | 'untrusted';
      statement: StatementView;
      signatures: SignatureCheck[];
      warnings: string[];
      trustedKeys: number;
    };

export interface PageModules {
  'sha256.ts': { sha256Hex: (bytes: Uint8Array) => string };
  'sha512.ts': { sha512: (bytes: Uint8Array) => Uint8Array };
  'ed25519.ts': {
    rawPublicKey: (spki: Uint8Array) => Uint8Array | null;
    verifyEd25519: (
      spki: Uint8Array,
      message: Uint8Array,
      signature: Uint8Array,
      subtle: Subtle | null | undefined,
    ) => Promise<{ valid: boolean; engine: 'webcrypto' | 'javascript' }>;
    verifyInJavaScript: (spki: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
  };
  'signatures.ts': {
    decodeBase64: (text: string) => Uint8Array | null;
    pae: (payloadType: string, payload: Uint8Array) => Uint8Array;
    readTrustedKeys: (embedded: unknown) => PageKey[];
    checkSignatures: (
      envelopeText: string | null,
      bundleSha256: string | null,
      trusted: PageKey[],
      subtle: Subtle | null | undefined,
      bundleName?: string | null,
    ) => Promise<SignatureResult>;
  };
  'integrity.ts': {
    checkIntegrity: (text: string) => IntegrityResult;
    sha256OfText: (text: string) => string;
    parseBundleText: (text: string) => ParsedText;
  };
  'summarize.ts': {
    summarize: (value: unknown) => {
      gates: Map<string, GateSummary>;
      models: Map<string, ModelTotals>;
      totals: ModelTotals;
    };
    gateRequests: (
      events: unknown,
    ) => Map<
      string,
      { policy: string | null; artifactKey: string | null; artifactVersion: number | null }
    >;
  };
  'workflow-graph.ts': {
    MAX_DRAWN_NODES: number;
    parseWorkflow: (definition: unknown) => WorkflowGraph | null;
    layoutWorkflow: (graph: WorkflowGraph) => WorkflowLayout;
  };
  'diff.ts': {
    parsePatch: (patch: string) => DiffLine[];
    diffLines: (before: string, after: string, context?: number) => DiffLine[] | null;
  };
  'format.ts': {
    formatDuration: (ms: number | null) => string;
    formatCost: (amount: number, currency: string) => string;
    formatTime: (time: string | null) => string;
    formatBytes: (bytes: number | null) => string;
  };
  'view-model.ts': {
    readBundle: (value: unknown) => {
      isObject: boolean;
      steps: StepView[];
      run: { name: string | null };
      modelCalls: Array<{ input: ContentView; output: ContentView }>;
      toolCalls: Array<{ arguments: ContentView; result: ContentView }>;
      artifacts: Array<{
        content: string | null;
        patch: string | null;
        redactedContent: boolean;
        redactedPatch: boolean;
        patchSha256: string | null;
      }>;
    };
  };
}

/**
 * Imports one in-page module.
 *
 * @example
 * const { sha256Hex } = await pageModule('sha256.ts');
 */
export async function pageModule<K extends keyof PageModules>(name: K): Promise<PageModules[K]> {
  const path = fileURLToPath(new URL(`../../page/${name}`, import.meta.url));
  return (await import(path)) as PageModules[K];
}

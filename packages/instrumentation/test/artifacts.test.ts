import { createHash } from 'node:crypto';
import {
  ATTR_ARTIFACT_CONTENT,
  ATTR_ARTIFACT_KEY,
  ATTR_ARTIFACT_MEDIA_TYPE,
  ATTR_ARTIFACT_PARENT_VERSION,
  ATTR_ARTIFACT_PATCH,
  ATTR_ARTIFACT_PATCH_SHA256,
  ATTR_ARTIFACT_SHA256,
  ATTR_ARTIFACT_SIZE,
  ATTR_ARTIFACT_VERSION,
  EVENT_ARTIFACT,
  INLINE_LIMIT_BYTES,
} from '@llm-workbench/semconv';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { applyPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { Workbench, type WorkbenchOptions, type WorkbenchStep } from '../src/index.js';
import { captureDiag, events, harness } from './helpers.js';

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const v1 = '# Weekly\n\nIntro.\n\nBody one.\n';
const v2 = '# Weekly\n\nIntro, edited.\n\nBody one.\n\nSign-off.\n';

/** Runs `fn` on a run's step `s` and returns the artifact events recorded on it. */
function record(fn: (step: WorkbenchStep) => void, options: WorkbenchOptions = {}) {
  const h = harness(options);
  const run = h.wb.startRun({ name: 'r' });
  const step = run.startStep('s');
  fn(step);
  step.end();
  run.end();
  return events(h.span('step s'), EVENT_ARTIFACT).map((e) => e.attributes ?? {});
}

describe('recordArtifact', () => {
  it('records key, version, sha256, media type, size and inline text content', () => {
    let ref;
    const [first] = record((step) => {
      ref = step.recordArtifact({ key: 'draft.md', content: v1, mediaType: 'text/markdown' });
    });
    expect(first).toEqual({
      [ATTR_ARTIFACT_KEY]: 'draft.md',
      [ATTR_ARTIFACT_VERSION]: 1,
      [ATTR_ARTIFACT_SHA256]: sha256(v1),
      [ATTR_ARTIFACT_MEDIA_TYPE]: 'text/markdown',
      [ATTR_ARTIFACT_SIZE]: Buffer.byteLength(v1),
      [ATTR_ARTIFACT_CONTENT]: v1,
    });
    expect(ref).toEqual({
      key: 'draft.md',
      version: 1,
      sha256: sha256(v1),
      size: Buffer.byteLength(v1),
    });
  });

  it('counts versions per key and records a unified diff from the previous version', () => {
    const [a1, b1, a2] = record((step) => {
      step.recordArtifact({ key: 'draft.md', content: v1, mediaType: 'text/markdown' });
      step.recordArtifact({ key: 'notes.txt', content: 'n', mediaType: 'text/plain' });
      step.recordArtifact({ key: 'draft.md', content: v2, mediaType: 'text/markdown' });
    });
    expect(a1![ATTR_ARTIFACT_VERSION]).toBe(1);
    expect(b1![ATTR_ARTIFACT_VERSION]).toBe(1);
    expect(a2![ATTR_ARTIFACT_VERSION]).toBe(2);
    expect(a2![ATTR_ARTIFACT_PARENT_VERSION]).toBe(1);
    const patch = a2![ATTR_ARTIFACT_PATCH] as string;
    expect(patch.split('\n').slice(0, 2)).toEqual(['--- draft.md\tv1', '+++ draft.md\tv2']);
    expect(patch).toContain('-Intro.');
    expect(patch).toContain('+Intro, edited.');
    expect(applyPatch(v1, patch)).toBe(v2);
    expect(a2![ATTR_ARTIFACT_PATCH_SHA256]).toBe(sha256(patch));
    expect(a1![ATTR_ARTIFACT_PATCH_SHA256]).toBeUndefined(); // no patch, no commitment
  });

  it('shares versions between the steps of a run, and restarts them in a new run', async () => {
    const h = harness();
    const versions: number[] = [];
    for (const name of ['one', 'two']) {
      await h.wb.run({ name }, async (run) => {
        for (const stepId of ['a', 'b']) {
          await run.step(stepId, (step) => {
            const ref = step.recordArtifact({ key: 'k', content: stepId, mediaType: 'text/plain' });
            versions.push(ref?.version ?? -1);
          });
        }
      });
    }
    expect(versions).toEqual([1, 2, 1, 2]);
  });

  it('diffs against an explicit parent when it is the latest, and records null parents as none', () => {
    const [, second, third] = record((step) => {
      step.recordArtifact({ key: 'k', content: 'a\n', mediaType: 'text/plain' });
      step.recordArtifact({ key: 'k', content: 'b\n', mediaType: 'text/plain', parentVersion: 1 });
      step.recordArtifact({
        key: 'k',
        content: 'c\n',
        mediaType: 'text/plain',
        parentVersion: null,
      });
    });
    expect(second![ATTR_ARTIFACT_PATCH]).toContain('+b');
    expect(third![ATTR_ARTIFACT_PARENT_VERSION]).toBeUndefined();
    expect(third![ATTR_ARTIFACT_PATCH]).toBeUndefined();
  });

  it('records an explicit older parent without a patch (only the latest text is kept)', () => {
    const [, , third] = record((step) => {
      step.recordArtifact({ key: 'k', content: 'a\n', mediaType: 'text/plain' });
      step.recordArtifact({ key: 'k', content: 'b\n', mediaType: 'text/plain' });
      step.recordArtifact({ key: 'k', content: 'c\n', mediaType: 'text/plain', parentVersion: 1 });
    });
    expect(third![ATTR_ARTIFACT_PARENT_VERSION]).toBe(1);
    expect(third![ATTR_ARTIFACT_PATCH]).toBeUndefined();
  });

  it('keeps keys such as __proto__ and ../x as plain data', () => {
    const refs: unknown[] = [];
    const recorded = record((step) => {
      for (const key of ['__proto__', 'constructor', '../x', '__proto__']) {
        refs.push(step.recordArtifact({ key, content: key, mediaType: 'text/plain' }));
      }
    });
    expect(recorded.map((a) => [a[ATTR_ARTIFACT_KEY], a[ATTR_ARTIFACT_VERSION]])).toEqual([
      ['__proto__', 1],
      ['constructor', 1],
      ['../x', 1],
      ['__proto__', 2],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('hashes bytes, decodes UTF-8 text bytes, and holds no content for binary', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00]);
    const [image, json, invalid] = record((step) => {
      step.recordArtifact({ key: 'chart.png', content: png, mediaType: 'image/png' });
      step.recordArtifact({
        key: 'data.json',
        content: new TextEncoder().encode('{"a":"é"}'),
        mediaType: 'application/json; charset=utf-8',
      });
      step.recordArtifact({ key: 'bad.txt', content: png, mediaType: 'text/plain' });
    });
    expect(image![ATTR_ARTIFACT_SHA256]).toBe(sha256(png));
    expect(image![ATTR_ARTIFACT_SIZE]).toBe(6);
    expect(image![ATTR_ARTIFACT_CONTENT]).toBeUndefined();
    expect(json![ATTR_ARTIFACT_CONTENT]).toBe('{"a":"é"}');
    expect(json![ATTR_ARTIFACT_SIZE]).toBe(10);
    expect(invalid![ATTR_ARTIFACT_CONTENT]).toBeUndefined();
  });

  it('holds content and patch inline only within INLINE_LIMIT_BYTES', () => {
    const big = 'x'.repeat(INLINE_LIMIT_BYTES) + '\n';
    const lines = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => `${tag} line ${i}\n`).join('');
    const [large, , rewritten] = record((step) => {
      step.recordArtifact({ key: 'big.txt', content: big, mediaType: 'text/plain' });
      step.recordArtifact({ key: 'log.txt', content: lines(400, 'a'), mediaType: 'text/plain' });
      step.recordArtifact({ key: 'log.txt', content: lines(400, 'b'), mediaType: 'text/plain' });
    });
    expect(large![ATTR_ARTIFACT_CONTENT]).toBeUndefined();
    expect(large![ATTR_ARTIFACT_SHA256]).toBe(sha256(big));
    expect(rewritten![ATTR_ARTIFACT_PARENT_VERSION]).toBe(1);
    expect(rewritten![ATTR_ARTIFACT_PATCH]).toBeUndefined();
  });

  it('honours inlineArtifactContent: false, still recording patches', () => {
    const [, second] = record(
      (step) => {
        step.recordArtifact({ key: 'k', content: 'a\n', mediaType: 'text/plain' });
        step.recordArtifact({ key: 'k', content: 'b\n', mediaType: 'text/plain' });
      },
      { inlineArtifactContent: false },
    );
    expect(second![ATTR_ARTIFACT_CONTENT]).toBeUndefined();
    expect(second![ATTR_ARTIFACT_PATCH]).toContain('+b');
  });

  it('bounds the texts kept for diffing: evicted keys get no patch', () => {
    const [, , a2, b2] = record(
      (step) => {
        step.recordArtifact({ key: 'a', content: 'a'.repeat(60) + '\n', mediaType: 'text/plain' });
        step.recordArtifact({ key: 'b', content: 'b'.repeat(60) + '\n', mediaType: 'text/plain' });
        step.recordArtifact({ key: 'a', content: 'A\n', mediaType: 'text/plain' });
        step.recordArtifact({ key: 'b', content: 'B\n', mediaType: 'text/plain' });
      },
      { artifactCacheMaxBytes: 100 },
    );
    expect(a2![ATTR_ARTIFACT_PATCH]).toBeUndefined();
    expect(b2![ATTR_ARTIFACT_PATCH]).toContain('+B');
  });

  it('records no patch for texts over artifactDiffMaxBytes', () => {
    const [, second] = record(
      (step) => {
        step.recordArtifact({ key: 'k', content: 'a\n', mediaType: 'text/plain' });
        step.recordArtifact({ key: 'k', content: 'b\n', mediaType: 'text/plain' });
      },
      { artifactDiffMaxBytes: 1 },
    );
    expect(second![ATTR_ARTIFACT_VERSION]).toBe(2);
    expect(second![ATTR_ARTIFACT_PATCH]).toBeUndefined();
  });

  it('refuses artifacts after the run or the step ended, and reports it', () => {
    const h = harness();
    const diag = captureDiag();
    try {
      const run = h.wb.startRun({ name: 'r' });
      const open = run.startStep('open');
      const closed = run.startStep('closed');
      closed.end();
      expect(
        closed.recordArtifact({ key: 'k', content: 'x', mediaType: 'text/plain' }),
      ).toBeUndefined();
      run.end();
      expect(
        open.recordArtifact({ key: 'k', content: 'x', mediaType: 'text/plain' }),
      ).toBeUndefined();
      open.end();
      expect(h.spans().flatMap((s) => events(s, EVENT_ARTIFACT))).toEqual([]);
      const dropped = diag.messages.filter((m) => m.message.includes('artifact_dropped'));
      // The first of a kind is a warning; repeats are debug, so a loop does not flood the log.
      expect(dropped.map((m) => m.level)).toEqual(['warn', 'debug']);
      expect(dropped[0]!.message).toContain('this step has ended');
      expect(dropped[1]!.message).toContain('the run has ended');
    } finally {
      diag.stop();
    }
  });

  it('still versions and hashes when the run is sampled out, recording nothing', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      sampler: new AlwaysOffSampler(),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const wb = new Workbench({ tracerProvider: provider });
    const refs = await wb.run({ name: 'r' }, (run) =>
      run.step('s', (step) => [
        step.recordArtifact({ key: 'k', content: 'a', mediaType: 'text/plain' }),
        step.recordArtifact({ key: 'k', content: 'b', mediaType: 'text/plain' }),
      ]),
    );
    expect(refs).toEqual([
      { key: 'k', version: 1, sha256: sha256('a'), size: 1 },
      { key: 'k', version: 2, sha256: sha256('b'), size: 1 },
    ]);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

#!/usr/bin/env node
// Sends one hand-made trace as OTLP/HTTP JSON to the collector started by
// test/backends/start.sh DIR and checks that it comes back, unchanged where it
// should be, from Jaeger (API v3) and from the collector's file exporter.
//
// Usage: node test/backends/smoke.mjs DIR [--fixtures OUT_DIR] [--json]
//   DIR           the folder given to start.sh (its otlp/traces.jsonl is read)
//   --fixtures    also write the raw responses (jaeger-v3-trace.json,
//                 jaeger-search.json, collector-file.jsonl) into OUT_DIR
//   --json        print the findings as JSON
// Exit status 0 when every check passed. Needs Node >= 20 (global fetch).
//
// Environment: WORKBENCH_SMOKE_TIMEOUT (seconds, default 30),
// WORKBENCH_COLLECTOR_HTTP (default http://127.0.0.1:4318),
// WORKBENCH_JAEGER_HTTP (default http://127.0.0.1:16686).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--fixtures');
const fixturesIdx = args.indexOf('--fixtures');
const fixturesDir = fixturesIdx >= 0 ? resolve(args[fixturesIdx + 1] ?? '') : null;
const asJson = args.includes('--json');
if (!dir) {
  console.error('usage: node test/backends/smoke.mjs DIR [--fixtures OUT_DIR] [--json]');
  process.exit(2);
}
const COLLECTOR = process.env.WORKBENCH_COLLECTOR_HTTP ?? 'http://127.0.0.1:4318';
const JAEGER = process.env.WORKBENCH_JAEGER_HTTP ?? 'http://127.0.0.1:16686';
const TIMEOUT_MS = Number(process.env.WORKBENCH_SMOKE_TIMEOUT ?? 30) * 1000;

// ---- the trace -------------------------------------------------------------
// Trace id starts with a zero byte, to see how backends print leading zeros.
const traceId = '00' + randomBytes(15).toString('hex');
const rootId = randomBytes(8).toString('hex');
const childId = randomBytes(8).toString('hex');
const leafId = randomBytes(8).toString('hex');
const service = `wb-smoke-${randomBytes(3).toString('hex')}`;
// Nanosecond timestamps whose last digits are not zero, a few seconds ago.
const baseNs = BigInt(Date.now() - 5000) * 1_000_000n + 123_456n;
const ns = (offsetNs) => (baseNs + BigInt(offsetNs)).toString();
const LONG_LEN = 3000; // longer than Tempo's default max_attribute_bytes (2048)
const long = 'x'.repeat(LONG_LEN - 3) + 'END';

const sent = {
  resourceSpans: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: service } },
          { key: 'deployment.environment', value: { stringValue: 'e2e' } },
        ],
      },
      scopeSpans: [
        {
          scope: {
            name: 'llm-workbench.smoke',
            version: '0.0.1',
            attributes: [{ key: 'scope.attr', value: { stringValue: 's' } }],
          },
          spans: [
            {
              traceId,
              spanId: rootId,
              name: 'workflow run',
              kind: 2, // SERVER
              startTimeUnixNano: ns(0),
              endTimeUnixNano: ns(900_000_001),
              traceState: 'wb=1',
              attributes: [
                { key: 'str', value: { stringValue: 'hello' } },
                { key: 'int', value: { intValue: '42' } },
                { key: 'big.int', value: { intValue: '9007199254740993' } },
                { key: 'double', value: { doubleValue: 1.5 } },
                { key: 'bool', value: { boolValue: true } },
                {
                  key: 'array',
                  value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }] } },
                },
                {
                  key: 'kvlist',
                  value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } },
                },
                { key: 'bytes', value: { bytesValue: Buffer.from('hi!').toString('base64') } },
                { key: 'long.value', value: { stringValue: long } },
              ],
              events: [
                {
                  name: 'gen_ai.content.prompt',
                  timeUnixNano: ns(100_000_007),
                  attributes: [{ key: 'gen_ai.prompt', value: { stringValue: 'say hi' } }],
                },
              ],
              links: [
                {
                  traceId: 'ff' + '0'.repeat(30),
                  spanId: '0123456789abcdef',
                  attributes: [{ key: 'link.attr', value: { stringValue: 'l' } }],
                },
              ],
              status: { code: 2, message: 'boom' }, // ERROR
            },
            {
              traceId,
              spanId: childId,
              parentSpanId: rootId,
              name: 'llm call',
              kind: 3, // CLIENT
              startTimeUnixNano: ns(200_000_011),
              endTimeUnixNano: ns(700_000_013),
              attributes: [{ key: 'gen_ai.system', value: { stringValue: 'test' } }],
              status: { code: 1 }, // OK
            },
            {
              traceId,
              spanId: leafId,
              parentSpanId: childId,
              name: 'tool',
              kind: 1, // INTERNAL
              startTimeUnixNano: ns(300_000_017),
              endTimeUnixNano: ns(400_000_019),
              status: {}, // UNSET
            },
          ],
        },
      ],
    },
  ],
};

// ---- helpers ---------------------------------------------------------------
const findings = { traceId, service, checks: [] };
let failed = 0;
function check(name, ok, detail) {
  findings.checks.push({ name, ok: !!ok, detail });
  if (!ok) failed++;
  if (!asJson)
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${name}${detail !== undefined ? ': ' + JSON.stringify(detail) : ''}`,
    );
}
async function poll(what, fn) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < TIMEOUT_MS) {
    try {
      last = await fn();
      if (last !== undefined) return { value: last, ms: Date.now() - t0 };
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: nothing after ${TIMEOUT_MS} ms (last: ${last})`);
}
const spansOf = (doc) =>
  (doc?.resourceSpans ?? []).flatMap((rs) =>
    (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((s) => ({ s, ss, rs }))),
  );
const attr = (list, key) => (list ?? []).find((a) => a.key === key)?.value;
const sentById = new Map(spansOf(sent).map(({ s }) => [s.spanId, s]));

// Compares one returned OTLP JSON document with what was sent.
function compare(label, doc) {
  const got = spansOf(doc);
  check(`${label}: 3 spans back`, got.length === 3, got.length);
  for (const { s, ss, rs } of got) {
    const want = sentById.get(s.spanId);
    check(`${label}: span id ${s.spanId} is one we sent (hex)`, !!want);
    if (!want) continue;
    check(`${label}: ${want.name}: traceId hex as sent`, s.traceId === traceId, s.traceId);
    check(
      `${label}: ${want.name}: start ns exact`,
      s.startTimeUnixNano === want.startTimeUnixNano,
      [s.startTimeUnixNano, want.startTimeUnixNano],
    );
    check(`${label}: ${want.name}: end ns exact`, s.endTimeUnixNano === want.endTimeUnixNano, [
      s.endTimeUnixNano,
      want.endTimeUnixNano,
    ]);
    check(`${label}: ${want.name}: kind`, s.kind === want.kind, s.kind);
    check(
      `${label}: ${want.name}: status`,
      (s.status?.code ?? 0) === (want.status.code ?? 0) &&
        (s.status?.message ?? '') === (want.status.message ?? ''),
      s.status,
    );
    check(
      `${label}: ${want.name}: parentSpanId`,
      (s.parentSpanId ?? '') === (want.parentSpanId ?? ''),
      s.parentSpanId,
    );
    check(
      `${label}: ${want.name}: scope`,
      ss.scope?.name === 'llm-workbench.smoke' && ss.scope?.version === '0.0.1',
      ss.scope,
    );
    check(
      `${label}: ${want.name}: service.name`,
      attr(rs.resource?.attributes, 'service.name')?.stringValue === service,
    );
    const extraAttrs = (s.attributes ?? [])
      .map((a) => a.key)
      .filter((k) => !(want.attributes ?? []).some((w) => w.key === k));
    check(`${label}: ${want.name}: no added span attributes`, extraAttrs.length === 0, extraAttrs);
    for (const w of want.attributes ?? []) {
      const v = attr(s.attributes, w.key);
      const same = JSON.stringify(v) === JSON.stringify(w.value);
      const shown = w.key === 'long.value' ? { length: v?.stringValue?.length } : v;
      check(`${label}: ${want.name}: attribute ${w.key} unchanged`, same, shown);
    }
    if (want.events) {
      const e = s.events?.[0];
      check(
        `${label}: ${want.name}: event name + ns time + attrs`,
        e?.name === want.events[0].name &&
          e?.timeUnixNano === want.events[0].timeUnixNano &&
          JSON.stringify(e?.attributes) === JSON.stringify(want.events[0].attributes),
        e,
      );
    }
    if (want.links)
      check(
        `${label}: ${want.name}: link`,
        JSON.stringify(s.links) === JSON.stringify(want.links),
        s.links,
      );
    if (want.traceState)
      check(`${label}: ${want.name}: traceState`, s.traceState === want.traceState, s.traceState);
  }
}

// ---- send ------------------------------------------------------------------
const sendAt = Date.now();
const res = await fetch(`${COLLECTOR}/v1/traces`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(sent),
});
const resBody = await res.text();
check('collector accepted OTLP/HTTP JSON', res.status === 200, {
  status: res.status,
  body: resBody,
});

// ---- Jaeger ----------------------------------------------------------------
let jaegerTrace;
try {
  const r = await poll('jaeger get trace', async () => {
    const x = await fetch(`${JAEGER}/api/v3/traces/${traceId}?raw_traces=true`);
    if (x.status !== 200) return undefined;
    const body = await x.json();
    return spansOf(body.result).length >= 3 ? body : undefined;
  });
  jaegerTrace = r.value;
  findings.jaegerLatencyMs = Date.now() - sendAt;
  check('jaeger: GET /api/v3/traces/{id}?raw_traces=true', true, {
    msAfterSend: findings.jaegerLatencyMs,
    topLevelKeys: Object.keys(jaegerTrace),
  });
  compare('jaeger raw', jaegerTrace.result);
} catch (e) {
  check('jaeger: GET /api/v3/traces/{id}?raw_traces=true', false, String(e));
}
const adjusted = await fetch(`${JAEGER}/api/v3/traces/${traceId}`).then((x) => x.json());
compare('jaeger adjusted', adjusted.result);

const minIso = new Date(sendAt - 60_000).toISOString();
const maxIso = new Date(Date.now() + 60_000).toISOString();
// Jaeger v2.13 answers 500 "search depth must be greater than 0 and less
// than max traces" unless query.num_traces is given (1 .. max_traces-1).
const searchUrl = `${JAEGER}/api/v3/traces?query.service_name=${encodeURIComponent(service)}&query.start_time_min=${minIso}&query.start_time_max=${maxIso}&query.num_traces=20&query.raw_traces=true`;
const searchRes = await fetch(searchUrl);
const jaegerSearch = await searchRes.json();
check(
  'jaeger: search by service finds the trace',
  searchRes.status === 200 && spansOf(jaegerSearch.result).some(({ s }) => s.traceId === traceId),
  { status: searchRes.status, spans: spansOf(jaegerSearch.result).length },
);
const missing = await fetch(`${JAEGER}/api/v3/traces/${'0'.repeat(31)}1`);
findings.jaegerNotFound = { status: missing.status, body: await missing.text() };
check('jaeger: unknown trace id is 404', missing.status === 404, findings.jaegerNotFound);
const trimmed = await fetch(
  `${JAEGER}/api/v3/traces/${traceId.replace(/^0+/, '')}?raw_traces=true`,
);
findings.jaegerTrimmedIdStatus = trimmed.status;
const upper = await fetch(`${JAEGER}/api/v3/traces/${traceId.toUpperCase()}?raw_traces=true`);
findings.jaegerUpperCaseIdStatus = upper.status;
const noDepth = await fetch(
  `${JAEGER}/api/v3/traces?query.service_name=${service}&query.start_time_min=${minIso}&query.start_time_max=${maxIso}`,
);
findings.jaegerSearchWithoutNumTraces = { status: noDepth.status, body: await noDepth.text() };
const badTimes = await fetch(`${JAEGER}/api/v3/traces?query.service_name=${service}`);
findings.jaegerSearchWithoutTimes = { status: badTimes.status, body: await badTimes.text() };

// ---- file exporter ---------------------------------------------------------
const file = join(resolve(dir), 'otlp', 'traces.jsonl');
let fileLines = [];
try {
  const r = await poll('file exporter', async () => {
    if (!existsSync(file)) return undefined;
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes(traceId));
    return spansOf({ resourceSpans: lines.flatMap((l) => JSON.parse(l).resourceSpans) }).length >= 3
      ? lines
      : undefined;
  });
  fileLines = r.value;
  findings.fileLatencyMs = Date.now() - sendAt;
  check('file exporter: the trace is in otlp/traces.jsonl', true, {
    lines: fileLines.length,
    msAfterSend: findings.fileLatencyMs,
  });
  compare('file', { resourceSpans: fileLines.flatMap((l) => JSON.parse(l).resourceSpans) });
} catch (e) {
  check('file exporter: the trace is in otlp/traces.jsonl', false, String(e));
}

// ---- fixtures --------------------------------------------------------------
if (fixturesDir) {
  mkdirSync(fixturesDir, { recursive: true });
  if (jaegerTrace)
    writeFileSync(
      join(fixturesDir, 'jaeger-v3-trace.json'),
      JSON.stringify(jaegerTrace, null, 2) + '\n',
    );
  writeFileSync(
    join(fixturesDir, 'jaeger-search.json'),
    JSON.stringify(jaegerSearch, null, 2) + '\n',
  );
  if (fileLines.length)
    writeFileSync(join(fixturesDir, 'collector-file.jsonl'), fileLines.join('\n') + '\n');
  writeFileSync(join(fixturesDir, 'sent-otlp.json'), JSON.stringify(sent, null, 2) + '\n');
}

const passed = findings.checks.length - failed;
if (asJson) console.log(JSON.stringify(findings, null, 2));
else {
  console.log(`trace ${traceId} service ${service}`);
  console.log(
    `jaeger not found: ${JSON.stringify(findings.jaegerNotFound)}; trimmed-id status ${findings.jaegerTrimmedIdStatus}; upper-case-id status ${findings.jaegerUpperCaseIdStatus}`,
  );
  console.log(`jaeger search without times: ${JSON.stringify(findings.jaegerSearchWithoutTimes)}`);
  console.log(
    `jaeger search without query.num_traces: ${JSON.stringify(findings.jaegerSearchWithoutNumTraces)}`,
  );
}
console.log(`smoke: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

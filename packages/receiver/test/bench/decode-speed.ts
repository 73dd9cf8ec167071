// Decode speed of one 1000-span request: `node --conditions=source --import tsx packages/receiver/test/bench/decode-speed.ts`
import { decodeOtlpJson, decodeOtlpProtobuf } from '@llm-workbench/otlp';
import { benchSpans, jsonBody, protobufBody } from './otlp-bodies.js';

const spans = benchSpans(50, 20, 1);
const json = jsonBody(spans);
const proto = protobufBody(spans);

function measure(name: string, run: () => unknown): void {
  for (let i = 0; i < 50; i++) run(); // warm up
  const rounds = 300;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    `${name}: ${Math.round((rounds * spans.length) / seconds).toLocaleString('en-US')} spans/s`,
  );
}

console.log(`1000-span request: JSON ${json.length} bytes, protobuf ${proto.length} bytes`);
measure('JSON.parse alone', () => JSON.parse(json.toString('utf8')));
measure('decodeOtlpJson', () => decodeOtlpJson(json));
measure('decodeOtlpProtobuf', () => decodeOtlpProtobuf(proto));

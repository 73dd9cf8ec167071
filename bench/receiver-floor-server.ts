/**
 * The baseline server of `receiver.bench.ts`: node:http reading each body and parsing it (JSON.parse
 * for JSON, the protobuf decoder for protobuf), answering 200, with nothing else: no validation,
 * no durability, no assembly. What an OTLP receiver on one Node thread cannot beat.
 *
 * `node --conditions=source --import tsx bench/receiver-floor-server.ts` prints `listening <url>`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeOtlpProtobuf } from '../packages/otlp/src/index.js';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    chunks.push(c);
    size += c.length;
  });
  req.on('end', () => {
    const body = Buffer.concat(chunks, size);
    if (req.headers['content-type'] === 'application/json') JSON.parse(body.toString('utf8'));
    else decodeOtlpProtobuf(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`receiving OTLP traces at http://127.0.0.1:${port}/v1/traces`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));

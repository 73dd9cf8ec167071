import type { IncomingMessage } from 'node:http';
import * as zlib from 'node:zlib';

/** The outcome of reading a request body. */
export type BodyResult =
  | { ok: true; body: Buffer }
  | { ok: false; status: 400 | 413; message: string }
  | { ok: false; status: 0; message: string }; // the client went away: nothing to answer

/**
 * Reads a request body into memory, decompressing gzip or deflate as it streams, and gives up as
 * soon as either the bytes on the wire or the decompressed bytes pass `limit`: a gzip bomb costs
 * about one limit of memory, never its inflated size.
 */
export function readBody(
  req: IncomingMessage,
  encoding: 'identity' | 'gzip' | 'deflate',
  limit: number,
): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let wire = 0;
    let total = 0;
    let done = false;
    const inflater =
      encoding === 'gzip'
        ? zlib.createGunzip()
        : encoding === 'deflate'
          ? zlib.createInflate()
          : null;

    const finish = (result: BodyResult): void => {
      if (done) return;
      done = true;
      req.off('data', onWire);
      if (inflater !== null) {
        inflater.removeAllListeners('data');
        inflater.on('error', () => undefined);
        inflater.destroy();
      }
      if (!result.ok) {
        chunks.length = 0;
        req.pause();
      }
      resolve(result);
    };
    const onBody = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit)
        finish({ ok: false, status: 413, message: `body is larger than ${limit} bytes` });
      else chunks.push(chunk);
    };
    const onWire = (chunk: Buffer): void => {
      wire += chunk.length;
      if (wire > limit) {
        finish({ ok: false, status: 413, message: `body is larger than ${limit} bytes` });
        return;
      }
      if (inflater === null) onBody(chunk);
      else if (!inflater.write(chunk)) {
        req.pause();
        inflater.once('drain', () => {
          if (!done) req.resume();
        });
      }
    };

    req.on('data', onWire);
    req.on('error', (err) => finish({ ok: false, status: 0, message: err.message }));
    req.on('close', () => {
      if (!req.complete) finish({ ok: false, status: 0, message: 'client went away mid-request' });
    });
    if (inflater === null) {
      req.on('end', () => finish({ ok: true, body: Buffer.concat(chunks, total) }));
    } else {
      inflater.on('data', onBody);
      inflater.on('error', (err) =>
        finish({
          ok: false,
          status: 400,
          message: `body does not decompress as ${encoding}: ${err.message}`,
        }),
      );
      inflater.on('end', () => finish({ ok: true, body: Buffer.concat(chunks, total) }));
      req.on('end', () => inflater.end());
    }
  });
}

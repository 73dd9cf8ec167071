import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';

/** The outcome of reading a request body. */
export type BodyResult =
  | { ok: true; body: Buffer }
  | { ok: false; status: 400 | 408 | 413 | 429; message: string }
  | { ok: false; status: 0; message: string }; // the client went away: nothing to answer

/** A body's content encoding, as the receiver accepts them. */
export type BodyEncoding = 'identity' | 'gzip' | 'deflate';

/** What bounds one body: its size, its pace, and the memory it may take. */
export interface BodyLimits {
  /** Most bytes, on the wire and after decompression. */
  readonly limit: number;
  /**
   * Longest pause between two chunks, and the grace a body gets before `minBytesPerSecond`
   * applies: a body is cut once it has taken longer than `idleTimeoutMs` plus one second for
   * every `minBytesPerSecond` bytes received.
   */
  readonly idleTimeoutMs: number;
  readonly minBytesPerSecond: number;
  /**
   * Asks for `bytes` more of the memory shared by the bodies being received; false when there
   * is none left (the body is then refused with 429). The caller gives it back after the request.
   */
  readonly reserve: (bytes: number) => boolean;
}

/**
 * Reads a request body into memory, decompressing gzip or deflate as it streams, and gives up as
 * soon as either the bytes on the wire or the decompressed bytes pass the limit (a gzip bomb costs
 * about one limit of memory, never its inflated size), the shared memory budget runs out (429),
 * or the body comes too slowly (408: a pause longer than the idle timeout, or less than the
 * minimum rate once the grace is over). Works on any readable stream of the body: an HTTP/1
 * request, an HTTP/2 stream.
 *
 * @example
 * const read = await readBody(req, 'gzip', { limit: 16 << 20, idleTimeoutMs: 10_000, minBytesPerSecond: 16_384, reserve: () => true });
 * if (read.ok) handle(read.body);
 */
export function readBody(
  stream: Readable,
  encoding: BodyEncoding,
  limits: BodyLimits,
): Promise<BodyResult> {
  const { limit } = limits;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let wire = 0;
    let total = 0;
    let done = false;
    let ended = false;
    const started = performance.now();
    let lastChunk = started;
    const inflater =
      encoding === 'gzip'
        ? zlib.createGunzip()
        : encoding === 'deflate'
          ? zlib.createInflate()
          : null;

    // The time by which the body must have moved on: the idle timeout after its last chunk, and
    // the grace plus one second per `minBytesPerSecond` bytes since its start.
    const deadline = (): number =>
      Math.min(
        lastChunk + limits.idleTimeoutMs,
        started + limits.idleTimeoutMs + (wire / limits.minBytesPerSecond) * 1000,
      );
    let timer: NodeJS.Timeout | undefined;
    // One timer per body, re-armed lazily when it fires early (chunks move the deadline on).
    const arm = (): void => {
      timer = setTimeout(
        () => {
          if (done) return;
          if (performance.now() >= deadline()) {
            const seconds = ((performance.now() - started) / 1000).toFixed(1);
            finish({
              ok: false,
              status: 408,
              message: `body arrived too slowly (${wire} bytes in ${seconds} s; a body may pause at most ${limits.idleTimeoutMs} ms and must average ${limits.minBytesPerSecond} bytes/s after that grace)`,
            });
          } else arm();
        },
        Math.max(1, deadline() - performance.now()),
      );
      timer.unref();
    };
    arm();

    const finish = (result: BodyResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.off('data', onWire);
      if (inflater !== null) {
        inflater.removeAllListeners('data');
        inflater.on('error', () => undefined);
        inflater.destroy();
      }
      if (!result.ok) {
        chunks.length = 0;
        stream.pause();
      }
      resolve(result);
    };
    const onBody = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit)
        finish({ ok: false, status: 413, message: `body is larger than ${limit} bytes` });
      else if (!limits.reserve(chunk.length))
        finish({
          ok: false,
          status: 429,
          message: 'the receiver holds as many request bodies as it may; retry later',
        });
      else chunks.push(chunk);
    };
    const onWire = (chunk: Buffer): void => {
      wire += chunk.length;
      lastChunk = performance.now();
      if (wire > limit) {
        finish({ ok: false, status: 413, message: `body is larger than ${limit} bytes` });
        return;
      }
      if (inflater === null) onBody(chunk);
      else if (!inflater.write(chunk)) {
        stream.pause();
        inflater.once('drain', () => {
          if (!done) stream.resume();
        });
      }
    };

    stream.on('data', onWire);
    stream.on('error', (err) => finish({ ok: false, status: 0, message: err.message }));
    stream.on('close', () => {
      if (!ended) finish({ ok: false, status: 0, message: 'client went away mid-request' });
    });
    if (inflater === null) {
      stream.on('end', () => {
        ended = true;
        finish({ ok: true, body: Buffer.concat(chunks, total) });
      });
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
      stream.on('end', () => {
        ended = true;
        inflater.end();
      });
    }
  });
}

import { connect, type Socket } from 'node:net';

/** A client that sends a request's headers, then its body a byte at a time, as slowloris does. */
export interface Trickler {
  /** When the connection opened (ms since the epoch). */
  readonly openedAt: number;
  /** Settles with the time the receiver closed the connection (ms since the epoch). */
  readonly closed: Promise<number>;
  /** Everything the receiver sent back so far. */
  answer(): string;
  /** Bytes of the body sent so far. */
  sent(): number;
  /** Stops sending and closes the socket from this side. */
  stop(): void;
}

/**
 * Opens a connection to `url` and posts `/v1/traces` declaring `contentLength` bytes of JSON, then
 * sends one byte every `everyMs`: a client that holds a request open without finishing it.
 */
export function trickle(
  url: string,
  options: { contentLength?: number; everyMs?: number; headers?: Record<string, string> } = {},
): Trickler {
  const target = new URL(url);
  const contentLength = options.contentLength ?? 100_000;
  const everyMs = options.everyMs ?? 1_000;
  const socket: Socket = connect(Number(target.port), target.hostname);
  const openedAt = Date.now();
  let received = '';
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  socket.setNoDelay(true);
  socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve(Date.now());
    }),
  );
  socket.once('connect', () => {
    const headers = {
      host: target.host,
      'content-type': 'application/json',
      'content-length': String(contentLength),
      ...options.headers,
    };
    socket.write(
      `POST /v1/traces HTTP/1.1\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`,
    );
    // The load itself, not a synchronization: one byte of body per tick.
    timer = setInterval(() => {
      if (socket.destroyed || sent >= contentLength) return;
      socket.write('{');
      sent++;
    }, everyMs);
  });
  return {
    openedAt,
    closed,
    answer: () => received,
    sent: () => sent,
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

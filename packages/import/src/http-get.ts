import { ImportError } from './import-error.js';

/** What {@link httpRequest} returns: the status and the body as text. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

/** Options of {@link httpRequest}. */
export interface HttpRequestOptions {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Whole-request deadline, including reading the body. */
  readonly timeoutMs: number;
  /** Largest body read; a larger answer fails with `bad_response`. */
  readonly maxBodyBytes?: number;
  readonly signal?: AbortSignal | undefined;
}

const DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024;

/**
 * One HTTP request with a deadline and errors that say what happened: `unreachable` (with the
 * system error code), `timeout`, or the answer whatever its status (the caller decides).
 * Internal: the clients turn statuses into {@link ImportError}s with their own wording.
 */
export async function httpRequest(url: string, options: HttpRequestOptions): Promise<HttpAnswer> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal =
    options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const init: RequestInit = {
    method: options.method ?? 'GET',
    signal,
    redirect: 'follow',
  };
  if (options.headers !== undefined) init.headers = { ...options.headers };
  if (options.body !== undefined) init.body = options.body;
  try {
    const response = await fetch(url, init);
    const body = await readBody(response, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, url);
    return {
      status: response.status,
      body,
      contentType: response.headers.get('content-type') ?? '',
    };
  } catch (err) {
    if (err instanceof ImportError) throw err;
    if (timeout.aborted) {
      throw new ImportError(
        'timeout',
        `${url} did not answer within ${options.timeoutMs} ms`,
        { url },
        { cause: err },
      );
    }
    if (options.signal?.aborted === true) throw err;
    const code = systemCode(err);
    throw new ImportError(
      'unreachable',
      `cannot reach ${url}${code === null ? '' : ` (${code})`}: ${describeCause(err)}`,
      { url },
      { cause: err },
    );
  }
}

async function readBody(response: Response, limit: number, url: string): Promise<string> {
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early cancels the body stream.
  for await (const value of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += value.byteLength;
    if (size > limit) {
      throw new ImportError('bad_response', `${url} answered with more than ${limit} bytes`, {
        url,
        status: response.status,
      });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The errno-style code of a fetch failure (`ECONNREFUSED`, `ENOTFOUND`, …), if any. */
function systemCode(err: unknown): string | null {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur instanceof Error; i++) {
    const code = (cur as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    cur = cur.cause;
  }
  return null;
}

function describeCause(err: unknown): string {
  let cur: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  for (let i = 0; i < 5 && cur instanceof Error && cur.cause !== undefined; i++) {
    cur = cur.cause;
    if (cur instanceof Error && cur.message !== '') message = cur.message;
  }
  return message;
}

/** Shortens a response body for an error message. */
export function excerpt(body: string, max = 200): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

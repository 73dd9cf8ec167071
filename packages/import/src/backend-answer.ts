import type { SpanRecord } from '@llm-workbench/bundle';
import { decodeTraceDocument } from './decode-trace-document.js';
import { excerpt, type HttpAnswer } from './http-get.js';
import { ImportError } from './import-error.js';

/** The error message a backend put in its JSON or text body, shortened. */
export function backendMessage(body: string): string {
  try {
    const v = JSON.parse(body) as unknown;
    if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      const err = o['error'];
      if (typeof err === 'object' && err !== null) {
        const m = (err as Record<string, unknown>)['message'];
        if (typeof m === 'string') return excerpt(m);
      }
      if (typeof err === 'string') return excerpt(err);
      if (typeof o['message'] === 'string') return excerpt(o['message']);
    }
  } catch {
    // not JSON: use the text
  }
  return excerpt(body);
}

/** A body parsed as JSON, or `undefined` when it is not JSON (the caller says what it expected). */
export function parseJsonOrUndefined(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** Fails with `http_status` unless the answer is 2xx. */
export function expectOk(backend: string, url: string, answer: HttpAnswer): void {
  if (answer.status >= 200 && answer.status < 300) return;
  const said = backendMessage(answer.body);
  throw new ImportError(
    'http_status',
    `${backend} answered ${answer.status} for ${url}${said === '' ? '' : `: ${said}`}`,
    { url, status: answer.status },
  );
}

/** Decodes a trace document answer into spans; fails with `bad_response` when it is not one. */
export function decodeAnswer(
  backend: string,
  url: string,
  answer: HttpAnswer,
): { spans: SpanRecord[]; rejected: number; partial: string | null } {
  const decoded = decodeTraceDocument(answer.body);
  if (!decoded.ok) {
    throw new ImportError(
      'bad_response',
      `${backend} answered ${url} with something other than a trace: ${decoded.message}`,
      { url, status: answer.status },
    );
  }
  return { spans: decoded.spans, rejected: decoded.rejected.length, partial: decoded.partial };
}

import { backendMessage, expectOk } from './backend-answer.js';
import { httpRequest, type HttpAnswer } from './http-get.js';
import { ImportError } from './import-error.js';
import { normalizeTraceId } from './resolve-client-options.js';
import { resolveClientOptions, type ResolvedClientOptions } from './resolve-client-options.js';
import type { BackendClientOptions } from './types.js';

/** How many traces a search asks for unless told. */
export const DEFAULT_SEARCH_LIMIT = 100;

/**
 * What the Jaeger, Tempo and Zipkin clients share: their resolved options (base URL, deadline,
 * headers), the one kind of request they make and the errors a backend's answer fails with.
 *
 * @example
 * class MyClient extends BackendHttpClient {
 *   constructor(options: BackendClientOptions) { super('My', options); }
 * }
 */
export abstract class BackendHttpClient {
  protected readonly options: ResolvedClientOptions;

  /**
   * @param backend the backend's name in messages (`Jaeger`); options are refused in the name
   *   of `${backend}Client`
   */
  constructor(
    protected readonly backend: string,
    options: BackendClientOptions,
  ) {
    this.options = resolveClientOptions(`${backend}Client`, options);
  }

  /** The base URL requests go to. */
  get url(): string {
    return this.options.baseUrl;
  }

  /** GETs `url` with the client's deadline, and its headers over `accept: application/json`. */
  protected get(url: string): Promise<HttpAnswer> {
    return httpRequest(url, {
      timeoutMs: this.options.timeoutMs,
      headers: { accept: 'application/json', ...this.options.headers },
    });
  }

  /** GETs `url` as {@link get} does; fails with `http_status` unless the answer is 2xx. */
  protected async getOk(url: string): Promise<HttpAnswer> {
    const answer = await this.get(url);
    expectOk(this.backend, url, answer);
    return answer;
  }

  /**
   * GETs one trace: `traceId` normalized, at the first of `paths` (each given the id, under the
   * base URL) that the backend has a route for: a later path is tried when the answer is Go's
   * plain `404 page not found` (an older version's route). Fails with `not_found` for any other
   * 404 (quoting what the backend said), with `http_status` for an answer that is not 2xx.
   */
  protected async getTraceAt(
    traceId: string,
    ...paths: [(id: string) => string, ...Array<(id: string) => string>]
  ): Promise<{ id: string; url: string; answer: HttpAnswer }> {
    const id = normalizeTraceId(traceId);
    let url = '';
    let answer: HttpAnswer | undefined;
    for (const path of paths) {
      url = `${this.options.baseUrl}${path(id)}`;
      answer = await this.get(url);
      if (!(answer.status === 404 && isMissingRoute(answer))) break;
    }
    this.expectTrace(id, url, answer!);
    return { id, url, answer: answer! };
  }

  private expectTrace(id: string, url: string, answer: HttpAnswer): void {
    if (answer.status === 404) {
      const said = backendMessage(answer.body);
      throw new ImportError(
        'not_found',
        `trace ${id} was not found in ${this.backend} at ${this.options.baseUrl}${said === '' ? '' : ` (${this.backend} said: ${said})`}`,
        { url, status: 404 },
      );
    }
    expectOk(this.backend, url, answer);
  }
}

/** Go's router answers an unknown path with the plain text "404 page not found". */
function isMissingRoute(answer: HttpAnswer): boolean {
  return /404 page not found/i.test(answer.body);
}

import { httpRequest, type HttpAnswer } from './http-get.js';
import { resolveClientOptions, type ResolvedClientOptions } from './resolve-client-options.js';
import type { BackendClientOptions } from './types.js';

/** How many traces a search asks for unless told. */
export const DEFAULT_SEARCH_LIMIT = 100;

/**
 * What the Jaeger, Tempo and Zipkin clients share: their resolved options (base URL, deadline,
 * headers) and the one kind of request they make.
 *
 * @example
 * class MyClient extends BackendHttpClient {
 *   constructor(options: BackendClientOptions) { super('MyClient', options); }
 * }
 */
export abstract class BackendHttpClient {
  protected readonly options: ResolvedClientOptions;

  constructor(name: string, options: BackendClientOptions) {
    this.options = resolveClientOptions(name, options);
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
}

import { resolveClientOptions, type ResolvedClientOptions } from './resolve-client-options.js';
import type { BackendClientOptions } from './types.js';

/**
 * What the Jaeger, Tempo and Zipkin clients share: their resolved options (base URL, deadline,
 * headers) and the shape of every request they make.
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

  /** Each request's deadline and headers: the caller's, over `accept: application/json`. */
  protected request(): { timeoutMs: number; headers: Readonly<Record<string, string>> } {
    return {
      timeoutMs: this.options.timeoutMs,
      headers: { accept: 'application/json', ...this.options.headers },
    };
  }
}

import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Checks `Authorization: Bearer <token>` in constant time: both sides are hashed first, so
 * neither the token's length nor its bytes leak through timing.
 */
export class BearerToken {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** Whether the header carries the token. */
  matches(header: string | undefined): boolean {
    const m = header === undefined ? null : /^Bearer[ \t]+(.+?)[ \t]*$/i.exec(header);
    // Hash something even when the header is missing, so every answer takes the same time.
    const given = digest(m?.[1] ?? '');
    return timingSafeEqual(given, this.expected) && m !== null;
  }
}

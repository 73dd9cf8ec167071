import type { Readable } from 'node:stream';
import { readBody, type BodyEncoding, type BodyResult } from './read-body.js';

/** The limits an {@link IntakeGate} applies to export requests. */
export interface IntakeLimits {
  /** Requests decoded and stored at once (from their last body byte to their answer). */
  readonly maxInflightRequests: number;
  /** Largest body, on the wire and after decompression. */
  readonly maxBodyBytes: number;
  /** Longest pause in a body, and the grace before `minBodyRate` applies. */
  readonly bodyIdleTimeoutMs: number;
  /** Bytes per second a body must average once its grace is over. */
  readonly minBodyRate: number;
}

/** Why a request is turned away: its status, a reason, and when to come back. */
export interface Refusal {
  readonly status: 429 | 503;
  readonly message: string;
  readonly retryAfterSeconds: number;
}

/**
 * Admission and limits for export requests, whatever protocol they come by (OTLP/HTTP now, gRPC
 * later): one place that decides whether a request may send its body, reads the body within its
 * bounds, holds a decoding slot while the request is decoded and stored, and tells when every
 * request has finished (for shutdown).
 *
 * Slots are taken only once a body has arrived whole, so clients that send slowly hold none: they
 * hold only the memory of the bytes they sent, out of a budget shared by every body being
 * received (`maxInflightRequests × maxBodyBytes`, the same bound as when each slot could hold a
 * body), and they are cut by the body timeouts. A trickling client costs a connection, never the
 * slot a fast exporter needs.
 *
 * @example
 * const gate = new IntakeGate(limits, () => (backlogged ? 'catching up with its backlog' : null));
 * const admitted = gate.admit();
 * if (!admitted.ok) return answer(admitted.refusal);
 * const ticket = admitted.ticket;
 * try { const read = await ticket.readBody(req, 'gzip'); … ticket.startDecoding(); … } finally { ticket.end(); }
 */
export class IntakeGate {
  /** Export requests admitted and not ended: reading their body, or decoding and storing it. */
  private active = 0;
  private decodingCount = 0;
  private heldBytes = 0;
  private draining = false;
  private readonly idle: Array<() => void> = [];
  /** Bytes the bodies being received may hold together. */
  readonly bodyBudget: number;

  constructor(
    readonly limits: IntakeLimits,
    /** A reason to answer 503 now (the receiver is behind), or null. */
    private readonly overloaded: () => string | null,
  ) {
    this.bodyBudget = limits.maxInflightRequests * limits.maxBodyBytes;
  }

  /** Requests admitted and not answered yet (reading, decoding or storing). */
  get inflight(): number {
    return this.active;
  }

  /** Requests holding a decoding slot. */
  get decoding(): number {
    return this.decodingCount;
  }

  /** Bytes of request bodies held in memory. */
  get bodyBytes(): number {
    return this.heldBytes;
  }

  /** Whether shutdown has begun. */
  get closing(): boolean {
    return this.draining;
  }

  /**
   * A request's headers are accepted (authenticated, a known content type): may its body come?
   * Refused while shutting down (503), while every decoding slot is taken (429), or while the
   * receiver is behind (503).
   */
  admit(): { ok: true; ticket: IntakeTicket } | { ok: false; refusal: Refusal } {
    if (this.draining)
      return refuse({
        status: 503,
        message: 'the receiver is shutting down',
        retryAfterSeconds: 5,
      });
    const max = this.limits.maxInflightRequests;
    if (this.decodingCount >= max)
      return refuse({
        status: 429,
        message: `more than ${max} requests at once`,
        retryAfterSeconds: 1,
      });
    const behind = this.overloaded();
    if (behind !== null) return refuse({ status: 503, message: behind, retryAfterSeconds: 2 });
    this.active++;
    return { ok: true, ticket: new IntakeTicket(this) };
  }

  /** Starts shutdown: requests are refused from now on. */
  beginDrain(): void {
    this.draining = true;
  }

  /**
   * Settles once every admitted request has ended (true), or after `timeoutMs` (false): then the
   * caller cuts the connections of those left.
   */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.idle.indexOf(done);
        if (i >= 0) this.idle.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idle.push(done);
    });
  }

  /** @internal */
  reserve(bytes: number): boolean {
    if (this.heldBytes + bytes > this.bodyBudget) return false;
    this.heldBytes += bytes;
    return true;
  }

  /** @internal */
  takeSlot(): boolean {
    if (this.decodingCount >= this.limits.maxInflightRequests) return false;
    this.decodingCount++;
    return true;
  }

  /** @internal */
  release(bytes: number, slot: boolean): void {
    this.heldBytes -= bytes;
    if (slot) this.decodingCount--;
    this.active--;
    if (this.active === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}

/** One admitted request: its body's bytes, its decoding slot. End it exactly once. */
export class IntakeTicket {
  private bytes = 0;
  private slot = false;
  private ended = false;

  constructor(private readonly gate: IntakeGate) {}

  /** Reads the body within the gate's limits (size, pace, shared memory). */
  readBody(stream: Readable, encoding: BodyEncoding): Promise<BodyResult> {
    const l = this.gate.limits;
    return readBody(stream, encoding, {
      limit: l.maxBodyBytes,
      idleTimeoutMs: l.bodyIdleTimeoutMs,
      minBytesPerSecond: l.minBodyRate,
      reserve: (n) => {
        if (!this.gate.reserve(n)) return false;
        this.bytes += n;
        return true;
      },
    });
  }

  /**
   * The body has arrived: takes a decoding slot, or refuses (429) when all are taken by requests
   * whose bodies came first.
   */
  startDecoding(): Refusal | null {
    if (this.slot) return null;
    if (!this.gate.takeSlot())
      return {
        status: 429,
        message: `more than ${this.gate.limits.maxInflightRequests} requests at once`,
        retryAfterSeconds: 1,
      };
    this.slot = true;
    return null;
  }

  /** The request is answered (or its client gone): gives back its memory and its slot. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.gate.release(this.bytes, this.slot);
  }
}

function refuse(refusal: Refusal): { ok: false; refusal: Refusal } {
  return { ok: false, refusal };
}

/**
 * Keys of the levels the splitter reads, as OTLP/JSON writes them, and the older and snake_case
 * names the decoder also reads.
 */
const ROOT_KEYS = new Set(['resourceSpans', 'resource_spans']);
const RESOURCE_KEYS = new Set(['resource']);
const SCOPE_SPANS_KEYS = new Set([
  'scopeSpans',
  'scope_spans',
  'instrumentationLibrarySpans',
  'instrumentation_library_spans',
]);
const SCOPE_KEYS = new Set(['scope', 'instrumentationLibrary', 'instrumentation_library']);
const SPANS_KEYS = new Set(['spans']);

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
/**
 * Deepest nesting followed: far beyond what a decoder accepts in a span (its attribute depth
 * limit), and what bounds the splitter's own memory on a line of brackets.
 */
const MAX_NESTING = 1000;
/** A part is given out once its spans reach this many bytes, whatever their count. */
const PART_BYTES = 16 * 1024 * 1024;

/**
 * Where a container sits in an OTLP/JSON trace document: the root object, the `resourceSpans`
 * list and its entries, the `scopeSpans` list and its entries, the `spans` list; `other` for
 * anything else (a span's insides, or members the splitter does not read).
 */
type Level = 'root' | 'resources' | 'resource' | 'scopes' | 'scope' | 'spans' | 'other';

/**
 * The levels the splitter follows: a container at `level` is a list (`isObject` false) or an
 * object inside a container at `parent`, under one of `keys` when its parent is an object.
 */
const NESTING: ReadonlyArray<{
  readonly parent: Level;
  readonly isObject: boolean;
  readonly keys: ReadonlySet<string> | null;
  readonly level: Level;
}> = [
  { parent: 'root', isObject: false, keys: ROOT_KEYS, level: 'resources' },
  { parent: 'resources', isObject: true, keys: null, level: 'resource' },
  { parent: 'resource', isObject: false, keys: SCOPE_SPANS_KEYS, level: 'scopes' },
  { parent: 'scopes', isObject: true, keys: null, level: 'scope' },
  { parent: 'scope', isObject: false, keys: SPANS_KEYS, level: 'spans' },
];

interface Container {
  readonly level: Level;
  readonly isObject: boolean;
  /** The raw text of the member key being read or last read (objects of the read levels). */
  key: string | null;
}

/** A value being kept: its bytes so far, and where in the current chunk it started. */
interface Capture {
  readonly what: 'resource' | 'scope' | 'span';
  readonly pieces: Buffer[];
  bytes: number;
  from: number;
  /** Containers open when it started: it ends when the depth returns there. */
  readonly depth: number;
  /** A value that is not an object or array ends at the first delimiter at its depth. */
  readonly primitive: boolean;
}

/** What {@link OtlpJsonLineSplitter.end} says about the line. */
export type SplitOutcome =
  { ok: true; parts: number } | { ok: false; message: string; parts: number };

/**
 * Splits one OTLP/JSON trace document that is too long to parse whole (a line of a Collector
 * file over `maxLineBytes`) into small documents as its bytes stream by: each part holds one
 * `resourceSpans` entry with its resource, one `scopeSpans` entry with its scope, and up to
 * `spansPerPart` of its spans, so that decoding the parts gives the spans that decoding the whole
 * would. Memory: one part and the current resource and scope, never the line.
 *
 * Only the members a decoder reads are kept (`resource`, `scope`, `spans`; `schemaUrl` and
 * unknown members are passed over). A resource or scope that comes after spans of its entry
 * (OTLP/JSON writers put it first) cannot be given to those spans any more: the line is then
 * reported as not read from that point (`end()` says so), as is a document of another shape.
 *
 * @example
 * const splitter = new OtlpJsonLineSplitter((part) => readDocument(part), {
 *   spansPerPart: 2000,
 *   maxValueBytes: 128 * 1024 * 1024,
 * });
 * for await (const chunk of lineChunks) splitter.push(chunk);
 * const outcome = splitter.end();
 */
export class OtlpJsonLineSplitter {
  private readonly stack: Container[] = [];
  private inString = false;
  private escaped = false;
  /** Bytes of a key being read, where keys matter. */
  private keyPieces: Buffer[] | null = null;
  private keyFrom = 0;
  /** Expecting a member key (after `{` or `,` in an object) rather than a value. */
  private expectKey = false;
  private capture: Capture | null = null;
  private rootKey: string | null = null;
  private scopeSpansKey = '"scopeSpans"';
  private scopeKey = '"scope"';
  private resource: Buffer | null = null;
  private scope: Buffer | null = null;
  /** Spans of this entry already given out: a resource or scope after them comes too late. */
  private resourceHadSpans = false;
  private scopeHadSpans = false;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private parts = 0;
  private failure: string | null = null;
  private started = false;
  private done = false;

  constructor(
    private readonly onPart: (part: Buffer) => void,
    private readonly options: { readonly spansPerPart: number; readonly maxValueBytes: number },
  ) {}

  /** Reads the next bytes of the line. */
  push(chunk: Buffer): void {
    if (this.failure !== null) return;
    if (this.capture !== null) this.capture.from = 0;
    this.keyFrom = 0;
    for (let i = 0; i < chunk.length; i++) {
      // Read no further than a failure: what came before it was given out, nothing after.
      if (this.failure !== null) return;
      const b = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (this.keyPieces !== null) this.endKey(chunk, i);
        }
        continue;
      }
      const capture = this.capture;
      if (capture?.primitive === true && (b === COMMA || b === CLOSE_OBJECT || b === CLOSE_ARRAY)) {
        this.endCapture(chunk, i);
      }
      if (b === QUOTE) {
        this.inString = true;
        if (this.expectKey) {
          if (this.readsKeys()) {
            this.keyPieces = [];
            this.keyFrom = i + 1;
          }
        } else if (this.capture === null) this.startValue(chunk, i, true);
        this.expectKey = false;
        continue;
      }
      if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        if (this.capture === null) this.startValue(chunk, i, false);
        this.open(b === OPEN_OBJECT);
        if (this.failure !== null) return;
        continue;
      }
      if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        this.close();
        if (this.capture !== null && this.stack.length === this.capture.depth) {
          this.endCapture(chunk, i + 1);
        }
        if (this.failure !== null) return;
        continue;
      }
      if (b === COMMA) {
        const top = this.stack[this.stack.length - 1];
        if (top?.isObject === true) this.expectKey = true;
        continue;
      }
      if (b === COLON || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
      // The first byte of a number, true, false or null.
      if (this.capture === null) this.startValue(chunk, i, true);
    }
    if (this.capture !== null) this.keep(chunk.subarray(this.capture.from));
    if (this.keyPieces !== null) this.keyPieces.push(Buffer.from(chunk.subarray(this.keyFrom)));
  }

  /** Ends the line: gives out the last part, and says whether the whole line was read. */
  end(): SplitOutcome {
    if (this.failure === null) {
      if (this.capture?.primitive === true) this.endCapture(Buffer.alloc(0), 0);
      if (!this.done || this.stack.length > 0 || this.inString) {
        this.failure = this.started
          ? 'the line ends before its JSON document does'
          : 'the line holds no JSON object';
      } else if (this.rootKey === null) {
        this.failure = 'no resourceSpans in it (only trace documents are read in parts)';
      }
    }
    this.flush();
    return this.failure === null
      ? { ok: true, parts: this.parts }
      : { ok: false, message: this.failure, parts: this.parts };
  }

  private fail(message: string): void {
    if (this.failure === null) this.failure = message;
    this.capture = null;
    this.keyPieces = null;
  }

  /** Whether keys of the innermost container are read (objects of the levels that matter). */
  private readsKeys(): boolean {
    const top = this.stack[this.stack.length - 1];
    return (
      top !== undefined &&
      top.isObject &&
      (top.level === 'root' || top.level === 'resource' || top.level === 'scope')
    );
  }

  private endKey(chunk: Buffer, at: number): void {
    const pieces = this.keyPieces!;
    pieces.push(Buffer.from(chunk.subarray(this.keyFrom, at)));
    this.keyPieces = null;
    this.stack[this.stack.length - 1]!.key = Buffer.concat(pieces).toString('utf8');
  }

  /** The decoded name of the innermost object's current key ("" when it does not decode). */
  private keyName(): string {
    const raw = this.stack[this.stack.length - 1]?.key ?? null;
    if (raw === null) return '';
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return '';
    }
  }

  /** A value starts at `chunk[at]`: kept when it is a resource, a scope or a span. */
  private startValue(chunk: Buffer, at: number, primitive: boolean): void {
    const top = this.stack[this.stack.length - 1];
    let what: Capture['what'] | null = null;
    if (top?.level === 'spans') what = 'span';
    else if (top?.level === 'resource' && RESOURCE_KEYS.has(this.keyName())) {
      if (this.resourceHadSpans) return this.fail('a resource comes after spans of its entry');
      what = 'resource';
    } else if (top?.level === 'scope' && SCOPE_KEYS.has(this.keyName())) {
      if (this.scopeHadSpans) return this.fail('a scope comes after spans of its entry');
      what = 'scope';
      this.scopeKey = `"${top.key!}"`;
    }
    if (what === null) return;
    // A primitive string value's capture starts at its opening quote.
    this.capture = {
      what,
      pieces: [],
      bytes: 0,
      from: at,
      depth: this.stack.length,
      primitive: primitive && chunk[at] !== OPEN_OBJECT && chunk[at] !== OPEN_ARRAY,
    };
  }

  private keep(piece: Buffer): void {
    const capture = this.capture!;
    capture.bytes += piece.length;
    if (capture.bytes > this.options.maxValueBytes) {
      this.fail(`a ${capture.what} is larger than ${this.options.maxValueBytes} bytes`);
      return;
    }
    capture.pieces.push(Buffer.from(piece));
  }

  private endCapture(chunk: Buffer, end: number): void {
    const capture = this.capture!;
    this.keep(chunk.subarray(capture.from, end));
    if (this.failure !== null) return;
    this.capture = null;
    const value = Buffer.concat(capture.pieces);
    if (capture.what === 'resource') this.resource = value;
    else if (capture.what === 'scope') this.scope = value;
    else {
      this.batch.push(value);
      this.batchBytes += value.length;
      this.resourceHadSpans = true;
      this.scopeHadSpans = true;
      if (this.batch.length >= this.options.spansPerPart || this.batchBytes >= PART_BYTES) {
        this.flush();
      }
    }
  }

  private open(isObject: boolean): void {
    const parent = this.stack[this.stack.length - 1];
    let level: Level = 'other';
    if (parent === undefined) {
      if (this.started) return this.fail('more than one JSON value on the line');
      this.started = true;
      if (!isObject) return this.fail('the line is not a JSON object');
      level = 'root';
    } else {
      const rule = NESTING.find(
        (r) =>
          r.parent === parent.level &&
          r.isObject === isObject &&
          (r.keys === null || r.keys.has(this.keyName())),
      );
      level = rule?.level ?? 'other';
      if (level === 'resources') this.rootKey = parent.key;
      if (level === 'scopes') this.scopeSpansKey = `"${parent.key!}"`;
      if (level === 'resource') {
        this.resource = null;
        this.resourceHadSpans = false;
      }
      if (level === 'scope') {
        this.scope = null;
        this.scopeHadSpans = false;
      }
    }
    if (this.stack.length >= MAX_NESTING) {
      return this.fail(`the document nests deeper than ${MAX_NESTING} levels`);
    }
    this.stack.push({ level, isObject, key: null });
    this.expectKey = isObject;
  }

  private close(): void {
    const closed = this.stack.pop();
    if (closed === undefined) return this.fail('a bracket closes what was not open');
    if (closed.level === 'scope') this.flush();
    if (this.stack.length === 0) this.done = true;
  }

  /** Gives out the spans gathered so far as one part. */
  private flush(): void {
    if (this.batch.length === 0 || this.rootKey === null) return;
    const pieces: Buffer[] = [Buffer.from(`{"${this.rootKey}":[{`)];
    if (this.resource !== null)
      pieces.push(Buffer.from('"resource":'), this.resource, Buffer.from(','));
    pieces.push(Buffer.from(`${this.scopeSpansKey}:[{`));
    if (this.scope !== null)
      pieces.push(Buffer.from(`${this.scopeKey}:`), this.scope, Buffer.from(','));
    pieces.push(Buffer.from('"spans":['));
    this.batch.forEach((span, k) => {
      if (k > 0) pieces.push(Buffer.from(','));
      pieces.push(span);
    });
    pieces.push(Buffer.from(']}]}]}'));
    this.batch = [];
    this.batchBytes = 0;
    this.parts++;
    this.onPart(Buffer.concat(pieces));
  }
}

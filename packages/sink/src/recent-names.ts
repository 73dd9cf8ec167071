/**
 * The bundle files a ledger named last, with their hashes, at most `limit` of them (least recently
 * named dropped first): a ledger writer asks these before it reads the ledger back, so memory
 * stays bounded however long the ledger grows.
 *
 * @example
 * const recent = new RecentNames();
 * recent.remember('a.json', sha256);
 * recent.get('a.json'); // sha256
 */
export class RecentNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly limit = 4096) {}

  /** The hash the ledger named `file` with, if it is among the recent names. */
  get(file: string): string | undefined {
    return this.names.get(file);
  }

  /** Forgets `file` (another writer's line may have named it since). */
  delete(file: string): void {
    this.names.delete(file);
  }

  /** Notes that the ledger names `file` with `sha256`, as the most recent name. */
  remember(file: string, sha256: string): void {
    this.names.delete(file);
    this.names.set(file, sha256);
    if (this.names.size > this.limit) {
      const oldest = this.names.keys().next();
      if (oldest.done !== true) this.names.delete(oldest.value);
    }
  }
}

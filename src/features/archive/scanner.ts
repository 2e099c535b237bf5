import { readArchive } from "./reader";
import type { ArchivedMessage } from "./record";

interface OpenScan {
  records: AsyncGenerator<ArchivedMessage>;
  /** The id of the last record handed out; undefined before the first. */
  last: string | undefined;
}

/**
 * Pages through archive objects for one streamed answer. A page that starts where the previous one
 * of the same object stopped continues the open read, so streaming a whole archived run reads its
 * object once; any other page opens a fresh read and skips to its cursor. `close` releases the
 * reads (the stream's end or cancel).
 */
export class ArchiveScanner {
  readonly #bucket: R2Bucket;
  readonly #open = new Map<string, OpenScan>();

  constructor(bucket: R2Bucket) {
    this.#bucket = bucket;
  }

  /** Up to `limit` records of the object after message id `after`, in id order. */
  async page(key: string, after: string | undefined, limit: number): Promise<ArchivedMessage[]> {
    const out: ArchivedMessage[] = [];
    if (limit <= 0) return out;
    let scan = this.#open.get(key);
    if (!scan || scan.last !== after) {
      await scan?.records.return(undefined);
      scan = { records: readArchive(this.#bucket, key), last: undefined };
      this.#open.set(key, scan);
    }
    while (out.length < limit) {
      const next = await scan.records.next();
      if (next.done) break;
      if (after !== undefined && next.value.id <= after) continue;
      out.push(next.value);
      scan.last = next.value.id;
    }
    return out;
  }

  async close() {
    const scans = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(scans.map((s) => s.records.return(undefined).catch(() => undefined)));
  }
}

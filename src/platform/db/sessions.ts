import { ApiError } from "../errors";
import { type Db, deferredDb, type Opener, sessionDb } from "./client";
import { countingD1, type RoundTrips } from "./counting";

// D1 read replication (developers.cloudflare.com/d1/best-practices/read-replication): only
// queries made through a session (`withSession`) may be served by a read replica near the Worker;
// the bare binding always goes to the primary, which may be a continent away. Which requests take
// which start (docs/architecture.md, "Reads at the edge"):
// - GET and HEAD start anywhere ("first-unconstrained"): lists, results and statistics may lag the
//   primary by the replica's lag, the price of reading near the caller. A client that must see its
//   own write sends the bookmark its write was answered with (`x-d1-bookmark`); the session then
//   starts from a copy at least that new.
// - Every other method starts on the primary ("first-primary"): a write's checks read the latest.
//   So do Meta's calls (/webhooks/…, including its GET subscription check, which an operator makes
//   right after saving the verify token).
// Queue consumers, the sweep and Durable Objects keep the bare binding: they decide what to send,
// and a decision must never rest on a stale row.

export const BOOKMARK_HEADER = "x-d1-bookmark";

// Bookmarks are opaque, lexicographically sortable strings; their format is D1's to change (hex
// groups and dashes today), so only what cannot be one — empty, too long, spaces or other than
// visible ASCII — is refused before it reaches D1.
const BOOKMARK = /^[\x21-\x7e]{1,512}$/;

/** Where a request's D1 session starts, from its method, its path and the bookmark it presents. */
export function sessionStart(
  method: string,
  path: string,
  bookmark: string | undefined,
): D1SessionBookmark | D1SessionConstraint {
  const reads = (method === "GET" || method === "HEAD") && !path.startsWith("/webhooks/");
  const presented = bookmark?.trim();
  if (!presented) return reads ? "first-unconstrained" : "first-primary";
  if (!BOOKMARK.test(presented)) {
    throw new ApiError("validation_failed", "the x-d1-bookmark header is not a bookmark this API returned", {
      fields: [{ field: BOOKMARK_HEADER, in: "header", message: "must be a bookmark from an earlier response" }],
    });
  }
  // A write always starts on the primary, which is newer than any bookmark.
  return reads ? presented : "first-primary";
}

/**
 * One request's session, opened when the request first queries (a warm API-campaign send never
 * does). `db` may be handed to anything; `trips`, when set, counts the round trips it makes.
 */
export class RequestSession implements Opener {
  readonly db: Db = deferredDb(this);
  private session: D1DatabaseSession | undefined;
  private client: Db | undefined;

  constructor(
    private readonly binding: D1Database,
    private readonly start: D1SessionBookmark | D1SessionConstraint,
    readonly trips?: RoundTrips,
  ) {}

  open(): Db {
    if (this.client === undefined) {
      const session = this.connect();
      this.client = sessionDb(this.trips ? countingD1(session, this.trips) : session);
    }
    return this.client;
  }

  /**
   * The latest bookmark the session holds, as D1 answers it. A session that never queried holds
   * the bookmark it started from, if it started from one; one started from a constraint holds none.
   */
  bookmark(): string | null {
    if (this.session === undefined && (this.start === "first-primary" || this.start === "first-unconstrained")) {
      return null;
    }
    return this.connect().getBookmark();
  }

  private connect(): D1DatabaseSession {
    this.session ??= this.binding.withSession(this.start);
    return this.session;
  }
}

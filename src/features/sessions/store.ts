import { and, eq, isNull, lt } from "drizzle-orm";
import { SESSION_TTL_MS } from "../../platform/auth/session";
import { randomBytes, secretsEqual, sha256Hex, toBase64Url } from "../../platform/crypto";
import type { Db } from "../../platform/db/client";
import { apiKeys, projects, sessions } from "../../platform/db/schema";
import type { Role } from "../../platform/http/context";

export interface KeyOwner {
  keyId: string;
  keyName: string;
  role: Role;
  projectId: string;
  projectName: string;
}

/** A key with its project: the sign-in's and the session's view of who is signed in. */
const owners = (db: Db) =>
  db
    .select({
      keyId: apiKeys.id,
      keyName: apiKeys.name,
      role: apiKeys.role,
      projectId: projects.id,
      projectName: projects.name,
    })
    .from(apiKeys)
    .innerJoin(projects, eq(projects.id, apiKeys.projectId));

/** The live key behind `apiKey` with its project, or null when it is unknown or revoked. */
export async function keyOwner(db: Db, apiKey: string): Promise<KeyOwner | null> {
  const row = await owners(db)
    .where(and(eq(apiKeys.hash, await sha256Hex(apiKey)), isNull(apiKeys.revokedAt)))
    .get();
  return row ?? null;
}

export const adminTokenMatches = (presented: string, token: string) => secretsEqual(presented, token);

/** A new session; the answer is the cookie's token, of which only the hash is stored. */
export async function openSession(db: Db, kind: "key" | "admin", keyId: string | null, now = Date.now()) {
  const token = toBase64Url(randomBytes(32));
  const expiresAt = now + SESSION_TTL_MS;
  // Expired sessions go as new ones arrive: one indexed delete, no sweep to schedule.
  await db.batch([
    db.delete(sessions).where(lt(sessions.expiresAt, now)),
    db.insert(sessions).values({ id: await sha256Hex(token), kind, keyId, createdAt: now, expiresAt }),
  ]);
  return { token, expiresAt };
}

export async function closeSession(db: Db, token: string) {
  await db
    .delete(sessions)
    .where(eq(sessions.id, await sha256Hex(token)))
    .run();
}

/** What a key session shows of itself. */
export const sessionOwner = (db: Db, keyId: string) => owners(db).where(eq(apiKeys.id, keyId)).get();

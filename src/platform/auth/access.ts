import { verifyWithJwks } from "hono/jwt";
import type { HonoJsonWebKey } from "hono/utils/jwt/jws";
import type { Config } from "../config";

/**
 * Cloudflare Access in front of the operator's pages: when the operator configures an Access
 * application for the Worker (ACCESS_TEAM_DOMAIN and ACCESS_AUD), Access signs in the person and
 * hands every request a JWT in `Cf-Access-Jwt-Assertion`. A valid one (signed by the team's keys,
 * for this application's audience, not expired) is the operator's credential, as the token is.
 */
export const ACCESS_HEADER = "cf-access-jwt-assertion";

// The team's signing keys change rarely (Access rotates them every six weeks, overlapping): an
// isolate keeps them this long, and asks again at once when a token names a key it does not have.
const CERTS_TTL_MS = 10 * 60_000;
let certs: { team: string; keys: HonoJsonWebKey[]; until: number } | undefined;

async function teamKeys(team: string, refresh: boolean): Promise<HonoJsonWebKey[]> {
  const now = Date.now();
  if (!refresh && certs?.team === team && certs.until > now) return certs.keys;
  const res = await fetch(`${team}/cdn-cgi/access/certs`);
  if (!res.ok) throw new Error(`Access certs answered ${res.status}`);
  const body = (await res.json()) as { keys?: HonoJsonWebKey[] };
  certs = { team, keys: body.keys ?? [], until: now + CERTS_TTL_MS };
  return certs.keys;
}

/**
 * When the request carries a valid Access JWT for the configured application, when it expires (ms);
 * null when it does not, or when Access is not configured.
 */
export async function accessExpiry(config: Config, token: string | undefined): Promise<number | null> {
  const team = config.ACCESS_TEAM_DOMAIN;
  const aud = config.ACCESS_AUD;
  if (!team || !aud || !token || token.length > 8192) return null;
  const verify = async (keys: HonoJsonWebKey[]) => {
    const payload = await verifyWithJwks(token, {
      keys,
      allowedAlgorithms: ["RS256"],
      verification: { aud, iss: team },
    });
    return typeof payload.exp === "number" ? payload.exp * 1000 : Date.now();
  };
  try {
    return await verify(await teamKeys(team, false));
  } catch {
    // Perhaps a key rotated in since the keys were read: one fresh read, then the answer stands.
    try {
      return await verify(await teamKeys(team, true));
    } catch {
      return null;
    }
  }
}

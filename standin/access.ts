// Cloudflare Access, as far as the Worker sees it: the team's signing keys at
// /cdn-cgi/access/certs. Tests ask it for a token as Access would hand one to a signed-in person:
//
//   GET  /cdn-cgi/access/certs   → { keys: [public JWK] }
//   POST /__sign {claims}        → { token }  RS256, signed by the team's key; `iss` is this host
//                                  unless the claims say otherwise, `exp` an hour away unless given
//   POST /__sign?stranger=1      → the same, signed by a key the team does not publish
//
// Only fetch-API and WebCrypto globals are used.
import { sign } from "hono/jwt";
import type { HonoJsonWebKey } from "hono/utils/jwt/jws";

export const ACCESS_HOST = "access.standin.test";
export const ACCESS_AUD = "standin-access-audience";

async function keyPair(kid: string) {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const privateJwk = { ...(await crypto.subtle.exportKey("jwk", pair.privateKey)), kid, alg: "RS256" };
  const publicJwk = { ...(await crypto.subtle.exportKey("jwk", pair.publicKey)), kid, alg: "RS256" };
  return { privateJwk: privateJwk as HonoJsonWebKey, publicJwk: publicJwk as HonoJsonWebKey };
}

export function createAccessStandIn() {
  const team = keyPair("team-key-1");
  const stranger = keyPair("team-key-1");
  return {
    async fetch(request: Request): Promise<Response> {
      const url = new URL(request.url);
      if (request.method === "GET" && url.pathname === "/cdn-cgi/access/certs") {
        return Response.json({ keys: [(await team).publicJwk] });
      }
      if (request.method === "POST" && url.pathname === "/__sign") {
        const claims = (await request.json()) as Record<string, unknown>;
        const now = Math.floor(Date.now() / 1000);
        const payload = { iss: `https://${ACCESS_HOST}`, iat: now, exp: now + 3600, ...claims };
        const key = url.searchParams.has("stranger") ? await stranger : await team;
        return Response.json({ token: await sign(payload, key.privateJwk, "RS256") });
      }
      return new Response("not found", { status: 404 });
    },
  };
}

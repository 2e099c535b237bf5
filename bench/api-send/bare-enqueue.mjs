// The ceiling for any route that must enqueue before it answers: a bare Worker (no framework, no
// checks) whose POST reads the JSON body and puts one message on the sends queue, next to its own
// GET /health. Locally Miniflare's queue broker runs on the Worker's thread, so one enqueue costs
// about as much as a whole bare request; the ratio between the two routes bounds what the
// API-campaign endpoint's `ratioToBare` can reach on this machine.
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { load } from "../load.mjs";
import { wranglerCompatibilityDate } from "../worker.mjs";

const BARE_ENQUEUE = `export default {
  async fetch(request, env) {
    if (request.method === "GET") return Response.json({ ok: true });
    await env.SENDS.sendBatch([{ body: JSON.parse(await request.text()) }]);
    return Response.json({ success: true });
  },
};`;

/** The bare Worker's GET and its enqueueing POST, each driven like the endpoint (same bodies). */
export async function bareEnqueue({ bodyFor, connections, seconds }) {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      modules: true,
      script: BARE_ENQUEUE,
      compatibilityDate: wranglerCompatibilityDate(),
      queueProducers: { SENDS: "wa-campaigns-sends" },
    }),
  );
  try {
    const url = (await mf.ready).toString().replace(/\/$/, "");
    const health = await load({ name: "bare Worker: GET (nothing else)", url, connections, seconds });
    const enqueue = await load({
      name: "bare Worker: POST, read the body, enqueue it",
      url,
      method: "POST",
      headers: { "content-type": "application/json" },
      requests: [{ method: "POST", setupRequest: (req) => ({ ...req, body: bodyFor() }) }],
      connections,
      seconds,
    });
    return { health, enqueue };
  } finally {
    await mf.dispose();
  }
}

// Serves the Graph API stand-in (standin/graph-api/, one fetch handler) on 127.0.0.1.
import { createServer } from "node:http";
import { createGraphStandIn } from "../standin/graph-api/index.ts";

export async function startStandIn(options = {}) {
  const standIn = createGraphStandIn(options);
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: req.headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    const response = await standIn.fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const control = async (method, path, body) => {
    const response = await fetch(`${url}/__standin/${path}`, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return response.json();
  };
  /**
   * The Graph API calls that sent a message from the number, how many repeated a recipient, and when
   * the first and last of them arrived (ms since the epoch, the stand-in's own clock).
   */
  const providerCalls = async (phoneNumberId) => {
    const received = (await control("GET", `sends?phoneNumberId=${phoneNumberId}`)).data;
    let firstAt = Number.POSITIVE_INFINITY;
    let lastAt = Number.NEGATIVE_INFINITY;
    for (const s of received) {
      firstAt = Math.min(firstAt, s.receivedAt);
      lastAt = Math.max(lastAt, s.receivedAt);
    }
    return {
      calls: received.length,
      duplicates: received.length - new Set(received.map((s) => s.body.to)).size,
      firstAt: received.length > 0 ? firstAt : null,
      lastAt: received.length > 0 ? lastAt : null,
    };
  };
  return { url, control, providerCalls, close: () => new Promise((resolve) => server.close(resolve)) };
}

import { exports } from "cloudflare:workers";
import { expect } from "vitest";

// The live route's WebSocket as a browser would open it.

/** The text messages a socket receives, in order; `next` waits for the following one. */
function inbox(ws: WebSocket) {
  const pending: string[] = [];
  const waiting: ((message: string) => void)[] = [];
  ws.addEventListener("message", (event) => {
    const text = typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data);
    const waiter = waiting.shift();
    if (waiter) waiter(text);
    else pending.push(text);
  });
  const next = (): Promise<string> => {
    const ready = pending.shift();
    return ready !== undefined ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
  };
  return { next, nextJson: async () => JSON.parse(await next()) as unknown, pending };
}

export const live = (path: string, headers: Record<string, string> = {}) =>
  exports.default.fetch(new Request(`https://api.test${path}`, { headers }));

/** Opens the live socket and accepts it, returning its inbox. */
export async function openLive(path: string, headers: Record<string, string>) {
  const response = await live(path, { Upgrade: "websocket", ...headers });
  if (response.status !== 101) throw new Error(`expected 101, got ${response.status}: ${await response.text()}`);
  const ws = response.webSocket;
  expect(ws).toBeTruthy();
  if (!ws) throw new Error("no WebSocket on a 101 response");
  const messages = inbox(ws);
  ws.accept();
  return { ws, ...messages };
}

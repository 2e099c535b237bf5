// Small helpers shared by the Graph endpoints and the control endpoints: reading untyped JSON
// and writing answers.

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=UTF-8", ...headers },
  });
}

export async function readJson(request: Request): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const text = await request.text();
  if (text === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export const upper = (value: unknown) => (typeof value === "string" ? value.toUpperCase() : "");
export const str = (value: unknown) => (typeof value === "string" ? value : "");
export const digits = (value: string) => value.replace(/\D/g, "");

export function randomDigits(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = String(((bytes[0] ?? 0) % 9) + 1);
  for (let i = 1; i < length; i++) out += String((bytes[i] ?? 0) % 10);
  return out;
}

export function randomToken(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  let binary = "";
  for (const b of raw) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

// A fake public media host for tests: the Worker's outbound requests to MEDIA_HOSTS are answered
// here (wired in vitest.config.ts), so checks of template-header media URLs never reach the
// network. Written as a Web-standard fetch handler; it keeps no state, so test files running in
// parallel cannot disturb each other (tests count requests with a counting `fetch` of their own).
//
// Named files (HEAD answers headers only; GET honours `Range: bytes=0-0` with a 206):
//   /image.jpg      image/jpeg, 1000 bytes          /image.png     image/png, 2048 bytes
//   /video.mp4      video/mp4, 4096 bytes           /clip.3gp      video/3gpp, 4096 bytes
//   /invoice.pdf    application/pdf, 3000 bytes     /report.docx   Word (OOXML), 5000 bytes
//   /notes.txt      text/plain; charset=utf-8       /page.html     text/html; charset=utf-8
//   /big.mp4        video/mp4, declared 20 MiB (HEAD only; a GET answers the 1-byte range)
//   /big.jpg        image/jpeg, declared 6 MiB      /empty.jpg     image/jpeg, 0 bytes
//
// Behaviours:
//   /file?type=T&size=N[&head=S][&range=ignore]   a file of type T (no Content-Type when T is
//                    absent) and N bytes (no Content-Length, and no Content-Range total, when N is
//                    absent); head=S answers HEAD with status S; range=ignore answers a ranged GET
//                    with 200 and the whole body, as servers without range support do
//   /no-head         405 on HEAD; a GET serves /image.jpg's file
//   /head-403        403 on HEAD (as signed object-store URLs do); a GET serves /image.jpg's file
//   /redirect?to=U[&status=S]   answers S (default 302) with Location: U (U may be relative)
//   /redirect-bare   302 without a Location header
//   /chain/N         redirects to /chain/N-1 (relative); /chain/0 serves /image.jpg's file
//   /slow            never answers within a test (gives up after SLOW_MS, or when aborted)
//   /status/S, /404  answers status S (404)

export const MEDIA_HOSTS = ["media.example.test", "cdn.example.test"] as const;

/** How long /slow holds a request; far beyond any timeout a test gives the checker. */
export const SLOW_MS = 30_000;

const MiB = 1024 * 1024;

interface FakeFile {
  type: string | null;
  size: number | null;
}

const FILES: Record<string, FakeFile> = {
  "/image.jpg": { type: "image/jpeg", size: 1000 },
  "/image.png": { type: "image/png", size: 2048 },
  "/video.mp4": { type: "video/mp4", size: 4096 },
  "/clip.3gp": { type: "video/3gpp", size: 4096 },
  "/invoice.pdf": { type: "application/pdf", size: 3000 },
  "/report.docx": { type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", size: 5000 },
  "/notes.txt": { type: "text/plain; charset=utf-8", size: 120 },
  "/page.html": { type: "text/html; charset=utf-8", size: 512 },
  "/big.mp4": { type: "video/mp4", size: 20 * MiB },
  "/big.jpg": { type: "image/jpeg", size: 6 * MiB },
  "/empty.jpg": { type: "image/jpeg", size: 0 },
};

/** Bodies are only ever produced for small files: a ranged GET of a big one sends 1 byte. */
const MAX_BODY = 64 * 1024;

function serveFile(request: Request, file: FakeFile, options: { ignoreRange?: boolean } = {}): Response {
  const headers = new Headers();
  if (file.type !== null) headers.set("content-type", file.type);
  if (request.method === "HEAD") {
    if (file.size !== null) headers.set("content-length", String(file.size));
    return new Response(null, { status: 200, headers });
  }
  const ranged = !options.ignoreRange && /^bytes=0-0$/i.test(request.headers.get("range") ?? "") && file.size !== 0;
  if (ranged) {
    headers.set("content-range", `bytes 0-0/${file.size ?? "*"}`);
    headers.set("content-length", "1");
    return new Response(new Uint8Array(1), { status: 206, headers });
  }
  const size = Math.min(file.size ?? 256, MAX_BODY);
  if (file.size === null) {
    // No declared length: a streamed body, sent chunked.
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array(size));
        controller.close();
      },
    });
    return new Response(body, { status: 200, headers });
  }
  headers.set("content-length", String(size));
  return new Response(new Uint8Array(size), { status: 200, headers });
}

function holdUntilAborted(request: Request): Promise<Response> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(new Response("gave up waiting", { status: 504 })), SLOW_MS);
    // Node keeps no process alive for this timer; workerd gives up long before it fires.
    (timer as { unref?: () => void }).unref?.();
    request.signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve(new Response(null, { status: 499 }));
    });
  });
}

export async function mediaHostFetch(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  const params = url.searchParams;
  if (request.method !== "GET" && request.method !== "HEAD") return new Response(null, { status: 405 });

  const named = FILES[path];
  if (named) return serveFile(request, named);

  if (path === "/file") {
    const size = params.get("size");
    const headStatus = Number(params.get("head") ?? 0);
    if (request.method === "HEAD" && headStatus) return new Response(null, { status: headStatus });
    return serveFile(
      request,
      { type: params.get("type"), size: size === null ? null : Number(size) },
      { ignoreRange: params.get("range") === "ignore" },
    );
  }
  if (path === "/no-head" || path === "/head-403") {
    if (request.method === "HEAD") return new Response(null, { status: path === "/no-head" ? 405 : 403 });
    return serveFile(request, FILES["/image.jpg"] as FakeFile);
  }
  if (path === "/redirect") {
    const to = params.get("to") ?? "/image.jpg";
    return new Response(null, { status: Number(params.get("status") ?? 302), headers: { location: to } });
  }
  if (path === "/redirect-bare") return new Response(null, { status: 302 });
  const chain = /^\/chain\/(\d+)$/.exec(path);
  if (chain) {
    const left = Number(chain[1]);
    if (left === 0) return serveFile(request, FILES["/image.jpg"] as FakeFile);
    return new Response(null, { status: 302, headers: { location: `/chain/${left - 1}` } });
  }
  if (path === "/slow") return holdUntilAborted(request);
  const status = /^\/status\/(\d{3})$/.exec(path);
  if (status) return new Response(null, { status: Number(status[1]) });
  return new Response("not found", { status: 404 });
}

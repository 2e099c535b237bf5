// Builds the dashboard (dashboard/) into dist/dashboard, which the Worker serves as static assets.
// Run by wrangler before `wrangler dev` / `wrangler deploy` ([build] in wrangler.toml), by vitest's
// global setup and by the browser tests. Prints the JavaScript's gzipped size against its budget.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist/dashboard");
// The whole dashboard's JavaScript, gzipped, may not exceed this (the budget).
export const JS_BUDGET_GZIP_BYTES = 150 * 1024;

export async function buildDashboard({ quiet = false } = {}) {
  await rm(out, { recursive: true, force: true });
  const result = await build({
    entryPoints: { app: join(root, "dashboard/src/main.tsx") },
    bundle: true,
    format: "esm",
    // Each page is its own chunk, loaded on first visit: the sign-in page loads only what it needs.
    splitting: true,
    chunkNames: "chunk-[hash]",
    minify: true,
    sourcemap: "linked",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    entryNames: "[name]-[hash]",
    outdir: join(out, "app/assets"),
    metafile: true,
    logLevel: "warning",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  const outputs = Object.entries(result.metafile.outputs);
  // Each lazily loaded page is an entry point of its own in the metafile; the page's script is main's.
  const entry = outputs.find(([, o]) => o.entryPoint?.endsWith("dashboard/src/main.tsx"))?.[0];
  const css = outputs.find(([f]) => f.endsWith(".css"))?.[0];
  if (!entry || !css) throw new Error("the dashboard build produced no script or stylesheet");
  const js = entry;
  // What the sign-in page loads: the entry and the chunks it imports statically.
  const firstLoad = new Set();
  const visit = (file) => {
    if (firstLoad.has(file)) return;
    firstLoad.add(file);
    for (const i of result.metafile.outputs[file]?.imports ?? []) if (i.kind === "import-statement") visit(i.path);
  };
  visit(js);
  // The chunks the entry imports are announced with the page, so the browser fetches them
  // alongside the entry instead of after parsing it: one round trip fewer before the first render.
  const preloads = [...firstLoad]
    .filter((file) => file !== js)
    .map((file) => `<link rel="modulepreload" href="/app/assets/${basename(file)}" />`)
    .join("\n    ");
  const html = (await readFile(join(root, "dashboard/index.html"), "utf8"))
    .replace("%JS%", `/app/assets/${basename(js)}`)
    .replace("%CSS%", `/app/assets/${basename(css)}`)
    .replace("%PRELOADS%", preloads);
  await mkdir(join(out, "app"), { recursive: true });
  await writeFile(join(out, "app/index.html"), html);
  // Hashed names never change content: browsers may keep them for a year. The page itself is
  // always asked for again, so a deploy is seen at the next load.
  await writeFile(
    join(out, "_headers"),
    [
      "/app/assets/*",
      "  Cache-Control: public, max-age=31536000, immutable",
      "/app/*",
      "  X-Content-Type-Options: nosniff",
      "",
    ].join("\n"),
  );
  // The budget counts every chunk, as if a person visited every page.
  let gzip = 0;
  let jsBytes = 0;
  for (const [file] of outputs.filter(([f]) => f.endsWith(".js"))) {
    const bytes = await readFile(join(root, file));
    jsBytes += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  let entryGzip = 0;
  for (const file of firstLoad) entryGzip += gzipSync(await readFile(join(root, file)), { level: 9 }).length;
  const cssGzip = gzipSync(await readFile(join(root, css)), { level: 9 }).length;
  if (!quiet) {
    console.log(
      `dashboard: all JavaScript ${jsBytes} B (${gzip} B gzipped; first load ${entryGzip} B), CSS ${cssGzip} B gzipped`,
    );
  }
  if (gzip > JS_BUDGET_GZIP_BYTES) {
    throw new Error(`the dashboard's JavaScript is ${gzip} B gzipped, over its budget of ${JS_BUDGET_GZIP_BYTES} B`);
  }
  return { jsGzipBytes: gzip, entryGzipBytes: entryGzip, cssGzipBytes: cssGzip, jsBytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildDashboard();
}

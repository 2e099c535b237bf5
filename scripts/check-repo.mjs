#!/usr/bin/env node
// Repository rules that neither the compiler nor the linter can see. Prints one line per
// violation and a summary; exits 1 when there is any.
//
//   node scripts/check-repo.mjs [--only lockfile,route-imports,cycles,layers,file-size] [--root DIR] [LOCKFILE]
//
// LOCKFILE defaults to ROOT/package-lock.json; ROOT to the repository this script sits in.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

// Files allowed past MAX_LINES, as paths from the root (e.g. "src/platform/db/schema.ts").
// Each entry needs a reason next to it.
const LINE_LIMIT_ALLOWED = [];
const MAX_LINES = 300;

const CHECKS = ["lockfile", "route-imports", "cycles", "folder-cycles", "layers", "file-size"];

/** Who may not import whom: files under `from` may not import the `to` paths (folders end in `/`). */
const LAYERS = [
  {
    from: "src/platform/",
    to: [
      "src/features/",
      "src/consumers/",
      "src/whatsapp/",
      "src/durable-objects/",
      "src/queues/",
      "src/app.ts",
      "src/index.ts",
    ],
  },
  { from: "src/whatsapp/", to: ["src/features/", "src/consumers/"] },
  { from: "src/features/", to: ["src/consumers/", "src/app.ts"] },
];

const SOURCE_FILE = /\.(?:ts|tsx|mts|cts|js|mjs|cjs)$/;

function readOptions() {
  try {
    const { values, positionals } = parseArgs({
      options: { only: { type: "string" }, root: { type: "string" } },
      allowPositionals: true,
    });
    const only = values.only?.split(",").filter(Boolean) ?? CHECKS;
    const unknown = only.filter((c) => !CHECKS.includes(c));
    if (unknown.length > 0) throw new Error(`unknown check: ${unknown.join(", ")}`);
    if (positionals.length > 1) throw new Error(`unexpected argument: ${positionals[1]}`);
    const root = resolve(values.root ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
    return { only, root, lockfile: resolve(positionals[0] ?? join(root, "package-lock.json")) };
  } catch (err) {
    console.error(`check-repo: ${err.message}`);
    console.error(`usage: node scripts/check-repo.mjs [--only ${CHECKS.join(",")}] [--root DIR] [LOCKFILE]`);
    process.exit(2);
  }
}

/** Every file under `dir`, as paths from `root` with forward slashes. */
function filesUnder(root, dir) {
  const start = join(root, dir);
  if (!existsSync(start)) return [];
  return readdirSync(start, { recursive: true })
    .map((path) => join(start, path))
    .filter((full) => statSync(full).isFile())
    .map((full) => relative(root, full).split(sep).join("/"))
    .sort();
}

// ---- a. lockfile --------------------------------------------------------------------------

/**
 * npm installs an optional dependency from the lockfile only if the lockfile has an entry for it;
 * a lockfile written on one platform without the others' entries makes `npm ci` fail elsewhere.
 */
function checkLockfile(lockfilePath) {
  let lock;
  try {
    lock = JSON.parse(readFileSync(lockfilePath, "utf8"));
  } catch (err) {
    return [`cannot read ${lockfilePath}: ${err.message}`];
  }
  if (!lock.packages || typeof lock.packages !== "object") {
    return [`${lockfilePath} has no "packages" map (lockfileVersion 2 or later is needed)`];
  }
  const violations = [];
  for (const [path, pkg] of Object.entries(lock.packages)) {
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
      if (resolveInLock(lock.packages, path, dep) === null) {
        violations.push(`${path || "(root)"}: optional dependency ${dep} has no entry in the lockfile`);
      }
    }
  }
  return violations;
}

/** Node's lookup: `<path>/node_modules/<dep>`, then each enclosing node_modules up to the root. */
function resolveInLock(packages, path, dep) {
  let base = path;
  for (;;) {
    const candidate = `${base ? `${base}/` : ""}node_modules/${dep}`;
    if (candidate in packages) return candidate;
    if (base === "") return null;
    const cut = base.lastIndexOf("node_modules/");
    base = cut <= 0 ? "" : base.slice(0, cut - 1);
  }
}

// ---- the import graph of src/ -------------------------------------------------------------

const IMPORT_PATTERNS = [
  // import x from "…", import type { x } from "…", import * as x from "…", import x, { y } from "…"
  /^\s*import\s+(?:type\s+)?(?:[\w$]+\s*,?\s*)?(?:\*\s*as\s+[\w$]+|\{[^}]*\})?\s*from\s*["']([^"']+)["']/gm,
  // import "…" (side effects only)
  /^\s*import\s*["']([^"']+)["']/gm,
  // export * from "…", export { x } from "…", export type { x } from "…"
  /^\s*export\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*["']([^"']+)["']/gm,
  // import("…"), in code or in a type position
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
];

/** The specifiers a module imports (type-only imports included). */
function specifiersOf(text) {
  // Line comments can mention an import; dropping whole comment lines is enough for formatted code.
  const code = text
    .split("\n")
    .filter((line) => !/^\s*(?:\/\/|\*|\/\*)/.test(line))
    .join("\n");
  const found = new Set();
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of code.matchAll(pattern)) found.add(match[1]);
  }
  return [...found];
}

/** The file a relative specifier names, as TypeScript's bundler resolution finds it; null if none. */
function resolveRelative(root, from, specifier) {
  const base = join(dirname(join(root, from)), specifier);
  const candidates = [
    base,
    `${base}.ts`,
    `${base}.tsx`,
    `${base}.d.ts`,
    join(base, "index.ts"),
    join(base, "index.tsx"),
  ];
  const jsTwin = /\.(m|c)?js$/.exec(base);
  if (jsTwin) {
    const stem = base.slice(0, -jsTwin[0].length);
    candidates.unshift(`${stem}.${jsTwin[1] ?? ""}ts`, `${stem}.tsx`);
  }
  for (const candidate of candidates) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate).split(sep).join("/");
  }
  return null;
}

/** Each source file under src/ with the src/ files it imports through relative specifiers. */
function importGraph(root) {
  const graph = new Map();
  for (const file of filesUnder(root, "src").filter((f) => SOURCE_FILE.test(f))) {
    const targets = new Set();
    for (const specifier of specifiersOf(readFileSync(join(root, file), "utf8"))) {
      if (!specifier.startsWith(".")) continue;
      const target = resolveRelative(root, file, specifier);
      if (target?.startsWith("src/")) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

// ---- b. route modules ---------------------------------------------------------------------

const isRouteModule = (file) => /(?:^|\/)(?:routes|[^/]*-routes|[^/]*-route)\.ts$/.test(file);

/** The folder a module belongs to: its feature (src/features/<name>) or else its own directory. */
function featureOf(file) {
  const feature = /^src\/features\/[^/]+\//.exec(file);
  return feature ? feature[0] : file.slice(0, file.lastIndexOf("/") + 1);
}

function checkRouteImports(graph) {
  const violations = [];
  for (const [file, targets] of graph) {
    for (const target of targets) {
      if (!isRouteModule(target) || file === "src/app.ts") continue;
      if (isRouteModule(file) && featureOf(file) === featureOf(target)) continue;
      violations.push(
        `${file} imports the route module ${target} (only src/app.ts and its feature's route modules may)`,
      );
    }
  }
  return violations;
}

// ---- c. cycles ----------------------------------------------------------------------------

/** Strongly connected components with a cycle (Tarjan), each as one cycle through its files. */
function checkCycles(graph) {
  const indexOf = new Map();
  const low = new Map();
  const stack = [];
  const components = [];
  // Recursive: an import chain is as deep as the source tree's layering, far from any stack limit.
  const visit = (node) => {
    indexOf.set(node, indexOf.size);
    low.set(node, indexOf.get(node));
    stack.push(node);
    for (const target of graph.get(node) ?? []) {
      if (!indexOf.has(target)) visit(target);
      if (stack.includes(target)) low.set(node, Math.min(low.get(node), low.get(target)));
    }
    if (low.get(node) !== indexOf.get(node)) return;
    const component = stack.splice(stack.indexOf(node));
    if (component.length > 1 || graph.get(node)?.includes(node)) components.push(component.sort());
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);

  return components
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map((component) => {
      const cycle = cycleThrough(graph, new Set(component), component[0]);
      const more = component.length > cycle.length - 1 ? ` (${component.length} files take part)` : "";
      return `import cycle: ${cycle.join(" -> ")}${more}`;
    });
}

/** The shortest path from `start` back to itself inside `members` (breadth first). */
function cycleThrough(graph, members, start) {
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const target of graph.get(node) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at)) path.unshift(at);
        path.unshift(start);
        return path;
      }
      if (!previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

/**
 * Folders import each other one way too: a feature (src/features/<name>) or a top-level folder of
 * src/ that imports another which imports it back, even through type-only imports, is an arrow
 * that climbs back up, and a reader following a call re-enters a folder already left.
 */
function checkFolderCycles(graph) {
  const roomOf = (file) => /^src\/features\/[^/]+|^src\/[^/]+(?=\/)|^src\/[^/]+$/.exec(file)?.[0] ?? file;
  const folders = new Map();
  for (const [file, targets] of graph) {
    const from = roomOf(file);
    const set = folders.get(from) ?? new Set();
    for (const target of targets) if (roomOf(target) !== from) set.add(roomOf(target));
    folders.set(from, set);
  }
  const folderGraph = new Map([...folders].map(([room, set]) => [room, [...set]]));
  return checkCycles(folderGraph).map((line) => line.replace("import cycle:", "folder cycle:"));
}

// ---- d. layers ----------------------------------------------------------------------------

function checkLayers(graph) {
  const violations = [];
  for (const [file, targets] of graph) {
    for (const rule of LAYERS) {
      if (!file.startsWith(rule.from)) continue;
      for (const target of targets) {
        const forbidden = rule.to.find((to) => (to.endsWith("/") ? target.startsWith(to) : target === to));
        if (forbidden)
          violations.push(`${file} imports ${target} (nothing under ${rule.from} may import ${forbidden})`);
      }
    }
  }
  return violations;
}

// ---- e. file size -------------------------------------------------------------------------

function lineCount(text) {
  if (text === "") return 0;
  const lines = text.split("\n").length;
  return text.endsWith("\n") ? lines - 1 : lines;
}

function checkFileSizes(root) {
  const violations = [];
  for (const file of [...filesUnder(root, "src"), ...filesUnder(root, "standin")]) {
    if (file === "worker-configuration.d.ts" || LINE_LIMIT_ALLOWED.includes(file)) continue;
    const lines = lineCount(readFileSync(join(root, file), "utf8"));
    if (lines > MAX_LINES) violations.push(`${file} has ${lines} lines (limit ${MAX_LINES})`);
  }
  return violations;
}

// ---- main ---------------------------------------------------------------------------------

const options = readOptions();
const needsGraph = options.only.some((c) => ["route-imports", "cycles", "folder-cycles", "layers"].includes(c));
const graph = needsGraph ? importGraph(options.root) : new Map();
const run = {
  lockfile: () => checkLockfile(options.lockfile),
  "route-imports": () => checkRouteImports(graph),
  cycles: () => checkCycles(graph),
  "folder-cycles": () => checkFolderCycles(graph),
  layers: () => checkLayers(graph),
  "file-size": () => checkFileSizes(options.root),
};

const counts = [];
let total = 0;
for (const check of CHECKS.filter((c) => options.only.includes(c))) {
  const violations = run[check]();
  for (const violation of violations) console.log(`${check}: ${violation}`);
  counts.push(`${check} ${violations.length}`);
  total += violations.length;
}
const summary = `check-repo: ${total === 0 ? "clean" : `${total} violation${total === 1 ? "" : "s"}`} (${counts.join(", ")})`;
console.log(summary);
process.exit(total === 0 ? 0 : 1);

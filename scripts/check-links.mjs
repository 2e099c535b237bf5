// Checks every relative link in README.md and docs/**/*.md: the file (or folder) must exist and,
// when the link names an anchor, the target must have a heading with that GitHub slug. Links to
// other sites are not fetched: this runs offline and must not fail because a site is down.
// Usage: node scripts/check-links.mjs   (exits 1 and lists each broken link as file:line)
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function markdownFilesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFilesUnder(path);
    return entry.name.endsWith(".md") ? [path] : [];
  });
}

// GitHub's slugger: lowercase, drop punctuation (keeping letters, digits, spaces, `-` and `_`),
// spaces become hyphens; a repeated heading gets -1, -2, … in order.
const PUNCTUATION = /[\u2000-\u206F\u2E00-\u2E7F\\'!"#$%&()*+,./:;<=>?@[\]^`{|}~]/g;

function slugOf(heading) {
  const text = heading
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "");
  return text.trim().toLowerCase().replace(PUNCTUATION, "").replace(/ /g, "-");
}

/** The lines of a Markdown file with fenced code blocks blanked, so their `#` and `[]()` are ignored. */
function proseLines(text) {
  let fence = null;
  return text.split(/\r?\n/).map((line) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = null;
      return "";
    }
    if (marker) {
      fence = marker;
      return "";
    }
    return line;
  });
}

const anchorCache = new Map();

function anchorsOf(file) {
  let anchors = anchorCache.get(file);
  if (anchors) return anchors;
  anchors = new Set();
  const seen = new Map();
  for (const line of proseLines(readFileSync(file, "utf8"))) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const base = slugOf(heading);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1]);
  }
  anchorCache.set(file, anchors);
  return anchors;
}

// `[text](target)`, `![alt](target)`, `[text](<target> "title")`: group 1 is the target.
const INLINE_LINK = /!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+("[^"]*"|'[^']*'))?\s*\)/g;
const REFERENCE_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/;

/** Inline links and images, and reference definitions `[ref]: target`, outside code spans. */
function linksIn(line) {
  const withoutCode = line.replace(/(`+)(?:(?!\1).)+\1/g, (code) => " ".repeat(code.length));
  const targets = [];
  for (const match of withoutCode.matchAll(INLINE_LINK)) targets.push(match[1]);
  const definition = REFERENCE_DEFINITION.exec(withoutCode);
  if (definition) targets.push(definition[1]);
  return targets.map((target) => target.replace(/^<(.*)>$/, "$1"));
}

function problemWith(file, target) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) return null;
  const hash = target.indexOf("#");
  const pathPart = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
  const path = decodeURIComponent(pathPart.split("?")[0]);
  const resolved = path === "" ? file : path.startsWith("/") ? join(root, path) : resolve(dirname(file), path);
  if (!existsSync(resolved)) return `no such file: ${relative(root, resolved) || path}`;
  if (anchor === null || anchor === "") return null;
  if (statSync(resolved).isDirectory() || !resolved.endsWith(".md")) return null;
  if (!anchorsOf(resolved).has(anchor.toLowerCase())) {
    return `no heading #${anchor} in ${relative(root, resolved)}`;
  }
  return null;
}

const files = [join(root, "README.md"), ...markdownFilesUnder(join(root, "docs"))].filter((f) => existsSync(f));
const broken = [];
let checked = 0;
for (const file of files) {
  proseLines(readFileSync(file, "utf8")).forEach((line, index) => {
    for (const target of linksIn(line)) {
      checked++;
      const problem = problemWith(file, target);
      if (problem) broken.push(`${relative(root, file)}:${index + 1}: ${target} (${problem})`);
    }
  });
}

if (broken.length > 0) {
  console.error(`${broken.length} broken link${broken.length === 1 ? "" : "s"}:`);
  for (const line of broken) console.error(`  ${line}`);
  process.exit(1);
}
console.log(`${checked} links in ${files.length} files: all resolve.`);

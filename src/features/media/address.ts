// Which URLs the media check may request at all: the guard against server-side request forgery.
//
// It works on the URL as the WHATWG parser (the runtime's `URL`) left it. That parser already
// turns every legacy IPv4 spelling into dotted decimal — 2130706433, 0177.0.0.1, 0x7f.1, 127.1,
// percent-encoded and full-width digits, a trailing dot — and every IPv6 literal into its
// compressed lowercase hex form ([::ffff:127.0.0.1] becomes [::ffff:7f00:1]), so one check of
// each canonical form covers them all (test/media.ssrf.test.ts proves it on the runtime's parser).
//
// Host NAMES are judged by their spelling only; what they resolve to is not re-checked. A Worker
// deployed on Cloudflare cannot reach private networks at all — its subrequests leave from
// Cloudflare's edge to the public Internet, never into our (or anyone's) internal network — and
// the runtime has no DNS API to resolve a name before connecting. So a public name pointing at
// 127.0.0.1 or 10.x (127.0.0.1.nip.io, DNS rebinding) can only reach the edge's view of those
// addresses, not a service of ours. The literal-address and internal-name rules below still
// matter: they keep the check from being used to probe addresses by their spelling, and they keep
// the rule correct should this code ever run somewhere that can reach a private network.

import type { HostEntry } from "../../platform/config";

export type UrlRefusal = "invalid" | "scheme" | "credentials" | "internal-name" | "private-address";

/** Private-use suffixes: names under these are never public hosts. */
const INTERNAL_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa", ".lan", ".intranet", ".corp"];

/** IPv4 ranges never reachable as a public host: IANA's special-purpose registry, less the public anycast ones. */
const FORBIDDEN_V4: readonly (readonly [string, number])[] = [
  ["0.0.0.0", 8], // "this network", incl. the unspecified 0.0.0.0
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // shared address space (CGNAT); incl. Alibaba Cloud metadata 100.100.100.200
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local; incl. the AWS/GCP/Azure metadata address 169.254.169.254
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation (TEST-NET-1)
  ["192.88.99.0", 24], // 6to4 relay anycast (deprecated)
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation (TEST-NET-2)
  ["203.0.113.0", 24], // documentation (TEST-NET-3)
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, incl. the broadcast 255.255.255.255
];

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** A dotted-decimal IPv4 address as an unsigned 32-bit number; null for anything else. */
export function parseIPv4(text: string): number | null {
  const m = DOTTED_QUAD.exec(text);
  if (!m) return null;
  let value = 0;
  for (const part of m.slice(1)) {
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

const V4_RANGES = FORBIDDEN_V4.map(([base, bits]) => {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (parseIPv4(base) as number) & mask, mask };
});

export function isForbiddenIPv4(address: number): boolean {
  return V4_RANGES.some(({ base, mask }) => (address & mask) >>> 0 === base >>> 0);
}

/** An IPv6 address (no brackets, no zone) as its eight 16-bit groups; null when not one. */
export function parseIPv6(text: string): number[] | null {
  let head = text;
  let tail: number[] = [];
  // A trailing dotted quad stands for the last two groups.
  const quad = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (quad) {
    const v4 = parseIPv4(quad[2] as string);
    if (v4 === null) return null;
    head = (quad[1] as string).endsWith("::") ? (quad[1] as string) : (quad[1] as string).slice(0, -1);
    tail = [v4 >>> 16, v4 & 0xffff];
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const left = groups(halves[0] as string);
  const right = halves.length === 2 ? groups(halves[1] as string) : [];
  const parsed = [...left, ...right].map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? Number.parseInt(g, 16) : Number.NaN));
  if (parsed.some(Number.isNaN)) return null;
  const missing = 8 - parsed.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return [
    ...parsed.slice(0, left.length),
    ...new Array<number>(missing).fill(0),
    ...parsed.slice(left.length),
    ...tail,
  ];
}

/**
 * Only global unicast (2000::/3) less its special blocks is public. That rules out ::, ::1, the
 * deprecated IPv4-compatible ::/96, fc00::/7 (unique local, incl. AWS metadata fd00:ec2::254),
 * fe80::/10, fec0::/10, ff00::/8, 100::/64 and everything unallocated. Addresses that embed an
 * IPv4 one — IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16 — are judged by it.
 */
export function isForbiddenIPv6(g: readonly number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded = ((g6 << 16) | g7) >>> 0;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return isForbiddenIPv4(embedded);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return isForbiddenIPv4(embedded);
  if ((g0 & 0xe000) !== 0x2000) return true;
  if (g0 === 0x2002) return isForbiddenIPv4(((g1 << 16) | g2) >>> 0);
  if (g0 === 0x2001 && (g1 & 0xfe00) === 0) return true; // 2001::/23: Teredo, benchmarking, ORCHID…
  if (g0 === 0x2001 && g1 === 0x0db8) return true; // documentation
  if (g0 === 0x3fff && (g1 & 0xf000) === 0) return true; // documentation (RFC 9637)
  return false;
}

const DEFAULT_PORTS: Record<string, string> = { "http:": "80", "https:": "443" };

/** Whether `url` names one of `hosts`; a host listed without a port matches any port. */
function isListed(url: URL, hosts: readonly HostEntry[]): boolean {
  const port = url.port || DEFAULT_PORTS[url.protocol];
  return hosts.some((h) => h.hostname === url.hostname && (h.port === null || h.port === port));
}

/**
 * Why a parsed URL may not be requested, or null when it may. `devHosts` (DEV_MEDIA_HOSTS, for
 * local development only) are let through without the private-address and internal-name rules.
 */
export function refuseUrl(url: URL, devHosts: readonly HostEntry[] = []): UrlRefusal | null {
  if (url.protocol !== "http:" && url.protocol !== "https:") return "scheme";
  if (url.username !== "" || url.password !== "") return "credentials";
  if (isListed(url, devHosts)) return null;
  const host = url.hostname.toLowerCase();
  if (host.startsWith("[")) {
    const groups = parseIPv6(host.slice(1, -1));
    // The parser only lets valid IPv6 literals through; anything else here fails closed.
    return groups === null || isForbiddenIPv6(groups) ? "private-address" : null;
  }
  const v4 = parseIPv4(host);
  if (v4 !== null) return isForbiddenIPv4(v4) ? "private-address" : null;
  const name = host.replace(/\.+$/, "");
  if (name === "") return "invalid";
  // A single-label name (localhost, metadata, intranet) is only ever resolved on a local network.
  if (!name.includes(".")) return "internal-name";
  if (INTERNAL_SUFFIXES.some((suffix) => name.endsWith(suffix))) return "internal-name";
  return null;
}

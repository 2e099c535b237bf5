// The browser tests drive Debian's Chromium (Playwright's own browser download needs a network this
// project's machines do not have). Installs the `chromium` package where it is missing.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function ensureChromium() {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const sudo = root ? [] : ["sudo", "-n"];
  console.log(`${CHROMIUM} is missing: installing Debian's chromium package`);
  const run = (args) => {
    const [cmd, ...rest] = [...sudo, ...args];
    const result = spawnSync(cmd, rest, {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (result.status !== 0) {
      throw new Error(
        `\`${[cmd, ...rest].join(" ")}\` failed: install Chromium yourself (apt-get install chromium) or set CHROMIUM_PATH`,
      );
    }
  };
  run(["apt-get", "update", "-qq"]);
  run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]);
  execFileSync(CHROMIUM, ["--version"], { stdio: "inherit" });
  return CHROMIUM;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureChromium();

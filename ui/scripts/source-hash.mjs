// sha256 over the web app's sources: tests/ui/test_assets_match_sources.py computes the same
// hash in Python and fails when the committed build (hetumind/webapp/static) is stale.
// Scheme: for each file (paths relative to ui/, '/'-separated, sorted by code point):
// update(path + "\0" + bytes + "\0"). Files: index.html, package.json, package-lock.json,
// tsconfig.json, vite.config.ts, and everything under src/ and scripts/.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ui = join(dirname(fileURLToPath(import.meta.url)), "..");
const TOP = ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts"];

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else out.push(relative(ui, full).split("\\").join("/"));
  }
}

const files = [...TOP];
walk(join(ui, "src"), files);
walk(join(ui, "scripts"), files);
files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const hash = createHash("sha256");
for (const f of files) {
  hash.update(f + "\0");
  hash.update(readFileSync(join(ui, f)));
  hash.update("\0");
}
const digest = hash.digest("hex");
if (process.argv.includes("--write")) {
  writeFileSync(join(ui, "..", "hetumind", "webapp", "static", "source-hash.txt"), digest + "\n");
}
console.log(digest);

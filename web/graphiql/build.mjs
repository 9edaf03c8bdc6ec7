// Copies the npm registry's minified builds of GraphiQL, React, ReactDOM and the explorer
// plugin (pinned in package.json and package-lock.json) to app/static/graphiql/, with the
// licences of every package they come from and a manifest (version, SRI hash) that the
// page uses. Run after `npm ci` here; commit the result. Nothing is fetched at run time.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "app", "static", "graphiql");

// [package, file in the package, name served by mailgate]
const ASSETS = [
  ["react", "umd/react.production.min.js", "react.production.min.js"],
  ["react-dom", "umd/react-dom.production.min.js", "react-dom.production.min.js"],
  ["graphiql", "graphiql.min.js", "graphiql.min.js"],
  ["graphiql", "graphiql.min.css", "graphiql.min.css"],
  ["@graphiql/plugin-explorer", "dist/index.umd.js", "graphiql-plugin-explorer.umd.js"],
  ["@graphiql/plugin-explorer", "dist/style.css", "graphiql-plugin-explorer.css"],
];

const lock = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8"));
const manifest = {};
mkdirSync(out, { recursive: true });
for (const name of readdirSync(out)) {
  if (name !== "page.html") rmSync(join(out, name));
}
for (const [pkg, file, served] of ASSETS) {
  const meta = lock.packages[`node_modules/${pkg}`];
  let text = readFileSync(join(here, "node_modules", pkg, file), "utf8");
  // No source maps are shipped: a browser must not ask for them.
  text = text.replace(/\n?\/[/*][#@] sourceMappingURL=[^\n]*\n?$/, "\n");
  writeFileSync(join(out, served), text);
  const integrity = "sha384-" + createHash("sha384").update(text).digest("base64");
  manifest[served] = { package: pkg, version: meta.version, integrity };
}
writeFileSync(join(out, "assets.json"), JSON.stringify(manifest, null, 2) + "\n");

// Every installed package (the builds bundle many of them): name, version, licence, its text.
const notices = [];
for (const [path, meta] of Object.entries(lock.packages).sort()) {
  if (!path) continue;
  const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
  const dir = join(here, path);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^(licen[cs]e|copying|notice)/i.test(f)) : [];
  const texts = files.map((f) => readFileSync(join(dir, f), "utf8").trim());
  notices.push(
    [`${name}@${meta.version} (${meta.license ?? "see its package"})`, ...(texts.length ? texts : ["(no licence file in the package; licence as named above)"])].join("\n\n"),
  );
}
const head =
  "Third-party software in mailgate's GraphiQL page (app/static/graphiql), built from the npm\n" +
  "registry by web/graphiql/build.mjs from web/graphiql/package-lock.json.\n";
writeFileSync(join(out, "LICENSES.txt"), head + "\n" + notices.join("\n\n" + "=".repeat(78) + "\n\n") + "\n");
console.log(`wrote ${ASSETS.length} assets, assets.json and LICENSES.txt (${notices.length} packages) to ${out}`);

// Bundles the dashboard into dist/: app.js (the views, genlayer-js and billing-js with its .wasm
// inlined, one classic script that also runs from file://), index.html and style.css.
// BILLING_JS_PKG names the built billing-js package (crates/js/build.sh); default ../target/billing-js.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";

const here = import.meta.dirname;
const pkg = path.resolve(process.env.BILLING_JS_PKG ?? path.join(here, "../target/billing-js"));
if (!existsSync(path.join(pkg, "index.js"))) {
  console.error(`dashboard: billing-js is not built at ${pkg}: run crates/js/build.sh (or set BILLING_JS_PKG)`);
  process.exit(1);
}
const out = path.join(here, "dist");
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [path.join(here, "src/main.js")],
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["es2022"],
  minify: true,
  sourcemap: false,
  legalComments: "none",
  outfile: path.join(out, "app.js"),
  alias: { "billing-js": pkg },
  loader: { ".wasm": "binary" },
  // wasm-bindgen's default init() would fetch the .wasm beside the module; the bundle inlines it and
  // calls initSync, so that URL is never used.
  define: { "import.meta.url": "\"\"" },
  logLevel: "warning",
});
for (const file of ["index.html", "style.css"]) copyFileSync(path.join(here, file), path.join(out, file));
console.log(`dashboard: ${out}`);

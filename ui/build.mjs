// Bundles the TypeScript UI into ui/dist (what Tauri embeds): one ES module, the HTML page
// and the stylesheet. No CDN, no inline script, so the CSP can stay strict.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: [join(here, "src/main.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: false,
  outfile: join(dist, "main.js"),
  logLevel: "warning",
});
copyFileSync(join(here, "index.html"), join(dist, "index.html"));
copyFileSync(join(here, "src/styles.css"), join(dist, "styles.css"));

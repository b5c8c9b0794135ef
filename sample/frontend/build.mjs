import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";

const outdir = "dist";

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const result = await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outdir,
  entryNames: "[name]-[hash]",
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
const script = outputs.find((file) => file.endsWith(".js"));
const style = outputs.find((file) => file.endsWith(".css"));
if (!script || !style) {
  throw new Error(`unexpected esbuild outputs: ${outputs.join(", ")}`);
}

const html = readFileSync("src/index.html", "utf8")
  .replace("{{STYLE}}", `/${style}`)
  .replace("{{SCRIPT}}", `/${script}`);
writeFileSync(`${outdir}/index.html`, html);

for (const file of [...outputs, "index.html"].sort()) {
  console.log(`${outdir}/${file}`);
}

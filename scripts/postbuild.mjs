// Trunk's post_build hook (Trunk.toml): makes the built dashboard in $TRUNK_STAGING_DIR run
// under a strict Content-Security-Policy and under any base path.
//
// - The wasm is split into the module a first load needs and chunks fetched per page
//   (scripts/wasm-split.mjs).
// - The inline module script trunk writes to start the wasm moves to a file of its own, and
//   index.html's import map is resolved here, in the JS modules that import its bare names, and
//   then dropped: a policy without 'unsafe-inline' refuses both inline scripts and inline maps.
// - Asset URLs become relative, so `<base href>` is the only place that names the base path:
//   a server can write another one into index.html (see README.md, "Beside a real agent").
// - Subresource-integrity hashes of the files changed here are computed again.
// - Large files get brotli and gzip copies beside them (`app.wasm.br`, `app.wasm.gz`), which
//   the agent, `serve`, nginx (gzip_static) and Caddy (precompressed) send as they are.
//
// Works for any `trunk build --dist DIR` (the staging directory is trunk's own).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { splitWasm } from './wasm-split.mjs';

const staging = process.env.TRUNK_STAGING_DIR;
const publicUrl = process.env.TRUNK_PUBLIC_URL;
if (!staging || !publicUrl) {
  throw new Error('postbuild.mjs runs as trunk\'s post_build hook (TRUNK_STAGING_DIR, TRUNK_PUBLIC_URL)');
}
// 0. The wasm split into the first load's module and per-page chunks.
const split = await splitWasm(staging, path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
console.log(`postbuild: ${split.main} split off ${split.chunks} chunks, loaded by ${split.loader}`);

const indexPath = path.join(staging, 'index.html');
let html = readFileSync(indexPath, 'utf8');

/** The one element matching `pattern` in index.html; anything else means trunk changed its output. */
function only(pattern, what) {
  const found = [...html.matchAll(pattern)];
  if (found.length !== 1) throw new Error(`index.html: expected one ${what}, found ${found.length}`);
  return found[0];
}

// A script element as trunk writes it, minified (`type=module`) or not (`type="module"`).
const script = (type) => new RegExp(`<script type=["']?${type}["']?>([\\s\\S]*?)</script>`, 'g');

// 1. Resolve the import map into the modules that import its bare names.
const importMap = html.match(script('importmap'));
if (importMap) {
  const { imports } = JSON.parse(only(script('importmap'), 'import map')[1]);
  html = html.replace(importMap[0], '');
  for (const file of modules(staging)) {
    const source = readFileSync(file, 'utf8');
    let resolved = source;
    for (const [name, target] of Object.entries(imports)) {
      // Targets are relative to the document's base: the dist root.
      let relative = path.relative(path.dirname(file), path.join(staging, target)).split(path.sep).join('/');
      if (!relative.startsWith('.')) relative = `./${relative}`;
      const quoted = `(["'])${escapeRegExp(name)}\\2`;
      resolved = resolved.replace(new RegExp(`(\\bfrom\\s*|\\bimport\\s*\\(?\\s*)${quoted}`, 'g'), `$1$2${relative}$2`);
    }
    if (resolved !== source) writeFileSync(file, resolved);
  }
}

/** The JS modules of the build: wasm-bindgen's output and its snippets, not copied libraries. */
function modules(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.m?js$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => {
      const relative = path.relative(dir, file);
      return relative.startsWith(`snippets${path.sep}`) || !relative.includes(path.sep);
    });
}

// 2. Relative asset URLs: everything but <base> itself loses the public URL.
html = html.replace(new RegExp(`(<(?!base\\b)[a-z]+\\b[^>]*?\\s(?:href|src)=["']?)${escapeRegExp(publicUrl)}`, 'gi'), '$1');
// One plain spelling of <base>, so servers can find and rewrite it.
const base = only(/<base\b[^>]*>/gi, '<base>');
html = html.replace(base[0], `<base href="${publicUrl}">`);

// 3. The wasm start script into a file, its URLs relative to that file (beside index.html).
const start = only(script('module'), 'inline module script');
const startSource = start[1].trim().replaceAll(`'${publicUrl}`, `'./`) + '\n';
const startName = `start-${createHash('sha256').update(startSource).digest('hex').slice(0, 16)}.js`;
writeFileSync(path.join(staging, startName), startSource);
html = html.replace(start[0], `<script type="module" src="${startName}" integrity="${integrity(startSource)}"></script>`);

// 4. Integrity of every file index.html names with one, as it is now.
html = html.replace(/<[a-z]+\b[^>]*\sintegrity=[^>]*>/gi, (tag) => {
  const url = tag.match(/\s(?:href|src)=["']?([^"'\s>]+)/i)?.[1];
  if (!url) return tag;
  const hash = integrity(readFileSync(path.join(staging, url)));
  return tag.replace(/(\sintegrity=["']?)[^"'\s>]+/i, `$1${hash}`);
});

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function integrity(content) {
  return `sha384-${createHash('sha384').update(content).digest('base64')}`;
}

// `trunk serve` adds its inline reload script (and sends no policy); nothing else may be inline.
const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/gi)].filter((m) => !m[1].includes('{{__TRUNK_'));
if (inline.length) throw new Error(`index.html still has an inline script: ${inline[0][0].slice(0, 80)}`);
writeFileSync(indexPath, html);

// 5. Compressed copies, once, at the highest levels (the wasm is most of every first load).
// index.html is rewritten per base path when served, and config.json and theme.css are meant
// to be edited where the dashboard is deployed: those are compressed as they are sent.
const editable = new Set(['index.html', 'config.json', 'theme.css']);
for (const entry of readdirSync(staging, { withFileTypes: true, recursive: true })) {
  const file = path.join(entry.parentPath, entry.name);
  if (!entry.isFile() || !/\.(wasm|m?js|css|svg)$/.test(entry.name) || editable.has(path.relative(staging, file))) continue;
  if (statSync(file).size < 1024) continue;
  const content = readFileSync(file);
  writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
  writeFileSync(`${file}.br`, brotliCompressSync(content, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: content.length },
  }));
}

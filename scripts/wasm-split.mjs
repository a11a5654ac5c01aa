// Splits the dashboard's wasm into the module a first load needs and chunks fetched when a
// page needs them (src/app.rs marks the pages with `#[wasm_split]`), in place of the single
// module trunk 0.21 builds (trunk has no step for it). Called by postbuild.mjs before anything
// else reads the build.
//
// From cargo's own output (linked with --emit-relocs, .cargo/config.toml):
//   wasm-split-cli → the main module, the chunks and their loader (`__wasm_split.js`);
//   wasm-bindgen   → the main module's JS and wasm, in place of trunk's (same names, so
//                    index.html and the start script stay as trunk wrote them);
//   wasm-opt -Os   → every module (trunk's own wasm-opt is off: index.html data-wasm-opt="0").
//   terser         → the main module's JS and the loader, minified: trunk's `minify` only
//                    reaches the JS trunk wrote, which this replaces.
// Chunks and the loader get content-hashed names, as trunk names everything else.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { minify } from 'terser';

const run = promisify(execFile);
// index.html's data-bin and data-cargo-profile.
const BIN = 'caravan';
const PROFILE = 'wasm-release';

export async function splitWasm(staging, root) {
  const mainWasm = readdirSync(staging).find((f) => new RegExp(`^${BIN}-[0-9a-f]+_bg\\.wasm$`).test(f));
  if (!mainWasm) throw new Error(`wasm-split: no ${BIN}-<hash>_bg.wasm in ${staging}`);
  const stem = mainWasm.slice(0, -'_bg.wasm'.length);

  const { stdout } = await run('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: root });
  const target = JSON.parse(stdout).target_directory;
  const input = path.join(target, 'wasm32-unknown-unknown', PROFILE, `${BIN}.wasm`);
  const work = path.join(target, 'wasm-split');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  await run('wasm-split-cli', [input, work, '--out-name', stem]);
  // --keep-lld-exports: the chunks import the main module's functions by their linker names.
  await run('wasm-bindgen', ['--target', 'web', '--keep-lld-exports', '--no-demangle', '--no-typescript',
    '--out-dir', staging, '--out-name', stem, path.join(work, `${stem}.wasm`)]);

  // wasm-bindgen's package.json is for npm, not for the browser.
  rmSync(path.join(staging, 'package.json'), { force: true });

  const chunks = readdirSync(work).filter((f) => f.endsWith('.wasm') && f !== `${stem}.wasm`);
  await optimise([path.join(staging, mainWasm), ...chunks.map((f) => path.join(work, f))]);

  let loader = readFileSync(path.join(work, '__wasm_split.js'), 'utf8');
  // The loader starts a chunk's fetch, then waits for the chunks it depends on before handing
  // the fetch to WebAssembly.instantiateStreaming: a fetch failing meanwhile would be an
  // unhandled rejection. The load still fails, and reports it, through instantiateStreaming.
  const fetches = /const src = (fetch\(new URL\("[^"]+", import\.meta\.url\)\));/g;
  if (!fetches.test(loader)) throw new Error('wasm-split: the loader fetches no chunk as expected');
  loader = loader.replaceAll(fetches, 'const src = $1; src.catch(() => {});');
  for (const chunk of chunks) {
    // An empty split is never fetched (the loader resolves it without a request).
    if (!loader.includes(`"./${chunk}"`)) continue;
    const content = readFileSync(path.join(work, chunk));
    const name = `${chunk.slice(0, -'.wasm'.length)}-${hash(content)}.wasm`;
    renameSync(path.join(work, chunk), path.join(staging, name));
    loader = replaceOnce(loader, `"./${chunk}"`, `"./${name}"`);
  }
  loader = await minified(loader, '__wasm_split.js');
  const loaderName = `${stem}-split-${hash(loader)}.js`;
  writeFileSync(path.join(staging, loaderName), loader);

  // The main module's JS imports the loader by the name the wasm's imports carry; only the
  // `import ... from` specifiers change (the import object keeps the wasm's module name).
  const jsPath = path.join(staging, `${stem}.js`);
  const js = readFileSync(jsPath, 'utf8');
  const linked = js.replaceAll(/(\bfrom\s*)(["'])\.\/__wasm_split\.js\2/g, `$1$2./${loaderName}$2`);
  if (linked === js) throw new Error(`wasm-split: ${stem}.js does not import __wasm_split.js`);
  writeFileSync(jsPath, await minified(linked, `${stem}.js`));
  return { main: mainWasm, chunks: chunks.length, loader: loaderName };
}

// What is measured is the compressed size (gzip -9 and brotli, README.md), not the raw one.
// `-Os` without binaryen's inlining of functions that have one caller (LLVM already inlined
// what it judged worth it) compresses best: on the main module 278,886 bytes gzipped against
// 282,465 for `-Oz` (-Os alone: 281,244), though it is 4% larger uncompressed.
const WASM_OPT = ['-Os', '--one-caller-inline-max-function-size=0'];

/** wasm-opt ({@link WASM_OPT}) on each file in place, two at a time (the machines have two cores). */
async function optimise(files) {
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      await run('wasm-opt', [...WASM_OPT, file, '-o', file]);
    }
  };
  await Promise.all([worker(), worker()]);
}

/**
 * An ES module minified. Only local names are shortened: export names, import specifiers and
 * property names (the wasm's import object, `__wasm_split`'s shared imports) stay as written.
 * 11.5 KB of the first load's 14.3 KB of gzipped JS was wasm-bindgen's glue, unminified.
 */
async function minified(source, name) {
  const { code } = await minify(source, { module: true, ecma: 2020, format: { comments: false } });
  if (!code) throw new Error(`wasm-split: terser returned nothing for ${name}`);
  return code;
}

function replaceOnce(text, from, to) {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`wasm-split: expected one ${from} in the loader`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

function hash(content) {
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

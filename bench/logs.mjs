// Issue 4 benchmark: the log viewer following a task that writes 5 MB/s for 60 s, then a
// search over 100,000 retained lines. Prints figures; asserts nothing. Run through
// scripts/bench.sh (RATE in bytes/s and DURATION in seconds override the load).
import { startAgent } from '../e2e/support/agent.mjs';
import { launch, openPage } from '../e2e/support/browser.mjs';
import { runJob } from '../e2e/support/jobs.mjs';

const RATE = Number(process.env.RATE ?? 5e6);
const SECONDS = Number(process.env.DURATION ?? 60);
const SEARCH_LINES = 100_000;
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN; };
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** A task running `script` under this Node, with room for its output. */
const nodeTask = (name, script) => ({
  Name: name, Driver: 'raw_exec',
  Config: { command: process.execPath, args: ['-e', script] },
  Resources: { CPU: 500, MemoryMB: 256 },
  LogConfig: { MaxFiles: 10, MaxFileSizeMB: 50 },
});

// Writes RATE bytes/s of stamped lines (`T=<ms since epoch>`) for SECONDS, after `delay` ms.
const firehose = (delay) => `
const start = Date.now() + ${delay}, rate = ${RATE}, duration = ${SECONDS * 1000};
const pad = 'x'.repeat(80);
let seq = 0, written = 0;
function tick() {
  const now = Date.now();
  if (now < start) return setTimeout(tick, 20);
  if (now - start > duration) { process.stdout.write('firehose done\\n'); return setInterval(() => {}, 1e9); }
  const target = ((now - start) / 1000) * rate;
  let chunk = '';
  while (written + chunk.length < target) chunk += 'T=' + Date.now() + ' seq=' + (seq++) + ' ' + pad + '\\n';
  written += chunk.length;
  process.stdout.write(chunk, () => setTimeout(tick, 5));
}
tick();`;

// SEARCH_LINES lines after `delay` ms, then idle.
const hundredK = (delay) => `
setTimeout(() => {
  let out = '';
  for (let i = 0; i < ${SEARCH_LINES}; i++) out += 'entry ' + i + ' level=' + (i % 97 === 0 ? 'error' : 'info') + ' some ordinary text here\\n';
  process.stdout.write(out + 'hundredk done\\n', () => setInterval(() => {}, 1e9));
}, ${delay});`;

const agent = await startAgent({ args: ['--no-demo'] });
const browser = await launch();
const p = await openPage(browser);
try {
  await p.page.addInitScript(() => {
    window.__longTasks = [];
    window.__delays = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
    addEventListener('TrunkApplicationStarted', (e) => { window.__wasm = e.detail.wasm; });
    // Write to screen: each line's stamp against the moment its row is added to the page.
    const seen = new Set();
    new MutationObserver((records) => {
      const now = Date.now();
      for (const r of records) for (const n of r.addedNodes) {
        const m = n.nodeType === 1 && n.dataset.testid === 'log-line' && /^T=(\d+) seq=(\d+)/.exec(n.textContent);
        if (m && !seen.has(m[2])) { seen.add(m[2]); window.__delays.push(now - Number(m[1])); }
      }
    }).observe(document, { subtree: true, childList: true });
  });
  const cdp = await p.context.newCDPSession(p.page);
  const heap = async () => (await cdp.send('Runtime.getHeapUsage')).usedSize;
  const wasmMemory = () => p.page.evaluate(() => window.__wasm?.memory?.buffer.byteLength ?? 0);

  // Follow a 5 MB/s writer.
  const [fire] = await runJob(agent, { id: 'firehose', tasks: [nodeTask('firehose', firehose(4000))] });
  await p.page.goto(`${agent.url}/ui/allocations/${fire.ID}/logs?task=firehose`);
  await p.page.locator('[data-testid="log-status"][data-state="live"]').waitFor();
  await p.page.evaluate(() => { window.__longTasks = []; window.__delays = []; });
  const heaps = [], wasm = [];
  const until = Date.now() + 4000 + SECONDS * 1000;
  while (Date.now() < until) {
    await p.page.waitForTimeout(5000);
    heaps.push(await heap());
    wasm.push(await wasmMemory());
  }
  await p.page.locator('[data-testid="log-line"]', { hasText: 'firehose done' }).waitFor({ timeout: 60_000 });
  const longTasks = await p.page.evaluate(() => window.__longTasks);
  const delays = await p.page.evaluate(() => window.__delays);
  const dropped = await p.page.getByTestId('log-dropped').textContent().catch(() => 'none');
  await p.page.goto('about:blank');

  // Search 100,000 retained lines.
  const [hk] = await runJob(agent, { id: 'hundredk', tasks: [nodeTask('hundredk', hundredK(3000))] });
  await p.page.goto(`${agent.url}/ui/allocations/${hk.ID}/logs?task=hundredk`);
  await p.page.locator('[data-testid="log-line"]', { hasText: 'hundredk done' }).waitFor({ timeout: 60_000 });
  const search = (text, regex) => p.page.evaluate(async ({ text, regex }) => {
    const box = document.querySelector('[data-testid="log-search-regex"]');
    if (box.checked !== regex) box.click();
    const count = document.querySelector('[data-testid="log-search-count"]');
    const input = document.querySelector('[data-testid="log-search"]');
    input.value = '';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((r) => setTimeout(r, 300));
    const changed = new Promise((resolve) => new MutationObserver(() => resolve(performance.now())).observe(count, { subtree: true, childList: true, characterData: true }));
    const t0 = performance.now();
    input.value = text;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    const t1 = await changed;
    return { ms: t1 - t0, count: count.textContent };
  }, { text, regex });
  const plain = await search('level=error', false);
  const rx = await search('entry \\d+5 level=err', true);
  const lines = await p.page.evaluate(() => document.querySelector('[data-testid="log-line"]') && document.querySelectorAll('[data-testid="log-line"]').length);

  console.log(`writer: ${mb(RATE)}/s for ${SECONDS} s, followed`);
  console.log(`longest main-thread task: ${Math.round(Math.max(0, ...longTasks))} ms (${longTasks.length} over 50 ms)`);
  console.log(`write to screen over ${delays.length} lines drawn: p50 ${pct(delays, 50)} ms, p95 ${pct(delays, 95)} ms, max ${Math.max(...delays)} ms`);
  console.log(`JS heap: max ${mb(Math.max(...heaps))}, last ${mb(heaps.at(-1))}; wasm memory: max ${mb(Math.max(...wasm))}`);
  console.log(`memory cap: ${dropped.trim()}`);
  console.log(`search over ${SEARCH_LINES} retained lines (input to count shown): plain ${plain.ms.toFixed(1)} ms (${plain.count}), regex ${rx.ms.toFixed(1)} ms (${rx.count}); ${lines} line rows in the DOM`);
} finally {
  await p.close();
  await browser.close();
  await agent.cleanup();
}

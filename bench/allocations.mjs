// Issue 3 benchmark: the allocations list against 10,000 synthetic allocations under churn.
// Prints figures; asserts nothing. Run through scripts/bench.sh.
import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startAgent, api } from '../e2e/support/agent.mjs';
import { launch, openPage } from '../e2e/support/browser.mjs';

const ALLOCS = Number(process.env.ALLOCS ?? 10000);
const CHURN = Number(process.env.CHURN ?? 50);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };

const dist = path.resolve(import.meta.dirname, '..', 'dist');
const initial = readdirSync(dist).filter((f) => /\.(html|js|wasm|css)$/.test(f) && !f.includes('xterm'));
const gz = initial.reduce((n, f) => n + gzipSync(readFileSync(path.join(dist, f)), { level: 9 }).length, 0);

const agent = await startAgent({ args: ['--synthetic-allocs', String(ALLOCS), '--churn', String(CHURN), '--no-demo'], persist: false });
const browser = await launch();
const p = await openPage(browser);
try {
  await p.page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
  });
  let inFlight = 0, maxInFlight = 0;
  p.page.on('request', (r) => { if (r.url().includes('/v1/')) maxInFlight = Math.max(maxInFlight, ++inFlight); });
  const done = (r) => { if (r.url().includes('/v1/')) inFlight--; };
  p.page.on('requestfinished', done);
  p.page.on('requestfailed', done);

  const t0 = Date.now();
  await p.page.goto(`${agent.url}/ui/allocations?namespace=*`);
  await p.page.getByTestId('alloc-row').first().waitFor({ timeout: 60_000 });
  const rendered = Date.now() - t0;
  // What the browser was sent for the page itself (the build's brotli copies, as served).
  const sent = await p.page.evaluate(() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
    .filter((e) => !e.name.includes('/v1/')).reduce((n, e) => n + e.encodedBodySize, 0));

  // State change to DOM: stop allocations through the API while churn runs, and time the
  // moment their row shows desired status "stop" (each filtered into view by its ID prefix).
  const all = await api(agent, 'GET', '/v1/allocations?namespace=*&task_states=false');
  const targets = all.filter((a) => a.DesiredStatus === 'run' && a.ClientStatus === 'running').slice(0, 20);
  const latencies = [];
  for (const a of targets) {
    await p.page.getByTestId('alloc-search').fill(a.ID.slice(0, 8));
    const row = p.page.locator(`[data-testid="alloc-row"][data-id="${a.ID}"]`);
    await row.waitFor();
    const sent = Date.now();
    await api(agent, 'POST', `/v1/allocation/${a.ID}/stop?namespace=${a.Namespace}`);
    // Checked on every frame: rows are keyed by ModifyIndex, so a changed row is a new element.
    const seen = await p.page.waitForFunction((id) => {
      const row = document.querySelector(`[data-testid="alloc-row"][data-id="${id}"]`);
      return row?.textContent.includes('stop') && Date.now();
    }, a.ID, { polling: 'raf', timeout: 30_000 });
    latencies.push((await seen.jsonValue()) - sent);
  }
  await p.page.getByTestId('alloc-search').fill('');
  await p.page.evaluate(() => { window.__longTasks = []; });
  await p.page.waitForTimeout(20_000);
  const longTasks = await p.page.evaluate(() => window.__longTasks);

  console.log(`allocations: ${ALLOCS}, churn: ${CHURN}/s`);
  console.log(`initial load (gzip -9 of ${initial.join(', ')}): ${(gz / 1024).toFixed(1)} KiB`);
  console.log(`initial load as sent to the browser (brotli where the build has a copy): ${(sent / 1024).toFixed(1)} KiB`);
  console.log(`navigation to rendered list: ${rendered} ms`);
  console.log(`stop to DOM updated over ${latencies.length} changes: p50 ${pct(latencies, 50)} ms, p95 ${pct(latencies, 95)} ms`);
  console.log(`long tasks during 20 s of churn: ${longTasks.length}, longest ${Math.round(Math.max(0, ...longTasks))} ms`);
  console.log(`most /v1 requests in flight at once: ${maxInFlight}`);
} finally {
  await p.close().catch(() => {});
  await browser.close();
  await agent.cleanup();
}

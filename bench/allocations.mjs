// Issue 3 benchmark: the allocations list against 10,000 synthetic allocations under churn.
// Prints figures; asserts nothing. Run through scripts/bench.sh.
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startAgent, api } from '../e2e/support/agent.mjs';
import { dist } from '../e2e/support/paths.mjs';
import { launchBare } from './support/bare-chromium.mjs';

const ALLOCS = Number(process.env.ALLOCS ?? 10000);
const CHURN = Number(process.env.CHURN ?? 50);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };


// In the page: resolves with Date.now() at the first frame in which `test(row)` holds for the
// row of allocation `id` (any row if none), checked on every frame.
const rowShows = (id, test) => `new Promise((resolve) => {
  const check = () => {
    const row = document.querySelector('[data-testid="alloc-row"]${id ? `[data-id="${id}"]` : ''}');
    if (row && (${test})(row)) resolve(Date.now()); else requestAnimationFrame(check);
  };
  check();
})`;

const browser = await launchBare();
const agent = await startAgent({ args: ['--synthetic-allocs', String(ALLOCS), '--churn', String(CHURN), '--no-demo'], persist: false })
  .catch(async (e) => { await browser.close(); throw e; });
const { page } = browser;
try {
  await page.send('Page.addScriptToEvaluateOnNewDocument', { source: `
    window.__longTasks = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });` });
  let inFlight = 0, maxInFlight = 0;
  const apiRequests = new Set();
  page.on('Network.requestWillBeSent', ({ requestId, request }) => {
    if (new URL(request.url).pathname.startsWith('/v1/')) { apiRequests.add(requestId); maxInFlight = Math.max(maxInFlight, ++inFlight); }
  });
  const done = ({ requestId }) => { if (apiRequests.delete(requestId)) inFlight--; };
  page.on('Network.loadingFinished', done);
  page.on('Network.loadingFailed', done);

  const loaded = new Promise((resolve) => page.on('Page.loadEventFired', resolve));
  await page.send('Page.navigate', { url: `${agent.url}/ui/allocations?namespace=*` });
  await loaded;
  // From the start of navigation (the page's time origin) to the frame showing the first row.
  const rendered = await page.evaluate(`${rowShows(null, '() => true')}.then(() => performance.now())`);
  // What the browser was sent for the page itself (the build's brotli copies, as served).
  const navigationLongTasks = await page.evaluate('window.__longTasks');
  const files = await page.evaluate(`[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
    .filter((e) => !e.name.includes('/v1/') && e.responseStatus === 200).map((e) => ({ name: e.name, sent: e.encodedBodySize, navigation: e.entryType === 'navigation' }))`);
  const sent = files.reduce((n, f) => n + f.sent, 0);
  // The same files from the build, each gzip -9 (the page's own document is index.html).
  const initial = files.map((f) => (f.navigation ? 'index.html' : new URL(f.name).pathname.replace(/^\/ui\//, '')));
  const gz = initial.reduce((n, f) => n + gzipSync(readFileSync(path.join(dist, f)), { level: 9 }).length, 0);

  // State change to DOM: stop allocations through the API while churn runs, and time the
  // moment their row shows desired status "stop" (each filtered into view by its ID prefix).
  const all = await api(agent, 'GET', '/v1/allocations?namespace=*&task_states=false');
  const targets = all.filter((a) => a.DesiredStatus === 'run' && a.ClientStatus === 'running').slice(0, 20);
  const latencies = [];
  const search = (text) => page.evaluate(`(() => {
    const input = document.querySelector('[data-testid="alloc-search"]');
    input.value = ${JSON.stringify(text)};
    input.dispatchEvent(new Event('input', { bubbles: true }));
  })()`);
  for (const a of targets) {
    await search(a.ID.slice(0, 8));
    await page.evaluate(rowShows(a.ID, '() => true'));
    const seen = page.evaluate(rowShows(a.ID, "(row) => row.textContent.includes('stop')"));
    const stopped = Date.now();
    await api(agent, 'POST', `/v1/allocation/${a.ID}/stop?namespace=${a.Namespace}`);
    latencies.push((await seen) - stopped);
  }
  await search('');
  await page.evaluate('window.__longTasks = []');
  await new Promise((r) => setTimeout(r, 20_000));
  const longTasks = await page.evaluate('window.__longTasks');

  console.log(`allocations: ${ALLOCS}, churn: ${CHURN}/s (Chromium on a bare DevTools connection: no response bodies kept for an inspector)`);
  console.log(`initial load (gzip -9 of what the page fetched: ${initial.join(', ')}): ${gz} bytes, ${(gz / 1024).toFixed(1)} KiB`);
  console.log(`initial load as sent to the browser (brotli where the build has a copy): ${(sent / 1024).toFixed(1)} KiB`);
  console.log(`navigation to rendered list: ${Math.round(rendered)} ms`);
  console.log(`long tasks until then: ${navigationLongTasks.length}, longest ${Math.round(Math.max(0, ...navigationLongTasks))} ms`);
  console.log(`stop to DOM updated over ${latencies.length} changes: p50 ${pct(latencies, 50)} ms, p95 ${pct(latencies, 95)} ms`);
  console.log(`long tasks during 20 s of churn: ${longTasks.length}, longest ${Math.round(Math.max(0, ...longTasks))} ms`);
  console.log(`most /v1 requests in flight at once: ${maxInFlight}`);
  if (browser.errors.length) console.log(`page errors:\n${browser.errors.join('\n')}`);
} finally {
  // The agent goes whatever closing the browser does.
  await browser.close().finally(() => agent.cleanup());
}

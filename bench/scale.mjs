// Issue 18 benchmark: the allocations list live at 100,000 allocations (10,000 jobs, 1,000 nodes)
// under churn, and again at 10,000. Prints figures beside the issue's targets; asserts nothing,
// but stops with a clear message when the page never shows its rows. Run through
// `scripts/bench.sh scale` (it builds the release agent and dashboard).
// Everything is measured from outside the page's list engine, so that any engine (whole-list
// reads, or a snapshot plus the event stream) is measured alike: through the DOM (rows, the
// count, the search box, facets, sort buttons, by their data-testid), through Chromium's
// DevTools protocol (network bytes, heap, wasm memory) and through the agent's HTTP API and /proc.
// Sizes and windows come from the environment, so that a quick run is possible:
//   CARAVAN_SCALE_ALLOCS (100000), CARAVAN_SCALE_JOBS (allocs / 10), CARAVAN_SCALE_NODES
//   (allocs / 100), CARAVAN_SCALE_SMALL_ALLOCS (10000, with a tenth as many jobs and a hundredth
//   as many nodes; 0 skips the second run), CARAVAN_SCALE_CHURN
//   (50 changes/s), CARAVAN_SCALE_WINDOW (20 s of churn watched), CARAVAN_SCALE_STREAM_SECONDS
//   (5 s of event stream counted), CARAVAN_SCALE_CHANGES (20 changes timed to the DOM),
//   CARAVAN_SCALE_REPEAT (5 searches, facets and sorts), CARAVAN_SCALE_TIMEOUT (120 s for each
//   wait on the page), CARAVAN_SCALE_START_TIMEOUT (300 s for the agent to start).
// e.g. CARAVAN_SCALE_ALLOCS=20000 CARAVAN_SCALE_SMALL_ALLOCS=0 CARAVAN_SCALE_WINDOW=5 for a quick run.
import http from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { agentBinary, dist } from '../e2e/support/paths.mjs';
import { launchBare } from './support/bare-chromium.mjs';

const env = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${raw}: not a non-negative number`);
  return n;
};
const ALLOCS = env('CARAVAN_SCALE_ALLOCS', 100000);
const SMALL_ALLOCS = env('CARAVAN_SCALE_SMALL_ALLOCS', 10000);
const CHURN = env('CARAVAN_SCALE_CHURN', 50);
const WINDOW = env('CARAVAN_SCALE_WINDOW', 20);
const STREAM_SECONDS = env('CARAVAN_SCALE_STREAM_SECONDS', 5);
const CHANGES = env('CARAVAN_SCALE_CHANGES', 20);
const REPEAT = env('CARAVAN_SCALE_REPEAT', 5);
const TIMEOUT = env('CARAVAN_SCALE_TIMEOUT', 120) * 1000;
const START_TIMEOUT = env('CARAVAN_SCALE_START_TIMEOUT', 300) * 1000;
// Jobs and nodes in the issue's proportions (10 allocations a job, 100 a node), unless the
// first run's are given.
const shape = (allocs, given = false) => ({
  allocs,
  jobs: given ? env('CARAVAN_SCALE_JOBS', Math.max(1, Math.round(allocs / 10))) : Math.max(1, Math.round(allocs / 10)),
  nodes: given ? env('CARAVAN_SCALE_NODES', Math.max(1, Math.round(allocs / 100))) : Math.max(1, Math.round(allocs / 100)),
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const median = (xs) => pct(xs, 50);
const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const ms = (n) => (Number.isFinite(n) ? `${int(n)} ms` : 'n/a');
// Decimal units throughout (1 KB = 1,000 bytes), as the issue's targets read.
const bytes = (n) => {
  if (!Number.isFinite(n)) return 'n/a';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} KB`;
  return `${Math.round(n)} B`;
};
const spread = (xs) => (xs.length ? `p50 ${ms(median(xs))}, p95 ${ms(pct(xs, 95))}, max ${ms(Math.max(...xs))} (${xs.length})` : 'no samples');

/** A failure of the benchmark itself (the page never showed what it waits for). */
class BenchFailure extends Error {}

// ---------------------------------------------------------------------------------------------
// The agent: started here rather than through e2e/support/agent.mjs, whose 30 s start limit a
// busy machine can exceed while 100,000 allocations are made, and whose start time we report.

/** Starts the release agent in scale mode; resolves once it listens, with its start time. */
async function startAgent({ allocs, jobs, nodes }) {
  const args = ['--port', '0', '--ui-dir', dist, '--no-demo', '--synthetic-allocs', String(allocs),
    '--synthetic-jobs', String(jobs), '--synthetic-nodes', String(nodes), '--churn', String(CHURN)];
  const started = performance.now();
  const child = spawn(agentBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Whatever ends this process, an agent holding gigabytes does not outlive it.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  child.once('exit', () => process.removeListener('exit', orphan));
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new BenchFailure(`the agent did not listen within ${START_TIMEOUT / 1000} s:\n${output}`)), START_TIMEOUT);
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/[^\s/]+)/.exec(output);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => { clearTimeout(timer); reject(new BenchFailure(`the agent exited (${code ?? signal}) before listening:\n${output}`)); });
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
  }).catch((e) => { child.kill('SIGKILL'); throw e; });
  child.removeAllListeners('exit');
  const startup = performance.now() - started;
  // The kernel keeps the peak (VmHWM): no sampling needed.
  const memory = () => {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  };
  const atStart = memory();
  return {
    url, pid: child.pid, startup, atStart, memory,
    get output() { return output; },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One JSON request to the agent: the body and X-Nomad-Index. */
async function api(agent, method, pathAndQuery) {
  const res = await fetch(agent.url + pathAndQuery, { method });
  const text = await res.text();
  if (!res.ok) throw new BenchFailure(`${method} ${pathAndQuery}: ${res.status} ${text.slice(0, 500)}`);
  return { body: text ? JSON.parse(text) : null, index: Number(res.headers.get('x-nomad-index')) };
}

/**
 * Follows `/v1/event/stream` (allocation topic, every namespace) with a plain HTTP client from
 * `index`: `onEvent(event, at)` for each allocation event of a batch past `index` (batches at or
 * before it are the buffer replayed, counted apart), `at` the arrival (Date.now()).
 */
function followStream(agent, index, onEvent) {
  const stats = { replayed: 0, batches: 0, events: 0, bytes: 0, heartbeats: 0, errors: [] };
  const req = http.get(`${agent.url}/v1/event/stream?topic=Allocation&namespace=*&index=${index}`, (res) => {
    if (res.statusCode !== 200) stats.errors.push(`status ${res.statusCode}`);
    let pending = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      const at = Date.now();
      pending += chunk;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (!line) continue;
        let batch;
        try { batch = JSON.parse(line); } catch (e) { stats.errors.push(`bad line (${e.message}): ${line.slice(0, 200)}`); continue; }
        if (batch.Error) { stats.errors.push(`stream error: ${JSON.stringify(batch.Error)}`); continue; }
        if (!batch.Events) { stats.heartbeats++; continue; }
        if (batch.Index <= index) { stats.replayed++; continue; }
        stats.batches++;
        stats.bytes += Buffer.byteLength(line) + 1;
        for (const event of batch.Events) { stats.events++; onEvent(event, at); }
      }
    });
    res.on('error', () => {});
  });
  req.on('error', (e) => { if (!stats.closed) stats.errors.push(e.message); });
  return { stats, close() { stats.closed = true; req.destroy(); } };
}

/** Counts the stream's allocation events per second for `seconds`. */
async function streamRate(agent, seconds) {
  const { index } = await api(agent, 'GET', '/v1/allocations?namespace=*&per_page=1');
  const opened = Date.now();
  const perSecond = Array.from({ length: seconds }, () => 0);
  const stream = followStream(agent, index, (_, at) => {
    const s = Math.floor((at - opened) / 1000);
    if (s < seconds) perSecond[s]++;
  });
  await sleep(seconds * 1000);
  stream.close();
  return { perSecond, ...stream.stats };
}

// ---------------------------------------------------------------------------------------------
// The page.

// Installed in every document before its own scripts: long tasks, the first row and the first
// frame whose count says the list holds every allocation, and helpers the steps below call.
const pageScript = (expected) => `(() => {
  const s = window.__scale = { longTasks: [], firstRow: null, full: null, expected: ${expected}, wasm: null };
  addEventListener('TrunkApplicationStarted', (e) => { s.wasm = e.detail?.wasm ?? null; });
  new PerformanceObserver((list) => list.getEntries().forEach((e) => s.longTasks.push({ start: e.startTime, duration: e.duration })))
    .observe({ type: 'longtask', buffered: true });
  s.rows = () => [...document.querySelectorAll('[data-testid="alloc-row"]')];
  // "<shown> of <total> allocations" (thousands separators tolerated).
  s.count = () => {
    const m = /([\\d,]+)\\s+of\\s+([\\d,]+)/.exec(document.querySelector('[data-testid="alloc-count"]')?.textContent ?? '');
    return m ? { shown: Number(m[1].replaceAll(',', '')), total: Number(m[2].replaceAll(',', '')) } : null;
  };
  // A row's cell under the column whose sort button is \`sort-<key>\`.
  s.cell = (row, key) => {
    const head = document.querySelector('[data-testid="sort-' + key + '"]');
    const at = head ? [...head.parentElement.children].indexOf(head) : -1;
    return at < 0 ? null : row.children[at]?.textContent.trim() ?? null;
  };
  s.search = (text) => {
    const input = document.querySelector('[data-testid="alloc-search"]');
    input.value = text;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  };
  // Resolves with performance.now() at the first frame in which test() holds; the timeout is
  // a timer of its own, in case frames stop.
  s.until = (test, timeout, what) => new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error('timed out after ' + timeout / 1000 + ' s waiting for ' + what + ' (count: '
        + (document.querySelector('[data-testid="alloc-count"]')?.textContent ?? 'none') + ', rows: ' + s.rows().length + ')'));
    }, timeout);
    const check = () => {
      if (done) return;
      let ok = false;
      try { ok = test(); } catch { ok = false; }
      if (ok) { done = true; clearTimeout(timer); resolve(performance.now()); } else requestAnimationFrame(check);
    };
    check();
  });
  // From an input to the first frame showing its effect.
  s.time = async (act, test, timeout, what) => { const t0 = performance.now(); act(); return (await s.until(test, timeout, what)) - t0; };
  const watch = () => {
    const now = performance.now();
    if (s.firstRow === null && document.querySelector('[data-testid="alloc-row"]')) s.firstRow = now;
    if (s.full === null && (s.count()?.total ?? 0) >= s.expected) s.full = now;
    if (s.firstRow === null || s.full === null) requestAnimationFrame(watch);
  };
  requestAnimationFrame(watch);
})();`;

/**
 * Bytes the page received, from Chromium's Network events: every chunk's encodedDataLength as
 * it arrives (a long-lived stream only ever reports these), and at the end of a response what
 * its total (headers included) adds to the chunks already counted. Timestamps are Date.now().
 */
function networkLedger(page) {
  const requests = new Map();
  const received = [];
  page.on('Network.requestWillBeSent', ({ requestId, request }) => {
    if (!requests.has(requestId)) requests.set(requestId, { url: request.url, at: Date.now(), encoded: 0, decoded: 0 });
  });
  page.on('Network.dataReceived', ({ requestId, dataLength, encodedDataLength }) => {
    const r = requests.get(requestId);
    if (r) { r.encoded += encodedDataLength; r.decoded += dataLength; }
    received.push({ at: Date.now(), encoded: encodedDataLength, decoded: dataLength, url: r?.url });
  });
  const end = ({ requestId, encodedDataLength = 0 }) => {
    const r = requests.get(requestId);
    const rest = encodedDataLength - (r?.encoded ?? 0);
    if (rest > 0) received.push({ at: Date.now(), encoded: rest, decoded: 0, url: r?.url });
    if (r) { r.encoded = Math.max(r.encoded, encodedDataLength); r.ended = Date.now(); }
  };
  page.on('Network.loadingFinished', end);
  page.on('Network.loadingFailed', end);
  return {
    /** Bytes received in [from, to), and per bucket of `bucket` ms from `from`. */
    between(from, to, bucket = 1000) {
      const buckets = Array.from({ length: Math.ceil((to - from) / bucket) }, () => 0);
      let encoded = 0, decoded = 0;
      for (const r of received) {
        if (r.at < from || r.at >= to) continue;
        encoded += r.encoded;
        decoded += r.decoded;
        buckets[Math.floor((r.at - from) / bucket)] += r.encoded;
      }
      return { encoded, decoded, buckets };
    },
    /** /v1 requests sent in [from, to), by path. */
    requestsBetween(from, to) {
      const paths = new Map();
      for (const r of requests.values()) {
        if (r.at < from || r.at >= to) continue;
        const p = new URL(r.url).pathname;
        if (p.startsWith('/v1/')) paths.set(p, (paths.get(p) ?? 0) + 1);
      }
      return paths;
    },
  };
}

/** `promise`, or a BenchFailure after `ms`: no DevTools call may hang the run. */
const within = (promise, ms, what) => Promise.race([promise,
  new Promise((_, reject) => setTimeout(() => reject(new BenchFailure(`${what}: no answer within ${ms / 1000} s`)), ms).unref())]);

/**
 * The JS heap (CDP Runtime.getHeapUsage) and the wasm linear memory: the instance's exported
 * `memory`, from the `TrunkApplicationStarted` event trunk's loader sends with the instance, or
 * else from wasm-bindgen's init (`window.wasmBindings.default()`, which answers the instance it
 * made). Not CDP Runtime.queryObjects: on this page it stalled the renderer for minutes.
 */
async function pageMemory(browser) {
  const { page } = browser;
  const heap = await within(page.send('Runtime.getHeapUsage'), 30_000, 'Runtime.getHeapUsage')
    .catch((e) => { console.log(`  (${e.message})`); return {}; });
  const wasm = await within(page.evaluate(`(async () => {
    const exports = window.__scale.wasm ?? await window.wasmBindings?.default?.();
    return exports?.memory instanceof WebAssembly.Memory ? exports.memory.buffer.byteLength : null;
  })()`), 30_000, 'the wasm memory').catch((e) => { console.log(`  (${e.message})`); return null; });
  // The renderer process's RSS as a cross-check (the largest renderer: this page's).
  let renderer = NaN;
  try {
    const { processInfo } = await within(browser.send('SystemInfo.getProcessInfo'), 30_000, 'SystemInfo.getProcessInfo');
    for (const p of processInfo.filter((p) => p.type === 'renderer')) {
      const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'))?.[1]);
      if (kb * 1024 > (renderer || 0)) renderer = kb * 1024;
    }
  } catch { /* not on this Chromium, or the process is gone */ }
  return { heapUsed: heap.usedSize ?? NaN, heapTotal: heap.totalSize ?? NaN, wasm: wasm ?? NaN, renderer };
}

/** Opens the allocations list; resolves with the first-row and whole-list times. */
async function openList(page, agent, expected, needle) {
  await page.send('Page.addScriptToEvaluateOnNewDocument', { source: pageScript(expected) });
  const navigated = Date.now();
  await page.send('Page.navigate', { url: `${agent.url}/ui/allocations?namespace=*` });
  // The document is new: wait for its script to have run.
  await waitFor(page, 'typeof window.__scale === "object"', TIMEOUT, 'the dashboard page to load');
  const firstRow = await page.evaluate(`window.__scale.until(() => window.__scale.firstRow !== null, ${TIMEOUT}, 'the first allocation row')
    .then(() => window.__scale.firstRow)`).catch((e) => { throw new BenchFailure(`the page never showed rows: ${e.message}`); });
  // Searchable: a search for the allocation the agent lists last, typed as soon as rows show,
  // finds it, and the count says the list holds every allocation.
  const found = await page.evaluate(`(() => { const s = window.__scale; s.search(${JSON.stringify(needle.ID.slice(0, 8))});
    return s.until(() => s.rows().some((r) => r.dataset.id === ${JSON.stringify(needle.ID)}), ${TIMEOUT}, 'the last allocation to be found by a search'); })()`)
    .catch((e) => { throw new BenchFailure(`the list never became searchable: ${e.message}`); });
  const full = await page.evaluate(`window.__scale.until(() => window.__scale.full !== null, ${TIMEOUT}, 'the count to show ${expected} allocations')
    .then(() => window.__scale.full)`).catch((e) => { throw new BenchFailure(`the list never held every allocation: ${e.message}`); });
  await clearSearch(page);
  return { firstRow, found, full, searchable: Math.max(found, full), navigated };
}

async function waitFor(page, expression, timeout, what) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (await page.evaluate(expression).catch(() => false)) return;
    await sleep(100);
  }
  throw new BenchFailure(`timed out after ${timeout / 1000} s waiting for ${what}`);
}

const clearSearch = (page) => page.evaluate(`window.__scale.time(() => window.__scale.search(''),
  () => { const c = window.__scale.count(); return c && c.shown === c.total && window.__scale.rows().length > 0; }, ${TIMEOUT}, 'the whole list after clearing the search')`);

/** Search, facet and sort latencies: from the input to the first frame showing its effect. */
async function interactions(page, allocs) {
  const sample = (n) => allocs[Math.floor(((n + 0.5) / REPEAT) * allocs.length) % allocs.length];
  const search = [], cleared = [], facet = [], facetOpen = [], sort = [];
  for (let n = 0; n < REPEAT; n++) {
    const a = sample(n);
    // An ID prefix (one row or a few), or a job's name (its allocations: names contain it).
    const needle = [a.ID.slice(0, 8), a.ID.slice(0, 3), a.JobID][n % 3];
    search.push(await page.evaluate(`window.__scale.time(() => window.__scale.search(${JSON.stringify(needle)}), () => {
      const s = window.__scale, rows = s.rows(), c = s.count(), needle = ${JSON.stringify(needle)};
      return c && c.shown < c.total && rows.length > 0 && rows.every((r) => r.dataset.id.startsWith(needle) || (s.cell(r, 'name') ?? '').includes(needle));
    }, ${TIMEOUT}, 'search results for ${needle}')`));
    cleared.push(await clearSearch(page));
  }
  // The status facet: its menu opened (every row counted), then values selected and deselected.
  facetOpen.push(await page.evaluate(`window.__scale.time(() => document.querySelector('[data-testid="facet-status"] summary').click(),
    () => document.querySelectorAll('[data-testid="facet-status"] [data-testid="facet-option"]').length > 0, ${TIMEOUT}, 'the status facet menu')`));
  const values = await page.evaluate(`[...document.querySelectorAll('[data-testid="facet-status"] [data-testid="facet-option"]')].map((o) => o.dataset.value)`);
  const order = ['failed', 'pending', 'running', 'complete'].filter((v) => values.includes(v));
  for (let n = 0; n < Math.min(REPEAT, order.length * 2) && order.length; n++) {
    const value = order[n % order.length];
    const option = `document.querySelector('[data-testid="facet-status"] [data-testid="facet-option"][data-value="${value}"] input')`;
    facet.push(await page.evaluate(`window.__scale.time(() => ${option}.click(), () => {
      const rows = window.__scale.rows(), c = window.__scale.count();
      return c && c.shown < c.total && rows.length > 0 && rows.every((r) => r.dataset.status === '${value}');
    }, ${TIMEOUT}, 'rows of status ${value}')`));
    facet.push(await page.evaluate(`window.__scale.time(() => ${option}.click(), () => {
      const c = window.__scale.count(); return c && c.shown === c.total;
    }, ${TIMEOUT}, 'every row after deselecting ${value}')`));
  }
  await page.evaluate(`document.querySelector('[data-testid="facet-status"] summary').click()`);
  // Sorts on columns whose cells show the sorted value: the visible rows in order, the button's
  // aria-sort changed.
  const columns = ['job', 'job', 'group', 'status', 'node'];
  for (let n = 0; n < REPEAT; n++) {
    const key = columns[n % columns.length];
    sort.push(await page.evaluate(`(() => {
      const s = window.__scale, button = document.querySelector('[data-testid="sort-${key}"]'), before = button.getAttribute('aria-sort');
      return s.time(() => button.click(), () => {
        const order = button.getAttribute('aria-sort');
        if (order === before || order === 'none') return false;
        const cells = s.rows().map((r) => s.cell(r, '${key}'));
        return cells.length > 1 && cells.every((c, i) => i === 0 || (order === 'ascending' ? cells[i - 1] <= c : cells[i - 1] >= c));
      }, ${TIMEOUT}, 'rows sorted by ${key}');
    })()`));
  }
  // Back to the default order (newest change first), not timed.
  await page.evaluate(`(() => { const b = document.querySelector('[data-testid="sort-modified"]'); b.click();
    return window.__scale.until(() => b.getAttribute('aria-sort') === 'descending', ${TIMEOUT}, 'the default sort'); })()`);
  return { search, cleared, facet, facetOpen, sort };
}

/** State change to DOM: stop running allocations through the API while churn runs, each
 *  filtered into view by its ID prefix, and time until its row's Desired cell says "stop". */
async function changeToDom(page, agent, allocs) {
  const running = allocs.filter((a) => a.DesiredStatus === 'run' && a.ClientStatus === 'running');
  const targets = Array.from({ length: Math.min(CHANGES, running.length) }, (_, n) => running[Math.floor(((n + 0.5) / CHANGES) * running.length)]);
  const latencies = [];
  for (const a of targets) {
    const row = `document.querySelector('[data-testid="alloc-row"][data-id="${a.ID}"]')`;
    await page.evaluate(`(() => { const s = window.__scale; s.search(${JSON.stringify(a.ID.slice(0, 8))});
      return s.until(() => ${row}, ${TIMEOUT}, 'allocation ${a.ID} in view'); })()`);
    const seen = page.evaluate(`window.__scale.until(() => { const r = ${row}; return r && window.__scale.cell(r, 'desired') === 'stop'; }, ${TIMEOUT}, 'allocation ${a.ID} shown stopped').then(() => Date.now())`);
    seen.catch(() => {}); // awaited below, unless the stop itself fails
    const stopped = Date.now();
    await api(agent, 'POST', `/v1/allocation/${a.ID}/stop?namespace=${encodeURIComponent(a.Namespace)}`);
    latencies.push((await seen) - stopped);
  }
  await clearSearch(page);
  return latencies;
}

/** Long tasks, bytes per change and requests over `WINDOW` seconds of churn, nothing else done. */
async function churnWindow(page, agent, ledger) {
  await sleep(2000);
  const { index } = await api(agent, 'GET', '/v1/allocations?namespace=*&per_page=1');
  const pageStart = await page.evaluate('performance.now()');
  const from = Date.now();
  const changes = Array.from({ length: Math.ceil(WINDOW) }, () => 0);
  const stream = followStream(agent, index, (_, at) => {
    const s = Math.floor((at - from) / 1000);
    if (s >= 0 && s < changes.length) changes[s]++;
  });
  // The JS heap every second: the page may hold a whole list's text between two reads.
  const heap = [];
  const sampler = setInterval(() => {
    within(page.send('Runtime.getHeapUsage'), 5000, 'Runtime.getHeapUsage').then((h) => heap.push(h.usedSize), () => {});
  }, 1000);
  await sleep(WINDOW * 1000);
  const to = Date.now();
  clearInterval(sampler);
  stream.close();
  const longTasks = (await page.evaluate('window.__scale.longTasks')).filter((t) => t.start >= pageStart).map((t) => t.duration);
  const received = ledger.between(from, to);
  const perChange = received.buckets.map((b, i) => (changes[i] ? b / changes[i] : NaN)).filter(Number.isFinite);
  const total = changes.reduce((a, b) => a + b, 0);
  return { longTasks, received, perChange, total, requests: ledger.requestsBetween(from, to), stream: stream.stats, heapPeak: Math.max(...heap) };
}

// ---------------------------------------------------------------------------------------------
// One run: an agent of `scale`, and the page against it.

async function run(scale, { full }) {
  const label = scale.allocs.toLocaleString('en-US');
  console.log(`\n-- ${label} allocations, ${int(scale.jobs)} jobs, ${int(scale.nodes)} nodes, churn ${CHURN}/s`);
  const agent = await startAgent(scale);
  let browser;
  const result = { scale };
  try {
    result.startup = agent.startup;
    console.log(`agent started in ${ms(agent.startup)} (spawn to listening; the synthetic state is made first), RSS ${bytes(agent.atStart.rss)}`);
    // Every allocation as a list (what the page should end up holding), and the one it lists last.
    const listed = performance.now();
    const { body: allocs } = await api(agent, 'GET', '/v1/allocations?namespace=*&task_states=false');
    console.log(`GET /v1/allocations (all ${int(allocs.length)}, no task states) from a plain client: ${ms(performance.now() - listed)}`);
    if (!allocs.length) throw new BenchFailure('the agent lists no allocations');
    const last = allocs.reduce((a, b) => (b.CreateIndex > a.CreateIndex || (b.CreateIndex === a.CreateIndex && b.ID > a.ID) ? b : a));

    // The agent alone: does the event stream deliver the churn?
    if (STREAM_SECONDS > 0) {
      const s = await streamRate(agent, Math.ceil(STREAM_SECONDS));
      const total = s.perSecond.reduce((a, b) => a + b, 0);
      result.streamRate = total / s.perSecond.length;
      console.log(`event stream (topic=Allocation, namespace=*), plain HTTP client: ${result.streamRate.toFixed(1)} events/s `
        + `(per second: ${s.perSecond.join(', ')}; ${s.batches} batches, ${bytes(s.bytes / Math.max(1, s.events))} per event as sent, `
        + `${s.replayed} buffered batches replayed first${s.errors.length ? `; errors: ${s.errors.join('; ')}` : ''})`);
    }

    // A missing build would only show as rows that never come.
    const ui = await fetch(`${agent.url}/ui/`);
    if (!ui.ok) throw new BenchFailure(`the agent serves no dashboard at /ui/ (${ui.status}): build it (scripts/build.sh --release), or set CARAVAN_DIST`);
    browser = await launchBare();
    // Every wait on the page has its own timeout; this one is for a page that stops answering.
    const page = { ...browser.page, evaluate: (e) => within(browser.page.evaluate(e), TIMEOUT + 15_000, `the page's answer to ${e.trim().slice(0, 60)}…`) };
    const ledger = networkLedger(page);
    const open = await openList(page, agent, allocs.length, last);
    Object.assign(result, open);
    const loaded = ledger.between(open.navigated, Date.now());
    const loadTasks = (await page.evaluate('window.__scale.longTasks')).map((t) => t.duration);
    console.log(`navigation to first rows: ${ms(open.firstRow)}`);
    console.log(`navigation to whole list searchable: ${ms(open.searchable)} (the last-created allocation found by a search typed at first rows: ${ms(open.found)}; the count at ${int(allocs.length)}: ${ms(open.full)})`);
    console.log(`received until then: ${bytes(loaded.encoded)} on the wire (${bytes(loaded.decoded)} decoded); long tasks: ${loadTasks.length}, longest ${ms(Math.max(0, ...loadTasks))}`);

    if (full) {
      result.interactions = await interactions(page, allocs);
      const i = result.interactions;
      console.log(`search on ${label} rows, typed: ${spread(i.search)}; cleared: ${spread(i.cleared)}`);
      console.log(`status facet: menu opened ${spread(i.facetOpen)}; value selected or deselected ${spread(i.facet)}`);
      console.log(`sort: ${spread(i.sort)}`);

      result.churn = await churnWindow(page, agent, ledger);
      const c = result.churn;
      console.log(`churn window ${WINDOW} s: ${int(c.total)} allocation changes on the stream (${(c.total / WINDOW).toFixed(1)}/s)`);
      console.log(`bytes received per change: median ${bytes(median(c.perChange))} over 1 s buckets; overall ${bytes(c.received.encoded / Math.max(1, c.total))} `
        + `(${bytes(c.received.encoded)} on the wire, ${bytes(c.received.decoded)} decoded, in ${WINDOW} s)`);
      console.log(`requests during churn: ${[...c.requests].map(([p, n]) => `${p} ×${n}`).join(', ') || 'none'}`);
      console.log(`long tasks during churn: ${c.longTasks.length}, longest ${ms(Math.max(0, ...c.longTasks))}`);
      console.log(`JS heap during churn (every second): peak ${bytes(c.heapPeak)}`);
    }

    result.memory = await pageMemory(browser);
    const m = result.memory;
    // The peak: the JS heap's largest sample (wasm memory only grows: its size now is its peak).
    m.peak = Math.max(m.heapUsed, result.churn?.heapPeak ?? -Infinity) + m.wasm;
    console.log(`page memory: ${bytes(m.heapUsed + m.wasm)} = JS heap used ${bytes(m.heapUsed)} (of ${bytes(m.heapTotal)}; CDP Runtime.getHeapUsage) `
      + `+ wasm linear memory ${bytes(m.wasm)} (the instance's exported memory); with the JS heap's peak: ${bytes(m.peak)}; renderer process RSS ${bytes(m.renderer)}`);

    result.changes = await changeToDom(page, agent, allocs);
    console.log(`stop → DOM updated at ${label}: ${spread(result.changes)}`);
    if (browser.errors.length) console.log(`page errors:\n${browser.errors.join('\n')}`);
  } finally {
    result.agentMemory = (() => { try { return agent.memory(); } catch { return null; } })();
    if (result.agentMemory) console.log(`agent RSS: peak (VmHWM) ${bytes(result.agentMemory.hwm)}, now ${bytes(result.agentMemory.rss)}, at start ${bytes(agent.atStart.rss)}`);
    // Closing may fail (a profile directory Chromium still writes to): the figures stand.
    await (browser?.close() ?? Promise.resolve()).catch((e) => console.warn(`closing Chromium: ${e.message}`));
    await agent.stop();
  }
  return result;
}

// ---------------------------------------------------------------------------------------------

console.log(`scale benchmark: churn ${CHURN} changes/s (the agent's --churn; changes to finished allocations are skipped), `
  + `${WINDOW} s churn window, ${CHANGES} changes timed, ${REPEAT} searches/facets/sorts; Chromium on a bare DevTools connection`);
let big, small;
try {
  big = await run(shape(ALLOCS, true), { full: true });
  if (SMALL_ALLOCS > 0) small = await run(shape(SMALL_ALLOCS), { full: false });
} catch (e) {
  console.error(`\nscale benchmark failed: ${e instanceof BenchFailure ? e.message : e.stack}`);
  process.exit(1);
}

const b = int(big.scale.allocs);
const rows = [
  ['agent start-up', b, ms(big.startup), '—'],
  ['event stream delivers', b, Number.isFinite(big.streamRate) ? `${big.streamRate.toFixed(1)} events/s` : 'n/a', `churn ${CHURN}/s`],
  ['first rows', b, ms(big.firstRow), '≤ 1 s'],
  ['whole list searchable', b, ms(big.searchable), '≤ 5 s'],
  ['change → DOM p50 / p95', b, `${ms(median(big.changes))} / ${ms(pct(big.changes, 95))}`, 'p95 ≤ 100 ms'],
  ...(small ? [['change → DOM p50 / p95', int(small.scale.allocs), `${ms(median(small.changes))} / ${ms(pct(small.changes, 95))}`, 'p95 ≤ 60 ms']] : []),
  ['bytes per change, median', b, bytes(median(big.churn.perChange)), '≤ 10 KB'],
  ['page memory (peak JS heap + wasm)', b, bytes(big.memory.peak), '≤ 300 MB'],
  ['long tasks during churn (count, max)', b, `${big.churn.longTasks.length}, ${ms(Math.max(0, ...big.churn.longTasks))}`, 'none over 50 ms'],
  ['search p50 / max', b, `${ms(median(big.interactions.search))} / ${ms(Math.max(...big.interactions.search))}`, '≤ 100 ms'],
  ['facet p50 / max', b, `${ms(median(big.interactions.facet))} / ${ms(Math.max(...big.interactions.facet))}`, '≤ 100 ms'],
  ['sort p50 / max', b, `${ms(median(big.interactions.sort))} / ${ms(Math.max(...big.interactions.sort))}`, '≤ 100 ms'],
  ['agent RSS peak (VmHWM) / now', b, big.agentMemory ? `${bytes(big.agentMemory.hwm)} / ${bytes(big.agentMemory.rss)}` : 'n/a', '≤ 1 GB'],
];
const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length), ['measure', 'allocations', 'figure', 'target'][c].length));
const line = (r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
console.log(`\n${line(['measure', 'allocations', 'figure', 'target'])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
rows.forEach((r) => console.log(line(r)));

// Issue 18: lists fed by Nomad's event stream. A snapshot (its first page painted at once),
// then each event applied to its row; a dropped stream means a fresh subscription and
// snapshot with nothing lost or shown twice; a refused stream hands the list to blocking
// queries and the status line says so; a node's page reads only that node's allocations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, eventually } from './support/agent.mjs';
import { withPage } from './support/browser.mjs';
import { agentsOnDemand, liveStatus, requestPath } from './support/feeds.mjs';
import { runJob, shellTask } from './support/jobs.mjs';
import { startRelay } from './support/relay.mjs';

const fleet = agentsOnDemand();
const agentWith = (args) => fleet.agentWith(args);
const status = liveStatus;
const path = requestPath;
const rows = (page) => page.getByTestId('alloc-row');
const row = (page, id) => page.locator(`[data-testid="alloc-row"][data-id="${id}"]`);
const listCount = (page) => page.getByTestId('alloc-count').textContent();

/** The IDs the list shows (every row: the table is virtual, so read the count and sample). */
async function shownIds(page) {
  return page.locator('[data-testid="alloc-row"]').evaluateAll((els) => els.map((e) => e.dataset.id).sort());
}

test('changes arrive as events applied to their rows; the list is never read again', async () => {
  const agent = await agentWith(['--no-demo']);
  await runJob(agent, { id: 'ev', count: 3, tasks: [shellTask('t', 'while :; do sleep 1; done')] });
  await withPage(fleet.browser, async ({ page, requests }) => {
    await page.goto(`${agent.url}/ui/allocations`);
    await status(page, 'events').waitFor();
    await eventually(async () => (await rows(page).count()) === 3, { message: '3 rows' });
    assert.match(await page.getByTestId('live-status').textContent(), /event stream/);
    const before = requests.length;

    // A new job's allocations appear, and a stopped job's rows change, from events alone.
    await runJob(agent, { id: 'ev2', count: 2, tasks: [shellTask('t', 'while :; do sleep 1; done')] });
    await eventually(async () => (await rows(page).count()) === 5, { message: '5 rows' });
    const [one] = await api(agent, 'GET', '/v1/job/ev2/allocations');
    await eventually(async () => /running/.test(await row(page, one.ID).textContent()), { message: 'ev2 running' });
    // The job's type and version, which allocation events leave out, come from the job's event.
    assert.match(await row(page, one.ID).textContent(), /ev2/);
    await api(agent, 'DELETE', '/v1/job/ev');
    const stopped = await api(agent, 'GET', '/v1/job/ev/allocations');
    for (const a of stopped) {
      await eventually(async () => /complete|stop/.test(await row(page, a.ID).textContent()), { message: `${a.ID} stopped` });
    }
    const reads = requests.slice(before).filter((r) => path(r) === '/v1/allocations');
    assert.deepEqual(reads.map((r) => r.url), [], 'no list read after the snapshot');
    const streams = requests.filter((r) => path(r) === '/v1/event/stream');
    assert.equal(streams.length, 1, 'one subscription');
    assert.ok(streams[0].url.includes('topic=Allocation') && streams[0].url.includes('topic=Job'), streams[0].url);
    assert.ok(!streams[0].url.includes('token'), 'no token in the URL');
  });
});

test('the first page is painted, then the rest of a large list arrives in pages', async () => {
  const agent = await agentWith(['--no-demo', '--synthetic-allocs', '3000']);
  const all = await api(agent, 'GET', '/v1/allocations?task_states=false');
  await withPage(fleet.browser, async ({ page, requests }) => {
    await page.goto(`${agent.url}/ui/allocations`);
    await status(page, 'events').waitFor();
    await eventually(async () => (await listCount(page)).includes(String(all.length).replace(/\B(?=(\d{3})+$)/g, ',')) ||
      (await listCount(page)).includes(String(all.length)), { message: `${all.length} allocations counted` });
    const lists = requests.filter((r) => path(r) === '/v1/allocations').map((r) => new URL(r.url).searchParams);
    assert.ok(lists.length >= 2, `${lists.length} list reads`);
    assert.equal(lists[0].get('per_page'), '200', 'a first page');
    assert.equal(lists[0].get('reverse'), 'true', 'newest first');
    assert.ok(lists.some((q) => q.get('next_token')), 'the rest by next_token');
    // Every allocation exactly once: the count is the agent's, and a search finds an old one.
    const oldest = all[0];
    await page.getByTestId('alloc-search').fill(oldest.ID.slice(0, 8));
    await eventually(async () => (await rows(page).count()) === 1, { message: 'the oldest found once' });
  });
});

test('a dropped stream means a fresh snapshot: changes made meanwhile are shown, none twice', async () => {
  // A buffer of 2 writes: the changes made while cut are long gone from it when back.
  const agent = await agentWith(['--no-demo', '--event-buffer-size', '2']);
  await runJob(agent, { id: 'gap', count: 2, tasks: [shellTask('t', 'while :; do sleep 1; done')] });
  const relay = await startRelay(agent.apiUrl);
  try {
    await withPage(fleet.browser, async ({ page }) => {
      await page.goto(`${relay.url}/ui/allocations`);
      await status(page, 'events').waitFor();
      await eventually(async () => (await rows(page).count()) === 2, { message: '2 rows' });
      relay.cut();
      await page.locator('[data-testid="live-status"][data-state="stale"]').waitFor({ timeout: 20_000 });
      // Shown meanwhile: what was there.
      assert.equal(await rows(page).count(), 2);
      await runJob(agent, { id: 'gap2', count: 3, tasks: [shellTask('t', 'while :; do sleep 1; done')] });
      await api(agent, 'DELETE', '/v1/job/gap');
      await relay.restore();
      await status(page, 'events').waitFor({ timeout: 40_000 });
      const want = (await api(agent, 'GET', '/v1/allocations?task_states=false')).map((a) => a.ID).sort();
      await eventually(async () => JSON.stringify(await shownIds(page)) === JSON.stringify(want), { message: 'the agent\'s allocations, once each' });
      for (const a of await api(agent, 'GET', '/v1/job/gap/allocations')) {
        await eventually(async () => /complete|stop/.test(await row(page, a.ID).textContent()), { message: `${a.ID} stopped` });
      }
    });
  } finally {
    relay.cut();
  }
});

test('where the stream is refused, blocking queries keep the list live and the page says so', async () => {
  const agent = await agentWith(['--no-demo', '--no-event-broker']);
  await withPage(fleet.browser, async ({ page, requests }) => {
    await page.goto(`${agent.url}/ui/allocations`);
    await status(page, 'blocking').waitFor();
    // 1.11 answers 200 and closes (the headers go before the subscription is tried), earlier
    // releases 500 `EventBroker not configured` (command/agent/event_endpoint.go).
    assert.match(await page.getByTestId('live-status').textContent(), /blocking queries: .*event broker/);
    await runJob(agent, { id: 'fb', count: 2, tasks: [shellTask('t', 'while :; do sleep 1; done')] });
    await eventually(async () => (await rows(page).count()) === 2, { message: 'rows from a blocking query' });
    const blocking = requests.filter((r) => path(r) === '/v1/allocations' && /[?&]index=\d+/.test(r.url));
    assert.ok(blocking.length >= 1, 'blocking queries');
  });
});

test("a node's page reads that node's allocations only, kept live by events", async () => {
  const agent = await agentWith(['--no-demo']);
  await runJob(agent, { id: 'nd', count: 2, tasks: [shellTask('t', 'while :; do sleep 1; done')] });
  const [node] = await api(agent, 'GET', '/v1/nodes');
  await withPage(fleet.browser, async ({ page, requests }) => {
    await page.goto(`${agent.url}/ui/nodes/${node.ID}`);
    const section = page.getByTestId('node-allocations');
    await section.locator('[data-testid="live-status"][data-mode="events"][data-state="live"]').waitFor();
    await eventually(async () => (await rows(page).count()) === 2, { message: '2 rows' });
    await runJob(agent, { id: 'nd2', count: 1, tasks: [shellTask('t', 'while :; do sleep 1; done')] });
    await eventually(async () => (await rows(page).count()) === 3, { message: 'a new allocation from an event' });
    assert.ok(requests.some((r) => path(r) === `/v1/node/${node.ID}/allocations`), 'the node\'s allocations read');
    assert.ok(!requests.some((r) => path(r) === '/v1/allocations'), 'never the whole cluster\'s');
  });
});

/** An HTTP proxy in front of `target` that passes everything but holds every event stream's
 *  body until it ends, as a buffering proxy does. */
async function startBufferingProxy(target) {
  const { createServer, request } = await import('node:http');
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const out = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      if (req.url.startsWith('/v1/event/stream')) {
        const held = [];
        answer.on('data', (c) => held.push(c));
        answer.on('end', () => res.end(Buffer.concat(held)));
      } else {
        answer.pipe(res);
      }
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

test('a stream held back by a buffering proxy hands the list to blocking queries', async () => {
  const agent = await agentWith(['--no-demo']);
  await runJob(agent, { id: 'buf', count: 2, tasks: [shellTask('t', 'while :; do sleep 1; done')] });
  const proxy = await startBufferingProxy(agent.apiUrl);
  try {
    await withPage(fleet.browser, async ({ page }) => {
      await page.goto(`${proxy.url}/ui/allocations`);
      // The first page does not wait for the stream.
      await eventually(async () => (await rows(page).count()) === 2, { timeout: 4000, message: 'rows before the stream opened' });
      await status(page, 'blocking').waitFor({ timeout: 15_000 });
      assert.match(await page.getByTestId('live-status').textContent(), /sent nothing within 5 s/);
      await runJob(agent, { id: 'buf2', count: 1, tasks: [shellTask('t', 'while :; do sleep 1; done')] });
      await eventually(async () => (await rows(page).count()) === 3, { message: 'a change over blocking queries' });
    });
  } finally {
    proxy.close();
  }
});

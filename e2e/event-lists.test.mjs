// Issue 18, point 2: the jobs and nodes lists fed by Nomad's event stream. A snapshot, then
// each Job event applied to its row (a job's summary, which no event carries, read from
// /v1/job/:id/summary when its allocations change), each Node event to its node's row; the
// lists are never read again for one change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, eventually } from './support/agent.mjs';
import { withPage } from './support/browser.mjs';
import { agentsOnDemand, liveStatus, requestPath } from './support/feeds.mjs';
import { runJob, shellTask } from './support/jobs.mjs';

const fleet = agentsOnDemand();
const agentWith = (args) => fleet.agentWith(args);
const status = liveStatus;
const path = requestPath;
const jobRows = (page) => page.getByTestId('job-row');
const jobRow = (page, id) => page.locator(`[data-testid="job-row"][data-id="${id}"]`);
const badge = (page, id, title) => jobRow(page, id).locator(`.badge[title="${title}"]`).textContent();
const loop = () => [shellTask('t', 'while :; do sleep 1; done')];

test('the jobs list: registered, stopped and purged jobs from events, never re-read', async () => {
  const agent = await agentWith(['--no-demo']);
  await runJob(agent, { id: 'ja', count: 1, tasks: loop() });
  await withPage(fleet.browser, async ({ page, requests }) => {
    await page.goto(`${agent.url}/ui/jobs`);
    await status(page, 'events').waitFor();
    await eventually(async () => (await jobRows(page).count()) === 1, { message: '1 row' });
    assert.match(await page.getByTestId('live-status').textContent(), /event stream/);
    const before = requests.length;

    // A job registered shows up, and its counts come from its summary.
    await runJob(agent, { id: 'jb', count: 2, tasks: loop() });
    await eventually(async () => (await jobRows(page).count()) === 2, { message: 'jb shown' });
    await eventually(async () => (await badge(page, 'jb', 'running')) === '2', { message: 'jb: 2 running' });

    // Its allocations stop: the counts move, though no event carries them.
    await api(agent, 'DELETE', '/v1/job/jb');
    await eventually(async () => (await badge(page, 'jb', 'complete')) === '2' && (await badge(page, 'jb', 'running')) === '0',
      { message: 'jb: 2 complete' });
    await eventually(async () => /dead/.test(await jobRow(page, 'jb').textContent()), { message: 'jb dead' });

    // Purged: its row goes.
    await api(agent, 'DELETE', '/v1/job/jb?purge=true');
    await eventually(async () => (await jobRows(page).count()) === 1, { message: 'jb gone' });
    assert.equal(await jobRow(page, 'ja').count(), 1);

    const later = requests.slice(before);
    assert.deepEqual(later.filter((r) => path(r) === '/v1/jobs').map((r) => r.url), [], 'no list read after the snapshot');
    assert.ok(later.some((r) => path(r) === '/v1/job/jb/summary'), 'the summary read for the changed job');
    assert.ok(!later.some((r) => path(r) === '/v1/job/ja/summary'), 'no summary read for a job that did not change');
    const streams = requests.filter((r) => path(r) === '/v1/event/stream');
    assert.equal(streams.length, 1, 'one subscription');
    const topics = new URL(streams[0].url).searchParams.getAll('topic');
    assert.deepEqual(topics, ['Job', 'Allocation', 'Evaluation']);
    // Pages in the list's own order: Job.List reads backwards only from 1.8.0.
    const lists = requests.filter((r) => path(r) === '/v1/jobs').map((r) => new URL(r.url).searchParams);
    assert.ok(lists.length >= 1 && lists.every((q) => !q.has('reverse')), 'no reverse on /v1/jobs');
  });
});

test('the nodes list: a snapshot, then Node events, without re-reading /v1/nodes', async () => {
  const agent = await agentWith(['--no-demo']);
  const nodes = await api(agent, 'GET', '/v1/nodes');
  await withPage(fleet.browser, async ({ page, requests }) => {
    await page.goto(`${agent.url}/ui/nodes`);
    await status(page, 'events').waitFor();
    await eventually(async () => (await page.getByTestId('node-row').count()) === nodes.length, { message: 'every node' });
    for (const n of nodes) {
      assert.match(await page.locator(`[data-testid="node-row"][data-id="${n.ID}"]`).textContent(), new RegExp(n.SchedulingEligibility));
    }
    const before = requests.length;
    // Writes to other tables send the nodes stream nothing, and the list is not read again.
    await runJob(agent, { id: 'nj', count: 1, tasks: loop() });
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(requests.slice(before).filter((r) => path(r) === '/v1/nodes').map((r) => r.url), []);
    const streams = requests.filter((r) => path(r) === '/v1/event/stream');
    assert.equal(streams.length, 1, 'one subscription');
    assert.deepEqual(new URL(streams[0].url).searchParams.getAll('topic'), ['Node']);
    // Node.List never reads backwards: pages in ID order.
    const lists = requests.filter((r) => path(r) === '/v1/nodes').map((r) => new URL(r.url).searchParams);
    assert.ok(lists.length >= 1 && lists.every((q) => !q.has('reverse')), 'no reverse on /v1/nodes');
  });
});

// Issue 3: live allocation views (issue 18: over the event stream), task event timelines, actions on real
// processes, and live resource charts, against the local agent's demo workload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, api, eventually } from './support/agent.mjs';
import { launch, withPage } from './support/browser.mjs';
import { runJob, shellTask, taskLog, TRAP_SCRIPT } from './support/jobs.mjs';

let agent, browser;
before(async () => {
  agent = await startAgent();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await agent?.cleanup();
});

const rows = (page) => page.getByTestId('alloc-row');
const row = (page, id) => page.locator(`[data-testid="alloc-row"][data-id="${id}"]`);

test('the list shows the demo allocations of every namespace', async () => {
  await withPage(browser, async (p) => {
    await p.page.goto(`${agent.url}/ui/allocations?namespace=*`);
    const all = await api(agent, 'GET', '/v1/allocations?namespace=*&task_states=false');
    await eventually(async () => (await rows(p.page).count()) === all.length, { message: `${all.length} rows` });
    const text = await p.page.getByTestId('alloc-list').textContent();
    for (const a of all) assert.ok(text.includes(a.ID.slice(0, 8)), `short id of ${a.Name} shown`);
    assert.ok(text.includes('web.web[0]') && text.includes('flaky'), 'names and jobs shown');
    // A row's link leads to its detail inside the app (no page load), under the /ui/ mount.
    const first = rows(p.page).first();
    const id = await first.getAttribute('data-id');
    await p.page.evaluate(() => { window.sameDocument = true; });
    await first.getByRole('link', { name: id.slice(0, 8) }).click();
    await p.page.waitForURL((url) => url.pathname === `/ui/allocations/${id}`);
    await p.page.getByTestId('alloc-tasks').waitFor();
    assert.equal(await p.page.evaluate(() => window.sameDocument), true, 'followed by the router, not loaded again');
  });
});

test('a stop made through the API reaches the open list and detail without reload, from the event stream', async () => {
  await withPage(browser, (list) => withPage(browser, async (detail) => {
    const [web] = (await api(agent, 'GET', '/v1/job/web/allocations')).filter((a) => a.ClientStatus === 'running');
    await list.page.goto(`${agent.url}/ui/allocations`);
    await row(list.page, web.ID).waitFor();
    await list.page.locator('[data-testid="live-status"][data-mode="events"][data-state="live"]').waitFor();
    await detail.page.goto(`${agent.url}/ui/allocations/${web.ID}`);
    await detail.page.getByTestId('alloc-tasks').waitFor();
    await detail.page.locator('[data-testid="live-status"][data-mode="events"][data-state="live"]').waitFor();
    // Let both views settle into their streams before the change.
    await new Promise((r) => setTimeout(r, 1000));
    const [listBefore, detailBefore] = [list.requests.length, detail.requests.length];

    const stop = await api(agent, 'POST', `/v1/allocation/${web.ID}/stop`);
    assert.ok(stop.EvalID);
    const stopped = await api(agent, 'GET', `/v1/allocation/${web.ID}`);
    assert.ok(stopped.NextAllocation, 'the agent placed a replacement');
    // The issue asks for the change on screen within 2 s, without a reload.
    await row(list.page, stopped.NextAllocation).waitFor({ timeout: 2000 });
    await detail.page.getByTestId('alloc-next').waitFor({ timeout: 2000 });
    assert.match(await row(list.page, web.ID).textContent(), /stop/, 'the stopped row shows its new desired status');

    // The list took the change from the stream: it read no list again.
    const listReads = list.requests.slice(listBefore).filter((r) => new URL(r.url).pathname === '/v1/allocations');
    assert.deepEqual(listReads.map((r) => r.url), [], 'no list re-read for a change');
    assert.ok(list.requests.some((r) => new URL(r.url).pathname === '/v1/event/stream'), 'the list subscribed');
    // The detail subscribed to its own allocation's events (the stream's key filter); the
    // scheduler's stop moved AllocModifyIndex, so the whole allocation (with its job, which
    // events leave out) was read again once, not polled.
    const own = detail.requests.filter((r) => new URL(r.url).pathname === '/v1/event/stream');
    assert.ok(own.some((r) => new URL(r.url).searchParams.getAll('topic').includes(`Allocation:${web.ID}`)), own.map((r) => r.url).join());
    const detailReads = detail.requests.slice(detailBefore).filter((r) => new URL(r.url).pathname === `/v1/allocation/${web.ID}`);
    assert.ok(detailReads.length <= 2, `${detailReads.length} reads of the allocation after the change`);
    assert.ok(detailReads.every((r) => !/[?&]index=/.test(r.url)), 'no blocking query');
  }));
});

test("the crashing task's timeline shows Terminated and Restarting as they happen", async () => {
  await withPage(browser, async (p) => {
    const [flaky] = await api(agent, 'GET', '/v1/job/flaky/allocations');
    await p.page.goto(`${agent.url}/ui/allocations/${flaky.ID}`);
    await p.page.getByTestId('task-events').first().waitFor();
    const seen = async (type) => p.page.locator(`[data-testid="task-event"][data-type="${type}"]`).count();
    const terminatedBefore = await seen('Terminated');
    await eventually(async () => (await seen('Terminated')) > terminatedBefore, { timeout: 40_000, message: 'a new Terminated event' });
    await eventually(async () => (await seen('Restarting')) > 0, { timeout: 20_000, message: 'a Restarting event' });
    const failure = p.page.locator('[data-testid="task-event"][data-type="Terminated"]').first();
    assert.match(await failure.textContent(), /[Ee]xit [Cc]ode/, 'the exit code is shown');
  });
});

/** Opens the action's dialog, sets its controls with `choose`, and confirms. */
async function confirmAction(page, testid, choose = async () => {}) {
  await page.getByTestId(testid).click();
  await choose();
  await page.getByTestId(`${testid}-confirm`).click();
  await eventually(async () => (await page.getByTestId(`${testid}-outcome`).getAttribute('data-state')) === 'ok', { message: `${testid} outcome` });
}

test('signal, restart and stop from the UI reach the real process', async () => {
  const [trap] = await runJob(agent, { id: 'trap', tasks: [shellTask('trap', TRAP_SCRIPT)] });
  await eventually(async () => (await taskLog(agent, trap.ID, 'trap')).includes('ready'), { message: 'trap ready' });
  await withPage(browser, async (p) => {
    await p.page.goto(`${agent.url}/ui/allocations/${trap.ID}`);
    await p.page.getByTestId('alloc-actions').waitFor();

    await confirmAction(p.page, 'action-signal', async () => p.page.getByTestId('signal-name').selectOption('SIGUSR1'));
    await eventually(async () => (await taskLog(agent, trap.ID, 'trap')).includes('got USR1'), { message: 'the process got SIGUSR1' });
    await p.page.locator('[data-testid="task-event"][data-type="Signaling"]').first().waitFor();

    await confirmAction(p.page, 'action-restart');
    await eventually(async () => (await p.page.getByTestId('task-restarts').first().textContent()) === '1', { message: 'restarts 1 on screen' });
    await eventually(async () => (await taskLog(agent, trap.ID, 'trap')).includes('got INT'), { message: 'restart killed the process' });

    await confirmAction(p.page, 'action-stop');
    await p.page.getByTestId('alloc-next').waitFor();
    const replaced = await api(agent, 'GET', `/v1/allocation/${trap.ID}`);
    assert.equal(replaced.DesiredStatus, 'stop');
    const next = await api(agent, 'GET', `/v1/allocation/${replaced.NextAllocation}`);
    assert.equal(next.PreviousAllocation, trap.ID);
  });
});

test('resource charts gain points over time', async () => {
  const [busy] = await runJob(agent, { id: 'busy', tasks: [shellTask('spin', 'while :; do :; done')] });
  await withPage(browser, async (p) => {
    await p.page.goto(`${agent.url}/ui/allocations/${busy.ID}`);
    const chart = p.page.locator('[data-testid^="chart-"][data-testid$="-cpu"]').first();
    await chart.waitFor();
    const samples = async () => Number(await chart.getAttribute('data-samples'));
    const first = await eventually(samples, { message: 'a first sample' });
    await eventually(async () => (await samples()) >= first + 2, { timeout: 15_000, message: 'more samples' });
  });
});

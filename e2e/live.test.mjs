// Issue 3: the blocking-query engine's manners (hidden tabs, the long-poll budget, stale
// reads), scope in the URL, agent writes, and errors shown in place.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, api, eventually } from './support/agent.mjs';
import { launch, withPage } from './support/browser.mjs';

let agent, browser;
before(async () => {
  agent = await startAgent();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await agent?.cleanup();
});

const path = (r) => new URL(r.url).pathname;
const params = (r) => new URL(r.url).searchParams;

/** Tracks the requests of a page still waiting for their answer. */
function pending(page) {
  const open = new Set();
  let most = 0;
  page.on('request', (r) => {
    if (!new URL(r.url()).searchParams.has('index')) return;
    open.add(r);
    most = Math.max(most, open.size);
  });
  page.on('requestfinished', (r) => open.delete(r));
  page.on('requestfailed', (r) => open.delete(r));
  return { get now() { return open.size; }, get most() { return most; } };
}

/** Makes the page believe its tab was hidden or shown, as the browser tells it. */
async function setHidden(page, hidden) {
  await page.evaluate((hidden) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

test('a hidden tab holds no long poll and asks nothing; shown again, it reads afresh', async () => {
  await withPage(browser, async (p) => {
    const polls = pending(p.page);
    await p.page.goto(`${agent.url}/ui/allocations`);
    await p.page.getByTestId('alloc-row').first().waitFor();
    await eventually(async () => polls.now >= 1, { message: 'a long poll is held' });

    await setHidden(p.page, true);
    await eventually(async () => polls.now === 0, { message: 'the long polls were aborted' });
    const hiddenAt = p.requests.length;
    await new Promise((r) => setTimeout(r, 3000));
    const asked = p.requests.slice(hiddenAt).filter((r) => path(r).startsWith('/v1/'));
    assert.deepEqual(asked.map((r) => r.url), [], 'nothing requested while hidden');

    await setHidden(p.page, false);
    const fresh = await eventually(async () => p.requests.slice(hiddenAt).find((r) => path(r) === '/v1/allocations'), { message: 'a read when shown' });
    assert.equal(params(fresh).has('index'), false, 'the first read after hiding is a fresh one');
    await eventually(async () => polls.now >= 1, { message: 'long polling again' });
  });
});

test('a busy page keeps its long polls within the budget, and actions still go through', async () => {
  await withPage(browser, async (p) => {
    const polls = pending(p.page);
    const [web] = (await api(agent, 'GET', '/v1/job/web/allocations')).filter((a) => a.ClientStatus === 'running');
    // The node page (node, its allocations, host stats) with the navigation's namespaces.
    await p.page.goto(`${agent.url}/ui/nodes/${web.NodeID}`);
    await p.page.getByTestId('alloc-row').first().waitFor();
    await p.page.goto(`${agent.url}/ui/allocations/${web.ID}`);
    await p.page.getByTestId('alloc-tasks').waitFor();
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(polls.most <= 3, `at most 3 long polls at once, saw ${polls.most}`);

    await p.page.getByTestId('action-restart').click();
    await p.page.getByTestId('action-restart-confirm').click();
    await eventually(async () => (await p.page.getByTestId('action-restart-outcome').getAttribute('data-state')) === 'ok', { message: 'the restart answered' });
  });
});

test('the stale-reads setting and the namespace live in what is asked and in the URL', async () => {
  await withPage(browser, async (p) => {
    await p.page.goto(`${agent.url}/ui/settings`);
    await p.page.getByTestId('stale-reads').check();
    await p.page.getByTestId('nav-allocations').click();
    await p.page.getByTestId('alloc-row').first().waitFor();
    const reads = p.requests.filter((r) => path(r) === '/v1/allocations');
    assert.ok(reads.length > 0 && reads.every((r) => params(r).has('stale')), 'every list read is stale');

    await p.page.getByTestId('namespace-select').selectOption('ops');
    await p.page.waitForURL((url) => url.searchParams.get('namespace') === 'ops');
    const ops = await api(agent, 'GET', '/v1/allocations?namespace=ops');
    await eventually(async () => (await p.page.getByTestId('alloc-row').count()) === ops.length, { message: `${ops.length} ops rows` });
    const ids = await p.page.getByTestId('alloc-row').evaluateAll((rows) => rows.map((r) => r.dataset.id));
    assert.deepEqual(ids.sort(), ops.map((a) => a.ID).sort());

    // A shared link opens the same scope.
    await withPage(browser, async (other) => {
      await other.page.goto(p.page.url());
      await eventually(async () => (await other.page.getByTestId('alloc-row').count()) === ops.length, { message: 'the link shows the same rows' });
      assert.equal(await other.page.getByTestId('namespace-select').inputValue(), 'ops');
    });

    await p.page.getByTestId('identity').click();
    await p.page.getByTestId('stale-reads').uncheck();
  });
});

test('the agent page updates servers and joins, each confirmed, with the outcome shown', async () => {
  await withPage(browser, async (p) => {
    await p.page.goto(`${agent.url}/ui/agent`);
    const before = await api(agent, 'GET', '/v1/agent/servers');
    await p.page.getByTestId('servers-input').fill([...before, '127.0.0.2:4647'].join('\n'));
    await p.page.getByTestId('action-update-servers').click();
    await p.page.getByTestId('action-update-servers-confirm').click();
    await eventually(async () => (await api(agent, 'GET', '/v1/agent/servers')).includes('127.0.0.2:4647'), { message: 'the agent has the new server' });
    await eventually(async () => (await p.page.getByTestId('server-address').allTextContents()).includes('127.0.0.2:4647'), { message: 'the list shows it' });

    await p.page.getByTestId('join-address').fill('127.0.0.1:1');
    await p.page.getByTestId('action-join').click();
    await p.page.getByTestId('action-join-confirm').click();
    const outcome = p.page.getByTestId('action-join-outcome');
    await eventually(async () => ['ok', 'failed'].includes(await outcome.getAttribute('data-state')), { message: 'the join answered' });
    assert.match(await outcome.textContent(), /join|0/i, 'the outcome says what happened');
  });
});

test('a malformed answer is shown in its panel while the rest of the page works; an unknown allocation is not found', async () => {
  await withPage(browser, async (p) => {
    await p.page.route('**/v1/agent/members*', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"Members": 42' }));
    await p.page.goto(`${agent.url}/ui/agent`);
    await p.page.getByTestId('agent-members').getByTestId('error-malformed').waitFor();
    assert.equal(await p.page.getByTestId('health-server').getAttribute('data-ok'), 'ok');
    assert.ok(await p.page.getByTestId('agent-version').isVisible(), 'self still shown');

    await p.page.goto(`${agent.url}/ui/allocations/8a1c0b35-0000-4000-8000-000000000000`);
    await p.page.getByTestId('error-not-found').waitFor();
  });
});

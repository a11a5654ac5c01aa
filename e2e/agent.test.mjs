// Issue 3: the agent page, and a page that survives its agent going away and coming back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, eventually } from './support/agent.mjs';
import { launch, withPage } from './support/browser.mjs';

let agent, browser;
before(async () => {
  agent = await startAgent({ args: ['--no-demo'] });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await agent?.cleanup();
});

test('the agent page shows self, members and health', async () => {
  await withPage(browser, async (p) => {
    await p.page.goto(`${agent.url}/ui/agent`);
    await p.page.getByTestId('member-row').first().waitFor();
    assert.equal(await p.page.getByTestId('agent-region').textContent(), 'global');
    assert.equal(await p.page.getByTestId('health-server').getAttribute('data-ok'), 'ok');
    assert.ok((await p.page.getByTestId('member-leader').count()) >= 1, 'the leader is marked');
  });
});

test('an agent stopped and restarted under an open page: the page says so, then recovers', async () => {
  await withPage(browser, async (p) => {
    await p.page.goto(`${agent.url}/ui/allocations`);
    const status = p.page.getByTestId('live-status').first();
    await eventually(async () => (await status.getAttribute('data-state')) === 'live', { message: 'live' });
    await agent.stop();
    await eventually(async () => ['stale', 'error'].includes(await status.getAttribute('data-state')), { timeout: 20_000, message: 'the page reports the lost agent' });
    // On the same port and data directory; a front before it (CARAVAN_E2E_FRONT) stays up.
    await agent.restart();
    await eventually(async () => (await status.getAttribute('data-state')) === 'live', { timeout: 45_000, message: 'recovered by itself' });
  });
});

// Issue 2: the dashboard, served by the local agent at /ui/, loads and shows agent health.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent } from './support/agent.mjs';
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

test('the agent redirects / to the dashboard at /ui/', async () => {
  const res = await fetch(agent.url + '/', { redirect: 'manual' });
  assert.ok([301, 302, 307, 308].includes(res.status), `status ${res.status}`);
  assert.match(res.headers.get('location'), /\/ui\/$/);
});

test('the dashboard renders agent health from /v1/agent/health', async () => {
  await withPage(browser, async (p) => {
    await p.page.goto(agent.url + '/ui/');
    await p.page.waitForURL(/\/ui\/allocations$/);
    await p.page.getByTestId('nav-agent').click();
    const client = p.page.getByTestId('health-client');
    const server = p.page.getByTestId('health-server');
    await client.waitFor();
    assert.equal(await client.getAttribute('data-ok'), 'ok');
    assert.equal(await server.getAttribute('data-ok'), 'ok');
    assert.equal(await p.page.getByTestId('health-client-message').textContent(), 'ok');
    assert.ok(p.requests.some((r) => r.url.endsWith('/v1/agent/health')), 'health was fetched from the agent');
  });
});

test('a deep link is served by the SPA fallback and an unknown route shows not found', async () => {
  await withPage(browser, async (p) => {
    await p.page.goto(agent.url + '/ui/agent');
    await p.page.getByTestId('health-server').waitFor();
    await p.page.goto(agent.url + '/ui/no/such/page');
    await p.page.getByTestId('not-found').waitFor();
  });
});

// Issue 3 (initial load): the first load fetches only the main wasm module; every other page's
// code is a chunk fetched when that page first opens (src/app.rs, scripts/wasm-split.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, eventually } from './support/agent.mjs';
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

const wasmFetched = (p, pattern) => p.requests.filter((r) => pattern.test(new URL(r.url).pathname));
const CLUSTER_CHUNK = /\/split_cluster_chunk-[0-9a-f]+\.wasm$/;

test('the list loads without any page chunk; a page fetches its chunk once, when it first opens', async () => {
  await withPage(browser, async (p) => {
    await p.page.goto(`${agent.url}/ui/allocations`);
    await p.page.getByTestId('alloc-row').first().waitFor();
    const first = wasmFetched(p, /\.wasm$/).map((r) => new URL(r.url).pathname);
    assert.equal(first.length, 1, `one wasm module on the first load: ${first.join(', ')}`);
    assert.match(first[0], /\/caravan-[0-9a-f]+_bg\.wasm$/);

    await p.page.getByTestId('nav-agent').click();
    await p.page.getByTestId('health-server').waitFor();
    assert.equal(wasmFetched(p, CLUSTER_CHUNK).length, 1, 'the agent page fetched its chunk');

    // The nodes pages share the agent page's chunk: nothing more to fetch.
    await p.page.getByTestId('nav-nodes').click();
    await p.page.getByTestId('node-row').first().waitFor();
    await p.page.getByTestId('nav-agent').click();
    await p.page.getByTestId('health-server').waitFor();
    assert.equal(wasmFetched(p, CLUSTER_CHUNK).length, 1, 'a loaded chunk is not fetched again');

    // The allocation page's own chunk.
    await p.page.getByTestId('nav-allocations').click();
    await p.page.getByTestId('alloc-row').first().locator('a').first().click();
    await p.page.getByTestId('alloc-tasks').waitFor();
    assert.equal(wasmFetched(p, /\/split_allocation_chunk-[0-9a-f]+\.wasm$/).length, 1);
  });
});

test('a page whose chunk cannot be fetched says so, the rest keeps working, and it loads once it can', async () => {
  await withPage(browser, async (p) => {
    let refused = 0;
    await p.page.route(CLUSTER_CHUNK, (route) => {
      refused += 1;
      return route.abort('connectionrefused');
    });
    await p.page.goto(`${agent.url}/ui/allocations`);
    await p.page.getByTestId('alloc-row').first().waitFor();
    await p.page.getByTestId('nav-agent').click();
    await p.page.getByTestId('chunk-failed').waitFor();
    assert.ok(refused >= 1, 'the chunk was asked for');

    // The page already shown and its live list are unaffected.
    await p.page.getByTestId('nav-allocations').click();
    await p.page.getByTestId('alloc-row').first().waitFor();

    // A failure is not remembered: the next visit fetches the chunk afresh.
    await p.page.unroute(CLUSTER_CHUNK);
    await p.page.getByTestId('nav-agent').click();
    await p.page.getByTestId('health-server').waitFor();
    assert.equal(await p.page.getByTestId('chunk-failed').count(), 0);
  });
});

test('"Try again" on a page whose chunk failed loads it', async () => {
  await withPage(browser, async (p) => {
    await p.page.route(CLUSTER_CHUNK, (route) => route.abort('connectionrefused'));
    await p.page.goto(`${agent.url}/ui/agent`);
    await p.page.getByTestId('chunk-failed').waitFor();
    await p.page.unroute(CLUSTER_CHUNK);
    await p.page.getByTestId('chunk-failed').getByRole('button', { name: 'Try again' }).click();
    await p.page.getByTestId('health-server').waitFor();
    await eventually(async () => new URL(p.page.url()).pathname === '/ui/agent', { message: 'still on the agent page' });
  });
});

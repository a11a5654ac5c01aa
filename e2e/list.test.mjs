// Issue 3: the allocations list over a few thousand allocations: only the rows in view exist,
// and search, sort and facet filters work and live in the URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, api, eventually } from './support/agent.mjs';
import { launch, withPage } from './support/browser.mjs';

const COUNT = 2000;
let agent, browser, all;
before(async () => {
  agent = await startAgent({ args: ['--synthetic-allocs', String(COUNT), '--no-demo'] });
  browser = await launch();
  all = await api(agent, 'GET', '/v1/allocations?namespace=*&task_states=false');
});
after(async () => {
  await browser?.close();
  await agent?.cleanup();
});

const rowIds = (page) => page.getByTestId('alloc-row').evaluateAll((rows) => rows.map((r) => r.dataset.id));
const countText = (page) => page.getByTestId('alloc-count').textContent();
const query = (page) => new URL(page.url()).searchParams;
// Names as the list orders them: runs of digits by their number (`web[2]` before `web[10]`).
const natural = (a, b) => {
  const parts = (s) => s.match(/\d+|\D+/g) ?? [];
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const numbers = /^\d/.test(x[i]) && /^\d/.test(y[i]);
    const c = numbers ? Number(x[i]) - Number(y[i]) : (x[i] < y[i] ? -1 : x[i] > y[i] ? 1 : 0);
    if (c) return c;
  }
  return x.length - y.length;
};

test('only the rows in view exist; scrolling and a taller window show others', async () => {
  await withPage(browser, { viewport: { width: 1280, height: 700 } }, async (p) => {
    await p.page.goto(`${agent.url}/ui/allocations?namespace=*&sort=id&order=asc`);
    await eventually(async () => (await countText(p.page)) === `${COUNT} of ${COUNT} allocations`, { message: 'all counted' });
    const ids = all.map((a) => a.ID).sort();
    const first = await rowIds(p.page);
    assert.ok(first.length > 5 && first.length < 60, `${first.length} rows in the DOM`);
    assert.deepEqual(first, ids.slice(0, first.length), 'the first rows by ID');

    await p.page.getByTestId('alloc-viewport').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await eventually(async () => (await rowIds(p.page)).at(-1) === ids.at(-1), { message: 'the last row after scrolling down' });
    assert.ok((await rowIds(p.page)).length < 60);

    await p.page.getByTestId('alloc-viewport').evaluate((el) => { el.scrollTop = 0; });
    await eventually(async () => (await rowIds(p.page))[0] === ids[0], { message: 'back at the top' });
    const short = (await rowIds(p.page)).length;
    await p.page.setViewportSize({ width: 1280, height: 1400 });
    await eventually(async () => (await rowIds(p.page)).length > short + 10, { message: 'more rows in a taller window' });
    // A layout change that is no window resize (here the viewport's own height) is followed too.
    const tall = (await rowIds(p.page)).length;
    await p.page.getByTestId('alloc-viewport').evaluate((el) => { el.style.height = '2600px'; el.style.maxHeight = 'none'; el.style.flex = 'none'; });
    await eventually(async () => (await rowIds(p.page)).length > tall + 10, { message: 'more rows in a taller viewport' });
  });
});

test('search, sort and facet filters narrow the list and live in the URL', async () => {
  await withPage(browser, async (p) => {
    await p.page.goto(`${agent.url}/ui/allocations?namespace=*`);
    await eventually(async () => (await countText(p.page)) === `${COUNT} of ${COUNT} allocations`, { message: 'all counted' });

    // Search by ID prefix.
    const prefix = all[0].ID.slice(0, 3);
    const byPrefix = all.filter((a) => a.ID.startsWith(prefix) || a.Name.toLowerCase().includes(prefix));
    await p.page.getByTestId('alloc-search').fill(prefix);
    await eventually(async () => (await countText(p.page)) === `${byPrefix.length} of ${COUNT} allocations`, { message: 'searched' });
    assert.equal(query(p.page).get('q'), prefix);
    const found = new Set(byPrefix.map((a) => a.ID));
    assert.ok((await rowIds(p.page)).every((id) => found.has(id)), 'only matching rows');
    await p.page.getByTestId('alloc-search').fill('');
    await eventually(async () => !query(p.page).has('q'), { message: 'search cleared' });

    // Sort by name, then the other way.
    await p.page.getByTestId('sort-name').click();
    await eventually(async () => query(p.page).get('sort') === 'name', { message: 'sort in the URL' });
    assert.equal(await p.page.getByTestId('sort-name').getAttribute('aria-sort'), 'ascending');
    const names = async () => p.page.getByTestId('alloc-row').evaluateAll((rows) => rows.map((r) => r.children[1].textContent));
    const ascending = await names();
    assert.deepEqual(ascending, [...ascending].sort(natural), 'names ascending');
    await p.page.getByTestId('sort-name').click();
    await eventually(async () => query(p.page).get('order') === 'desc', { message: 'order in the URL' });
    const descending = await names();
    assert.deepEqual(descending, [...descending].sort(natural).reverse(), 'names descending');

    // A status facet: its count is what selecting it shows.
    const status = all[0].ClientStatus;
    const withStatus = all.filter((a) => a.ClientStatus === status);
    await p.page.getByTestId('facet-status').locator('summary').click();
    const option = p.page.getByTestId('facet-option').and(p.page.locator(`[data-value="${status}"]`));
    assert.match(await option.textContent(), new RegExp(`${withStatus.length}$`));
    await option.locator('input').check();
    await eventually(async () => (await countText(p.page)) === `${withStatus.length} of ${COUNT} allocations`, { message: 'filtered by status' });
    assert.deepEqual(query(p.page).getAll('status'), [status]);
    const statuses = await p.page.getByTestId('alloc-row').evaluateAll((rows) => rows.map((r) => r.dataset.status));
    assert.ok(statuses.every((s) => s === status), 'every row has the status');

    // The URL alone gives the same list.
    const url = p.page.url();
    await withPage(browser, async (other) => {
      await other.page.goto(url);
      await eventually(async () => (await countText(other.page)) === `${withStatus.length} of ${COUNT} allocations`, { message: 'the link filters' });
      assert.equal(await other.page.getByTestId('sort-name').getAttribute('aria-sort'), 'descending');
    });
  });
});

// Issue 18 point 3: the "expression" box of the allocations and jobs lists sends Nomad's
// `filter` (a go-bexpr expression) to the agent, which answers only the matching rows; the
// expression lives in the page URL (`filter=`); an expression the agent refuses shows Nomad's
// error beside the box (a 400 with `failed to create result paginator: ...` or `failed to read
// result page: ...`, nomad/alloc_endpoint.go and nomad/job_endpoint.go `List`, v1.4.0 to
// v1.11.3) while the rows shown before stay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, eventually } from './support/agent.mjs';
import { launch, withPage } from './support/browser.mjs';
import { runJob, shellTask } from './support/jobs.mjs';

let agent, browser;
const allocs = {};
before(async () => {
  agent = await startAgent({ args: ['--no-demo'] });
  browser = await launch();
  for (const [id, type, count] of [['billing-api', 'service', 1], ['billing-report', 'batch', 1], ['web', 'service', 2]]) {
    allocs[id] = (await runJob(agent, { id, type, count, tasks: [shellTask('main', 'sleep 300')] })).map((a) => a.ID);
  }
});
after(async () => {
  await browser?.close();
  await agent?.cleanup();
});

const sorted = (ids) => [...ids].sort();
const ids = (page, testid) => page.getByTestId(testid).evaluateAll((rows) => rows.map((r) => r.dataset.id).sort());
const filterParam = (page) => new URL(page.url()).searchParams.get('filter');
// The list's own reads (the box's check of an expression asks for one row, `per_page=1`).
const listReads = (p, path) => p.requests
  .map((r) => new URL(r.url))
  .filter((u) => u.pathname === path && !u.searchParams.has('per_page'));

/** Types `expression` in the box and applies it with Enter. */
async function apply(page, expression) {
  const box = page.getByTestId('filter-expression');
  await box.fill(expression);
  await box.press('Enter');
}

test('allocations: the expression narrows the list on the agent, stays in the URL, and a bad one is refused beside the box', async () => {
  await withPage(browser, async (p) => {
    await p.page.goto(`${agent.url}/ui/allocations`);
    const all = sorted(Object.values(allocs).flat());
    await eventually(async () => JSON.stringify(await ids(p.page, 'alloc-row')) === JSON.stringify(all), { message: 'every allocation' });

    // Typing alone sends nothing: an expression applies on Enter.
    const expression = 'JobID matches "^billing-" and ClientStatus == "running"';
    await p.page.getByTestId('filter-expression').fill(expression);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(filterParam(p.page), null);
    assert.equal(listReads(p, '/v1/allocations').filter((u) => u.searchParams.has('filter')).length, 0);

    await p.page.getByTestId('filter-expression').press('Enter');
    const billing = sorted([...allocs['billing-api'], ...allocs['billing-report']]);
    await eventually(async () => JSON.stringify(await ids(p.page, 'alloc-row')) === JSON.stringify(billing), { message: 'only billing allocations' });
    assert.equal(filterParam(p.page), expression);
    assert.ok(
      listReads(p, '/v1/allocations').some((u) => u.searchParams.get('filter') === expression),
      'the list was read with the expression as `filter`',
    );
    assert.equal(await p.page.getByTestId('alloc-count').textContent(), '2 of 2 allocations');

    // A reload reads the expression from the URL.
    p.requests.length = 0;
    await p.page.reload();
    await eventually(async () => JSON.stringify(await ids(p.page, 'alloc-row')) === JSON.stringify(billing), { message: 'billing allocations after reload' });
    assert.equal(await p.page.getByTestId('filter-expression').inputValue(), expression);
    assert.ok(listReads(p, '/v1/allocations').every((u) => u.searchParams.get('filter') === expression), 'every read after reload is filtered');

    // A bad expression: Nomad's 400 text beside the box; the URL and the rows stay.
    await apply(p.page, 'JobID ==');
    const error = p.page.getByTestId('filter-error');
    await error.waitFor();
    assert.match(
      await p.page.getByTestId('filter-error-text').textContent(),
      /^failed to create result paginator: failed to read filter expression: /,
    );
    assert.match(await error.textContent(), /refused/);
    assert.equal(filterParam(p.page), expression);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await ids(p.page, 'alloc-row'), billing, 'the rows shown before stay');

    // Clearing removes the parameter and the error: every allocation again.
    await p.page.getByTestId('filter-clear').click();
    await eventually(async () => JSON.stringify(await ids(p.page, 'alloc-row')) === JSON.stringify(all), { message: 'every allocation again' });
    assert.equal(filterParam(p.page), null);
    assert.equal(await p.page.getByTestId('filter-error').count(), 0);
    assert.equal(await p.page.getByTestId('filter-expression').inputValue(), '');
  });
});

test('jobs: the expression narrows the list on the agent, stays in the URL, and a bad one is refused beside the box', async () => {
  await withPage(browser, async (p) => {
    await p.page.goto(`${agent.url}/ui/jobs`);
    await eventually(async () => (await ids(p.page, 'job-row')).length === 3, { message: 'every job' });

    const expression = 'Type == "batch" or ID == "web"';
    await apply(p.page, expression);
    await eventually(async () => JSON.stringify(await ids(p.page, 'job-row')) === JSON.stringify(['billing-report', 'web']), { message: 'the batch job and web' });
    assert.equal(filterParam(p.page), expression);
    assert.ok(listReads(p, '/v1/jobs').some((u) => u.searchParams.get('filter') === expression), 'the list was read with `filter`');

    p.requests.length = 0;
    await p.page.reload();
    await eventually(async () => JSON.stringify(await ids(p.page, 'job-row')) === JSON.stringify(['billing-report', 'web']), { message: 'the same jobs after reload' });
    assert.equal(await p.page.getByTestId('filter-expression').inputValue(), expression);
    assert.ok(listReads(p, '/v1/jobs').every((u) => u.searchParams.get('filter') === expression), 'every read after reload is filtered');

    // An expression that parses but fails on the first job: Nomad's page error.
    await apply(p.page, 'ID matches "("');
    await p.page.getByTestId('filter-error').waitFor();
    assert.match(
      await p.page.getByTestId('filter-error-text').textContent(),
      /^failed to read result page: failed to compile regular expression "\(": error parsing regexp: /,
    );
    assert.equal(filterParam(p.page), expression);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await ids(p.page, 'job-row'), ['billing-report', 'web'], 'the rows shown before stay');

    // An empty expression applied with Enter removes the parameter.
    await apply(p.page, '');
    await eventually(async () => (await ids(p.page, 'job-row')).length === 3, { message: 'every job again' });
    assert.equal(filterParam(p.page), null);
  });

  // A bad expression in a link: the box shows it with Nomad's error.
  await withPage(browser, async (p) => {
    await p.page.goto(`${agent.url}/ui/jobs?filter=${encodeURIComponent('Status ==')}`);
    await p.page.getByTestId('filter-error').waitFor();
    assert.match(await p.page.getByTestId('filter-error-text').textContent(), /^failed to create result paginator: /);
    assert.equal(await p.page.getByTestId('filter-expression').inputValue(), 'Status ==');
  });
});

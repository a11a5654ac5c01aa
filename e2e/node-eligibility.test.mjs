// Issue 18: a node changes while it is shown. The node's page has Nomad's "Eligible" toggle
// (`ui/app/templates/clients/client/index.hbs`); flipping it sends
// `POST /v1/node/:id/eligibility` (`Node.UpdateEligibility`, node:write), and the new state
// reaches the node's page (its own `topic=Node:<id>` events) and the nodes list (`topic=Node`)
// as a `NodeDrain` event (`MsgTypeEvents` in `nomad/state/events.go`, 1.4.0 to 1.11.3),
// never by reading either again. A token without node:write sees the toggle disabled, with
// the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, eventually } from './support/agent.mjs';
import { withPage } from './support/browser.mjs';
import { agentsOnDemand, liveStatus, requestPath } from './support/feeds.mjs';

const fleet = agentsOnDemand();
const path = requestPath;

/** The node page's own status line (the allocations section has another). */
const detailsLive = (page, mode) =>
  page.getByTestId('node-details').locator(`[data-testid="live-status"][data-state="live"][data-mode="${mode}"]`);
const toggle = (page) => page.getByTestId('node-eligibility-toggle');
const eligibility = (page) => page.getByTestId('node-eligibility').getAttribute('data-eligibility');
/** The eligibility cell of the node's row in the nodes list. */
const listEligibility = (page, id) =>
  page.locator(`[data-testid="node-row"][data-id="${id}"] [data-testid="node-row-eligibility"]`).textContent();

test("flipping a node's eligibility shows on its page and in the nodes list, by events alone", async () => {
  const agent = await fleet.agentWith(['--no-demo']);
  const [node] = await api(agent, 'GET', '/v1/nodes');
  assert.equal(node.SchedulingEligibility, 'eligible');
  await withPage(fleet.browser, async (list) => {
    await list.page.goto(`${agent.url}/ui/nodes`);
    await liveStatus(list.page, 'events').waitFor();
    await eventually(async () => (await listEligibility(list.page, node.ID)) === 'eligible', { message: 'the row, eligible' });

    await withPage(fleet.browser, async (detail) => {
      await detail.page.goto(`${agent.url}/ui/nodes/${node.ID}`);
      await detailsLive(detail.page, 'events').waitFor();
      assert.equal(await eligibility(detail.page), 'eligible');
      assert.equal(await toggle(detail.page).getAttribute('aria-checked'), 'true');
      assert.equal(await toggle(detail.page).isDisabled(), false);
      const stream = detail.requests.find((r) => path(r) === '/v1/event/stream' && new URL(r.url).searchParams.getAll('topic').includes(`Node:${node.ID}`));
      assert.ok(stream, "the page subscribes to its node's own events");
      const nodeReads = () => detail.requests.filter((r) => path(r) === `/v1/node/${node.ID}` && r.method === 'GET').length;
      const listReads = () => list.requests.filter((r) => path(r) === '/v1/nodes').length;
      const [detailBefore, listBefore] = [nodeReads(), listReads()];

      // Ineligible: the write, then the node's event on both pages.
      await toggle(detail.page).click();
      const write = await eventually(
        async () => detail.requests.find((r) => path(r) === `/v1/node/${node.ID}/eligibility`),
        { message: 'the eligibility write sent' },
      );
      assert.equal(write.method, 'POST');
      await eventually(async () => (await eligibility(detail.page)) === 'ineligible', { message: 'the page shows ineligible' });
      assert.equal(await toggle(detail.page).getAttribute('aria-checked'), 'false');
      await eventually(async () => (await listEligibility(list.page, node.ID)) === 'ineligible', { message: 'the list shows ineligible' });
      assert.equal((await api(agent, 'GET', `/v1/node/${node.ID}`)).SchedulingEligibility, 'ineligible');
      // Still fed by the event stream, and nothing read again.
      await detailsLive(detail.page, 'events').waitFor();
      await liveStatus(list.page, 'events').waitFor();
      assert.equal(nodeReads(), detailBefore, 'the node was not read again');
      assert.equal(listReads(), listBefore, 'the nodes list was not read again');
      assert.equal(await detail.page.getByTestId('node-eligibility-error').count(), 0);

      // And back.
      await eventually(async () => !(await toggle(detail.page).isDisabled()), { message: 'the toggle enabled again' });
      await toggle(detail.page).click();
      await eventually(async () => (await eligibility(detail.page)) === 'eligible', { message: 'the page shows eligible' });
      await eventually(async () => (await listEligibility(list.page, node.ID)) === 'eligible', { message: 'the list shows eligible' });
      assert.equal(nodeReads(), detailBefore);
      assert.equal(listReads(), listBefore);
    });
  });
});

test('a token without node:write sees the toggle disabled, with the reason', async () => {
  const agent = await fleet.agentWith(['--no-demo', '--acl']);
  const tokens = agent.tokens();
  const [node] = await api(agent, 'GET', '/v1/nodes', { token: tokens.management });
  await withPage(fleet.browser, async ({ page }) => {
    await page.goto(`${agent.url}/ui/nodes/${node.ID}`);
    // Without a token the page is refused; the operator token reads nodes but may not write them.
    await page.getByTestId('error-forbidden').first().waitFor();
    await page.getByTestId('token-input').first().fill(tokens.operator);
    await page.getByTestId('token-submit').first().click();
    await detailsLive(page, 'events').waitFor();
    // Until the token's policies are read the toggle is offered (as with ACLs off).
    await page.getByTestId('node-eligibility-denied').waitFor();
    assert.equal(await toggle(page).isDisabled(), true);
    assert.match(await page.getByTestId('node-eligibility-denied').textContent(), /node:write/);
    assert.equal(await eligibility(page), 'eligible');
  });
  // The agent refuses it too (`Node.UpdateEligibility`: AllowNodeWrite).
  const res = await fetch(`${agent.apiUrl}/v1/node/${node.ID}/eligibility`, {
    method: 'POST',
    headers: { 'X-Nomad-Token': tokens.operator },
    body: JSON.stringify({ NodeID: node.ID, Eligibility: 'ineligible' }),
  });
  assert.equal(res.status, 403);
  assert.equal(await res.text(), 'Permission denied');
});

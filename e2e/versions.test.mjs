// Issue 15: the dashboard works against every supported Nomad release, not only the one our old
// docs describe. The agent answers as a chosen release (`--nomad-version`); here the same pages
// are opened against the oldest release, the last one whose /v1/acl/token/self answered through
// ACL.ResolveToken (1.10.0), and the newest, which answers through ACL.WhoAmI
// (command/agent/acl_endpoint.go). The rest of the suite runs once per pass of scripts/test.sh,
// each pass as another release (CARAVAN_E2E_NOMAD_VERSION).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, eventually, nomadVersion, withAgent } from './support/agent.mjs';
import { launch, withPage } from './support/browser.mjs';
import { frontKind } from './support/front.mjs';
import { runJob, shellTask } from './support/jobs.mjs';

// The passes through a front run only their own release (the direct pass runs them all).
const RELEASES = frontKind ? [nomadVersion ?? '1.11'] : ['1.4', '1.10.0', '1.11'];

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Opens `id`'s allocation page and waits for its actions. */
async function openAllocation(page, agent, id) {
  await page.goto(`${agent.url}/ui/allocations/${id}`);
  await page.getByTestId('alloc-actions').waitFor();
  await page.getByTestId('alloc-tasks').waitFor();
}

/** What the navigation bar's token chip says once the identity is known. */
async function identityChip(page) {
  return eventually(async () => {
    const text = (await page.getByTestId('identity').textContent()).trim();
    return text !== 'Settings' && text;
  }, { message: 'the token chip settles' });
}

for (const release of RELEASES) {
  test(`Nomad ${release}, ACLs off: every action is offered and the chip says ACLs are off`, async () => {
    await withAgent({ args: ['--no-demo', '--nomad-version', release] }, async (agent) => {
      const self = await api(agent, 'GET', '/v1/agent/self');
      assert.ok(self.config.Version.Version.startsWith(release), `agent/self reports ${self.config.Version.Version}`);
      const [alloc] = await runJob(agent, { id: 'web', tasks: [shellTask('main', 'sleep 600')] });
      await withPage(browser, async (p) => {
        await openAllocation(p.page, agent, alloc.ID);
        assert.equal(await identityChip(p.page), 'ACLs off');
        for (const action of ['stop', 'restart']) {
          assert.equal(await p.page.getByTestId(`action-${action}`).isDisabled(), false, `${action} offered`);
        }
        assert.equal(await p.page.getByTestId('action-stop-denied').count(), 0);
      });
    });
  });

  test(`Nomad ${release}, ACLs on: no token is anonymous, the read-only token may look but not act`, async () => {
    await withAgent({ args: ['--no-demo', '--acl', '--nomad-version', release] }, async (agent) => {
      const tokens = agent.tokens();
      const [alloc] = await runJob(agent, { id: 'web', tasks: [shellTask('main', 'sleep 600')], token: tokens.management });
      await withPage(browser, async (p) => {
        await p.page.goto(`${agent.url}/ui/allocations`);
        await p.page.getByTestId('error-forbidden').waitFor();
        assert.equal(await identityChip(p.page), 'Sign in');
        await p.page.getByTestId('token-input').first().fill(tokens.readonly);
        await p.page.getByTestId('token-submit').first().click();
        await p.page.getByTestId('alloc-row').first().waitFor();
        assert.equal(await identityChip(p.page), 'Token: Read-only Token');
        await openAllocation(p.page, agent, alloc.ID);
        await p.page.getByTestId('action-stop-denied').waitFor();
        assert.equal(await p.page.getByTestId('action-stop').isDisabled(), true);
      });
    });
  });
}

test(`host and allocation CPU read above zero under load (Nomad ${nomadVersion ?? 'default'})`, async () => {
  await withAgent({ args: ['--no-demo'] }, async (agent) => {
    const [alloc] = await runJob(agent, { id: 'busy', tasks: [shellTask('spin', 'while :; do :; done')] });
    const [node] = await api(agent, 'GET', '/v1/nodes');
    await withPage(browser, async (p) => {
      const peak = (testid) => p.page.locator(`[data-testid="${testid}"]`).first().getAttribute('data-peak').then(Number);
      await p.page.goto(`${agent.url}/ui/nodes/${node.ID}`);
      await eventually(async () => (await peak('chart-host-cpu')) > 0, { timeout: 20_000, message: 'host CPU above 0%' });
      const cores = p.page.locator('[data-testid="host-core"]');
      await cores.first().waitFor();
      await eventually(async () => {
        const percents = await cores.evaluateAll((els) => els.map((el) => Number(el.dataset.percent)));
        return percents.some((v) => v > 0);
      }, { timeout: 20_000, message: 'a core above 0%' });

      await p.page.goto(`${agent.url}/ui/allocations/${alloc.ID}`);
      const chart = p.page.locator('[data-testid^="chart-"][data-testid$="-cpu"]').first();
      await chart.waitFor();
      await eventually(async () => Number(await chart.getAttribute('data-peak')) > 0, { timeout: 20_000, message: 'allocation CPU above 0' });
    });
  });
});

test(`an allocation whose empty fields are left out reads sensibly (Nomad ${nomadVersion ?? 'default'})`, async () => {
  await withAgent({ args: ['--no-demo'] }, async (agent) => {
    // A batch task that has not finished: no FinishedAt, no restarts, no deployment, no
    // previous allocation; Nomad 1.11 leaves every such field out of the allocation.
    const [alloc] = await runJob(agent, { id: 'fresh', type: 'batch', tasks: [shellTask('main', 'sleep 600')] });
    await withPage(browser, async (p) => {
      await openAllocation(p.page, agent, alloc.ID);
      const text = await p.page.locator('main').innerText();
      for (const bad of [/\b1970\b/, /\b0001\b/, /NaN/, /undefined/, /null/]) {
        assert.doesNotMatch(text, bad);
      }
      assert.match(await p.page.getByTestId('task-restarts').first().textContent(), /^0$/);
    });
  });
});

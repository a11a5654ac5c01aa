// Issue 6: the dashboard runs under a strict Content-Security-Policy: no inline script, only
// 'wasm-unsafe-eval' beyond the page's own origin for scripts. The agent, `serve` and the nginx
// config send the policy; every page, the exec console included, must run without a violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, eventually } from './support/agent.mjs';
import { launch, withPage } from './support/browser.mjs';
import { directives, recordViolations } from './support/csp.mjs';
import { runJob, shellTask } from './support/jobs.mjs';

let agent, browser, alloc;
before(async () => {
  agent = await startAgent({ args: ['--no-demo'] });
  browser = await launch();
  [alloc] = await runJob(agent, { id: 'csp', tasks: [shellTask('main', 'echo started; sleep 600')] });
});
after(async () => {
  await browser?.close();
  await agent?.cleanup();
});

test('index.html has no inline script and comes with the policy', async () => {
  for (const path of ['/ui/', `/ui/allocations/${alloc.ID}/exec`]) {
    const res = await fetch(agent.url + path);
    assert.equal(res.status, 200, path);
    const policy = directives(res.headers.get('content-security-policy') ?? '');
    assert.deepEqual(policy['script-src'], ["'self'", "'wasm-unsafe-eval'"], path);
    assert.deepEqual(policy['default-src'], ["'self'"], path);
    assert.equal(policy['frame-ancestors'], undefined, 'portals of any origin may embed it');
    const html = await res.text();
    const scripts = html.match(/<script\b[^>]*>/gi) ?? [];
    assert.ok(scripts.length > 0, 'the start script is there');
    for (const tag of scripts) assert.match(tag, /\ssrc=/, `${tag} is not inline`);
    assert.doesNotMatch(html, /importmap/);
  }
});

test('every page and the exec console run without a policy violation', async () => {
  await withPage(browser, async (p) => {
    const violations = await recordViolations(p.page);
    await p.page.goto(`${agent.url}/ui/`);
    await p.page.getByTestId('alloc-row').first().waitFor();
    // Each page shown, its chunk and data loaded (a wait for network idle never ends: pages
    // hold blocking queries open).
    const pages = {
      'nav-jobs': '[data-testid="job-row"]',
      'nav-nodes': '[data-testid="node-row"]',
      'nav-agent': '[data-testid="member-row"]',
      identity: '[data-testid="identity-state"][data-state="acl-disabled"]',
      'nav-allocations': '[data-testid="alloc-row"]',
    };
    for (const [nav, shown] of Object.entries(pages)) {
      await p.page.getByTestId(nav).click();
      await p.page.locator(shown).first().waitFor();
    }
    await p.page.goto(`${agent.url}/ui/allocations/${alloc.ID}`);
    await p.page.getByTestId('alloc-summary').waitFor();

    // The console: xterm loads on demand, styles itself, and the exec WebSocket connects.
    await p.page.goto(`${agent.url}/ui/allocations/${alloc.ID}/exec`);
    await p.page.locator('[data-testid="exec-status"][data-state="connected"]').waitFor();
    await p.page.locator('[data-testid="exec-terminal"] .xterm-helper-textarea').focus();
    await p.page.keyboard.type('echo "csp-$((6 * 7))"\n');
    const rows = p.page.locator('[data-testid="exec-terminal"] .xterm-rows');
    await eventually(async () => /csp-42/.test(await rows.innerText()), { message: 'the shell answering' });

    assert.deepEqual(violations, []);
  });
});

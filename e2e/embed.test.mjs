// Issue 6: embedding in portals. `?embed=1` drops the app chrome and is kept by the dashboard's
// links; deep links to an allocation, its logs and its console work inside an iframe of another origin;
// colours are CSS custom properties, light and dark following the system.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startAgent, eventually } from './support/agent.mjs';
import { launch, withPage } from './support/browser.mjs';
import { recordViolations } from './support/csp.mjs';
import { runJob, shellTask } from './support/jobs.mjs';

let agent, browser, alloc, portal, portalUrl;
before(async () => {
  agent = await startAgent({ args: ['--no-demo'] });
  browser = await launch();
  [alloc] = await runJob(agent, { id: 'embedded', tasks: [shellTask('main', 'echo embedded-log-line; sleep 600')] });
  // A portal on another origin (another port) framing the dashboard.
  portal = createServer((req, res) => {
    const src = new URL(req.url, 'http://portal').searchParams.get('src');
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><title>portal</title><iframe src="${encodeURI(src)}" width="1000" height="600"></iframe>`);
  });
  await new Promise((r) => portal.listen(0, '127.0.0.1', r));
  portalUrl = (src) => `http://127.0.0.1:${portal.address().port}/?src=${encodeURIComponent(src)}`;
});
after(async () => {
  await browser?.close();
  portal?.close();
  await agent?.cleanup();
});

test('embed mode shows a page without the navigation, and its links stay embedded', async () => {
  await withPage(browser, async (p) => {
    await p.page.goto(`${agent.url}/ui/allocations/${alloc.ID}`);
    await p.page.getByTestId('alloc-summary').waitFor();
    assert.equal(await p.page.getByTestId('nav').count(), 1, 'the full dashboard has its navigation');

    await p.page.goto(`${agent.url}/ui/allocations/${alloc.ID}?embed=1`);
    await p.page.getByTestId('alloc-summary').waitFor();
    assert.equal(await p.page.getByTestId('nav').count(), 0);
    assert.equal(await p.page.evaluate(() => document.documentElement.hasAttribute('data-embed')), true);
    assert.match(await p.page.getByTestId('alloc-exec').getAttribute('href'), /[?&]embed=1/);
    await p.page.getByTestId('alloc-node').click();
    await eventually(() => /\/ui\/nodes\/[^?]+\?(.+&)?embed=1$/.test(p.page.url()), { message: 'the node page, embedded' });
    assert.equal(await p.page.getByTestId('nav').count(), 0);
  });
});

test('deep links to an allocation, its logs and its console work in an iframe of another origin', async () => {
  await withPage(browser, async (p) => {
    const violations = await recordViolations(p.page);
    await p.page.goto(portalUrl(`${agent.url}/ui/allocations/${alloc.ID}?embed=1`));
    const frame = p.page.frameLocator('iframe');
    await frame.getByTestId('alloc-summary').waitFor();
    assert.equal(await frame.getByTestId('alloc-id').innerText(), alloc.ID);

    await p.page.goto(portalUrl(`${agent.url}/ui/allocations/${alloc.ID}/logs?task=main&embed=1`));
    await frame.getByTestId('log-status').and(frame.locator('[data-state="live"]')).waitFor();
    await frame.getByText('embedded-log-line').waitFor();

    // The console's WebSocket is the framed page's own: same origin as the agent (or front).
    await p.page.goto(portalUrl(`${agent.url}/ui/allocations/${alloc.ID}/exec?embed=1`));
    await frame.locator('[data-testid="exec-status"][data-state="connected"]').waitFor();
    await frame.locator('[data-testid="exec-terminal"] .xterm-helper-textarea').focus();
    await p.page.keyboard.type('echo "framed-$((40 + 2))"\n');
    const rows = frame.locator('[data-testid="exec-terminal"] .xterm-rows');
    await eventually(async () => /framed-42/.test(await rows.innerText()), { message: 'the shell answering in the iframe' });
    assert.equal(await frame.getByTestId('nav').count(), 0);
    assert.deepEqual(violations, []);
  });
});

test('light and dark follow the system through CSS custom properties', async () => {
  await withPage(browser, async (p) => {
    const colours = async (scheme) => {
      await p.page.emulateMedia({ colorScheme: scheme });
      return p.page.evaluate(() => {
        const style = getComputedStyle(document.documentElement);
        return { bg: style.getPropertyValue('--bg').trim(), body: getComputedStyle(document.body).backgroundColor };
      });
    };
    await p.page.goto(`${agent.url}/ui/allocations?embed=1`);
    await p.page.getByTestId('alloc-row').first().waitFor();
    const light = await colours('light');
    const dark = await colours('dark');
    assert.ok(light.bg && dark.bg, 'the background is a custom property');
    assert.notEqual(light.bg, dark.bg);
    assert.notEqual(light.body, dark.body, 'the page follows the custom property');
  });
});

// Issue 6: one build, any base path, set up at run time. The same dist is served at /tools/nomad/
// by `caravan-agent serve` and by Debian's nginx running deploy/nginx.conf (its BASE lines
// changed as its comments say); config.json beside index.html points the dashboard at another
// agent address, and theme.css beside it overrides the colours.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAgent, eventually } from './support/agent.mjs';
import { launch, withPage } from './support/browser.mjs';
import { recordViolations } from './support/csp.mjs';
import { nginxUpstreamHost, startNginx, startServe } from './support/front.mjs';
import { runJob, shellTask } from './support/jobs.mjs';
import { dist } from './support/paths.mjs';


let agent, browser, alloc, work;
before(async () => {
  // Behind deploy/nginx.conf the agent is addressed by its upstream's name.
  agent = await startAgent({ args: ['--no-demo', '--allowed-host', nginxUpstreamHost] });
  browser = await launch();
  [alloc] = await runJob(agent, { id: 'based', tasks: [shellTask('main', 'sleep 600')] });
  work = mkdtempSync(path.join(tmpdir(), 'caravan-basepath-'));
  // nginx's workers run as nobody when the tests run as root: they must read the copies.
  chmodSync(work, 0o755);
});
after(async () => {
  await browser?.close();
  await agent?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A copy of the built dashboard with `files` (name to content) written beside index.html. */
function deployment(name, files) {
  const dir = path.join(work, name);
  cpSync(dist, dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(dir, file), content);
  return dir;
}

for (const [kind, start] of [['serve', startServe], ['nginx', startNginx]]) {
  test(`${kind}: the same build works at /tools/nomad/, deep links and theme.css included`, async () => {
    const ui = deployment(kind, { 'theme.css': ':root { --accent: rgb(1, 2, 3); }\n' });
    const front = await start(agent.apiUrl, { basePath: '/tools/nomad/', ui });
    try {
      await withPage(browser, async (p) => {
        const html = await (await fetch(`${front.url}/tools/nomad/allocations/${alloc.ID}`)).text();
        assert.match(html, /<base href="\/tools\/nomad\/">/);

        const violations = await recordViolations(p.page);
        await p.page.goto(`${front.url}/tools/nomad/`);
        await p.page.waitForURL(/\/tools\/nomad\/allocations$/);
        await p.page.getByTestId('alloc-row').first().waitFor();
        assert.equal(await p.page.getByTestId('nav-nodes').getAttribute('href'), '/tools/nomad/nodes');
        await p.page.getByTestId('nav-nodes').click();
        await p.page.waitForURL(/\/tools\/nomad\/nodes$/);

        // A deep link loads straight into the page it names.
        await p.page.goto(`${front.url}/tools/nomad/allocations/${alloc.ID}`);
        await p.page.getByTestId('alloc-summary').waitFor();
        const accent = await p.page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim());
        assert.equal(accent, 'rgb(1, 2, 3)');

        const elsewhere = p.requests.filter((r) => new URL(r.url).pathname.startsWith('/ui/'));
        assert.deepEqual(elsewhere, [], 'nothing is asked for at the build\'s /ui/');
        assert.deepEqual(violations, []);
      });
    } finally {
      await front.stop();
    }
  });
}

test('config.json points the dashboard at another agent address', async () => {
  // The agent, as if at another origin that answers the dashboard with CORS headers; the
  // policy names it in connect-src, as README.md says to.
  const address = 'http://nomad.invalid:4646';
  const ui = deployment('config', { 'config.json': JSON.stringify({ address: `${address}/` }) });
  const policy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    + `connect-src 'self' ${address}`;
  const front = await startServe(agent.apiUrl, { ui, args: ['--content-security-policy', policy] });
  try {
    await withPage(browser, async (p) => {
      await p.page.route(`${address}/**`, async (route) => {
        const url = route.request().url().replace(address, agent.apiUrl);
        try {
          const response = await route.fetch({ url, timeout: 0 });
          await route.fulfill({ response, headers: { ...response.headers(), 'access-control-allow-origin': '*' } });
        } catch {
          // The page went away while a blocking query was held.
          await route.abort().catch(() => {});
        }
      });
      await p.page.goto(`${front.url}/ui/allocations`);
      await p.page.getByTestId('alloc-row').first().waitFor();
      const api = (origin) => p.requests.filter((r) => r.url.startsWith(`${origin}/v1/`));
      await eventually(() => api(address).length > 0, { message: 'requests to the configured address' });
      assert.deepEqual(api(front.url), [], 'none to the dashboard\'s own origin');
    });
  } finally {
    await front.stop();
  }
});

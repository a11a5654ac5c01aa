// Issue 4: the file browser over a real allocation directory: navigation with the path in the
// URL and breadcrumbs, sorting, small and large text files, an image, a live tail of a growing
// file, downloads, and a clear error without read-fs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startAgent, withAgent, eventually } from './support/agent.mjs';
import { launch, withPage } from './support/browser.mjs';
import { runJob, shellTask } from './support/jobs.mjs';

// A 1x1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const SCRIPT = String.raw`
mkdir -p local/sub
printf 'x' > local/sub/inner.txt
printf 'hello file\nsecond line\n' > local/small.txt
i=0; while [ $i -lt 8000 ]; do echo "big line $i 0123456789012345678901234567890123456789"; i=$((i+1)); done > local/big.txt
echo '${PNG}' | base64 -d > local/pic.png
i=0; while :; do i=$((i+1)); echo "grow $i" >> local/grow.log; sleep 0.2; done
`;

let agent, browser, allocId;
before(async () => {
  agent = await startAgent({ args: ['--no-demo'] });
  browser = await launch();
  const [alloc] = await runJob(agent, { id: 'files', tasks: [shellTask('maker', SCRIPT)] });
  allocId = alloc.ID;
  await eventually(async () => (await fetch(`${agent.apiUrl}/v1/client/fs/stat/${allocId}?path=maker/local/grow.log`)).ok, { message: 'files written' });
});
after(async () => {
  await browser?.close();
  await agent?.cleanup();
});

const filesUrl = (path) => `${agent.url}/ui/allocations/${allocId}/files${path === undefined ? '' : `?path=${encodeURIComponent(path)}`}`;
const names = (page) => page.getByTestId('file-entry').evaluateAll((rows) => rows.map((r) => r.dataset.name));

test('navigates the allocation directory with the path in the URL and breadcrumbs', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(`${agent.url}/ui/allocations/${allocId}`);
    await page.getByTestId('alloc-files').click();
    await page.getByTestId('file-listing').waitFor();
    const root = await names(page);
    assert.ok(root.includes('alloc') && root.includes('maker'), root.join());
    await page.locator('[data-testid="file-entry"][data-name="maker"] a').click();
    await page.waitForURL((u) => u.searchParams.get('path') === 'maker');
    await page.locator('[data-testid="file-entry"][data-name="local"] a').click();
    await page.waitForURL((u) => u.searchParams.get('path') === 'maker/local');
    await eventually(async () => (await names(page)).includes('small.txt'), { message: 'local listed' });
    // Directories first, then by name.
    assert.deepEqual((await names(page)).slice(0, 2), ['sub', 'big.txt']);
    const crumbs = await page.getByTestId('file-crumb').allTextContents();
    assert.deepEqual(crumbs, ['/', 'maker', 'local']);
    await page.locator('[data-testid="file-crumb"][data-path="maker"]').click();
    await page.waitForURL((u) => u.searchParams.get('path') === 'maker');
    await page.goBack();
    await page.waitForURL((u) => u.searchParams.get('path') === 'maker/local');
    await page.locator('[data-testid="file-entry"][data-name="small.txt"]').waitFor();
  });
});

test('sorts by size and modified time, ascending and descending', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(filesUrl('maker/local'));
    await page.locator('[data-testid="file-entry"][data-name="small.txt"]').waitFor();
    // grow.log keeps growing: the order of the files that do not is checked.
    const steady = async () => (await names(page)).filter((n) => ['small.txt', 'pic.png', 'big.txt', 'sub'].includes(n)).join();
    await page.getByTestId('file-sort-size').click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'size');
    await eventually(async () => (await steady()) === 'sub,small.txt,pic.png,big.txt', { message: 'by size' });
    await page.getByTestId('file-sort-size').click();
    await page.waitForURL((u) => u.searchParams.get('order') === 'desc');
    // Directories stay first.
    await eventually(async () => (await steady()) === 'sub,big.txt,pic.png,small.txt', { message: 'by size, descending' });
    await page.getByTestId('file-sort-modified').click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'modified' && !u.searchParams.has('order'));
  });
});

test('shows a small text file whole and a large one as head and tail, with stat', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(filesUrl('maker/local/small.txt'));
    assert.equal(await page.getByTestId('file-text').textContent(), 'hello file\nsecond line\n');
    assert.match(await page.getByTestId('file-size').textContent(), /\(23 bytes\)/);
    assert.match(await page.getByTestId('file-type').textContent(), /^text\/plain/);
    await page.goto(filesUrl('maker/local/big.txt'));
    const head = await page.getByTestId('file-head').textContent();
    const tail = await page.getByTestId('file-tail-text').textContent();
    assert.ok(head.startsWith('big line 0 0123'), head.slice(0, 40));
    assert.ok(tail.endsWith('big line 7999 0123456789012345678901234567890123456789\n'), tail.slice(-60));
    assert.match(await page.getByTestId('file-skipped').textContent(), /not shown/);
  });
});

test('previews an image', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(filesUrl('maker/local/pic.png'));
    const img = page.getByTestId('file-image');
    await img.waitFor();
    await eventually(async () => (await img.evaluate((el) => el.complete && el.naturalWidth)) === 1, { message: 'the image decoded' });
    assert.match(await img.getAttribute('src'), /^data:image\/png;base64,/, 'fetched with the token header, not by URL');
  });
});

test('tails a growing file live', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(filesUrl('maker/local/grow.log'));
    await page.getByTestId('file-tail').click();
    await page.waitForURL((u) => u.searchParams.get('tail') === '1');
    const grows = async () => Math.max(0, ...(await page.locator('[data-testid="log-line"]').allTextContents()).map((t) => Number(/^grow (\d+)$/.exec(t)?.[1] ?? 0)));
    await eventually(async () => (await grows()) > 0, { message: 'the tail shown' });
    const seen = await grows();
    await eventually(async () => (await grows()) >= seen + 3, { message: 'lines appended since' });
  });
});

test('downloads a file as it is', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(filesUrl('maker/local/big.txt'));
    await page.getByTestId('file-head').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('file-download').click()]);
    assert.equal(download.suggestedFilename(), 'big.txt');
    const got = readFileSync(await download.path(), 'utf8');
    const want = await (await fetch(`${agent.apiUrl}/v1/client/fs/cat/${allocId}?path=maker/local/big.txt`)).text();
    assert.equal(got, want);
  });
});

test('a missing path and a missing allocation say so', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(filesUrl('maker/nope.txt'));
    await page.getByTestId('error-not-found').waitFor();
    await page.goto(`${agent.url}/ui/allocations/00000000-0000-0000-0000-000000000000/files`);
    await page.getByTestId('error-not-found').waitFor();
  });
});

test('without read-fs the browser names the missing capability', async () => {
  await withAgent({ args: ['--no-demo', '--acl'] }, async (secured) => {
    const { management } = secured.tokens();
    const [alloc] = await runJob(secured, { id: 'quiet', tasks: [shellTask('main', 'sleep 600')], token: management });
    await withPage(browser, async ({ page }) => {
      await page.goto(`${secured.url}/ui/allocations/${alloc.ID}/files`);
      await page.getByTestId('error-forbidden').waitFor();
      assert.match(await page.getByTestId('error-panel').textContent(), /read-fs/);
    });
  });
});

// Issue 4: the log viewer against real processes of the local agent: live lines, stderr,
// pause and resume, search and filter, ANSI colours, markup shown as text, plain mode, the
// merged view, download and earlier output, a connection cut mid-stream and an agent restarted
// mid-stream both resumed byte for byte, and clear errors for 403 and 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startAgent, withAgent, eventually } from './support/agent.mjs';
import { launch, withPage } from './support/browser.mjs';
import { runJob, shellTask } from './support/jobs.mjs';
import { startRelay } from './support/relay.mjs';

// 2,000 numbered lines first (about 90 KB, more than the view's initial tail), then marked
// lines for search, colour, markup and stderr, then a tick every 200 ms.
const MAIN = String.raw`
i=1; while [ $i -le 2000 ]; do echo "line $i padding padding padding padding"; i=$((i+1)); done
echo "needle alpha"; echo "NEEDLE beta"; echo "needle 42 gamma"
printf 'plain then \033[31mred text\033[0m then plain\n'
echo '<script>window.__injected = 1</script><b>not bold</b>'
echo "to stderr" >&2
i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done
`;
const SIDE = 'i=0; while :; do i=$((i+1)); echo "side $i"; sleep 0.3; done';

let agent, browser, allocId;
before(async () => {
  agent = await startAgent({ args: ['--no-demo'] });
  browser = await launch();
  const [alloc] = await runJob(agent, { id: 'chatty', tasks: [shellTask('main', MAIN), shellTask('side', SIDE)] });
  allocId = alloc.ID;
  // The burst and the marked lines are written before any test looks.
  await eventually(async () => (await cat(`alloc/logs/main.stdout.0`)).includes('tick 1'), { message: 'main started ticking' });
});
after(async () => {
  await browser?.close();
  await agent?.cleanup();
});

async function cat(file, alloc = allocId) {
  const res = await fetch(`${agent.apiUrl}/v1/client/fs/cat/${alloc}?path=${encodeURIComponent(file)}`);
  return res.ok ? res.text() : '';
}

/** The rotated files of a task's log in `on`'s data directory, oldest first. */
function logFiles(on, alloc, task, type = 'stdout') {
  const dir = path.join(on.dataDir, 'alloc', alloc, 'alloc', 'logs');
  const prefix = `${task}.${type}.`;
  return readdirSync(dir).filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
    .map((n) => path.join(dir, n));
}

/** A task's whole log as the files on disk hold it. */
function diskLog(on, alloc, task, type = 'stdout') {
  return logFiles(on, alloc, task, type).map((f) => readFileSync(f, 'utf8')).join('');
}

const logsUrl = (query) => `${agent.url}/ui/allocations/${allocId}/logs?${query}`;
const lines = (page) => page.locator('[data-testid="log-viewer"] [data-testid="log-line"]');
const lineTexts = (page) => lines(page).allTextContents();
const maxTick = (texts) => Math.max(0, ...texts.map((t) => Number(/^tick (\d+)$/.exec(t)?.[1] ?? 0)));

test('a line printed by the process appears live, and the first view is the end of the log', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(logsUrl('task=main'));
    await page.getByTestId('log-status').and(page.locator('[data-state="live"]')).waitFor();
    await eventually(async () => maxTick(await lineTexts(page)) > 0, { message: 'a tick on screen' });
    const seen = maxTick(await lineTexts(page));
    // A tick the process prints only after the page had shown `seen`.
    await eventually(async () => maxTick(await lineTexts(page)) >= seen + 3, { message: `tick ${seen + 3}` });
    // Following: the newest line is on screen, the start of the log is not loaded yet.
    await page.getByTestId('log-earlier').and(page.locator('[data-state="more"]')).waitFor();
    assert.ok(!(await lineTexts(page)).includes('line 1 padding padding padding padding'));
  });
});

test('the stderr switch shows the other stream', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(logsUrl('task=main'));
    await eventually(async () => maxTick(await lineTexts(page)) > 0, { message: 'stdout shown' });
    await page.getByTestId('log-type-stderr').click();
    await page.waitForURL((u) => u.searchParams.get('type') === 'stderr');
    await eventually(async () => (await lineTexts(page)).includes('to stderr'), { message: 'stderr line' });
    assert.equal(maxTick(await lineTexts(page)), 0, 'no stdout line in the stderr view');
    assert.equal(await page.getByTestId('log-type-stderr').getAttribute('aria-pressed'), 'true');
  });
});

/** Brings the first line matching `text` into view through search (only visible lines exist). */
async function reveal(page, text) {
  await page.getByTestId('log-search').fill(text);
  await page.getByTestId('log-search-next').click();
  await page.locator('[data-testid="log-line"]', { hasText: text }).first().waitFor();
}

test('ANSI colours are styled text, and markup in a line is shown as text', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(logsUrl('task=main'));
    await eventually(async () => maxTick(await lineTexts(page)) > 0, { message: 'ticks shown' });
    await reveal(page, 'plain then');
    const line = page.locator('[data-testid="log-line"]', { hasText: 'plain then' });
    const red = line.locator('span.ansi-fg-1');
    assert.equal(await red.textContent(), 'red text');
    const color = await red.evaluate((el) => getComputedStyle(el).color);
    const plain = await line.evaluate((el) => getComputedStyle(el).color);
    assert.notEqual(color, plain, 'the red part has its own colour');
    assert.equal(color, 'rgb(229, 83, 75)');
    // The escape sequences themselves are not shown.
    assert.equal(await line.textContent(), 'plain then red text then plain');

    const markup = '<script>window.__injected = 1</script><b>not bold</b>';
    await reveal(page, '__injected');
    assert.ok((await lineTexts(page)).includes(markup), 'the markup line as text');
    assert.equal(await page.evaluate(() => window.__injected), undefined, 'no script ran');
    assert.equal(await page.locator('[data-testid="log-viewer"] script, [data-testid="log-viewer"] b').count(), 0, 'no element made from the output');
  });
});

test('following pauses when the reader scrolls up, and jumps back to live', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(logsUrl('task=main'));
    await eventually(async () => maxTick(await lineTexts(page)) > 0, { message: 'ticks shown' });
    const viewport = page.getByTestId('log-viewport');
    await viewport.hover();
    await page.mouse.wheel(0, -2000);
    await page.getByTestId('log-jump-live').waitFor();
    assert.equal(await page.getByTestId('log-follow').getAttribute('aria-pressed'), 'false');
    // Paused: new ticks arrive but the lines on screen stay where the reader left them. The
    // wheel's scroll may still be landing (a loaded machine): read where it came to rest.
    const scrollTop = () => viewport.evaluate((el) => el.scrollTop);
    let top = await scrollTop();
    await eventually(async () => {
      await page.waitForTimeout(150);
      const now = await scrollTop();
      const resting = now === top;
      top = now;
      return resting;
    }, { message: 'the scroll comes to rest' });
    const shown = await lineTexts(page);
    await page.waitForTimeout(1200);
    assert.equal(await viewport.evaluate((el) => el.scrollTop), top);
    assert.deepEqual(await lineTexts(page), shown);
    const pausedAt = maxTick(shown);
    await page.getByTestId('log-jump-live').click();
    await eventually(async () => maxTick(await lineTexts(page)) > pausedAt + 3, { message: 'live again' });
    assert.equal(await page.getByTestId('log-jump-live').count(), 0);
    // The Pause button does the same.
    await page.getByTestId('log-follow').click();
    await page.getByTestId('log-jump-live').waitFor();
    await page.getByTestId('log-follow').click();
    assert.equal(await page.getByTestId('log-follow').getAttribute('aria-pressed'), 'true');
  });
});

test('search counts and highlights matches, steps through them, and filters with context', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(logsUrl('task=main'));
    await eventually(async () => maxTick(await lineTexts(page)) > 0, { message: 'ticks shown' });
    const count = page.getByTestId('log-search-count');
    await page.getByTestId('log-search').fill('needle');
    await eventually(async () => (await count.textContent()) === '3 matches', { message: '3 matches' });
    await page.getByTestId('log-search-case').check();
    await eventually(async () => (await count.textContent()) === '2 matches', { message: 'case sensitive' });
    await page.getByTestId('log-search-case').uncheck();
    await page.getByTestId('log-search-next').click();
    await eventually(async () => (await count.textContent()) === '1 of 3', { message: 'first match current' });
    const current = page.locator('[data-testid="log-line"] .log-hit-current');
    assert.equal(await current.textContent(), 'needle');
    assert.match(await current.locator('xpath=..').textContent(), /needle alpha/);
    await page.getByTestId('log-search-next').click();
    await eventually(async () => (await count.textContent()) === '2 of 3', { message: 'second match' });
    assert.equal(await current.textContent(), 'NEEDLE');
    await page.getByTestId('log-search-prev').click();
    await page.getByTestId('log-search-prev').click();
    await eventually(async () => (await count.textContent()) === '3 of 3', { message: 'wrapped to the last' });

    await page.getByTestId('log-search-regex').check();
    await page.getByTestId('log-search').fill('needle \\d+');
    await eventually(async () => (await count.textContent()) === '1 match', { message: 'regex' });
    await page.getByTestId('log-search').fill('needle (');
    await eventually(async () => /group|\)/.test(await count.textContent()), { message: 'a bad regex explained' });

    // Filter: only the matching lines, then with a line of context each side.
    await page.getByTestId('log-search').fill('^needle');
    await page.getByTestId('log-filter').check();
    await eventually(async () => (await lineTexts(page)).join('|') === 'needle alpha|NEEDLE beta|needle 42 gamma', { message: 'filtered' });
    assert.equal(await page.locator('[data-testid="log-line"] .log-hit').count(), 3);
    await page.getByTestId('log-filter-context').fill('1');
    await eventually(async () => (await lineTexts(page)).join('|') ===
      'line 2000 padding padding padding padding|needle alpha|NEEDLE beta|needle 42 gamma|plain then red text then plain', { message: 'context' });
    await page.getByTestId('log-filter').uncheck();
    await eventually(async () => maxTick(await lineTexts(page)) > 0, { message: 'unfiltered again' });
  });
});

test('plain mode follows the raw log', async () => {
  await withPage(browser, async ({ page, requests }) => {
    await page.goto(logsUrl('task=main&plain=1'));
    await page.locator('[data-testid="log-viewer"][data-plain="true"]').waitFor();
    await eventually(async () => maxTick(await lineTexts(page)) > 0, { message: 'plain ticks' });
    const seen = maxTick(await lineTexts(page));
    await eventually(async () => maxTick(await lineTexts(page)) >= seen + 2, { message: 'plain live' });
    const streams = requests.map((r) => r.url).filter((u) => u.includes('/fs/logs/'));
    assert.ok(streams.length > 0 && streams.every((u) => u.includes('plain=true')), streams.join('\n'));
  });
});

test('the merged view prefixes each line with its task in its own colour', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(logsUrl('merged=1'));
    const prefixed = (task) => page.locator('[data-testid="log-line"] .log-prefix', { hasText: task });
    await prefixed('main').first().waitFor();
    await prefixed('side').first().waitFor();
    const colour = (task) => prefixed(task).first().evaluate((el) => getComputedStyle(el).color);
    assert.notEqual(await colour('main'), await colour('side'));
    const texts = await lineTexts(page);
    assert.ok(texts.some((t) => /^side +│ side \d+$/.test(t)), texts.join('\n'));
    assert.ok(texts.some((t) => /^main +│ tick \d+$/.test(t)), texts.join('\n'));
    assert.equal(await page.getByTestId('log-task').inputValue(), '');
  });
});

test('earlier output loads to the start, and download gives the whole log', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(logsUrl('task=main'));
    await page.getByTestId('log-earlier').and(page.locator('[data-state="more"]')).waitFor();
    await page.getByTestId('log-load-earlier').click();
    await page.getByTestId('log-earlier').and(page.locator('[data-state="start"]')).waitFor();
    // The first line is now retained: search finds it and shows it.
    await page.getByTestId('log-search-regex').check();
    await page.getByTestId('log-search').fill('^line 1 ');
    await page.getByTestId('log-search-next').click();
    await page.locator('[data-testid="log-line"]', { hasText: 'line 1 padding padding padding padding' }).waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('log-download').click()]);
    assert.equal(download.suggestedFilename(), `${allocId.slice(0, 8)}-main.stdout.log`);
    const got = readFileSync(await download.path(), 'utf8');
    const now = diskLog(agent, allocId, 'main');
    assert.ok(got.startsWith('line 1 padding'), got.slice(0, 50));
    assert.ok(now.startsWith(got), 'the download is the log as it was then');
    assert.ok(got.length > 80_000 && got.includes('needle alpha'), `${got.length} bytes: more than the view's first 64 KiB`);
  });
});


// About 160 KB/s for 15 s across 1 MB files: rotations before, during and after a cut. Each
// run names its process first, so a task started again after an agent restart shows.
const WRITER = String.raw`
echo "run $$"
pad=$(printf '%0400d' 0)
i=0; while [ $i -lt 300 ]; do j=0; while [ $j -lt 20 ]; do echo "row $((i*20+j)) $pad"; j=$((j+1)); done; i=$((i+1)); sleep 0.05; done
echo "writer done"; while :; do sleep 1; done
`;

/** Submits the writer on `on` and opens its log, following, once rows are shown. */
async function followWriter(page, context, on, origin) {
  const task = shellTask('writer', WRITER);
  task.LogConfig = { MaxFiles: 20, MaxFileSizeMB: 1 };
  const [alloc] = await runJob(on, { id: 'steady', tasks: [task] });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  await page.goto(`${origin}/ui/allocations/${alloc.ID}/logs?task=writer`);
  await page.getByTestId('log-status').and(page.locator('[data-state="live"]')).waitFor();
  await eventually(async () => (await lineTexts(page)).some((t) => t.startsWith('row ')), { message: 'rows shown' });
  return alloc;
}

/** After the way back: live again, the writer's end shown, then everything before the view's
 *  start loaded and the whole text shown compared with the log files. Returns the log. */
async function assertResumedExactly(page, alloc, on) {
  await page.getByTestId('log-status').and(page.locator('[data-state="live"]')).waitFor({ timeout: 30_000 });
  await eventually(async () => (await lineTexts(page)).includes('writer done'), { timeout: 60_000, message: 'the end of the output' });
  while ((await page.getByTestId('log-earlier').getAttribute('data-state')) !== 'start') {
    if (await page.getByTestId('log-load-earlier').isVisible()) await page.getByTestId('log-load-earlier').click();
    await page.waitForTimeout(200);
  }
  assert.equal(await page.getByTestId('log-marker').count(), 0, 'no gap marker');
  await page.getByTestId('log-copy').click();
  await page.getByTestId('log-notice').and(page.getByText(/^Copied/)).waitFor();
  const shown = await page.evaluate(() => navigator.clipboard.readText());
  const file = diskLog(on, alloc.ID, 'writer');
  assert.ok(logFiles(on, alloc.ID, 'writer').length >= 3, 'rotated into several files');
  assert.equal(shown.length, file.length - 1, 'same length (the copy has no final newline)');
  assert.ok(shown === file.slice(0, -1), 'the text shown equals the log file byte for byte');
  return file;
}

test('a connection cut mid-stream resumes from the exact byte: the text shown equals the log file', async () => {
  const relay = await startRelay(agent.apiUrl);
  try {
    await withPage(browser, async ({ page, context }) => {
      const alloc = await followWriter(page, context, agent, relay.url);
      relay.cut();
      await page.getByTestId('log-status').and(page.locator('[data-state="broken"], [data-state="resuming"]')).waitFor();
      assert.match(await page.getByTestId('log-status').textContent(), /connection lost|reconnecting/);
      await page.waitForTimeout(2500);
      await relay.restore();
      await assertResumedExactly(page, alloc, agent);
    });
  } finally {
    relay.close();
  }
});

test('an agent restarted mid-stream: the view resumes and the text shown equals the log file on disk', async () => {
  // An agent of its own: restarted on its data directory and port, it runs its tasks again.
  await withAgent({ args: ['--no-demo'] }, async (own) => {
    await withPage(browser, async ({ page, context }) => {
      const alloc = await followWriter(page, context, own, own.url);
      await own.stop();
      await page.getByTestId('log-status').and(page.locator('[data-state="broken"], [data-state="resuming"]')).waitFor();
      const atStop = diskLog(own, alloc.ID, 'writer');
      await own.restart();
      const file = await assertResumedExactly(page, alloc, own);
      // The restarted agent ran the task again and appended to what was there.
      assert.ok(file.startsWith(atStop), 'the log from before the restart is intact');
      const runs = file.split('\n').filter((l) => l.startsWith('run '));
      assert.equal(runs.length, 2, `${runs}`);
      assert.notEqual(runs[0], runs[1]);
    });
  });
});

test('a missing allocation says so', async () => {
  await withPage(browser, async ({ page }) => {
    await page.goto(`${agent.url}/ui/allocations/00000000-0000-0000-0000-000000000000/logs?task=main`);
    await page.locator('[data-testid="log-error"] [data-testid="error-not-found"]').waitFor();
  });
});

test('without read-logs the viewer names the missing capability', async () => {
  await withAgent({ args: ['--no-demo', '--acl'] }, async (secured) => {
    const { management } = secured.tokens();
    const [alloc] = await runJob(secured, { id: 'quiet', tasks: [shellTask('main', 'echo hi; sleep 600')], token: management });
    await withPage(browser, async ({ page }) => {
      await page.goto(`${secured.url}/ui/allocations/${alloc.ID}/logs?task=main`);
      const error = page.locator('[data-testid="log-error"] [data-testid="error-panel"]');
      await error.waitFor();
      assert.match(await error.textContent(), /read-logs/);
    });
  });
});

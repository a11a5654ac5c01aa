// Issue 5 benchmark: the exec console against the local agent. Prints figures; asserts nothing.
// Run through scripts/bench.sh.
// - Keystroke to echo on screen: from the key's `keydown` in the page to xterm's rows showing the
//   echoed character (over the agent's PTY and back), p50 and p95.
// - 50 MB of output (`yes | head -c 50000000` under a TTY, so 75 MB with the PTY's \r\n): time
//   from Enter to all of it processed by xterm (the console reports the exit only then), and the
//   longest main-thread task meanwhile (PerformanceObserver longtask).
import { startAgent } from '../e2e/support/agent.mjs';
import { launch, openPage } from '../e2e/support/browser.mjs';
import { runJob, shellTask } from '../e2e/support/jobs.mjs';

const KEYS = Number(process.env.KEYS ?? 100);
const BYTES = Number(process.env.BYTES ?? 50_000_000);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
const status = (page, state, timeout = 30_000) => page.locator(`[data-testid="exec-status"][data-state="${state}"]`).waitFor({ timeout });

const agent = await startAgent({ args: ['--no-demo'] });
const browser = await launch();
const p = await openPage(browser);
try {
  const [alloc] = await runJob(agent, { id: 'bench', tasks: [shellTask('main', 'sleep 3600')] });
  await p.page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
  });
  await p.page.goto(`${agent.url}/ui/allocations/${alloc.ID}/exec?command=${encodeURIComponent('/bin/sh')}`);
  await status(p.page, 'connected');
  const input = p.page.locator('[data-testid="exec-terminal"] .xterm-helper-textarea');
  await input.focus();
  // A line the shell ignores (`:`), so only the echo of each key shows.
  await p.page.keyboard.type(': ');
  await p.page.waitForTimeout(500);

  // Keystroke to echo: the time between the keydown and the rows holding one more `x`.
  await p.page.evaluate(() => {
    const rows = document.querySelector('[data-testid="exec-terminal"] .xterm-rows');
    const count = () => (rows.textContent.match(/x/g) ?? []).length;
    window.__echo = { latencies: [], pending: null };
    document.querySelector('[data-testid="exec-terminal"] .xterm-helper-textarea').addEventListener('keydown', () => {
      window.__echo.pending = { at: performance.now(), expect: count() + 1 };
    }, true);
    new MutationObserver(() => {
      const pending = window.__echo.pending;
      if (pending && count() >= pending.expect) {
        window.__echo.latencies.push(performance.now() - pending.at);
        window.__echo.pending = null;
      }
    }).observe(rows, { subtree: true, childList: true, characterData: true });
  });
  for (let i = 0; i < KEYS; i++) {
    await p.page.keyboard.press('x');
    await p.page.waitForFunction((n) => window.__echo.latencies.length === n, i + 1);
  }
  const echo = await p.page.evaluate(() => window.__echo.latencies);
  await p.page.keyboard.press('Control+U');

  // 50 MB of output, then the exit the console shows once all of it is processed.
  await p.page.evaluate(() => { window.__longTasks = []; });
  const t0 = Date.now();
  await p.page.keyboard.type(`yes | head -c ${BYTES}; exit 0\n`);
  await status(p.page, 'exited', 600_000);
  const drained = Date.now() - t0;
  const longTasks = await p.page.evaluate(() => window.__longTasks);

  console.log(`keystroke to echo on screen over ${echo.length} keys: p50 ${pct(echo, 50).toFixed(1)} ms, p95 ${pct(echo, 95).toFixed(1)} ms, max ${Math.max(...echo).toFixed(1)} ms`);
  console.log(`${(BYTES / 1e6).toFixed(0)} MB of output drained in ${(drained / 1000).toFixed(1)} s (${(BYTES / 1e6 / (drained / 1000)).toFixed(1)} MB/s)`);
  console.log(`long tasks meanwhile: ${longTasks.length}, longest ${Math.round(Math.max(0, ...longTasks))} ms, total ${Math.round(longTasks.reduce((a, b) => a + b, 0))} ms`);
  p.assertNoErrors();
} finally {
  await p.close();
  await browser.close();
  await agent.cleanup();
}

// What the event-feed tests share (events.test.mjs, event-lists.test.mjs): an agent started per
// test with its own flags, one browser launched with the first of them, all stopped after the
// file; and the status line that says which engine feeds a view.
import { after } from 'node:test';
import { startAgent } from './agent.mjs';
import { launch } from './browser.mjs';

/** Agents on demand for this test file; `browser` is there once the first one started. */
export function agentsOnDemand() {
  const agents = [];
  let browser = null;
  after(async () => {
    await browser?.close();
    for (const a of agents) await a.cleanup();
  });
  return {
    async agentWith(args) {
      const agent = await startAgent({ args });
      agents.push(agent);
      browser ??= await launch();
      return agent;
    },
    get browser() {
      return browser;
    },
  };
}

/** A view's status line, live, fed by `mode` (`events` or `blocking`). */
export const liveStatus = (page, mode) =>
  page.locator(`[data-testid="live-status"][data-state="live"][data-mode="${mode}"]`);

/** A recorded request's path. */
export const requestPath = (r) => new URL(r.url).pathname;

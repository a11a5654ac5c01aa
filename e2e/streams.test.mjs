// Issue 6: what a front must carry, seen from a page of the dashboard's origin: blocking queries
// held open, log streams arriving as written, the exec WebSocket working for the dashboard's
// own pages and refused to other sites. Runs against the agent directly, and through each front
// with CARAVAN_E2E_FRONT (serve, nginx), where `agent.url` is the front.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startAgent, api, eventually } from './support/agent.mjs';
import { launch, openPage, withPage } from './support/browser.mjs';

let agent, browser, page, elsewhere, allocId;

/** A job whose task writes a numbered line every 200 ms until it is stopped. */
const ticker = {
  ID: 'ticker', Name: 'ticker', Type: 'service', Datacenters: ['dc1'],
  TaskGroups: [{
    Name: 'ticker', Count: 1,
    Tasks: [{
      Name: 'tick', Driver: 'raw_exec',
      Config: { command: '/bin/sh', args: ['-c', 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'] },
      Resources: { CPU: 100, MemoryMB: 64 },
    }],
  }],
};

before(async () => {
  agent = await startAgent({ args: ['--no-demo'] });
  browser = await launch();
  await api(agent, 'POST', '/v1/jobs', { body: { Job: ticker } });
  allocId = await eventually(async () => {
    const allocs = await api(agent, 'GET', '/v1/job/ticker/allocations');
    return allocs.find((a) => a.ClientStatus === 'running')?.ID;
  }, { message: 'the ticker running' });
  // Another site, for a page that is not the dashboard's.
  elsewhere = createServer((_, res) => res.end('<!doctype html><title>elsewhere</title>'));
  await new Promise((r) => elsewhere.listen(0, '127.0.0.1', r));
  page = await openPage(browser);
  // A page of the dashboard's origin: its requests carry that Origin, as the dashboard's do.
  await page.page.goto(agent.url + '/ui/');
});
after(async () => {
  await page?.close();
  await browser?.close();
  elsewhere?.close();
  await agent?.cleanup();
});

test('a blocking query is held until the state changes, then answers with the new index', async () => {
  const { index } = await page.page.evaluate(async () => {
    const res = await fetch('/v1/jobs');
    return { index: Number(res.headers.get('X-Nomad-Index')) };
  });
  const blocked = page.page.evaluate(async (index) => {
    const res = await fetch(`/v1/jobs?index=${index}&wait=60s`);
    return { status: res.status, index: Number(res.headers.get('X-Nomad-Index')), jobs: (await res.json()).map((j) => j.ID) };
  }, index);
  // Still held: nothing changed yet. Then a change releases it.
  const early = await Promise.race([blocked.then(() => 'answered'), new Promise((r) => setTimeout(() => r('held'), 1500))]);
  assert.equal(early, 'held');
  await api(agent, 'POST', '/v1/jobs', { body: { Job: { ...ticker, ID: 'ticker-2', Name: 'ticker-2' } } });
  const answer = await blocked;
  assert.equal(answer.status, 200);
  assert.ok(answer.index > index, `${answer.index} > ${index}`);
  assert.ok(answer.jobs.includes('ticker-2'), answer.jobs.join());
});

test('a followed log stream delivers lines while the task is still writing them', async () => {
  const lines = await page.page.evaluate(async (alloc) => {
    const ctrl = new AbortController();
    const res = await fetch(`/v1/client/fs/logs/${alloc}?task=tick&type=stdout&follow=true&origin=end&offset=0`, { signal: ctrl.signal });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const seen = new Set();
    // Frames are JSON objects back to back; the ticks are base64 in their Data.
    while (seen.size < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      for (const m of text.matchAll(/"Data":"([^"]*)"/g)) {
        for (const line of atob(m[1]).split('\n')) if (line) seen.add(line);
      }
    }
    ctrl.abort();
    return [...seen];
  }, allocId);
  assert.ok(lines.length >= 3, lines.join('|'));
  assert.ok(lines.every((l) => /^tick \d+$/.test(l)), lines.join('|'));
});

/** Runs `echo` through the exec WebSocket from the page; resolves with the output and exit, or the failure. */
function execFrom(p, alloc) {
  return p.evaluate(async ({ base, alloc }) => {
    const url = new URL(`/v1/client/allocation/${alloc}/exec`, base);
    url.protocol = url.protocol.replace('http', 'ws');
    url.search = new URLSearchParams({ task: 'tick', tty: 'false', command: JSON.stringify(['/bin/echo', 'through the front']) });
    const ws = new WebSocket(url);
    let stdout = '';
    return new Promise((resolve) => {
      ws.onmessage = (e) => {
        const frame = JSON.parse(e.data);
        if (frame.stdout?.data) stdout += atob(frame.stdout.data);
        if (frame.exited) resolve({ stdout, exitCode: frame.result?.exit_code ?? 0 });
      };
      ws.onerror = () => resolve({ refused: true });
      ws.onclose = (e) => resolve({ stdout, closed: e.code });
    });
  }, { base: agent.url, alloc });
}

test('the exec WebSocket runs a command for a page of the dashboard origin', async () => {
  const result = await execFrom(page.page, allocId);
  assert.deepEqual(result, { stdout: 'through the front\n', exitCode: 0 });
  page.assertNoErrors();
});

test('the exec WebSocket is refused to a page of another site', async () => {
  // Not the dashboard's page: its errors are not the dashboard's.
  await withPage(browser, { assertNoErrors: false }, async (other) => {
    await other.page.goto(`http://127.0.0.1:${elsewhere.address().port}/`);
    assert.deepEqual(await execFrom(other.page, allocId), { refused: true });
  });
});

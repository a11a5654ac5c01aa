// Issue 5: the exec console in a real browser against the local agent's exec WebSocket: a shell
// in xterm, resizes as tty_size, exit codes, the command line and task picker, copy and paste,
// its own window, lazy xterm, ACL refusals, typing ahead of a slow connect, and the agent going
// away mid-session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, withAgent, api, eventually } from './support/agent.mjs';
import { launch, withPage } from './support/browser.mjs';
import { runJob, shellTask } from './support/jobs.mjs';
import { startRelay } from './support/relay.mjs';

let agent, browser, alloc;
before(async () => {
  agent = await startAgent({ args: ['--no-demo'] });
  browser = await launch();
  [alloc] = await runJob(agent, { id: 'shell', tasks: [shellTask('main', 'sleep 600'), shellTask('side', 'sleep 600')] });
});
after(async () => {
  await browser?.close();
  await agent?.cleanup();
});

const consoleUrl = (a, id, query = '') => `${a.url}/ui/allocations/${id}/exec${query}`;
const screen = (page) => page.locator('[data-testid="exec-terminal"] .xterm-rows').innerText();
/** Waits for the status line to show `state`; a timeout reports the state it shows instead. */
async function status(page, state) {
  try {
    await page.locator(`[data-testid="exec-status"][data-state="${state}"]`).waitFor({ timeout: 15_000 });
  } catch (e) {
    const line = page.getByTestId('exec-status');
    const shown = await line.evaluate((el) => `${el.dataset.state}: ${el.textContent}`, null, { timeout: 1_000 }).catch(() => 'no status line');
    throw new Error(`status ${state} not shown (shows ${shown})`, { cause: e });
  }
}

/** Polls the terminal's visible rows until `pattern` matches; returns the match. */
async function onScreen(page, pattern) {
  return eventually(async () => (await screen(page)).replace(/\u00a0/g, ' ').match(pattern), { message: `${pattern} on screen` });
}

/** Types into the terminal (a newline is Enter). */
async function type(page, text) {
  await page.locator('[data-testid="exec-terminal"] .xterm-helper-textarea').focus();
  await page.keyboard.type(text);
}

/** Opens the console at `url`, its WebSockets recorded (see recordSockets); resolves once connected. */
async function openConsole(page, url) {
  const sockets = recordSockets(page);
  await page.goto(url);
  await status(page, 'connected');
  return sockets;
}

/** Every exec WebSocket the page opens, with the frames each way (payloads as text). */
function recordSockets(page) {
  const sockets = [];
  page.on('websocket', (ws) => {
    const s = { url: ws.url(), sent: [], received: [], closed: false };
    sockets.push(s);
    ws.on('framesent', (f) => s.sent.push(String(f.payload)));
    ws.on('framereceived', (f) => s.received.push(String(f.payload)));
    ws.on('close', () => { s.closed = true; });
  });
  return sockets;
}

const stdinOf = (frames) => frames.map((f) => JSON.parse(f)).filter((f) => f.stdin?.data).map((f) => Buffer.from(f.stdin.data, 'base64').toString());
const sizesOf = (frames) => frames.map((f) => JSON.parse(f).tty_size).filter(Boolean);

test('the first load fetches no xterm; the console opens from the allocation, runs a shell and sends heartbeats', async () => {
  await withPage(browser, async (p) => {
    const sockets = recordSockets(p.page);
    await p.page.goto(`${agent.url}/ui/allocations/${alloc.ID}`);
    await p.page.getByTestId('alloc-tasks').waitFor();
    const xterm = () => p.requests.filter((r) => /\/xterm\//.test(r.url));
    assert.deepEqual(xterm(), [], 'no xterm JavaScript or CSS before a console opens');
    // Each running task links to its console; the page header to the allocation's.
    const side = p.page.locator('[data-testid="task"][data-task="side"]');
    const link = new URL(await side.getByTestId('task-exec').getAttribute('href'), agent.url);
    assert.equal(link.pathname, `/ui/allocations/${alloc.ID}/exec`);
    assert.equal(link.searchParams.get('task'), 'side');
    await p.page.getByTestId('alloc-exec').click();
    await p.page.waitForURL((url) => url.pathname === `/ui/allocations/${alloc.ID}/exec`);
    await status(p.page, 'connected');
    assert.deepEqual(xterm().map((r) => new URL(r.url).pathname).sort(), ['/ui/xterm/addon-fit.mjs', '/ui/xterm/xterm.css', '/ui/xterm/xterm.mjs']);
    // bash by default, where the task has it.
    assert.equal(await p.page.getByTestId('exec-command').inputValue(), '/bin/bash');
    assert.deepEqual(JSON.parse(new URL(sockets[0].url).searchParams.get('command')), ['/bin/bash']);

    await type(p.page, 'echo $((6*7))\n');
    await onScreen(p.page, /^42$/m);
    assert.equal(stdinOf(sockets[0].sent).join(''), 'echo $((6*7))\r', 'each keystroke as stdin');
    // Nomad's UI says it is there every 10 s.
    await eventually(() => sockets[0].sent.includes('{}'), { timeout: 13_000, message: 'a {} heartbeat' });
  });
});

test('the terminal fills its pane and every resize reaches the PTY', async () => {
  await withPage(browser, { viewport: { width: 1280, height: 800 } }, async (p) => {
    const sockets = await openConsole(p.page, consoleUrl(agent, alloc.ID));
    const pane = await p.page.getByTestId('exec-terminal').boundingBox();
    const term = await p.page.locator('[data-testid="exec-terminal"] .xterm-screen').boundingBox();
    assert.ok(term.width > pane.width - 40 && term.height > pane.height - 40, `terminal ${term.width}x${term.height} fills ${pane.width}x${pane.height}`);

    await type(p.page, 'echo size=$(stty size)\n');
    const [, rows, cols] = await onScreen(p.page, /size=(\d+) (\d+)/);
    assert.deepEqual(sizesOf(sockets[0].sent).at(-1), { height: Number(rows), width: Number(cols) });

    await p.page.setViewportSize({ width: 800, height: 500 });
    await eventually(() => sizesOf(sockets[0].sent).at(-1).width < Number(cols), { message: 'a tty_size after the resize' });
    const sent = sizesOf(sockets[0].sent).at(-1);
    assert.ok(sent.height < Number(rows), 'fewer rows too');
    await type(p.page, 'clear; echo now=$(stty size)\n');
    await onScreen(p.page, new RegExp(`now=${sent.height} ${sent.width}`));
  });
});

test('the exit code is shown when the command ends, and Enter runs it again', async () => {
  await withPage(browser, async (p) => {
    const sockets = await openConsole(p.page, consoleUrl(agent, alloc.ID));
    await type(p.page, 'exit 3\n');
    await status(p.page, 'exited');
    assert.equal(await p.page.getByTestId('exec-exit-code').textContent(), '3');
    await onScreen(p.page, /exited with code 3; press Enter to run it again/);
    await type(p.page, '\n');
    await status(p.page, 'connected');
    assert.equal(sockets.length, 2, 'a new session');
    await type(p.page, 'echo again-$((1+1))\n');
    await onScreen(p.page, /^again-2$/m);
  });
});

test('what is typed while the console connects reaches the shell once it has, after the size', async () => {
  // The browser reaches the agent through a relay that holds the exec handshake for a while.
  const relay = await startRelay(agent.url);
  try {
    await withPage(browser, async (p) => {
      relay.holdUpgrades();
      const sockets = recordSockets(p.page);
      await p.page.goto(consoleUrl(relay, alloc.ID));
      await status(p.page, 'connecting');
      await eventually(() => relay.heldUpgrades === 1, { message: 'the handshake held' });
      await type(p.page, 'echo "early-$((6*7))"\n');
      relay.release();
      await status(p.page, 'connected');
      await onScreen(p.page, /^early-42$/m);
      assert.equal(stdinOf(sockets[0].sent).join(''), 'echo "early-$((6*7))"\r', 'sent once, whole');
      const frames = sockets[0].sent.map((f) => JSON.parse(f));
      assert.ok(frames.findIndex((f) => f.tty_size) < frames.findIndex((f) => f.stdin), 'the size before the typing');
    });
  } finally {
    relay.close();
  }
});

test('the command splits like a shell, is remembered per job, and runs in the picked task', async () => {
  await withPage(browser, async (p) => {
    const sockets = await openConsole(p.page, consoleUrl(agent, alloc.ID, '?task=side'));
    assert.equal(await p.page.getByTestId('exec-task').inputValue(), 'side');
    await type(p.page, 'echo task=$NOMAD_TASK_NAME\n');
    await onScreen(p.page, /task=side/);

    const line = `/bin/sh -c 'echo "two  words" $0; exit 4'`;
    await p.page.getByTestId('exec-command').fill(line);
    await p.page.getByTestId('exec-run').click();
    await status(p.page, 'exited');
    assert.equal(await p.page.getByTestId('exec-exit-code').textContent(), '4');
    await onScreen(p.page, /two {2}words \/bin\/sh/);
    assert.deepEqual(JSON.parse(new URL(sockets.at(-1).url).searchParams.get('command')), ['/bin/sh', '-c', 'echo "two  words" $0; exit 4']);

    // Another visit to the job's console starts with the last command.
    await p.page.goto(consoleUrl(agent, alloc.ID));
    await status(p.page, 'exited');
    assert.equal(await p.page.getByTestId('exec-command').inputValue(), line);
    assert.equal(await p.page.getByTestId('exec-exit-code').textContent(), '4');

    // Without a task asked for, the first running one; picking another starts a session there.
    assert.equal(await p.page.getByTestId('exec-task').inputValue(), 'main');
    await p.page.getByTestId('exec-command').fill('/bin/bash');
    await p.page.getByTestId('exec-task').selectOption('side');
    await status(p.page, 'connected');
    await type(p.page, 'echo task=$NOMAD_TASK_NAME\n');
    await onScreen(p.page, /task=side/);
    assert.equal(new URL(sockets.at(-1).url).searchParams.get('task'), 'side');
  });
});

test('output is written as bytes: UTF-8 split across frames arrives whole', async () => {
  await withPage(browser, async (p) => {
    const sockets = await openConsole(p.page, consoleUrl(agent, alloc.ID));
    await type(p.page, "printf 'u=\\303'; sleep 0.5; printf '\\251!\\n'\n");
    await onScreen(p.page, /^u=é!$/m);
    const out = sockets[0].received.map((f) => JSON.parse(f).stdout?.data).filter(Boolean).map((d) => Buffer.from(d, 'base64'));
    assert.ok(out.some((b) => b.at(-1) === 0xc3), 'the first byte of é ended a frame');
  });
});

test('copy and paste go through the clipboard, and Ctrl+C without a selection interrupts', async () => {
  await withPage(browser, async (p) => {
    await p.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const sockets = await openConsole(p.page, consoleUrl(agent, alloc.ID));
    await p.page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((40+2))'));
    await p.page.locator('[data-testid="exec-terminal"] .xterm-helper-textarea').focus();
    await p.page.keyboard.press('Control+V');
    await type(p.page, '\n');
    await onScreen(p.page, /^pasted-42$/m);
    assert.ok(stdinOf(sockets[0].sent).some((s) => s.includes('echo pasted-$((40+2))')), 'the paste went as stdin');

    // Select the output line (a triple click selects a row), copy it.
    const before = stdinOf(sockets[0].sent).length;
    const row = await p.page.locator('[data-testid="exec-terminal"] .xterm-rows > div', { hasText: /^pasted-42\s*$/ }).boundingBox();
    await p.page.mouse.click(row.x + 10, row.y + row.height / 2, { clickCount: 3 });
    await p.page.keyboard.press('Control+C');
    await eventually(async () => (await p.page.evaluate(() => navigator.clipboard.readText())).includes('pasted-42'), { message: 'the selection on the clipboard' });
    assert.equal(stdinOf(sockets[0].sent).length, before, 'copying sends nothing to the command');

    await type(p.page, 'sleep 30\n');
    await p.page.keyboard.press('Control+C');
    await eventually(() => stdinOf(sockets[0].sent).includes('\x03'), { message: 'an interrupt' });
    await type(p.page, 'echo back-$((2+2))\n');
    await onScreen(p.page, /^back-4$/m);
  });
});

test('the console opens in its own window, without the navigation', async () => {
  await withPage(browser, async (p) => {
    await p.page.goto(consoleUrl(agent, alloc.ID, '?task=side'));
    await status(p.page, 'connected');
    const [popup] = await Promise.all([p.context.waitForEvent('page'), p.page.getByTestId('exec-open-window').click()]);
    await status(popup, 'connected');
    const url = new URL(popup.url());
    assert.equal(url.pathname, `/ui/exec/${alloc.ID}`);
    assert.equal(url.searchParams.get('task'), 'side');
    assert.equal(await popup.getByTestId('nav').count(), 0);
    await type(popup, 'echo own-$NOMAD_TASK_NAME\n');
    await onScreen(popup, /^own-side$/m);
    assert.match(await popup.title(), /^Exec: side · shell\.shell\[0\]/);
  });
});

test('with ACLs: a read-only token gets a clear refusal, the operator a shell, and the token never travels in a URL', async () => {
  await withAgent({ args: ['--acl', '--no-demo'] }, async (secured) => {
    await withPage(browser, async (p) => {
      const tokens = secured.tokens();
      const [a] = await runJob(secured, { id: 'locked', tasks: [shellTask('main', 'sleep 600')], token: tokens.management });
      const sockets = recordSockets(p.page);
      // Signed in with the read-only token (which may read the allocation).
      await p.page.goto(`${secured.url}/ui/settings`);
      await p.page.getByTestId('token-input').first().fill(tokens.readonly);
      await p.page.getByTestId('token-submit').first().click();
      await p.page.locator('[data-testid="identity-state"][data-state="token"]').waitFor();
      await p.page.goto(consoleUrl(secured, a.ID));
      await status(p.page, 'denied');
      assert.match(await p.page.getByTestId('exec-denied').textContent(), /alloc-exec/);
      assert.equal(sockets.length, 0, 'nothing is attempted without the capability');

      await p.page.getByTestId('token-input').first().fill(tokens.operator);
      await p.page.getByTestId('token-submit').first().click();
      await status(p.page, 'connected');
      await type(p.page, 'echo $((6*7))\n');
      await onScreen(p.page, /^42$/m);
      assert.deepEqual(JSON.parse(sockets[0].sent[0]), { version: 1, auth_token: tokens.operator }, 'the token in the first frame');
      const urls = [...p.requests.map((r) => r.url), ...sockets.map((s) => s.url)];
      for (const secret of Object.values(tokens)) assert.ok(urls.every((u) => !u.includes(secret)), 'no token in any URL');
    });
  });
});

test('a dropped connection shows the disconnect, Enter reconnects to a shell, and a stopped agent is shown', async () => {
  await withAgent({ args: ['--no-demo'] }, async (own) => {
    const [a] = await runJob(own, { id: 'shell', tasks: [shellTask('main', 'sleep 600')] });
    // The browser reaches the agent (or its front) through a relay that can drop every connection.
    const relay = await startRelay(own.url);
    try {
      await withPage(browser, async (p) => {
        const sockets = await openConsole(p.page, `${relay.url}/ui/allocations/${a.ID}/exec`);
        relay.cut();
        await status(p.page, 'closed');
        assert.equal(await p.page.getByTestId('exec-close-code').textContent(), '1006');
        assert.match(await p.page.getByTestId('exec-close-reason').textContent(), /Connection lost/);
        await onScreen(p.page, /press Enter to reconnect/);

        // Enter tries again: while the network is down, that fails the same way.
        await type(p.page, '\n');
        await eventually(() => sockets.length === 2 && sockets[1].closed, { message: 'a second attempt' });
        await status(p.page, 'closed');

        // Back again: Enter opens a new session in the same allocation.
        await relay.restore();
        await type(p.page, '\n');
        await status(p.page, 'connected');
        await type(p.page, 'echo $((6*7))\n');
        await onScreen(p.page, /^42$/m);

        // The agent itself going away mid-session is shown: as a lost connection, or, when
        // the stopping agent ends the session's processes first (they die with it), as the
        // shell's exit by SIGKILL, whichever the browser hears first.
        await own.stop();
        const line = p.page.getByTestId('exec-status');
        const ended = await eventually(async () => {
          const state = await line.getAttribute('data-state');
          return ['closed', 'exited'].includes(state) && state;
        }, { message: 'the session shown ended' });
        if (ended === 'closed') {
          assert.match(await p.page.getByTestId('exec-close-reason').textContent(), /Connection lost/);
        } else {
          assert.equal(await p.page.getByTestId('exec-exit-code').textContent(), '137');
        }

        // Started again on its data directory and port, the agent runs the task again: Enter
        // reaches a working shell in the same allocation.
        await own.restart();
        await eventually(async () => {
          const main = (await api(own, 'GET', `/v1/allocation/${a.ID}`)).TaskStates.main;
          return main.State === 'running' && main.Events.some((e) => e.Type === 'Failed Restoring Task');
        }, { message: 'the task running again' });
        const opened = sockets.length;
        await type(p.page, '\n');
        await status(p.page, 'connected');
        assert.equal(sockets.length, opened + 1);
        assert.ok(sockets.at(-1).url.includes(`/v1/client/allocation/${a.ID}/exec`), sockets.at(-1).url);
        await type(p.page, 'echo "in $NOMAD_ALLOC_ID"\n');
        await onScreen(p.page, new RegExp(`^in ${a.ID}$`, 'm'));
      });
    } finally {
      relay.close();
    }
  });
});

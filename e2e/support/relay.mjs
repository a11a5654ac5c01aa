// A network between the browser and the agent that the test controls, without touching the agent.
import { createServer, connect } from 'node:net';

const isUpgrade = (head) => /^upgrade:\s*websocket\s*$/im.test(head.toString('latin1'));

/** A TCP relay in front of the agent. It can be cut (all connections dropped, the port
 *  closed) and put back on the same port: the browser sees the agent go away and return.
 *  It can also hold WebSocket handshakes until released: the browser sees a slow connect. */
export async function startRelay(target) {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set();
  let held = null;
  const track = (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };
  const server = createServer((client) => {
    track(client);
    client.once('data', (head) => {
      client.pause();
      const forward = () => {
        const upstream = connect(Number(targetPort), hostname);
        track(upstream);
        upstream.write(head);
        client.pipe(upstream).pipe(client);
      };
      if (held && isUpgrade(head)) held.push(forward);
      else forward();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      server.close();
      for (const s of sockets) s.destroy();
    },
    async restore() {
      await new Promise((r, j) => { server.once('error', j); server.listen(port, '127.0.0.1', r); });
    },
    /** WebSocket handshakes from now on wait for `release`. */
    holdUpgrades() { held ??= []; },
    /** How many handshakes are waiting. */
    get heldUpgrades() { return held?.length ?? 0; },
    release() { const waiting = held ?? []; held = null; for (const go of waiting) go(); },
    close() { this.cut(); },
  };
}

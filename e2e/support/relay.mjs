// A network cut between the browser and the agent, without restarting the agent.
import { createServer, connect } from 'node:net';

/** A TCP relay in front of the agent that can be cut (all connections dropped, the port
 *  closed) and put back on the same port: the browser sees the agent go away and return. */
export async function startRelay(target) {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect(Number(targetPort), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
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
    close() { server.close(); for (const s of sockets) s.destroy(); },
  };
}

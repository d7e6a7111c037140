import { createServer } from 'node:net';

/**
 * A TCP port free on `host` right now: bind port 0, read what the kernel chose, close. Another process may
 * take it before ours binds it, so callers that spawn a server retry with a new port when it is in use.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (port === undefined ? reject(new Error(`no port bound on ${host}`)) : resolve(port)));
    });
  });
}

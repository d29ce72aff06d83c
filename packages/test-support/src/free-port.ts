import { createServer, type AddressInfo } from "node:net";

/**
 * A port that was free on `host` a moment ago (the OS picks it, then it is released). For servers
 * that must be told their port up front, e.g. `outpost serve --port`; racy only in theory.
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

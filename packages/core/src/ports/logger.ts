/**
 * Where the proxy's records go. `request` receives one record per request (DESIGN §8) that
 * contains no secret by construction; the adapter decides the encoding (JSON lines on Node).
 */
export interface Logger {
  request(record: Readonly<Record<string, unknown>>): void;
  warn(message: string): void;
}

export const silentLogger: Logger = { request: () => {}, warn: () => {} };

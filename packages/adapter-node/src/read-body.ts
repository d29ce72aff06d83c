import type { IncomingMessage } from "node:http";

/**
 * Reads at most `limit + 1` bytes of a request body: enough for core to hash or sign it, and to
 * know it is too large without reading the rest (the connection is then closed).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        req.pause();
        resolve(Buffer.concat(chunks, size));
      }
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks, size)));
    req.once("error", reject);
  });
}

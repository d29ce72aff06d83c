import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface TokenEndpoint {
  readonly url: string;
  /** Every mint request's form body, in order. */
  readonly mints: URLSearchParams[];
  close(): Promise<void>;
}

/**
 * An OAuth2 token endpoint on loopback that counts mints and answers each with the next token,
 * 150 ms late so that concurrent requests overlap a mint; or, with `redirectTo`, a 307 there.
 */
export async function startTokenEndpoint(tokens: readonly string[], redirectTo?: string): Promise<TokenEndpoint> {
  const mints: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      mints.push(new URLSearchParams(body));
      if (redirectTo) return void res.writeHead(307, { Location: `${redirectTo}/token` }).end();
      const token = tokens[mints.length - 1] ?? "out-of-tokens";
      setTimeout(() => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: 3600 }));
      }, 150);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`,
    mints,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

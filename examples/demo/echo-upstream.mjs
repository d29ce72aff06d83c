// The demo upstream: echoes what it received, but reports the credential only as valid/invalid,
// so the demo never shows a secret to the agent.
import { createServer } from "node:http";

export function startEchoUpstream({ port = 8081, token }) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const { authorization, ...headers } = req.headers;
      const body = Buffer.concat(chunks).toString("utf8");
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify(
          {
            service: "demo-echo",
            method: req.method,
            url: req.url,
            credential: authorization === `Bearer ${token}` ? "valid (injected by Outpost)" : "missing or invalid",
            headers,
            body,
          },
          null,
          2,
        ) + "\n",
      );
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

// `npm start`: the echo upstream on 127.0.0.1:8081 and Outpost on 127.0.0.1:8080 with the demo
// provider plus the (disabled) built-in catalogue, memory storage and the loopback host.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { startEchoUpstream } from "./echo-upstream.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const envFile = join(here, "demo.env");
const { DEMO_TOKEN } = parseEnv(readFileSync(envFile, "utf8"));
const port = process.env.PORT ?? "8080";

const upstream = await startEchoUpstream({ port: 8081, token: DEMO_TOKEN });
const outpost = spawn(
  process.execPath,
  [join(root, "packages/adapter-node/dist/cli.js"), "serve", "--providers", join(here, "providers"), "--providers", join(root, "providers"), "--env-file", envFile, "--port", port],
  { stdio: "inherit" },
);
process.stderr.write(`
demo echo upstream on http://127.0.0.1:8081 — try:
  curl -s -H 'X-Provider: demo' http://127.0.0.1:${port}/echo/hello
  curl -s -H 'X-Provider: demo' http://127.0.0.1:${port}/admin          # 403 PROXY_PATH_DENIED
  curl -s http://127.0.0.1:${port}/providers
  open http://127.0.0.1:${port}/docs in a browser for the API of every provider you may call
`);
const stop = () => outpost.kill("SIGTERM");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
outpost.on("exit", (code) => {
  upstream.close();
  process.exit(code ?? 0);
});

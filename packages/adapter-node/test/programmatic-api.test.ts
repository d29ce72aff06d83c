import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "@outpost/core";
import { createLineSink, type RecordingUpstream, startRecordingUpstream } from "@outpost/test-support";
import { createJsonLogger, createOutpost } from "../src/index.js";
import { providerDir } from "./support/spawn-outpost.js";

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

describe("programmatic API: createOutpost for existing servers", () => {
  let upstream: RecordingUpstream;
  const servers: Server[] = [];
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
  });
  afterAll(async () => {
    for (const s of servers) s.close();
    await upstream.close();
  });

  const provider = () => ({
    name: "objects",
    base_url: `${upstream.url}/obj`,
    auth: { type: "bearer_static", env: "OBJ_TOKEN" },
    forwarding: { mode: "allowlist", allow: [{ pattern: "/items/**", methods: ["GET"] }] },
  });

  it("config given as objects, mounted in a plain node:http server", async () => {
    const sink = createLineSink();
    const outpost = await createOutpost({ providers: [provider()], env: { OBJ_TOKEN: "obj-secret" }, logger: createJsonLogger({ write: sink.write, warn: sink.write }) });
    const server = createServer(outpost.handler);
    servers.push(server);
    const url = await listen(server);
    const res = await fetch(`${url}/items/1`, { headers: { "X-Provider": "objects" } });
    expect(res.status).toBe(200);
    expect(upstream.requests.at(-1)?.url).toBe("/obj/items/1");
    expect(upstream.requests.at(-1)?.headers.authorization).toEqual(["Bearer obj-secret"]);
    expect(sink.json()).toHaveLength(1);
  });

  it("config given as files, mounted in Express under /outpost; the rest of the app is untouched", async () => {
    const dir = providerDir({ "files.yaml": `name: files\nbase_url: ${upstream.url}/files\nauth: {type: api_key_header, env: FILE_KEY, header: X-Key}\n` });
    const outpost = await createOutpost({ providerDirs: [dir], env: { FILE_KEY: "file-secret" }, logger: createJsonLogger({ write: () => {} }) });
    const app = express();
    app.get("/hello", (_req, res) => void res.send("app"));
    app.use("/outpost", outpost.handler);
    const server = createServer(app);
    servers.push(server);
    const url = await listen(server);
    const res = await fetch(`${url}/outpost/v1/things?x=1`, { headers: { "X-Provider": "files" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-provider")).toBe("files");
    const rec = upstream.requests.at(-1)!;
    expect(rec.url).toBe("/files/v1/things?x=1");
    expect(rec.headers["x-key"]).toEqual(["file-secret"]);
    expect(await (await fetch(`${url}/hello`)).text()).toBe("app");
  });

  it("an invalid configuration rejects with ConfigError naming the field, before anything listens", async () => {
    await expect(createOutpost({ providers: [{ ...provider(), forwading: {} }], env: { OBJ_TOKEN: "x" } })).rejects.toThrow(ConfigError);
    await expect(createOutpost({ providers: [provider()], env: {} })).rejects.toThrow(/auth\.env: secret OBJ_TOKEN is not set/);
  });
});

import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { createLineSink, freePort } from "../src/index.js";

describe("createLineSink", () => {
  it("collects lines, splitting on newlines and dropping blanks", () => {
    const sink = createLineSink();
    sink.write('{"a":1}');
    sink.write('{"b":2}\n{"c":3}\n');
    expect(sink.lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    expect(sink.json()).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
    expect(sink.text()).toBe('{"a":1}\n{"b":2}\n{"c":3}');
    sink.clear();
    expect(sink.lines).toEqual([]);
  });

  it("json() names a bad line without echoing it", () => {
    const sink = createLineSink();
    sink.write("{}");
    sink.write("not json SECRET");
    expect(() => sink.json()).toThrow(/^log line 2 is not JSON \(15 chars\)$/);
  });
});

describe("freePort", () => {
  it("returns a port that can be listened on", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    await new Promise((r) => server.close(r));
  });
});

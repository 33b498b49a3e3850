import assert from "node:assert/strict";
import { checkStallSchedule, type StallingStats, startStalling } from "./stalling.ts";

Deno.test("stalling server: a request that arrives during a stall waits for the stall to end", async () => {
  const server = await startStalling({ port: 0, stallEveryMs: 300, stallMs: 150 });
  try {
    // Sequential requests for a bit over two periods: at least one meets a stall. A stall can
    // only make a request slower, so this lower bound holds however busy the machine is.
    let slowest = 0;
    const end = performance.now() + 700;
    while (performance.now() < end) {
      const started = performance.now();
      const response = await fetch(`${server.url}/`);
      assert.equal(response.status, 200);
      await response.body?.cancel();
      slowest = Math.max(slowest, performance.now() - started);
    }
    const stats: StallingStats = await (await fetch(`${server.url}/stats`)).json();
    assert.equal(stats.model, "stalling");
    assert.ok(stats.stalls >= 1, `stalls: ${stats.stalls}`);
    assert.ok(slowest >= 50, `slowest request took ${slowest.toFixed(1)} ms`);
  } finally {
    await server.shutdown();
  }
});

Deno.test("stalling server: --stall-ms 0 never stalls", async () => {
  const server = await startStalling({ port: 0, stallEveryMs: 10, stallMs: 0 });
  try {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stats: StallingStats = await (await fetch(`${server.url}/stats`)).json();
    assert.equal(stats.stalls, 0);
  } finally {
    await server.shutdown();
  }
});

Deno.test("stalling server: a stall as long as its period is refused with the fix named", async () => {
  assert.throws(
    () => checkStallSchedule(100, 100),
    /stall-ms must be .* below stall-every-ms \(100\)/,
  );
  assert.throws(() => checkStallSchedule(5, 1), /stall-every-ms must be a whole number from 10/);
  await assert.rejects(startStalling({ port: 0, stallEveryMs: 100, stallMs: 200 }), RangeError);
});

Deno.test("stalling script: a bad schedule is one line on stderr and exit code 2", async () => {
  const script = new URL("./stalling.ts", import.meta.url).pathname;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, "--port", "0", "--stall-every-ms", "100", "--stall-ms", "100"],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stderr).trim();
  assert.equal(code, 2);
  assert.equal(text.split("\n").length, 1, text);
  assert.match(text, /^stalling: .*stall-ms must be/);
});

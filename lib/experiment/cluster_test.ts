import assert from "node:assert/strict";
import { eventually, isAlive, isListening } from "../../tests/support/procs.ts";
import { startCluster } from "./cluster.ts";

const CLUSTER = new URL("./cluster.ts", import.meta.url).pathname;

Deno.test("the cluster command prints one line per process and SIGINT leaves nothing behind", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLUSTER, "--port", "0", "--backend-port", "0", "--backend-count", "3"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stderr = child.stderr.text();
  let pending = "";
  try {
    while (!lines.some((line) => line.startsWith("cluster server listening"))) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`cluster exited early: ${await stderr}`);
      pending += value;
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      lines.push(...parts);
    }
    assert.deepEqual(lines.length, 4, lines.join("\n"));
    const found = lines.map((line) => /on http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/.exec(line));
    assert.ok(found.every((match) => match !== null), lines.join("\n"));
    const ports = found.map((match) => Number(match![1]));
    const pids = found.map((match) => Number(match![2]));
    const balancerPort = ports.at(-1)!;

    const served = new Set<string | null>();
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`http://127.0.0.1:${balancerPort}/`);
      assert.deepEqual(response.status, 200);
      served.add(response.headers.get("x-backend"));
      await response.body?.cancel();
    }
    assert.deepEqual(
      [...served].sort(),
      ports.slice(0, 3).map((port) => `127.0.0.1:${port}`).sort(),
    );

    child.kill("SIGINT");
    await child.status;
    for (const pid of pids) {
      assert.ok(await eventually(() => !isAlive(pid), 5000), `process ${pid} is still running`);
    }
    for (const port of ports) {
      assert.ok(await eventually(async () => !(await isListening(port)), 5000), `${port} listens`);
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
    await reader.cancel();
    await stderr;
  }
});

Deno.test("startCluster on free ports balances over its backends and stops them", async () => {
  const lines: string[] = [];
  const cluster = await startCluster({
    port: 0,
    backendPort: 0,
    inProcess: true,
    onLine: (line) => lines.push(line),
  });
  try {
    assert.deepEqual(cluster.backends.length, 4);
    assert.deepEqual(lines.length, 4);
    const seen: (string | null)[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${cluster.url}/page.html`);
      seen.push(response.headers.get("x-backend"));
      await response.body?.cancel();
    }
    assert.deepEqual(seen, cluster.backends.map((backend) => `127.0.0.1:${backend.port}`));
  } finally {
    await cluster.shutdown();
  }
  for (const port of [cluster.port, ...cluster.backends.map((backend) => backend.port)]) {
    assert.deepEqual(await isListening(port), false, `port ${port} still listens`);
  }
});

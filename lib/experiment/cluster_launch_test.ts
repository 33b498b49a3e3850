import assert from "node:assert/strict";
import { eventually, isAlive, isListening } from "../../tests/support/procs.ts";
import { BALANCER_PORT } from "../../servers/balancer.ts";
import { busyPort, launchCluster, modelBackends } from "./cluster.ts";
import { startSlow } from "../../servers/slow.ts";

Deno.test("launchCluster runs the balancer and every backend as processes of their own, in turn", async () => {
  const log: string[] = [];
  const cluster = await launchCluster({
    name: "launch-test",
    backends: modelBackends("async", 3),
    healthIntervalMs: 100,
    onLog: (line) => log.push(line),
  });
  const pids = [cluster.balancer.pid!, ...cluster.backends.map((backend) => backend.pid!)];
  const ports = [cluster.port, ...cluster.backends.map((backend) => backend.port)];
  try {
    assert.ok(pids.every((pid) => pid !== Deno.pid && isAlive(pid)), `pids ${pids}`);
    assert.deepEqual(cluster.lines.length, 4, cluster.lines.join("\n"));
    assert.ok(cluster.portsNote.includes("free port"), cluster.portsNote);
    const served: (string | null)[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${cluster.url}/`);
      served.push(response.headers.get("x-backend"));
      await response.body?.cancel();
    }
    assert.deepEqual(new Set(served.slice(0, 3)), new Set(cluster.labels));
    assert.deepEqual(served.slice(3), served.slice(0, 3));
    assert.ok(
      await eventually(() => log.filter((line) => line.startsWith("GET / -> ")).length === 6, 3000),
      log.join("\n"),
    );
    // The launcher's readiness check (GET /health through the balancer) is one more request.
    const counts = (await cluster.stats()).backends.map((b) => b.requests);
    assert.ok(counts.every((n) => n >= 2 && n <= 3), `requests per backend: ${counts}`);

    const oldPid = cluster.backends[1]!.pid;
    await cluster.stopBackend(1);
    assert.ok(!(await isListening(cluster.backends[1]!.port)), "the stopped backend still listens");
    const again = await cluster.restartBackend(1);
    assert.deepEqual(again.port, ports[2]);
    assert.ok(again.pid !== oldPid, "a new process took the port");
    pids.push(again.pid!);
  } finally {
    await cluster.shutdown();
  }
  for (const pid of pids) {
    assert.ok(await eventually(() => !isAlive(pid), 5000), `process ${pid} is still running`);
  }
});

Deno.test("launchCluster falls back to free ports when a course port is taken, and says which", async () => {
  let held: Deno.Listener | null = null;
  try {
    held = Deno.listen({ hostname: "127.0.0.1", port: BALANCER_PORT });
  } catch { /* already taken by something else: the same case */ }
  try {
    assert.deepEqual(busyPort([BALANCER_PORT]), BALANCER_PORT);
    const cluster = await launchCluster({
      name: "launch-busy",
      backends: modelBackends("async", 1),
      ports: "course",
    });
    try {
      assert.ok(!cluster.coursePorts);
      assert.ok(cluster.port !== BALANCER_PORT);
      assert.ok(
        cluster.portsNote.startsWith(`Port ${BALANCER_PORT} of the course's ports`),
        cluster.portsNote,
      );
      assert.deepEqual(await fetch(`${cluster.url}/health`).then((r) => r.status), 200);
    } finally {
      await cluster.shutdown();
    }
  } finally {
    held?.close();
  }
});

Deno.test("the slow backend's /io waits its factor times as long as asked", async () => {
  const server = await startSlow({ port: 0, factor: 5 });
  try {
    const started = performance.now();
    const response = await fetch(`${server.url}/io?ms=10`);
    assert.deepEqual(await response.text(), "waited 10 ms\n");
    assert.ok(performance.now() - started >= 49, "waited less than 5 x 10 ms");
  } finally {
    await server.shutdown();
  }
});

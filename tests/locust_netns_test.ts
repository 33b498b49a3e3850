import assert from "node:assert/strict";
import { runLocust } from "../lib/loadgen/locust/locust.ts";
import { createTopology, netnsUnavailableReason } from "../lib/experiment/netns.ts";
import { assertNoneLeft, recorder } from "./support/locust.ts";

const installed = (await new Deno.Command("sh", { args: ["-c", "command -v locust"] }).output())
  .success;
const reason = installed ? await netnsUnavailableReason() : "locust is not installed";
if (reason) console.warn(`skipping the Locust network-namespace test: ${reason}`);

/** Starts the counting server inside a namespace; resolves with its port and a stop function. */
async function startCountingServer(wrap: (argv: string[]) => string[], hostname: string) {
  const script = new URL("./support/counting_server.ts", import.meta.url).pathname;
  const [program, ...args] = wrap([Deno.execPath(), "run", "-A", script, hostname]);
  const child = new Deno.Command(program!, { args, stdin: "piped", stdout: "piped" }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/listening (\d+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`counting server did not start: ${text}`);
    text += value;
  }
  const port = Number(/listening (\d+)/.exec(text)![1]);
  return {
    port,
    async stop() {
      await child.stdin.close();
      await reader.cancel();
      await child.status;
    },
  };
}

Deno.test({
  name: "Locust workers in their own namespaces spread the load over a virtual network",
  ignore: reason !== null,
  async fn() {
    const net = await createTopology(["server", "worker0", "worker1"]);
    const [serverHost, ...workerHosts] = net.hosts;
    const record = recorder();
    try {
      const server = await startCountingServer(serverHost!.wrap, serverHost!.address);
      try {
        const url = `http://${serverHost!.address}:${server.port}/`;
        const result = await runLocust({ url, requests: 600, concurrency: 4, keepAlive: true }, {
          quiet: true,
          workers: 2,
          allowHosts: [serverHost!.address],
          masterBindHost: net.gateway,
          workerCommand: record.workerCommand((w) => workerHosts[w.index]!.wrap(w.argv)),
        });
        const counts: Record<string, number> = await (await fetch(`${url}counts`)).json();
        console.log("requests per worker address at the server:", counts);
        assert.deepEqual(
          Object.keys(counts).sort(),
          workerHosts.map((host) => host.address).sort(),
          "only the two worker namespaces sent requests",
        );
        assert.equal(Object.values(counts).reduce((sum, n) => sum + n, 0), 600);
        assert.ok(Object.values(counts).every((n) => n >= 200), "both workers carried load");
        assert.equal(result.completed, 600);
        assert.equal(result.locust.remoteTarget, true);
        assert.deepEqual(
          result.locust.workers.map((w) => w.requests).sort(),
          Object.values(counts).sort(),
        );
      } finally {
        await server.stop();
      }
    } finally {
      await net.destroy();
    }
    await assertNoneLeft(record.locustfiles);
  },
});

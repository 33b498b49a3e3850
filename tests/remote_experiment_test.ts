/**
 * Experiments against a server on another (virtual) host: the async server runs in its own
 * network namespace, and an experiment in the root namespace measures it by URL with ab and
 * with Locust, opted in through `allowHosts`. Without the opt-in, it refuses before starting.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { environmentTable } from "../lib/experiment/environment.ts";
import { type ExperimentResult } from "../lib/experiment/definition.ts";
import { loadExperiment, runExperiment } from "../lib/experiment/experiment.ts";
import { liveTargets } from "../lib/experiment/launch.ts";
import type { GeneratorName } from "../lib/loadgen/types.ts";
import { createTopology, type NetnsHost, netnsUnavailableReason } from "../lib/experiment/netns.ts";
import { served } from "./support/loadgen.ts";
import { pidsMatching } from "./support/locust.ts";

const ASYNC_SCRIPT = new URL("../servers/async.ts", import.meta.url).pathname;

const netnsReason = await netnsUnavailableReason();
if (netnsReason) console.warn(`skipping the remote-server experiments: ${netnsReason}`);
const locustMissing = !(await new Deno.Command("sh", { args: ["-c", "command -v locust"] })
  .output()).success;
if (locustMissing) console.warn("skipping the remote Locust experiment: locust is not installed");

/** The async server started inside `host`'s namespace, listening on its address. */
interface RemoteServer {
  /** Base URL, e.g. `http://10.200.7.2:41234`. */
  url: string;
  /** Closes its standard input (`--exit-with-stdin`) and waits for it to exit. */
  stop(): Promise<void>;
}

async function startRemoteAsync(host: NetnsHost): Promise<RemoteServer> {
  const argv = [Deno.execPath(), "run", "-A", ASYNC_SCRIPT, "--hostname", host.address];
  const [program, ...args] = host.wrap([...argv, "--port", "0", "--exit-with-stdin"]);
  const child = new Deno.Command(program!, { args, stdin: "piped", stdout: "piped" }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stop = async () => {
    await child.stdin.close().catch(() => {});
    await reader.cancel();
    await child.status;
  };
  let text = "";
  const listening = /listening on (http:\/\/\S+?)\/? /;
  while (!listening.test(text)) {
    const { value, done } = await reader.read();
    if (done) {
      await stop();
      throw new Error(`the async server did not start in ${host.namespace}: ${text}`);
    }
    text += value;
  }
  return { url: listening.exec(text)![1]!, stop };
}

/** Runs `fn` with the async server in a namespace of its own; cleans up either way. */
async function withRemoteServer(
  fn: (server: RemoteServer, host: NetnsHost) => Promise<void>,
): Promise<void> {
  const net = await createTopology(["server"]);
  try {
    const host = net.hosts[0]!;
    const server = await startRemoteAsync(host);
    try {
      await fn(server, host);
    } finally {
      await server.stop();
    }
  } finally {
    await net.destroy();
  }
}

/** Measures the remote server at two levels and checks what every remote run must show. */
async function measureRemote(
  generator: GeneratorName,
  concurrency: number[],
  requests: number,
): Promise<void> {
  await withRemoteServer(async (server, host) => {
    const dir = await Deno.makeTempDir({ prefix: "lab-remote-" });
    try {
      const servedBefore = await served(server.url);
      const result: ExperimentResult = await runExperiment({
        name: `remote-${generator}`,
        targets: [{ name: "remote-async", url: server.url }],
        allowHosts: [host.address],
        generator,
        concurrency,
        requests,
        repeats: 1,
        warmup: false,
        outDir: dir,
        logErrors: false,
      });
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.records.map((r) => r.concurrency), concurrency);
      assert.deepEqual(result.records.map((r) => r.generator), concurrency.map(() => generator));
      assert.deepEqual(result.records.map((r) => r.completed), concurrency.map(() => requests));
      assert.deepEqual(result.records.map((r) => r.non2xx), concurrency.map(() => 0));
      // the server in the other namespace counted exactly the requests the generator sent
      assert.deepEqual(result.records.map((r) => r.serverServed), concurrency.map(() => requests));
      // in all: the measured runs, plus the one GET / with which the experiment checked the URL
      const servedInAll = (await served(server.url)) - servedBefore;
      assert.equal(servedInAll, requests * concurrency.length + 1);
      assert.equal(result.frame.height, concurrency.length);

      const expected = [{ name: "remote-async", url: server.url, launched: false, remote: true }];
      assert.deepEqual(result.environment?.targets, expected);
      assert.deepEqual(loadExperiment(dir).environment?.targets, expected);
      const row = environmentTable(result.environment!).find((r) =>
        r.key === "target remote-async"
      );
      assert.equal(row?.value, `${server.url} (remote, allowed by allowHosts)`);
      assert.deepEqual(liveTargets(), []);
      // no generator process (ab, a Locust master or worker) still names this server
      assert.deepEqual(await pidsMatching(new URL(server.url).host), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a server on another host is refused without allowHosts, before anything starts", async () => {
  const dir = join(await Deno.makeTempDir({ prefix: "lab-remote-" }), "results");
  let progressCalls = 0;
  try {
    for (
      const [allowHosts, message] of [
        [undefined, /^host '10\.200\.250\.2' is not loopback: .*allowHosts: \["10\.200\.250\.2"\]/],
        [["10.200.250.9"], /--allow-host 10\.200\.250\.2/],
        [["8.8.8.8"], /allowHosts entry '8\.8\.8\.8' is not a private IPv4 address/],
      ] as const
    ) {
      await assert.rejects(
        runExperiment({
          name: "refused",
          targets: ["async", { name: "far", url: "http://10.200.250.2:45000" }],
          allowHosts: allowHosts ? [...allowHosts] : undefined,
          requests: 10,
          concurrency: [1],
          outDir: dir,
          progress: () => void progressCalls++,
        }),
        (error: Error) => {
          assert.match(error.message, message);
          assert.ok(!error.message.includes("\n"), error.message);
          return true;
        },
      );
    }
    // nothing was launched, no results folder was made, no progress was drawn
    assert.deepEqual(liveTargets(), []);
    assert.equal(await Deno.stat(dir).then(() => true, () => false), false);
    assert.equal(progressCalls, 0);
  } finally {
    await Deno.remove(join(dir, ".."), { recursive: true });
  }
});

Deno.test({
  name: "ab measures the async server in another network namespace, allowed by allowHosts",
  ignore: netnsReason !== null,
  fn: () => measureRemote("ab", [1, 4], 200),
});

Deno.test({
  name: "Locust measures the async server in another network namespace, allowed by allowHosts",
  ignore: netnsReason !== null || locustMissing,
  fn: () => measureRemote("locust", [2, 4], 100),
});

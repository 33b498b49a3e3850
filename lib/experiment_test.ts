import {
  deepEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  throws,
} from "node:assert/strict";
import { join } from "node:path";
import { startAsync } from "../servers/async.ts";
import { startBalancer } from "../servers/balancer.ts";
import { isAlive, isListening } from "../tests/harness_procs.ts";
import {
  DEFAULT_CONCURRENCY,
  defineExperiment,
  ERRORS_FILE,
  loadExperiment,
  runExperiment,
} from "./experiment.ts";
import { liveTargets, type Target } from "./launch.ts";
import type { ProgressState } from "./progress.ts";
import { REPORT_COLUMNS, reportTable } from "./results.ts";
import { RUNS_FILE } from "./results_store.ts";

function lines(path: string): string[] {
  try {
    return Deno.readTextFileSync(path).split("\n").filter((line) => line.trim() !== "");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** A progress renderer that remembers the targets the experiment has launched. */
function watchTargets(): { render: (state: ProgressState) => void; seen: Map<string, Target> } {
  const seen = new Map<string, Target>();
  return {
    seen,
    render: () => {
      for (const target of liveTargets()) seen.set(target.name, target);
    },
  };
}

/** Asserts that every target seen is stopped: no process, no listener. */
async function assertStopped(seen: Map<string, Target>, count: number): Promise<void> {
  assertEquals(seen.size, count);
  for (const target of seen.values()) {
    assertEquals(isAlive(target.pid!), false);
    assertEquals(await isListening(target.port), false);
  }
  assertEquals(liveTargets(), []);
}

Deno.test("defineExperiment fills the course's defaults", () => {
  const experiment = defineExperiment({ name: "x", targets: ["async"] });
  assertEquals(experiment.concurrency, [...DEFAULT_CONCURRENCY]);
  assertEquals([experiment.requests, experiment.durationS], [1000, null]);
  assertEquals([experiment.repeats, experiment.warmup, experiment.keepAlive], [3, true, false]);
  assertEquals(experiment.path, "/");
  assertMatch(experiment.outDir, /data\/results\/x$/);
  assertEquals(experiment.allowHosts, []);
  const far = { name: "far", url: "http://10.9.9.9:80" };
  const remote = defineExperiment({ name: "x", targets: [far], allowHosts: ["10.9.9.9"] });
  assertEquals([remote.targets, remote.allowHosts], [[far], ["10.9.9.9"]]);
  const timed = defineExperiment({ name: "x", targets: ["async"], durationS: 2 });
  assertEquals([timed.requests, timed.durationS], [null, 2]);
});

Deno.test("defineExperiment refuses bad values with one line naming the fix", () => {
  const bad: [Parameters<typeof defineExperiment>[0], RegExp][] = [
    [{ name: "a b", targets: ["async"] }, /experiment name 'a b'/],
    [{ name: "x", targets: [] }, /at least one target/],
    [{ name: "x", targets: ["nope"] }, /unknown model 'nope': use one of async/],
    [{ name: "x", targets: ["async", "async"] }, /listed twice/],
    [{ name: "x", targets: ["async"], path: "io" }, /must start with '\/'/],
    [{ name: "x", targets: ["async"], concurrency: [0] }, /concurrency level must be .* >= 1/],
    [{ name: "x", targets: ["async"], requests: 10, concurrency: [50] }, /at least the highest/],
    [{ name: "x", targets: ["async"], requests: 10, durationS: 1 }, /not both/],
    [{ name: "x", targets: ["async"], pin: "zero" }, /not a CPU list/],
    [{ name: "x", targets: [{ name: "far", url: "http://10.9.9.9:80" }] }, /allowHosts: \["10/],
    [{ name: "x", targets: [{ name: "far", url: "nope" }] }, /target far: 'nope' is not a URL/],
    [{ name: "x", targets: ["async"], allowHosts: ["example.com"] }, /not a private IPv4/],
  ];
  for (const [config, message] of bad) {
    throws(() => defineExperiment(config), (error: Error) => {
      assertMatch(error.message, message);
      assert(!error.message.includes("\n"));
      return true;
    });
  }
});

Deno.test({
  name: "an experiment of 2 models x 2 levels x 2 repeats with ab keeps every run",
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "lab-experiment-" });
    const watch = watchTargets();
    try {
      const result = await runExperiment({
        progress: watch.render,
        name: "e2e",
        targets: ["async", "threads"],
        concurrency: [1, 5],
        requests: 200,
        repeats: 2,
        generator: "ab",
        outDir: dir,
      });
      assertEquals(result.frame.height, 8);
      assertEquals(result.records.map((r) => r.completed), Array(8).fill(200));
      assertEquals(result.errors, []);
      // interleaved: repeat, then concurrency, then target
      assertEquals(
        result.records.map((r) => `${r.repeat}:${r.concurrency}:${r.target}`),
        [
          "1:1:async",
          "1:1:threads",
          "1:5:async",
          "1:5:threads",
          "2:1:async",
          "2:1:threads",
          "2:5:async",
          "2:5:threads",
        ],
      );
      // the servers' own counters agree with the generator (the warm-up is not counted)
      assertEquals(result.records.map((r) => r.serverServed), Array(8).fill(200));
      const table = reportTable(result.frame, "async");
      assertEquals(table.columns, [...REPORT_COLUMNS]);
      assertEquals(table.height, 4);
      assertEquals(table.getColumn("Concurrency Level").toArray(), [1, 1, 5, 5]);
      assertEquals(table.getColumn("Complete requests").toArray(), [200, 200, 200, 200]);
      assertEquals(lines(join(dir, RUNS_FILE)).length, 8);
      assertEquals(result.environment?.generator, "ab");

      const reloaded = loadExperiment(dir);
      assertEquals(reloaded.name, "e2e");
      assertEquals(reloaded.frame.height, 8);
      assertEquals(reloaded.frame.getColumn("serverServed").toArray(), Array(8).fill(200));
      assertEquals(reloaded.environment?.generator, "ab");
      await assertStopped(watch.seen, 2);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("an experiment interrupted by an exception keeps its finished runs and frees its ports", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-experiment-" });
  const watch = watchTargets();
  try {
    let thrown = false;
    const run = runExperiment({
      name: "interrupted",
      targets: ["async", "threads"],
      concurrency: [1, 2],
      requests: 50,
      repeats: 3,
      warmup: false,
      generator: "ab",
      outDir: dir,
      logErrors: false,
      progress: (state) => {
        watch.render(state);
        if (state.done === 3 && !thrown) {
          thrown = true;
          throw new Error("stop here");
        }
      },
    });
    let caught: unknown;
    await run.catch((error) => caught = error);
    assertMatch(String(caught), /stop here/);
    assertEquals(lines(join(dir, RUNS_FILE)).length, 3);
    assertEquals(loadExperiment(dir).frame.height, 3);
    await assertStopped(watch.seen, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a target that dies mid-experiment gives a row of failures, not a crash", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-experiment-" });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, () => {
    return new Response("ok");
  });
  try {
    const result = await runExperiment({
      name: "dying",
      targets: [{ name: "local", url: `http://127.0.0.1:${server.addr.port}` }],
      concurrency: [1],
      requests: 20,
      repeats: 2,
      warmup: false,
      generator: "ab",
      outDir: dir,
      onRun: async () => {
        await server.shutdown();
      },
    });
    assertEquals(result.records.map((r) => r.completed), [20, 0]);
    assert(result.records[1]!.failed > 0);
    assertEquals(result.records[0]?.serverServed, null);
    assertEquals(lines(join(dir, RUNS_FILE)).length, 2);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a generator that cannot run is an error row per run, and the experiment ends cleanly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-experiment-" });
  const watch = watchTargets();
  try {
    const result = await runExperiment({
      progress: watch.render,
      name: "no-oha",
      targets: ["async"],
      concurrency: [1, 2],
      requests: 20,
      repeats: 1,
      warmup: false,
      generator: "oha",
      outDir: dir,
      logErrors: false,
    });
    assertEquals(result.records, []);
    assertEquals(result.frame.height, 0);
    assertEquals(result.errors.map((e) => e.concurrency), [1, 2]);
    assertMatch(result.errors[0]!.error, /oha/);
    assert(!result.errors[0]!.error.includes("\n"));
    assertEquals(lines(join(dir, ERRORS_FILE)).length, 2);
    assertEquals(loadExperiment(dir).errors.length, 2);
    await assertStopped(watch.seen, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("through the lab's balancer, serverServed counts every backend, not the one /stats reached", async () => {
  const backends = [await startAsync({ port: 0 }), await startAsync({ port: 0 })];
  const balancer = await startBalancer({ port: 0, backends: backends.map((b) => b.url) });
  const dir = await Deno.makeTempDir({ prefix: "lab-experiment-" });
  try {
    const result = await runExperiment({
      name: "through-balancer",
      targets: [{ name: "lb", url: balancer.url }],
      concurrency: [4],
      requests: 200,
      repeats: 1,
      warmup: false,
      generator: "ab",
      outDir: dir,
      logErrors: false,
    });
    assertEquals(result.records.map((r) => [r.completed, r.serverServed]), [[200, 200]]);
  } finally {
    await balancer.shutdown();
    for (const backend of backends) await backend.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

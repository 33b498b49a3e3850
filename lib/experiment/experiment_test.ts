import assert from "node:assert/strict";
import { join } from "node:path";
import { startAsync } from "../../servers/async.ts";
import { startBalancer } from "../../servers/balancer.ts";
import { isAlive, isListening } from "../../tests/support/procs.ts";
import {
  DEFAULT_CONCURRENCY,
  defineExperiment,
  ERRORS_FILE,
  type ExperimentConfig,
} from "./definition.ts";
import { loadExperiment, runExperiment } from "./experiment.ts";
import { WARMUP_REQUESTS, WARMUP_S } from "./warmup.ts";
import { liveTargets, type Target } from "./launch.ts";
import type { ProgressState } from "./progress.ts";
import { which } from "../process/programs.ts";
import { REPORT_COLUMNS, reportTable } from "../results/results.ts";
import { DEFAULT_RESULTS_ROOT, resultsRoot } from "../results/results_root.ts";
import { ARCHIVE_DIR, archivedRuns, RUNS_FILE } from "../results/results_store.ts";

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
  assert.deepEqual(seen.size, count);
  for (const target of seen.values()) {
    assert.deepEqual(isAlive(target.pid!), false);
    assert.deepEqual(await isListening(target.port), false);
  }
  assert.deepEqual(liveTargets(), []);
}

Deno.test("defineExperiment fills the course's defaults", () => {
  const experiment = defineExperiment({ name: "x", targets: ["async"] });
  assert.deepEqual(experiment.concurrency, [...DEFAULT_CONCURRENCY]);
  assert.deepEqual([experiment.requests, experiment.durationS], [1000, null]);
  assert.deepEqual([experiment.repeats, experiment.warmup, experiment.keepAlive], [3, true, false]);
  assert.deepEqual(experiment.path, "/");
  // Under deno test the results root is a temporary folder, never the checkout's data/results/.
  assert.deepEqual(experiment.outDir, join(resultsRoot(), "x"));
  assert.ok(!experiment.outDir.startsWith(DEFAULT_RESULTS_ROOT), experiment.outDir);
  assert.deepEqual(experiment.allowHosts, []);
  const far = { name: "far", url: "http://10.9.9.9:80" };
  const remote = defineExperiment({ name: "x", targets: [far], allowHosts: ["10.9.9.9"] });
  assert.deepEqual([remote.targets, remote.allowHosts], [[far], ["10.9.9.9"]]);
  const timed = defineExperiment({ name: "x", targets: ["async"], durationS: 2 });
  assert.deepEqual([timed.requests, timed.durationS], [null, 2]);
  for (const [duration, seconds] of [["500ms", 0.5], ["2s", 2], ["1m", 60], [3, 3]] as const) {
    assert.deepEqual(
      defineExperiment({ name: "x", targets: ["async"], duration }).durationS,
      seconds,
    );
  }
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
    [{ name: "x", targets: ["async"], requests: 10, duration: "1s" }, /not both/],
    [{ name: "x", targets: ["async"], duration: "2x" }, /duration: '2x' is not a duration/],
    [{ name: "x", targets: ["async"], duration: "1s", durationS: 1 }, /duration or durationS/],
    [{ name: "x", targets: ["async"], pin: "zero" }, /not a CPU list/],
    [{ name: "x", targets: [{ name: "far", url: "http://10.9.9.9:80" }] }, /allowHosts: \["10/],
    [{ name: "x", targets: [{ name: "far", url: "nope" }] }, /target far: 'nope' is not a URL/],
    [{ name: "x", targets: ["async"], allowHosts: ["example.com"] }, /not a private IPv4/],
  ];
  for (const [config, message] of bad) {
    assert.throws(() => defineExperiment(config), (error: Error) => {
      assert.match(error.message, message);
      assert.ok(!error.message.includes("\n"));
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
      assert.deepEqual(result.frame.height, 8);
      assert.deepEqual(result.records.map((r) => r.completed), Array(8).fill(200));
      assert.deepEqual(result.errors, []);
      // interleaved: repeat, then concurrency, then target
      assert.deepEqual(
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
      assert.deepEqual(result.records.map((r) => r.serverServed), Array(8).fill(200));
      const table = reportTable(result.frame, "async");
      assert.deepEqual(table.columns, [...REPORT_COLUMNS]);
      assert.deepEqual(table.height, 4);
      assert.deepEqual(table.getColumn("Concurrency Level").toArray(), [1, 1, 5, 5]);
      assert.deepEqual(table.getColumn("Complete requests").toArray(), [200, 200, 200, 200]);
      assert.deepEqual(lines(join(dir, RUNS_FILE)).length, 8);
      assert.deepEqual(result.environment?.generator, "ab");
      // Each target was warmed up at the top level until WARMUP_REQUESTS or WARMUP_S, in runs
      // of 200: many runs, none of them recorded above.
      for (const target of result.environment?.targets ?? []) {
        const warmup = target.warmup!;
        assert.ok(warmup.runs > 1, `${target.name}: ${JSON.stringify(warmup)}`);
        assert.equal(warmup.requests, warmup.runs * 200);
        assert.ok(
          warmup.requests >= WARMUP_REQUESTS || warmup.seconds >= WARMUP_S,
          `${target.name} stopped warming up early: ${JSON.stringify(warmup)}`,
        );
      }
      assert.equal(result.environment?.targets.length, 2);

      const reloaded = loadExperiment(dir);
      assert.deepEqual(reloaded.name, "e2e");
      assert.deepEqual(reloaded.frame.height, 8);
      assert.deepEqual(reloaded.frame.getColumn("serverServed").toArray(), Array(8).fill(200));
      assert.deepEqual(reloaded.environment?.generator, "ab");
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
    assert.match(String(caught), /stop here/);
    assert.deepEqual(lines(join(dir, RUNS_FILE)).length, 3);
    assert.deepEqual(loadExperiment(dir).frame.height, 3);
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
    assert.deepEqual(result.records.map((r) => r.completed), [20, 0]);
    assert.ok(result.records[1]!.failed > 0);
    assert.deepEqual(result.records[0]?.serverServed, null);
    assert.deepEqual(lines(join(dir, RUNS_FILE)).length, 2);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "a generator that is not installed is refused before any server starts, with how to get it",
  // oha cannot be installed here (see DESIGN.md); where it is, there is nothing to refuse.
  ignore: (await which("oha")) !== null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "lab-experiment-" });
    const watch = watchTargets();
    try {
      Deno.writeTextFileSync(join(dir, RUNS_FILE), '{"kept": "an earlier run"}\n');
      const error = await runExperiment({
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
      }).then(() => null, (e: Error) => e);
      assert.match(String(error), /load generator oha is not installed: install it with cargo/);
      assert.match(String(error), /installed here: .*ab 2/);
      assert.deepEqual(watch.seen.size, 0, "no server was launched");
      // the folder's earlier run is left as it was: not archived, not overwritten
      assert.deepEqual(archivedRuns(dir), []);
      assert.deepEqual(lines(join(dir, RUNS_FILE)), ['{"kept": "an earlier run"}']);
      assert.deepEqual(lines(join(dir, ERRORS_FILE)), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
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
    assert.deepEqual(result.records.map((r) => [r.completed, r.serverServed]), [[200, 200]]);
  } finally {
    await balancer.shutdown();
    for (const backend of backends) await backend.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "a second run moves the first one whole to archive/<time>/, which loads on its own",
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "lab-experiment-archive-" });
    try {
      const common: Omit<ExperimentConfig, "name"> = {
        targets: ["async"],
        repeats: 1,
        warmup: false,
        generator: "ab",
      };
      const first = await runExperiment({
        ...common,
        name: "first",
        concurrency: [1, 2],
        requests: 20,
        outDir: dir,
        logErrors: false,
      });
      assert.deepEqual(first.archived, null);
      // a failed run of the first experiment, kept with it
      Deno.writeTextFileSync(join(dir, ERRORS_FILE), '{"target":"async","error":"x"}\n');
      const second = await runExperiment({
        ...common,
        name: "second",
        concurrency: [3],
        requests: 30,
        outDir: dir,
      });
      const archives = archivedRuns(dir);
      assert.deepEqual(archives.length, 1);
      assert.deepEqual(second.archived, archives[0]);
      assert.match(archives[0]!, new RegExp(`/${ARCHIVE_DIR}/\\d{4}-\\d\\d-\\d\\dT[\\d-]+Z$`));
      assert.deepEqual(
        [...Deno.readDirSync(archives[0]!)].map((e) => e.name).sort(),
        ["config.json", "environment.json", ERRORS_FILE, RUNS_FILE],
      );
      const old = loadExperiment(archives[0]!);
      assert.deepEqual(old.name, "first");
      assert.deepEqual(old.records.map((r) => [r.concurrency, r.completed]), [[1, 20], [2, 20]]);
      assert.deepEqual(old.errors.length, 1);
      assert.deepEqual(old.environment?.generator, "ab");
      const oldConfig = JSON.parse(Deno.readTextFileSync(join(archives[0]!, "config.json")));
      assert.deepEqual([oldConfig.name, oldConfig.requests, oldConfig.concurrency], [
        "first",
        20,
        [1, 2],
      ]);
      // the folder itself holds the second run only
      const now = loadExperiment(dir);
      assert.deepEqual(now.name, "second");
      assert.deepEqual(now.records.map((r) => [r.concurrency, r.completed]), [[3, 30]]);
      assert.deepEqual(now.errors, []);
      assert.deepEqual(lines(join(dir, RUNS_FILE)).length, 1);
      // a third run archives the second beside the first
      await runExperiment({
        ...common,
        name: "third",
        concurrency: [1],
        requests: 10,
        outDir: dir,
      });
      assert.deepEqual(archivedRuns(dir).map((a) => loadExperiment(a).name), ["first", "second"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a generator that cannot run the experiment is refused before any server starts",
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "lab-experiment-refused-" });
    const watch = watchTargets();
    try {
      Deno.writeTextFileSync(join(dir, RUNS_FILE), "");
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ generator: "autocannon" }, /autocannon always keeps connections alive.*--keep-alive/],
        [{ generator: "wrk", requests: 50 }, /wrk runs for a duration .*--duration/],
        [{ generator: "wrk", duration: "500ms" }, /wrk takes whole seconds/],
        [{ generator: "ab", duration: "1s" }, /ab runs a fixed number of requests/],
      ];
      for (const [extra, message] of cases) {
        const error = await runExperiment({
          name: "refused",
          targets: ["async", "threads"],
          concurrency: [1, 5],
          repeats: 1,
          outDir: join(dir, "refused"),
          progress: watch.render,
          ...extra,
        }).then(() => null, (e: Error) => e);
        assert.ok(error !== null, `expected ${message}`);
        assert.match(error.message, message);
        assert.ok(!error.message.includes("\n"), error.message);
      }
      assert.deepEqual(watch.seen.size, 0, "no server was launched");
      assert.deepEqual(liveTargets(), []);
      let made = true;
      try {
        Deno.statSync(join(dir, "refused"));
      } catch {
        made = false;
      }
      assert.deepEqual(made, false, "nothing was written");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

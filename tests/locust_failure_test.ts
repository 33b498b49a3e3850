import assert from "node:assert/strict";
import { startAsync } from "../servers/async.ts";
import { runLocust } from "../lib/loadgen/locust/locust.ts";
import { LoadGenError } from "../lib/loadgen/types.ts";
import { RunSpecError } from "../lib/loadgen/validate.ts";
import { assertNoneLeft, pidsMatching, recorder } from "./support/locust.ts";

const installed = (await new Deno.Command("sh", { args: ["-c", "command -v locust"] }).output())
  .success;
const ignore = !installed;
if (ignore) console.warn("locust is not installed: skipping (sudo apt-get install python3-locust)");

async function rejects(promise: Promise<unknown>, text: string): Promise<LoadGenError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LoadGenError, `expected a LoadGenError, got ${error}`);
    assert.ok(error.message.includes(text), `'${error.message}' lacks '${text}'`);
    return error;
  }
  throw new assert.AssertionError({ message: "expected the run to fail" });
}

Deno.test({
  name: "workers that never connect: a clear error after the wait, nothing left running",
  ignore,
  async fn() {
    const record = recorder();
    const marker = `${Math.floor(Math.random() * 1e6)}.5`; // a unique `sleep` argument
    const started = performance.now();
    const error = await rejects(
      runLocust({ url: "http://127.0.0.1:9/", requests: 10, concurrency: 2 }, {
        quiet: true,
        expectWorkersTimeoutS: 2,
        workerCommand: record.workerCommand(() => ["sleep", marker]),
      }),
      "only 0 of 2 workers connected",
    );
    assert.ok(error.message.split("\n")[0]!.includes("check the worker command"));
    assert.ok(performance.now() - started < 30_000, "bounded by the expect-workers wait");
    assert.deepEqual(await pidsMatching(`sleep ${marker}`), []);
  },
});

Deno.test({
  name: "a master that dies mid-run: a clear error and no worker left behind",
  ignore,
  async fn() {
    const server = await startAsync({ port: 0 });
    const record = recorder();
    try {
      const error = await rejects(
        runLocust({ url: `${server.url}/io?ms=20`, requests: 1_000_000, concurrency: 4 }, {
          quiet: true,
          masterCommand: (argv) => ["timeout", "-s", "KILL", "5", ...argv],
          workerCommand: record.workerCommand(),
        }),
        "before the run finished",
      );
      assert.match(error.message, /^locust master (was killed by signal|failed with exit code)/);
    } finally {
      await server.shutdown();
    }
    await assertNoneLeft(record.locustfiles);
  },
});

Deno.test({
  name: "a worker that dies mid-run: the run stops with the worker named",
  ignore,
  async fn() {
    const server = await startAsync({ port: 0 });
    const record = recorder();
    try {
      await rejects(
        runLocust({ url: `${server.url}/io?ms=20`, requests: 1_000_000, concurrency: 4 }, {
          quiet: true,
          workerCommand: record.workerCommand((w) =>
            w.index === 1 ? ["timeout", "-s", "KILL", "5", ...w.argv] : w.argv
          ),
        }),
        "locust worker 2 exited early",
      );
    } finally {
      await server.shutdown();
    }
    await assertNoneLeft(record.locustfiles);
  },
});

Deno.test("bad Locust options are refused before anything starts", async () => {
  const spec = { url: "http://127.0.0.1:9/", requests: 10, concurrency: 1 };
  for (
    const [options, text] of [
      [{ workers: 2 }, "concurrency 1 is below the 2 workers"],
      [{ workers: 0 }, "workers must be a whole number"],
      [{ expectWorkersTimeoutS: 0 }, "expectWorkersTimeoutS"],
      [{ allowHosts: ["8.8.8.8"] }, "not a private IPv4 address"],
    ] as const
  ) {
    try {
      await runLocust(spec, options);
      assert.fail("expected a RunSpecError");
    } catch (error) {
      assert.ok(error instanceof RunSpecError, String(error));
      assert.ok(error.message.includes(text), error.message);
    }
  }
});

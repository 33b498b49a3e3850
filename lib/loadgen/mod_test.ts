import assert from "node:assert/strict";
import { join } from "node:path";
import { startAsync } from "../../servers/async.ts";
import { createAbGenerator } from "./ab.ts";
import { createGeneratorSet, type GeneratorSet } from "./detect.ts";
import { getGenerator, listGenerators, runLoad } from "./mod.ts";
import { served, startConnectionCounter } from "../../tests/support/loadgen.ts";
import type { GeneratorName, RunSpec } from "./types.ts";

/** Generators installed here (ab, wrk and autocannon in CI; oha is not installable). */
const installed = (await listGenerators()).filter((g) => g.installed).map((g) => g.name);

Deno.test("listGenerators reports each tool with a version", async () => {
  const list = await listGenerators();
  assert.deepEqual(list.map((g) => g.name), ["oha", "wrk", "ab", "autocannon"]);
  for (const info of list) assert.equal(info.installed, info.version !== null);
  assert.ok(installed.includes("autocannon"), "autocannon only needs Deno");
});

Deno.test("asking for a missing tool names it, how to install it, and what is present", async () => {
  if (installed.includes("oha")) return; // nothing to check where oha is installed
  await assert.rejects(() => getGenerator("oha"), (error: Error) => {
    assert.equal(error.name, "LoadGenError");
    assert.match(error.message, /^load generator oha is not installed: install it with cargo/);
    assert.match(error.message, /brew install oha/);
    assert.match(error.message, /installed here: .*autocannon 8\.0\.0/);
    return true;
  });
  await assert.rejects(
    () =>
      runLoad({ url: "http://127.0.0.1:1/", requests: 1, concurrency: 1 }, { generator: "oha" }),
    { name: "LoadGenError", message: /oha is not installed/ },
  );
  await assert.rejects(
    () => getGenerator("hey" as GeneratorName),
    { name: "RunSpecError", message: /unknown load generator 'hey': use one of oha, wrk/ },
  );
});

Deno.test("runLoad picks the preferred tool that can run the spec", async () => {
  const server = await startAsync({ port: 0 });
  try {
    const url = `${server.url}/`;
    if (installed.includes("wrk")) {
      const timed = await runLoad({ url, durationS: 1, concurrency: 2 }, { quiet: true });
      assert.equal(timed.generator, installed.includes("oha") ? "oha" : "wrk");
    }
    if (installed.includes("ab") && !installed.includes("oha")) {
      // wrk cannot run a count: ab comes next.
      const counted = await runLoad({ url, requests: 20, concurrency: 2 }, { quiet: true });
      assert.equal(counted.generator, "ab");
    }
    const fallback = await runLoad(
      { url, requests: 20, concurrency: 2, keepAlive: true },
      { prefer: ["autocannon", "ab"], quiet: true },
    );
    assert.equal(fallback.generator, "autocannon");
  } finally {
    await server.shutdown();
  }
  if (!installed.includes("oha")) {
    await assert.rejects(
      () => runLoad({ url: "http://127.0.0.1:1/", requests: 10, concurrency: 1, rate: 5 }),
      (error: Error) => {
        assert.equal(error.name, "LoadGenError");
        assert.match(error.message, /^no load generator can run this spec; oha: not installed/);
        assert.match(error.message, /ab: ab cannot send at a fixed rate/);
        return true;
      },
    );
  }
});

Deno.test("a bad spec is refused before any tool runs", async () => {
  await assert.rejects(
    () => runLoad({ url: "http://10.1.2.3/", requests: 10, concurrency: 1 }),
    { name: "RunSpecError", message: /not loopback/ },
  );
  await assert.rejects(
    () =>
      runLoad({ url: "http://127.0.0.1:1/", requests: 5, concurrency: 10 }, { generator: "ab" }),
    { name: "RunSpecError", message: /ab refuses a concurrency \(10\)/ },
  );
});

Deno.test("404 and 500 targets are reported as non-2xx with warnings by every installed tool", async () => {
  const server = await startAsync({ port: 0 });
  try {
    for (const name of installed) {
      for (const status of [404, 500]) {
        const spec: RunSpec = name === "wrk"
          ? { url: `${server.url}/status/${status}`, durationS: 1, concurrency: 2 }
          : { url: `${server.url}/status/${status}`, requests: 40, concurrency: 4 };
        if (name === "autocannon") spec.keepAlive = true;
        const before = await served(server.url);
        const result = await runLoad(spec, { generator: name, quiet: true });
        const delta = (await served(server.url)) - before;
        assert.ok(result.completed > 0, name);
        assert.equal(result.non2xx, result.completed, `${name} ${status}`);
        assert.ok(result.warnings.some((w) => w.includes("not 2xx")), `${name} ${status}`);
        if (spec.requests) assert.equal(delta, result.completed, `${name} count`);
      }
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("ab with keep-alive reuses connections; without, one connection per request", async () => {
  if (!installed.includes("ab")) return;
  const counter = startConnectionCounter();
  try {
    await runLoad({ url: counter.url, requests: 200, concurrency: 4, keepAlive: true }, {
      generator: "ab",
      quiet: true,
    });
    assert.equal(counter.requests(), 200);
    assert.equal(counter.connections(), 4);
    await runLoad({ url: counter.url, requests: 200, concurrency: 4 }, {
      generator: "ab",
      quiet: true,
    });
    assert.equal(counter.requests(), 400);
    assert.equal(counter.connections(), 4 + 200);
  } finally {
    await counter.shutdown();
  }
});

Deno.test("a generator that hangs is killed at the run timeout; garbage output is an error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "loadgen-fake-" });
  try {
    const hang = join(dir, "hanging-ab");
    await Deno.writeTextFile(
      hang,
      '#!/bin/sh\nif [ "$1" = "-V" ]; then echo "This is ApacheBench, Version 9.9"; exit 0; fi\n' +
        "echo 'Benchmarking 127.0.0.1' >&2\nexec sleep 30\n",
    );
    const garbage = join(dir, "garbage-ab");
    await Deno.writeTextFile(
      garbage,
      '#!/bin/sh\nif [ "$1" = "-V" ]; then echo "This is ApacheBench, Version 9.9"; exit 0; fi\n' +
        "echo 'hello, not a report'\necho 'something odd happened' >&2\n",
    );
    await Deno.chmod(hang, 0o755);
    await Deno.chmod(garbage, 0o755);
    const spec = { url: "http://127.0.0.1:1/", requests: 10, concurrency: 1 };
    const set = (command: string): GeneratorSet => ({
      ...createGeneratorSet(),
      ab: createAbGenerator({ command }),
    });
    await assert.rejects(
      () => runLoad(spec, { generator: "ab", generators: set(hang), runTimeoutS: 1 }),
      (error: Error & { stderrTail?: string }) => {
        assert.equal(error.name, "LoadGenError");
        assert.match(error.message, /^ab did not finish within 1 s and was killed/);
        assert.equal(error.stderrTail, "Benchmarking 127.0.0.1");
        return true;
      },
    );
    await assert.rejects(
      () => runLoad(spec, { generator: "ab", generators: set(garbage) }),
      (error: Error & { stderrTail?: string }) => {
        assert.equal(error.name, "LoadGenError");
        assert.match(error.message, /^ab output has no 'Concurrency Level' line/);
        assert.equal(error.stderrTail, "something odd happened");
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

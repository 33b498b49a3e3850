import assert from "node:assert/strict";
import { commandText, readVersion, toolGenerator } from "./adapter.ts";
import { deriveRates } from "./rates.ts";
import { LoadGenError, type ResultParts } from "./types.ts";
import { RunSpecError } from "./validate.ts";

const MISSING = "/nonexistent/loadgen-tool";

function cleanParts(completed: number): ResultParts {
  return {
    wallTimeS: 1,
    attempted: completed,
    completed,
    failures: { connect: 0, timeout: 0, reset: 0, other: 0 },
    statusCodes: { "200": completed },
    non2xx: 0,
    bytes: 100 * completed,
    ...deriveRates(1, completed, 100 * completed, 1),
    latencyMs: { mean: 1, min: 1, max: 1, p50: 1, p90: 1, p95: 1, p99: 1, p999: 1 },
    notes: [],
  };
}

Deno.test("commandText joins stdout and stderr; null for a missing program or, if asked, a failure", async () => {
  assert.equal(await commandText("sh", ["-c", "printf out; printf err >&2"]), "outerr");
  assert.equal(await commandText(MISSING, []), null);
  assert.equal(await commandText("sh", ["-c", "echo tool 1.2; exit 3"]), "tool 1.2\n");
  assert.equal(
    await commandText("sh", ["-c", "echo tool 1.2; exit 3"], { successOnly: true }),
    null,
  );
});

Deno.test("readVersion finds the pattern in stdout or stderr, null when absent or missing", async () => {
  assert.equal(await readVersion("sh", ["-c", "echo 'tool v4.1.0' >&2"], /tool v(\S+)/), "4.1.0");
  assert.equal(await readVersion("sh", ["-c", "echo nothing"], /tool v(\S+)/), null);
  assert.equal(await readVersion(MISSING, ["--version"], /(\S+)/), null);
});

Deno.test("toolGenerator: checks the spec first, reads the version once, assembles the result", async () => {
  let versionReads = 0;
  const versions: string[] = [];
  const generator = toolGenerator({
    name: "oha",
    readVersion: () => {
      versionReads++;
      return Promise.resolve("9.9");
    },
    missing: "never used",
    runParts: (spec, version) => {
      versions.push(version);
      return Promise.resolve(cleanParts(spec.requests ?? 0));
    },
  });
  assert.equal(generator.name, "oha");
  await assert.rejects(
    generator.run({ url: "ftp://127.0.0.1/", requests: 5, concurrency: 1 }),
    RunSpecError,
  );
  assert.equal(versionReads, 0, "a bad spec is refused before the tool is asked anything");
  const url = "http://127.0.0.1:1/";
  const first = await generator.run({ url, requests: 5, concurrency: 1 }, { quiet: true });
  const second = await generator.run({ url, requests: 7, concurrency: 1 }, { quiet: true });
  assert.equal(await generator.version(), "9.9");
  assert.equal(versionReads, 1);
  assert.deepEqual(versions, ["9.9", "9.9"]);
  assert.deepEqual([first.generator, first.generatorVersion, first.completed], ["oha", "9.9", 5]);
  assert.equal(second.completed, 7);
  assert.equal(second.spec.url, url);
  assert.deepEqual(second.warnings, []);
});

Deno.test("toolGenerator: a tool without a version fails with the adapter's message", async () => {
  let ran = false;
  const generator = toolGenerator({
    name: "ab",
    readVersion: () => readVersion(MISSING, ["-V"], /Version (\S+)/),
    missing: `ab: command '${MISSING}' not found or gave no version`,
    runParts: () => {
      ran = true;
      return Promise.resolve(cleanParts(1));
    },
  });
  assert.equal(await generator.version(), null);
  await assert.rejects(
    generator.run({ url: "http://127.0.0.1:1/", requests: 1, concurrency: 1 }),
    (error: Error) => {
      assert.ok(error instanceof LoadGenError);
      assert.equal(error.message, `ab: command '${MISSING}' not found or gave no version`);
      return true;
    },
  );
  assert.equal(ran, false);
});

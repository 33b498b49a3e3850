import assert from "node:assert/strict";
import { startAsync } from "../../servers/async.ts";
import {
  abArgs,
  abResultParts,
  createAbGenerator,
  parseAbPercentiles,
  parseAbReport,
} from "./ab.ts";
import { assertClose, fixture, responseSize, served } from "../../tests/support/loadgen.ts";
import { validateSpec } from "./validate.ts";

function parts(name: string) {
  return abResultParts(
    parseAbReport(fixture(`${name}.txt`)),
    parseAbPercentiles(fixture(`${name}.csv`)),
  );
}

Deno.test("ab parser reads a clean run and matches ab's own derived figures", () => {
  const report = parseAbReport(fixture("ab_200.txt"));
  assert.deepEqual(report.complete, 300);
  assert.deepEqual(report.concurrency, 10);
  const result = parts("ab_200");
  assert.deepEqual(result.completed, 300);
  assert.deepEqual(result.attempted, 300);
  assert.deepEqual(result.failures, { connect: 0, timeout: 0, reset: 0, other: 0 });
  assert.deepEqual(result.statusCodes, { "2xx": 300 });
  assert.deepEqual(result.non2xx, 0);
  assert.deepEqual(result.bytes, 47700);
  // Our uniform definitions reproduce ab's printed figures.
  assertClose(result.requestsPerSec, report.requestsPerSec, 0.01);
  assertClose(result.timePerRequestMs, report.timePerRequestMs, 0.001);
  assertClose(result.timePerRequestAllMs, report.timePerRequestAllMs, 0.001);
  assertClose(result.transferKBps, report.transferKBps, 0.01);
  // Percentiles come from the -e CSV with sub-millisecond resolution.
  const l = result.latencyMs;
  assert(l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max);
  assert.deepEqual(l.min, 0.173);
  assert(l.mean > l.min && l.mean < l.max);
  const histogram = result.histogram ?? [];
  assert.deepEqual(histogram.reduce((sum, b) => sum + b.count, 0), 300);
});

Deno.test("ab parser keeps Non-2xx apart from failures (a 404 target)", () => {
  const result = parts("ab_404");
  assert.deepEqual(result.completed, 300);
  assert.deepEqual(result.non2xx, 300);
  assert.deepEqual(result.statusCodes, { "non-2xx": 300 });
  assert.deepEqual(result.failures, { connect: 0, timeout: 0, reset: 0, other: 0 });
});

Deno.test("ab parser turns Receive failures (server killed mid-run) into resets", () => {
  const result = parts("ab_killed");
  assert.deepEqual(result.completed, 3000 - 1100);
  assert.deepEqual(result.failures, { connect: 0, timeout: 0, reset: 1100, other: 550 });
  assert(result.notes.some((n) => n.includes("broke off")));
});

Deno.test("ab parser does not count Length failures of a dynamic page as transport failures", () => {
  const report = parseAbReport(fixture("ab_length.txt"));
  assert.deepEqual(report.failedLength, 1);
  const result = parts("ab_length");
  assert.deepEqual(result.completed, 200);
  assert.deepEqual(result.failures, { connect: 0, timeout: 0, reset: 0, other: 0 });
  assert(result.notes.some((n) => n.includes("Length failures")));
});

Deno.test("ab parser reports a refused port as no completed requests", () => {
  const result = abResultParts(parseAbReport(fixture("ab_refused.txt")));
  assert.deepEqual(result.completed, 0);
  assert.deepEqual(result.failures.reset, 100);
  assert(Number.isNaN(result.latencyMs.p50));
  assert(Number.isNaN(result.timePerRequestMs));
});

Deno.test("ab parser without the CSV falls back to the text percentiles", () => {
  const result = abResultParts(parseAbReport(fixture("ab_keepalive.txt")));
  assert.deepEqual(
    result.latencyMs.p50,
    parseAbReport(fixture("ab_keepalive.txt")).servedWithinMs["50"],
  );
  assert.deepEqual(result.histogram, undefined);
});

Deno.test("ab parser refuses garbage", () => {
  assert.throws(() => parseAbReport("segmentation fault"), {
    name: "LoadGenError",
    message: /not an ab report/,
  });
  assert.throws(() => parseAbPercentiles("0,1.0\n1,2.0\n"), {
    name: "LoadGenError",
    message: /101 rows/,
  });
});

Deno.test("ab arguments follow the spec", () => {
  const spec = validateSpec({
    url: "http://127.0.0.1:8080",
    requests: 10,
    concurrency: 2,
    keepAlive: true,
    method: "POST",
    headers: { "content-type": "application/json", "x-a": "1" },
    body: "{}",
    timeoutS: 2.5,
  }, "ab");
  const args = abArgs(spec, "/tmp/p.csv", "/tmp/body");
  assert.deepEqual(args.at(-1), "http://127.0.0.1:8080/");
  assert(args.includes("-k"));
  assert.deepEqual(args.slice(args.indexOf("-s"), args.indexOf("-s") + 2), ["-s", "3"]);
  assert.deepEqual(args.slice(args.indexOf("-p"), args.indexOf("-p") + 4), [
    "-p",
    "/tmp/body",
    "-T",
    "application/json",
  ]);
  assert(args.includes("x-a: 1"));
  const head = abArgs(
    validateSpec({ url: "http://127.0.0.1/", requests: 1, concurrency: 1, method: "HEAD" }),
    "c",
  );
  assert(head.includes("-i") && !head.includes("-k"));
});

Deno.test("ab against the async server: completed matches the server's count and sizes", async () => {
  const server = await startAsync({ port: 0 });
  try {
    const ab = createAbGenerator();
    const url = `${server.url}/bytes?n=1000`;
    const before = await served(server.url);
    const result = await ab.run({ url, requests: 300, concurrency: 10 }, { quiet: true });
    const after = await served(server.url);
    assert.deepEqual(result.completed, 300);
    assert.deepEqual(after - before, result.completed);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.statusCodes, { "2xx": 300 });
    assert.deepEqual(result.bytes, 300 * await responseSize(url, { http10: true }));

    const missing = await ab.run(
      { url: `${server.url}/status/404`, requests: 50, concurrency: 5 },
      { quiet: true },
    );
    assert.deepEqual(missing.non2xx, missing.completed);
    assert.deepEqual(missing.completed, 50);
    assert(missing.warnings.some((w) => w.includes("not 2xx")));
  } finally {
    await server.shutdown();
  }
});

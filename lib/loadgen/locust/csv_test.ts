import assert from "node:assert/strict";
import { fixture, throwsWith } from "../../../tests/support/loadgen.ts";
import {
  aggregatedStats,
  parseCsv,
  parseLocustExceptions,
  parseLocustFailures,
  parseLocustHistory,
  parseLocustStats,
} from "./csv.ts";
import { locustResultParts } from "./locust.ts";
import type { LocustSummary } from "./locustfile.ts";
import { validateSpec } from "../validate.ts";

Deno.test("parseCsv handles quotes, doubled quotes, commas and newlines inside fields", () => {
  assert.deepStrictEqual(parseCsv('a,"b,c","say ""hi"""\r\n1,"two\nlines",\n'), [
    ["a", "b,c", 'say "hi"'],
    ["1", "two\nlines", ""],
  ]);
  throwsWith(() => parseCsv('a,"open'), Error, "cut short");
});

Deno.test("stats CSV of a real 2000-request run: counts, latency and Locust's rate", () => {
  const rows = parseLocustStats(fixture("locust_ok_stats.csv"));
  assert.deepStrictEqual(rows.map((row) => row.name), ["/io?ms=1", "Aggregated"]);
  const total = aggregatedStats(fixture("locust_ok_stats.csv"));
  assert.deepStrictEqual(total.requests, 2000);
  assert.deepStrictEqual(total.failures, 0);
  assert.deepStrictEqual(total.meanMs, 2.2415);
  assert.deepStrictEqual([total.minMs, total.maxMs], [1, 14]);
  assert.deepStrictEqual(total.averageContentSize, 12);
  assert.deepStrictEqual(total.percentiles["50%"], 2);
  assert.deepStrictEqual(total.percentiles["99.9%"], 13);
  assert.deepStrictEqual(total.percentiles["100%"], 14);
});

Deno.test("stats history keeps Aggregated rows, reads N/A as null and adds per-second deltas", () => {
  const history = parseLocustHistory(fixture("locust_ok_stats_history.csv"));
  assert.deepStrictEqual(history.length, 6);
  assert.deepStrictEqual(history[0]?.percentiles["50%"], null);
  assert.deepStrictEqual(history.map((point) => point.totalRequests), [
    0,
    0,
    2000,
    2000,
    2000,
    2000,
  ]);
  assert.deepStrictEqual(history.map((point) => point.requests), [0, 0, 2000, 0, 0, 0]);
  assert.deepStrictEqual(history[2]?.users, 10);
  assert.deepStrictEqual(history.reduce((sum, point) => sum + point.requests, 0), 2000);
});

Deno.test("failures CSV gives Locust's messages unquoted with their counts", () => {
  assert.deepStrictEqual(parseLocustFailures(fixture("locust_refused_failures.csv")), [{
    method: "GET",
    name: "/",
    error: "ConnectionRefusedError(111, 'Connection refused')",
    occurrences: 100,
  }]);
  assert.deepStrictEqual(parseLocustFailures(fixture("locust_ok_failures.csv")), []);
  assert.deepStrictEqual(parseLocustExceptions(fixture("locust_ok_exceptions.csv")), []);
});

Deno.test("a file that is not Locust's is refused with its name", () => {
  throwsWith(() => parseLocustStats("a,b\n1,2\n"), Error, "not a Locust stats CSV");
  throwsWith(
    () => aggregatedStats(fixture("locust_ok_stats.csv").split("\n").slice(0, 2).join("\n")),
    Error,
    "no Aggregated row",
  );
});

function parts(name: string, spec = { url: "http://127.0.0.1:1/", requests: 100, concurrency: 4 }) {
  const summary = JSON.parse(fixture(`locust_${name}_lab.json`)) as LocustSummary;
  return locustResultParts(
    {
      stats: fixture(`locust_${name}_stats.csv`),
      history: fixture(`locust_${name}_stats_history.csv`),
      failures: fixture(`locust_${name}_failures.csv`),
      exceptions: fixture(`locust_${name}_exceptions.csv`),
    },
    validateSpec(spec),
    summary,
  );
}

Deno.test("result of a clean run: all completed, 200s, body bytes, per-worker split", () => {
  const result = parts("ok", {
    url: "http://127.0.0.1:1/io?ms=1",
    requests: 2000,
    concurrency: 10,
  });
  assert.deepStrictEqual([result.attempted, result.completed, result.non2xx], [2000, 2000, 0]);
  assert.deepStrictEqual(result.statusCodes, { "200": 2000 });
  assert.deepStrictEqual(result.bytes, 2000 * 12);
  assert.deepStrictEqual(result.locust.workers.map((worker) => worker.requests), [1000, 1000]);
  assert.deepStrictEqual(result.latencyMs.p999, 13);
  assert.deepStrictEqual(result.wallTimeS > 0 && result.wallTimeS < 5, true);
  assert.deepStrictEqual(result.notes.some((note) => note.includes("2 significant figures")), true);
});

Deno.test("404 responses are complete responses counted as non-2xx, not transport failures", () => {
  const result = parts("404");
  assert.deepStrictEqual([result.attempted, result.completed, result.non2xx], [200, 200, 200]);
  assert.deepStrictEqual(result.statusCodes, { "404": 200 });
  assert.deepStrictEqual(result.failures, { connect: 0, timeout: 0, reset: 0, other: 0 });
});

Deno.test("without the workers' summary, status codes are read back from the failure text", () => {
  const result = locustResultParts(
    {
      stats: fixture("locust_404_stats.csv"),
      history: "",
      failures: fixture("locust_404_failures.csv"),
      exceptions: "",
    },
    validateSpec({ url: "http://127.0.0.1:1/", requests: 200, concurrency: 4 }),
    null,
  );
  assert.deepStrictEqual(result.statusCodes, { "404": 200 });
  assert.deepStrictEqual(result.non2xx, 200);
});

Deno.test("refused connections are connect failures and nothing completed", () => {
  const result = parts("refused");
  assert.deepStrictEqual([result.attempted, result.completed, result.non2xx], [100, 0, 0]);
  assert.deepStrictEqual(result.failures.connect, 100);
  assert.deepStrictEqual(result.statusCodes, {});
});

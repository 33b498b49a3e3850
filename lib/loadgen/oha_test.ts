import assert from "node:assert/strict";
import {
  classifyOhaError,
  ohaArgs,
  ohaHasOutputFormat,
  ohaHistogram,
  ohaResultParts,
  parseOhaJson,
} from "./oha.ts";
import { assertClose, fixture } from "../../tests/support/loadgen.ts";
import { validateSpec } from "./validate.ts";

Deno.test("oha parser reads a clean 1.15 count run, converting seconds to ms", () => {
  const result = ohaResultParts(parseOhaJson(fixture("oha_200.json")), 10);
  assert.equal(result.completed, 300);
  assert.equal(result.attempted, 300);
  assert.deepEqual(result.statusCodes, { "200": 300 });
  assert.equal(result.bytes, 300_000);
  assert.equal(result.wallTimeS, 0.0412871);
  assert.equal(result.requestsPerSec, 300 / 0.0412871);
  assertClose(result.latencyMs.p50, 0.951, 1e-9);
  assertClose(result.latencyMs.p999, 4.6113, 1e-9);
  assertClose(result.latencyMs.min, 0.1822, 1e-9);
  assert.equal(result.histogram?.reduce((sum, b) => sum + b.count, 0), 300);
  assert.ok(result.notes.some((n) => n.includes("body bytes only")));
});

Deno.test("oha parser splits status codes, transport failures and deadline cut-offs", () => {
  const result = ohaResultParts(parseOhaJson(fixture("oha_errors.json")), 20);
  assert.deepEqual(result.statusCodes, { "200": 9000, "404": 150, "500": 65 });
  assert.equal(result.completed, 9215);
  assert.equal(result.non2xx, 215);
  assert.deepEqual(result.failures, { connect: 2, timeout: 1, reset: 3, other: 0 });
  assert.equal(result.attempted, 9215 + 6);
  assert.ok(result.notes.some((n) => n.startsWith("20 requests in flight")));
});

Deno.test("oha histogram keys in string order are sorted numerically", () => {
  const text = fixture("oha_slow_rate.json");
  assert.ok(text.indexOf('"10.8"') < text.indexOf('"2.4"'), "the fixture is in string order");
  // JSON.parse adds a twist: integer-like keys ("6", "12") come first in a JS object.
  const report = parseOhaJson(text);
  const histogram = ohaHistogram(report.responseTimeHistogram);
  const uppers = histogram.map((b) => b.toMs);
  assert.deepEqual(uppers, [...uppers].sort((a, b) => a - b));
  assert.equal(histogram[0]?.toMs, 1200);
  assert.equal(histogram[0]?.fromMs, 0);
  assert.equal(histogram[1]?.fromMs, 1200);
  assert.equal(histogram.at(-1)?.toMs, 13200);
  assert.deepEqual(histogram.map((b) => b.count), [5, 9, 14, 20, 11, 6, 3, 2, 1, 1, 0]);
});

Deno.test("oha parser reads the older -j output (no firstByte, no metrics)", () => {
  const result = ohaResultParts(parseOhaJson(fixture("oha_1_8.json")), 10);
  assert.equal(result.completed, 300);
  assertClose(result.latencyMs.p90, 2.313, 1e-9);
});

Deno.test("oha errors are classified by their message", () => {
  assert.equal(classifyOhaError("aborted due to deadline"), null);
  assert.equal(
    classifyOhaError("error trying to connect: Connection refused (os error 111)"),
    "connect",
  );
  assert.equal(classifyOhaError("timeout"), "timeout");
  assert.equal(classifyOhaError("connection reset by peer"), "reset");
  assert.equal(classifyOhaError("invalid HTTP version parsed"), "other");
});

Deno.test("oha parser refuses what is not oha's JSON", () => {
  assert.throws(() => parseOhaJson("Summary:\n  Success rate: 100%"), { name: "LoadGenError" });
  assert.throws(() => parseOhaJson('{"rps": {}}'), { name: "LoadGenError", message: /summary/ });
});

Deno.test("oha arguments: version-dependent JSON flag, open loop, keep-alive, timeout", () => {
  assert.ok(ohaHasOutputFormat("1.15.0"));
  assert.ok(ohaHasOutputFormat("2.0.1"));
  assert.ok(!ohaHasOutputFormat("1.8.0"));
  const spec = validateSpec(
    { url: "http://localhost:45000/", durationS: 1.5, concurrency: 8, rate: 200, timeoutS: 2 },
    "oha",
  );
  const args = ohaArgs(spec, "1.15.0");
  assert.deepEqual(args.slice(0, 3), ["--no-tui", "--output-format", "json"]);
  assert.deepEqual(args.slice(3, 5), ["-z", "1500ms"]);
  assert.ok(args.join(" ").includes("-q 200 --latency-correction"));
  assert.ok(args.includes("--disable-keepalive"));
  assert.ok(args.join(" ").includes("-t 2000ms"));
  const old = ohaArgs(
    validateSpec({ url: "http://[::1]:1/", requests: 5, concurrency: 1, keepAlive: true }),
    "1.4.0",
  );
  assert.ok(old.includes("-j") && !old.includes("--output-format"));
  assert.ok(old.join(" ").includes("-n 5") && !old.includes("--disable-keepalive"));
});

import assert from "node:assert/strict";
import type { RunResult, RunSpec } from "./types.ts";
import { flagResult, isLoopbackHost, validateSpec } from "./validate.ts";

const base: RunSpec = { url: "http://127.0.0.1:45000/", requests: 100, concurrency: 10 };

function refuses(spec: unknown, message: RegExp, generator?: "ab" | "wrk" | "oha" | "autocannon") {
  assert.throws(() => validateSpec(spec as RunSpec, generator), { name: "RunSpecError", message });
}

Deno.test("validateSpec fills defaults and normalizes the URL", () => {
  const spec = validateSpec({ url: "http://127.0.0.1:8080", requests: 5, concurrency: 1 });
  assert.equal(spec.url, "http://127.0.0.1:8080/");
  assert.equal(spec.keepAlive, false);
  assert.equal(spec.method, "GET");
  assert.equal(spec.timeoutS, 30);
  assert.deepEqual(spec.headers, {});
});

Deno.test("only loopback hosts are accepted", () => {
  for (const host of ["127.0.0.1", "127.8.9.10", "localhost", "[::1]", "LOCALHOST"]) {
    assert.ok(isLoopbackHost(host), host);
  }
  for (const host of ["10.0.0.1", "128.0.0.1", "example.com", "127.0.0.256", "::2", "0.0.0.0"]) {
    assert.ok(!isLoopbackHost(host), host);
  }
  refuses({ ...base, url: "http://example.com/" }, /not loopback/);
  refuses({ ...base, url: "http://192.168.1.5:80/" }, /not loopback.*allowHosts/);
});

Deno.test("a private address listed in allowHosts is accepted, for every generator", () => {
  const url = "http://10.200.4.2:45000/io?ms=1";
  for (const generator of [undefined, "ab", "oha"] as const) {
    const spec = validateSpec({ ...base, url, allowHosts: ["10.200.4.2"] }, generator);
    assert.equal(spec.url, url);
    assert.deepEqual(spec.allowHosts, ["10.200.4.2"]);
  }
  const timed = { ...base, requests: undefined, durationS: 1, keepAlive: true };
  validateSpec({ ...timed, url, allowHosts: ["10.200.4.2"] }, "wrk");
  validateSpec({ ...timed, url, allowHosts: ["10.200.4.2"] }, "autocannon");
  refuses({ ...base, url, allowHosts: ["10.200.4.3"] }, /host '10\.200\.4\.2' is not loopback/);
  refuses({ ...base, allowHosts: ["1.1.1.1"] }, /'1\.1\.1\.1' is not a private IPv4 address/);
  refuses({ ...base, url: "http://example.com/", allowHosts: ["example.com"] }, /not a private/);
});

Deno.test("bad specs are refused with a message naming the problem", () => {
  refuses({ ...base, url: "not a url" }, /invalid URL 'not a url'/);
  refuses({ ...base, url: "ftp://127.0.0.1/" }, /http:\/\//);
  refuses({ ...base, url: undefined }, /url is missing/);
  refuses({ ...base, concurrency: 0 }, /concurrency must be a whole number of at least 1/);
  refuses({ ...base, concurrency: 1.5 }, /concurrency/);
  refuses({ ...base, durationS: 5 }, /either requests or durationS, not both/);
  refuses({ url: base.url, concurrency: 1 }, /give requests .* or durationS/);
  refuses({ ...base, requests: 0 }, /requests must be/);
  refuses({ ...base, requests: undefined, durationS: -1 }, /durationS must be a number above 0/);
  refuses({ ...base, timeoutS: 0 }, /timeoutS/);
  refuses({ ...base, method: "GET /x" }, /method must be a word/);
  refuses({ ...base, headers: { "bad name": "x" } }, /not a valid HTTP token/);
  refuses({ ...base, headers: { a: "x\r\nInjected: 1" } }, /one-line/);
});

Deno.test("each tool's limits are refused before anything runs", () => {
  refuses({ ...base, requests: 5, concurrency: 10 }, /ab refuses a concurrency \(10\) above/, "ab");
  refuses({ ...base, requests: undefined, durationS: 5 }, /ab runs a fixed number/, "ab");
  refuses({ ...base, method: "GET", body: "x" }, /ab sends a body only with POST or PUT/, "ab");
  refuses(base, /wrk runs for a duration .* set durationS/, "wrk");
  refuses({ ...base, requests: undefined, durationS: 1.5 }, /wrk takes whole seconds/, "wrk");
  refuses(base, /autocannon always keeps connections alive/, "autocannon");
  for (const tool of ["ab", "wrk", "autocannon"] as const) {
    refuses(
      { ...base, rate: 100, keepAlive: true },
      new RegExp(`${tool} cannot send at a fixed rate`),
      tool,
    );
  }
  assert.equal(validateSpec({ ...base, rate: 100 }, "oha").rate, 100);
  assert.equal(validateSpec({ ...base, requests: 10, concurrency: 10 }, "ab").requests, 10);
});

function result(overrides: Partial<RunResult>): RunResult {
  return {
    generator: "ab",
    generatorVersion: "2.3",
    spec: { ...base },
    wallTimeS: 1,
    attempted: 100,
    completed: 100,
    failures: { connect: 0, timeout: 0, reset: 0, other: 0 },
    statusCodes: { "200": 100 },
    non2xx: 0,
    bytes: 1000,
    requestsPerSec: 100,
    transferKBps: 1,
    latencyMs: { mean: 1, min: 1, max: 1, p50: 1, p90: 1, p95: 1, p99: 1, p999: 1 },
    timePerRequestMs: 100,
    timePerRequestAllMs: 10,
    warnings: ["stale"],
    notes: [],
    ...overrides,
  };
}

Deno.test("flagResult leaves a clean run clean and replaces stale warnings", () => {
  assert.deepEqual(flagResult(result({}), { print: false }).warnings, []);
});

Deno.test("flagResult flags non-2xx, failures, missing requests and empty runs", () => {
  const flagged = flagResult(
    result({
      completed: 90,
      statusCodes: { "200": 80, "404": 10 },
      non2xx: 10,
      failures: { connect: 4, timeout: 3, reset: 2, other: 1 },
    }),
    { print: false },
  );
  assert.equal(flagged.warnings.length, 3);
  assert.match(flagged.warnings[0] ?? "", /10 of 90 responses were not 2xx \(404: 10\)/);
  assert.match(flagged.warnings[1] ?? "", /10 transport failures \(connect 4, timeout 3, reset 2/);
  assert.match(flagged.warnings[2] ?? "", /only 90 of 100 requests completed/);
  const empty = flagResult(result({ completed: 0, statusCodes: {} }), { print: false });
  assert.match(empty.warnings[0] ?? "", /no request completed/);
});

Deno.test("flagResult prints one line per warning unless told not to", () => {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    flagResult(result({ non2xx: 100, statusCodes: { "500": 100 } }));
    assert.equal(lines.length, 1);
    assert.match(
      lines[0] ?? "",
      /^!! LOAD TEST WARNING: ab on http:\/\/127\.0\.0\.1:45000\/: 100 of/,
    );
    flagResult(result({ non2xx: 100, statusCodes: { "500": 100 } }), { print: false });
    assert.equal(lines.length, 1);
  } finally {
    console.error = original;
  }
});

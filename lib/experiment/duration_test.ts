import assert from "node:assert/strict";
import { formatDuration, parseDuration, parseWholeSeconds } from "./duration.ts";

Deno.test("parseDuration reads wrk/oha/k6 durations and bare seconds", () => {
  const cases: [string | number, number][] = [
    ["2s", 2],
    ["500ms", 0.5],
    ["1m", 60],
    ["1h", 3600],
    ["1m30s", 90],
    ["1.5s", 1.5],
    ["2", 2],
    ["0.25", 0.25],
    [" 3S ", 3],
    [1.5, 1.5],
  ];
  for (const [raw, seconds] of cases) assert.equal(parseDuration(raw), seconds, String(raw));
});

Deno.test("parseDuration refuses what is not a positive duration, in one line", () => {
  for (const raw of ["", "s", "2x", "-1s", "1 s", "two", "2s3", "1e3", "ms500"]) {
    assert.throws(() => parseDuration(raw), (error: Error) => {
      assert.match(error.message, /is not a duration: write it like 2s, 500ms, 1m/, raw);
      assert.ok(!error.message.includes("\n"));
      return true;
    });
  }
  for (const raw of ["0", "0s", "0ms", 0, -2]) {
    assert.throws(() => parseDuration(raw), /must be above zero/, String(raw));
  }
});

Deno.test("formatDuration writes seconds back as a duration parseDuration reads", () => {
  for (const [seconds, text] of [[0.5, "500ms"], [2, "2s"], [60, "1m"], [90, "1m30s"]] as const) {
    assert.equal(formatDuration(seconds), text);
    assert.equal(parseDuration(text), seconds);
  }
});

Deno.test("parseWholeSeconds takes wrk's whole seconds and says how to round the rest", () => {
  assert.equal(parseWholeSeconds("10s"), 10);
  assert.equal(parseWholeSeconds("1m"), 60);
  assert.equal(parseWholeSeconds("5"), 5);
  assert.throws(
    () => parseWholeSeconds("500ms"),
    /'500ms' is 0\.5 s: give whole seconds, e.g\. 1s/,
  );
  assert.throws(() => parseWholeSeconds("1.5s"), /give whole seconds, e\.g\. 2s/);
  assert.throws(() => parseWholeSeconds("11m", 600), /'11m' is above the 10m this allows/);
});

Deno.test("the bench scripts take durations too, and refuse half seconds before measuring", async () => {
  for (const script of ["servers", "balancer", "generators"]) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL(`../../bench/${script}.ts`, import.meta.url).pathname,
        "--duration",
        "500ms",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 2, `${script}: ${stderr}`);
    assert.match(
      stderr,
      new RegExp(`^bench:${script}: --duration: '500ms' is 0\\.5 s: give whole seconds`),
    );
    assert.equal(new TextDecoder().decode(output.stdout), "");
  }
});

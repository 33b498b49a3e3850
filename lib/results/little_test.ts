import assert from "node:assert/strict";
import { frameFromRows } from "./frame.ts";
import { abTimesPerRequest, littleCheck, littleRows, littleSentence } from "./little.ts";

const RUN_SCHEMA = {
  target: "str",
  concurrency: "i64",
  repeat: "i64",
  requestsPerSec: "f64",
  latMeanMs: "f64",
} as const;

function runs(rows: Record<string, unknown>[]) {
  return frameFromRows(rows, RUN_SCHEMA);
}

Deno.test("abTimesPerRequest() gives ab's two readings: c / X and 1 / X", () => {
  assert.deepEqual(abTimesPerRequest(10, 2000), { perRequestMs: 5, acrossAllMs: 0.5 });
  assert.deepEqual(abTimesPerRequest(1, 250), { perRequestMs: 4, acrossAllMs: 4 });
  assert.throws(() => abTimesPerRequest(0, 100), /concurrency >= 1/);
  assert.throws(() => abTimesPerRequest(5, 0), /positive req\/s/);
});

Deno.test("littleCheck() computes X x R per run and leaves out runs without a mean latency", () => {
  const df = littleCheck(runs([
    { target: "async", concurrency: 10, repeat: 1, requestsPerSec: 2000, latMeanMs: 5 },
    { target: "async", concurrency: 50, repeat: 1, requestsPerSec: 1000, latMeanMs: 25 },
    { target: "threads", concurrency: 5, repeat: 1, requestsPerSec: 0, latMeanMs: null },
  ]));
  assert.deepEqual(df.getColumn("impliedConcurrency").toArray(), [10, 25]);
  assert.deepEqual(df.getColumn("ratio").toArray(), [1, 0.5]);
});

Deno.test("littleSentence() says the law holds when it does, and names the run that strays when not", () => {
  const holds = littleRows(runs([
    { target: "async", concurrency: 10, repeat: 1, requestsPerSec: 2000, latMeanMs: 5.1 },
    { target: "threads", concurrency: 10, repeat: 1, requestsPerSec: 1000, latMeanMs: 9.8 },
  ]));
  assert.equal(
    littleSentence(holds),
    "In 2 of 2 runs, throughput x mean latency lies within 10% of the concurrency, as Little's " +
      "law says it must in a closed loop.",
  );
  const starved = littleRows(runs([
    { target: "async", concurrency: 10, repeat: 1, requestsPerSec: 2000, latMeanMs: 5 },
    { target: "async", concurrency: 100, repeat: 2, requestsPerSec: 4000, latMeanMs: 10 },
  ]));
  const sentence = littleSentence(starved);
  assert.match(sentence, /^In 1 of 2 runs/);
  assert.match(sentence, /async at c=100 \(repeat 2\), 4000 req\/s x 10\.00 ms = 40\.00/);
  assert.match(sentence, /fewer requests in flight than asked/);
  assert.match(littleSentence([]), /cannot be checked/);
});

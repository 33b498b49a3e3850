import assert from "node:assert/strict";
import {
  handoffMarkdown,
  handoffPerRequest,
  handoffRatioMarkdown,
  handoffTable,
  measureHandoff,
} from "./handoff.ts";
import type { HandoffStats } from "../../servers/threads/pool.ts";

function stats(
  requests: number,
  listenerUs: number,
  workerUs: number,
  appUs: number,
  workersWoken = requests / 20,
): HandoffStats {
  return {
    requests,
    byMessage: 0,
    listenerUs,
    workerUs,
    appUs,
    wakeUps: requests / 10,
    workersWoken,
    slotBytes: 65536,
  };
}

Deno.test("handoff: per request between two /stats readings", () => {
  const per = handoffPerRequest(stats(10, 100, 200, 50), stats(110, 400, 700, 150));
  assert.deepEqual(per, {
    requests: 100,
    listenerUs: 3,
    workerUs: 5,
    handoffUs: 8,
    appUs: 1,
    wakeUps: 0.1,
    workersWoken: 0.05,
    byMessage: 0,
  });
});

Deno.test("handoff: readings without counters or without requests are refused clearly", () => {
  assert.throws(() => handoffPerRequest(undefined, stats(1, 1, 1, 1)), /no handoff counters/);
  assert.throws(() => handoffPerRequest(stats(5, 1, 1, 1), stats(5, 1, 1, 1)), /no request/);
});

const HANDOFF = handoffPerRequest(stats(0, 0, 0, 0), stats(1000, 3000, 5000, 1000));

Deno.test("handoff: the sentence splits the extra CPU into handoff code and the rest", () => {
  const text = handoffMarkdown({ handoff: HANDOFF, threadsCpuUs: 30, asyncCpuUs: 10 });
  assert.match(text, /threads server used \*\*30\.0 µs\*\*.*async server \*\*10\.0 µs\*\*/);
  assert.match(text, /adds \*\*20\.0 µs\*\* per request \(3\.0x/);
  assert.match(text, /took \*\*8\.0 µs\*\* per request: 3\.0 µs in the listener and 5\.0 µs/);
  assert.match(text, /\*\*40%\*\* of the difference\. The other 12\.0 µs is what no code/);
  assert.match(
    text,
    /a worker 0\.05 times and the listener 0\.10 times: once per batch of about 10/,
  );
});

Deno.test("handoff: the wake-ups are told as batches or as once per request, as measured", () => {
  const perRequest = handoffPerRequest(stats(0, 0, 0, 0), stats(1000, 3000, 5000, 1000, 1500));
  const text = handoffMarkdown({ handoff: perRequest, threadsCpuUs: 30, asyncCpuUs: 10 });
  assert.match(text, /a worker 1\.50 times .*: about once per request, or more\)/);
});

Deno.test("handoff: the sentence follows the data when the pool costs nothing or is unmeasured", () => {
  assert.match(
    handoffMarkdown({ handoff: HANDOFF, threadsCpuUs: 9, asyncCpuUs: 10 }),
    /cost nothing measurable/,
  );
  assert.match(
    handoffMarkdown({ handoff: HANDOFF, threadsCpuUs: NaN, asyncCpuUs: 10 }),
    /could not be measured \(it needs Linux's \/proc\)/,
  );
  assert.match(
    handoffMarkdown({ handoff: HANDOFF, threadsCpuUs: 20, asyncCpuUs: 0 }),
    /run more requests/,
  );
  assert.doesNotMatch(
    handoffMarkdown({ handoff: HANDOFF, threadsCpuUs: 30, asyncCpuUs: 10 }),
    /upper bound/,
  );
  // Timed sections (8 + 1 µs) above the server's whole CPU (5 µs): a busy machine, said so.
  assert.match(
    handoffMarkdown({ handoff: HANDOFF, threadsCpuUs: 5, asyncCpuUs: 2 }),
    /timed sections \(9\.0 µs\) add up to more than .* \(5\.0 µs\).*upper bound here\.$/,
  );
  // More handoff code than extra CPU (noise): the share is capped, the rest never negative.
  const capped = handoffMarkdown({ handoff: HANDOFF, threadsCpuUs: 14, asyncCpuUs: 10 });
  assert.match(capped, /\*\*100%\*\* of the difference\. The other 0\.0 µs/);
});

Deno.test("handoff: the table splits the difference only when the pool costs more", () => {
  assert.deepEqual(handoffTable({ handoff: HANDOFF, threadsCpuUs: 30, asyncCpuUs: 10 }), [
    { what: "async server: CPU per request", "µs per request": 10 },
    { what: "threads server: CPU per request", "µs per request": 30 },
    { what: "difference: what the pool adds", "µs per request": 20 },
    { what: "of that, the handoff code", "µs per request": 8 },
    { what: "of that, the rest (waking threads, K + 1 engines)", "µs per request": 12 },
    { what: "threads server: inside the application", "µs per request": 1 },
  ]);
  const cheaper = handoffTable({ handoff: HANDOFF, threadsCpuUs: 9, asyncCpuUs: 10 });
  assert.equal(cheaper.length, 4);
  assert.equal(cheaper[2]!.what, "handoff code (listener + worker)");
  const unmeasured = handoffTable({ handoff: HANDOFF, threadsCpuUs: NaN, asyncCpuUs: NaN });
  assert.equal(unmeasured[0]!["µs per request"], null);
});

Deno.test("handoff: the predicted threads/async ratio beside the measured one, words from the data", () => {
  const rows = (threads: number) => [
    { target: "async", concurrency: 1, medianRps: 900 },
    { target: "async", concurrency: 50, medianRps: 3000 },
    { target: "threads", concurrency: 50, medianRps: threads },
  ];
  const measured = { handoff: HANDOFF, threadsCpuUs: 30, asyncCpuUs: 10 };
  const near = handoffRatioMarkdown(measured, rows(1050));
  assert.match(near, /10 \/ 30 µs = \*\*0\.33\*\* of the async model's throughput/);
  assert.match(near, /c=50: threads \/ async = \*\*0\.35\*\* \(medians\), within 20%/);
  const far = handoffRatioMarkdown(measured, rows(2900));
  assert.match(far, /\*\*0\.97\*\* \(medians\), above it by more than 20%: something besides/);
  assert.match(handoffRatioMarkdown(measured, rows(300)), /below it by more than 20%/);
  assert.match(
    handoffRatioMarkdown({ ...measured, asyncCpuUs: NaN }, rows(1000)),
    /could not be measured, so there is no prediction/,
  );
  assert.match(handoffRatioMarkdown(measured, rows(1000).slice(0, 1)), /no level with both/);
});

Deno.test("handoff: measured on real async and threads servers", async () => {
  const measured = await measureHandoff({ requests: 400, concurrency: 4 });
  assert.equal(measured.handoff.requests, 400);
  assert.equal(measured.handoff.byMessage, 0);
  assert.ok(measured.handoff.handoffUs > 0 && measured.handoff.appUs > 0);
  assert.ok(measured.threadsCpuUs >= 0 && measured.asyncCpuUs >= 0, JSON.stringify(measured));
  assert.match(handoffMarkdown(measured), /µs/);
});

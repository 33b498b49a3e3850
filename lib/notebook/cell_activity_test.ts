import assert from "node:assert/strict";
import { activityText, CellActivity } from "./cell_activity.ts";

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 10_000;
  return { now: () => t, advance: (ms) => t += ms };
}

function recorder() {
  const drawn: { id: string; update: boolean; text: string }[] = [];
  const display = (
    bundle: Record<string, string>,
    options: { display_id: string; update: boolean },
  ) => {
    drawn.push({ id: options.display_id, update: options.update, text: bundle["text/plain"]! });
    return Promise.resolve();
  };
  return { drawn, display };
}

Deno.test("CellActivity: silent for a second, then one output redrawn with the call, count and ETA", async () => {
  const clock = fakeClock();
  const { drawn, display } = recorder();
  const activity = new CellActivity(display, clock.now);
  activity.begin("ab: 2000 requests, c=50, on /status/404");
  clock.advance(500);
  activity.tick();
  await activity.drawn();
  assert.deepEqual(drawn.length, 0, "nothing for a call shorter than a second");
  clock.advance(700);
  activity.tick();
  await activity.drawn();
  assert.deepEqual(
    drawn.at(-1)?.text,
    "ab: 2000 requests, c=50, on /status/404 · 1 s elapsed · ETA unknown",
  );
  activity.end();
  await activity.drawn();
  assert.deepEqual(drawn.at(-1)?.text, "1 lab call done in 1 s");
  // The next call of the same cell: same output, an ETA from the mean of the calls so far.
  clock.advance(100);
  activity.begin("ab: 2000 requests, c=50, on /");
  clock.advance(400);
  activity.tick();
  await activity.drawn();
  assert.deepEqual(
    drawn.at(-1)?.text,
    "ab: 2000 requests, c=50, on / (1 done) · 0 s elapsed · ETA 1 s",
  );
  activity.end();
  await activity.drawn();
  assert.deepEqual(new Set(drawn.map((d) => d.id)).size, 1, "one output for the cell");
  assert.deepEqual(drawn.map((d) => d.update), [false, true, true, true]);
  assert.deepEqual(drawn.at(-1)?.text, "2 lab calls done in 2 s");
});

Deno.test("CellActivity: a shown output or a long pause starts a new output; own progress bars win", async () => {
  const clock = fakeClock();
  const { drawn, display } = recorder();
  const activity = new CellActivity(display, clock.now);
  const call = async (label: string, ms: number, expectedS: number | null = null) => {
    activity.begin(label, expectedS);
    clock.advance(ms);
    activity.tick();
    activity.end();
    await activity.drawn();
  };
  await call("first", 1500, 3);
  assert.deepEqual(drawn[0]?.text, "first · 2 s elapsed · ETA 2 s");
  activity.boundary();
  await call("after a table", 1500);
  clock.advance(5_000);
  await call("after a pause", 1500);
  assert.deepEqual(new Set(drawn.map((d) => d.id)).size, 3);
  activity.ownProgress();
  await call("inside a cell with its own progress bar", 1500);
  assert.deepEqual(drawn.some((d) => d.text.includes("own progress")), false);
  activity.boundary();
  await call("the next cell", 1500);
  assert.ok(drawn.at(-1)?.text.includes("done"));
});

Deno.test("activityText between calls and during one", () => {
  assert.deepEqual(
    activityText({ current: null, done: 1, elapsedS: 3, callS: 0, etaS: null }),
    "1 lab call done in 3 s",
  );
  assert.deepEqual(
    activityText({
      current: "open loop: 500 req/s for 3 s",
      done: 0,
      elapsedS: 2,
      callS: 2,
      etaS: 1,
    }),
    "open loop: 500 req/s for 3 s · 2 s elapsed · ETA 1 s",
  );
});

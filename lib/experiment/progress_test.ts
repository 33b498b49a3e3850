import assert from "node:assert/strict";
import {
  formatDuration,
  formatProgress,
  Progress,
  type ProgressSink,
  type ProgressState,
  terminalRenderer,
} from "./progress.ts";

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => t += ms };
}

class Sink implements ProgressSink {
  text = "";
  constructor(readonly tty: boolean) {}
  writeSync(bytes: Uint8Array): number {
    this.text += new TextDecoder().decode(bytes);
    return bytes.length;
  }
  isTerminal(): boolean {
    return this.tty;
  }
}

Deno.test("Progress counts runs and estimates the time left from the average run", () => {
  const clock = fakeClock();
  const seen: ProgressState[] = [];
  const progress = new Progress(4, { now: clock.now, render: (s) => void seen.push(s) });
  progress.begin("async c=1");
  assert.deepEqual(seen.at(-1)?.etaS, null);
  clock.advance(2000);
  progress.end();
  assert.deepEqual(seen.at(-1)?.done, 1);
  assert.deepEqual(seen.at(-1)?.etaS, 6);
  progress.begin("threads c=1");
  clock.advance(4000);
  progress.end(false);
  const state = seen.at(-1)!;
  assert.deepEqual([state.done, state.failed, state.label, state.elapsedS], [
    2,
    1,
    "threads c=1",
    6,
  ]);
  assert.deepEqual(state.etaS, 6);
  progress.finish();
  progress.finish();
  assert.deepEqual(seen.filter((s) => s.finished).length, 1);
});

Deno.test("formatProgress shows bar, counts, label, elapsed and ETA", () => {
  const line = formatProgress({
    done: 5,
    total: 10,
    failed: 1,
    label: "async c=50 r2",
    elapsedS: 12,
    etaS: 12,
    finished: false,
  }, 10);
  assert.deepEqual(line, "[#####-----] 5/10 (1 failed) async c=50 r2  0:12 elapsed, ETA 0:12");
  assert.deepEqual(formatDuration(3725), "1:02:05");
  assert.match(
    formatProgress({
      done: 0,
      total: 3,
      failed: 0,
      label: "",
      elapsedS: 0,
      etaS: null,
      finished: false,
    }),
    / 0\/3 {2}0:00 elapsed, ETA \?$/,
  );
});

Deno.test("terminalRenderer redraws one line on a terminal and ends it with a newline", () => {
  const sink = new Sink(true);
  const progress = new Progress(2, { render: terminalRenderer(sink) });
  progress.begin("a");
  progress.end();
  progress.begin("b");
  progress.end();
  progress.finish();
  assert.deepEqual(sink.text.split("\r").length - 1, 5);
  assert.deepEqual(sink.text.split("\n").length - 1, 1);
  assert.ok(sink.text.endsWith("done\n"));
});

Deno.test("terminalRenderer writes one plain line per finished run elsewhere", () => {
  const sink = new Sink(false);
  const progress = new Progress(2, { render: terminalRenderer(sink) });
  progress.begin("a");
  progress.end();
  progress.begin("b");
  progress.end();
  progress.finish();
  const lines = sink.text.trimEnd().split("\n");
  assert.deepEqual(lines.length, 2);
  assert.ok(!sink.text.includes("\r"));
  assert.match(lines[0]!, /1\/2 a /);
  assert.match(lines[1]!, /2\/2 b /);
});

Deno.test("Progress.drawn waits for an async renderer, such as a notebook display", async () => {
  const drawn: number[] = [];
  const progress = new Progress(1, {
    render: async (state) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      drawn.push(state.done);
    },
  });
  progress.begin("a");
  progress.end();
  await progress.drawn();
  assert.deepEqual(drawn.at(-1), 1);
});

Deno.test("Progress counts measured runs only; warm-ups and the run in progress move the ETA", () => {
  const clock = fakeClock();
  const seen: ProgressState[] = [];
  const progress = new Progress(2, {
    now: clock.now,
    warmups: 1,
    render: (s) => void seen.push(s),
  });
  progress.begin("async warm-up");
  clock.advance(1000);
  progress.endWarmup();
  assert.deepEqual([seen.at(-1)?.done, seen.at(-1)?.total, seen.at(-1)?.etaS], [0, 2, 2]);
  progress.begin("async c=1");
  clock.advance(500);
  assert.deepEqual(progress.state.etaS, 1.5, "the ETA counts down during a run");
  clock.advance(1500);
  progress.end();
  assert.deepEqual([progress.state.done, progress.state.etaS], [1, 1.5]);
  progress.finish();
});

Deno.test("Progress with an expected step time has an ETA before the first run ends", () => {
  const clock = fakeClock();
  const progress = new Progress(3, { now: clock.now, stepS: 2, warmups: 1 });
  assert.deepEqual(progress.state.etaS, 8);
  clock.advance(1000);
  assert.deepEqual(progress.state.etaS, 7);
});

Deno.test("Progress redraws on a timer until finished", async () => {
  let draws = 0;
  const progress = new Progress(1, { tickMs: 10, render: () => void draws++ });
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.deepEqual(draws, 0, "no timer before the first run begins");
  progress.begin("one");
  await new Promise((resolve) => setTimeout(resolve, 60));
  progress.finish();
  const after = draws;
  assert.ok(after >= 2, `redrawn ${after} times`);
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.deepEqual(draws, after, "no redraw after finish");
});

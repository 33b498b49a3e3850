/**
 * Jupyter's interrupt button in a real Deno kernel that ran notebook 01's first cell:
 *
 * - pressed while the kernel is idle, it costs nothing: the kernel lives and `1 + 1` runs;
 * - pressed during an experiment while Run All has more cells queued (the kernel queues them,
 *   and the Deno kernel runs them even after the interrupted cell failed), it stops that
 *   experiment with one line naming the measured runs kept, and the queued cells start no
 *   experiment and no server, each saying in one line that it was skipped;
 * - a cell run again by hand afterwards runs as usual.
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { QUEUE_GAP_MS } from "../lib/process/interrupt.ts";
import { cellSource, readNotebook } from "../lib/lab/notebook_check.ts";
import { childPids, eventually, isListening, listeningPorts } from "./support/procs.ts";
import { KernelDriver } from "./support/kernel_driver.ts";

const NOTEBOOKS = fileURLToPath(new URL("../notebooks/", import.meta.url));
const FLUSH = "await new Promise((resolve) => setTimeout(resolve, 100));";

async function childPorts(kernelPid: number): Promise<number[]> {
  const ports: number[] = [];
  for (const pid of childPids(kernelPid)) ports.push(...await listeningPorts(pid));
  return ports;
}

/** Text without terminal colours. */
function plain(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

/** The source of notebook 01's set-up code cells: its imports, up to the one that reads the profile. */
async function firstCell(): Promise<string> {
  const notebook = await readNotebook(`${NOTEBOOKS}01_async_vs_threads.ipynb`);
  const code = notebook.cells.filter((c) => c.cell_type === "code").map(cellSource);
  const profileCell = code.findIndex((source) => /\bconst lab = profile\(\)/.test(source));
  assert.ok(profileCell >= 0, "notebook 01 reads its profile in a code cell");
  return code.slice(0, profileCell + 1).join("\n\n");
}

Deno.test({
  name: "a Deno kernel: an idle interrupt costs nothing, and Run All stops at an interrupted cell",
  // The kernel, its servers and the driver are separate processes, all awaited below.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "lab-kernel-interrupt-" });
    const kernel = await KernelDriver.start(NOTEBOOKS, { LAB_PROFILE: "quick" });
    try {
      const first = await kernel.execute(`${await firstCell()}\n${FLUSH}`, { timeoutS: 120 });
      assert.equal(first.status, "ok", `${first.ename}: ${first.evalue}`);

      // 1. Idle: the interrupt button leaves the kernel, its variables and its servers alone.
      const started = await kernel.execute(`
        const kept = await launchScript(MODELS.async.scriptPath, { name: "kept" });
        console.log(kept.port);
        ${FLUSH}
      `);
      assert.equal(started.status, "ok", `${started.ename}: ${started.evalue}`);
      const keptPort = Number(started.stdout.trim());
      assert.ok(await kernel.interrupt(), "the kernel is alive after an idle interrupt");
      // Printed and flushed: a cell's result can reach the client after its idle (DESIGN.md).
      const sum = await kernel.execute(`console.log(1 + 1, lab.name); ${FLUSH}`);
      assert.equal(sum.status, "ok", `${sum.ename}: ${sum.evalue}`);
      assert.equal(plain(sum.stdout).trim(), "2 quick", "1 + 1 runs, and lab (cell 1) lives on");
      assert.ok(await isListening(keptPort), "a server started before the interrupt still runs");
      const stopped = await kernel.execute(`await kept.stop(); ${FLUSH}`);
      assert.equal(stopped.status, "ok");

      // 2. Run All: the first experiment is interrupted, the queued cells start nothing.
      const experiment = (name: string, targets: string[], extra = "") =>
        `await runExperiment({ name: "${name}", targets: ${JSON.stringify(targets)}, ` +
        `concurrency: [1], requests: 300, repeats: 40, generator: "ab", logErrors: false, ` +
        `outDir: "${dir}/${name}", progress: progressDisplay()${extra} })`;
      const cells = await kernel.executeAll([
        `const root = ${
          experiment("nb-root", ["async", "threads"], `, onRun: () => console.log("MEASURED")`)
        };`,
        `await table(reportTable(root.frame, "async"));`,
        `const io = ${experiment("nb-io", ["async", "threads", "workers"])};`,
        `const queued = await launchScript(MODELS.async.scriptPath, { name: "queued" });`,
        "await md`a conclusion from the interrupted runs`;",
      ], { interruptOn: "MEASURED", timeoutS: 120 });
      const [interrupted, dependent, io, server, text] = cells as [
        (typeof cells)[0],
        (typeof cells)[0],
        (typeof cells)[0],
        (typeof cells)[0],
        (typeof cells)[0],
      ];
      assert.ok(interrupted.interrupted, "the interrupt was sent during the experiment");
      assert.equal(interrupted.ename, "InterruptedError", interrupted.evalue);
      assert.deepEqual(interrupted.traceback?.length, 1, "one line, no stack trace");
      const keptRuns = /(\d+) of 80 measured run\(s\) are kept/.exec(interrupted.evalue ?? "");
      assert.ok(keptRuns, interrupted.evalue);
      const bar = interrupted.shown?.at(-1) ?? "";
      assert.match(bar, new RegExp(` ${keptRuns[1]}/80 \\(.*stopped after`), bar);

      assert.equal(dependent.status, "error", "a cell using the interrupted result fails");
      for (const skipped of [io, server, text]) {
        assert.equal(skipped.ename, "SkippedError", `${skipped.ename}: ${skipped.evalue}`);
        assert.deepEqual(skipped.traceback?.length, 1);
        assert.match(skipped.evalue ?? "", /skipped: an earlier cell was interrupted/);
        assert.deepEqual(skipped.shown, [], "a skipped cell shows nothing else");
      }
      assert.equal(existsSync(`${dir}/nb-io`), false, "the queued experiment wrote nothing");
      assert.ok(
        await eventually(async () => (await childPorts(kernel.kernelPid)).length === 0, 5_000),
        "no server is left running",
      );

      // 3. Run again by hand (after the queue has drained), a cell works as usual.
      await new Promise((resolve) => setTimeout(resolve, QUEUE_GAP_MS + 500));
      // Its lab calls (no progress bar of its own) get one live output with an ETA.
      const byHand = await kernel.execute(`
        import { runLoad } from "../lib/loadgen/mod.ts";
        const again = await launchScript(MODELS.async.scriptPath, { name: "by-hand" });
        const load = await runLoad({ url: again.url + "/", durationS: 3, concurrency: 2 }, { quiet: true });
        console.log(load.completed > 0);
        await again.stop();
        ${FLUSH}
      `);
      assert.equal(byHand.status, "ok", `${byHand.ename}: ${byHand.evalue}`);
      assert.match(byHand.stdout, /true/);
      const live = byHand.shown ?? [];
      assert.ok(live.some((text) => / on \/ .* elapsed · ETA \d+ s/.test(text)), live.join("\n"));
      assert.match(live.at(-1) ?? "", /^1 lab call done in \d+ s$/, "its final state stays");
    } finally {
      await kernel.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

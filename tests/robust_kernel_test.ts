/**
 * The harness inside a real Deno Jupyter kernel leaves no server behind: after a cell that
 * throws, after an experiment that throws, after Jupyter's interrupt button during an
 * experiment (the kernel must survive it), and after the kernel is SIGKILLed.
 *
 * "Behind" is counted from outside: the kernel's child processes and the ports they listen on
 * (`ss -ltnp`), before and after.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { childPids, eventually, isAlive, isListening, listeningPorts } from "./support/procs.ts";
import { KernelDriver } from "./support/kernel_driver.ts";
import { QUEUE_GAP_MS } from "../lib/process/interrupt.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LAUNCH = new URL("../lib/experiment/launch.ts", import.meta.url).href;
const EXPERIMENT = new URL("../lib/experiment/experiment.ts", import.meta.url).href;
const MODELS = new URL("../servers/models.ts", import.meta.url).href;

/** Lets the kernel send a cell's queued output before the cell reports idle (DESIGN.md). */
const FLUSH = "await new Promise((resolve) => setTimeout(resolve, 100));";

/** Ports the kernel's children listen on. */
async function childPorts(kernelPid: number): Promise<number[]> {
  const ports: number[] = [];
  for (const pid of childPids(kernelPid)) ports.push(...await listeningPorts(pid));
  return ports;
}

/** The JSON a cell printed on its last line starting with `{`. */
function printed<T>(stdout: string): T {
  const line = stdout.split("\n").filter((l) => l.startsWith("{")).at(-1);
  assert.ok(line, `the cell printed no JSON: ${stdout}`);
  return JSON.parse(line) as T;
}

Deno.test({
  name: "a Deno kernel: exceptions, interrupts and a SIGKILL leave no server listening",
  // The kernel, its servers and the driver are separate processes, all awaited below.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "lab-robust-kernel-" });
    const kernel = await KernelDriver.start(ROOT);
    try {
      const pid = kernel.kernelPid;
      assert.deepEqual(await childPorts(pid), [], "the kernel starts with no listening child");

      // 1. Two servers launched in a cell, then a cell that throws.
      const launched = await kernel.execute(`
        import { launchScript, liveTargets } from "${LAUNCH}";
        import { MODELS } from "${MODELS}";
        const a = await launchScript(MODELS.async.scriptPath, { name: "one" });
        const t = await launchScript(MODELS.threads.scriptPath, { name: "two", args: ["--pool", "2"] });
        console.log(JSON.stringify({ pids: [a.pid, t.pid], ports: [a.port, t.port] }));
        ${FLUSH}
      `);
      assert.equal(launched.status, "ok", launched.evalue);
      const servers = printed<{ pids: number[]; ports: number[] }>(launched.stdout);
      assert.deepEqual((await childPorts(pid)).sort(), [...servers.ports].sort());
      const thrown = await kernel.execute(`throw new Error("a cell that fails");`);
      assert.equal(thrown.status, "error");
      // A notebook's later cells use what an earlier cell started: they live with the kernel.
      for (const port of servers.ports) assert.ok(await isListening(port));

      // 2. An experiment whose cell throws stops its own servers at once; the kernel lives on.
      const failed = await kernel.execute(`
        import { runExperiment } from "${EXPERIMENT}";
        const seen = new Set();
        try {
          await runExperiment({
            name: "thrown", targets: ["async", "workers"], concurrency: [1], requests: 20,
            repeats: 3, warmup: false, generator: "ab", outDir: "${dir}/thrown", logErrors: false,
            progress: () => {
              for (const t of liveTargets()) if (t.name !== "one" && t.name !== "two") seen.add(t.port);
            },
            onRun: () => { throw new Error("stop in the middle"); },
          });
        } finally {
          console.log(JSON.stringify({ ports: [...seen], live: liveTargets().length }));
          ${FLUSH}
        }
      `);
      assert.equal(failed.status, "error");
      assert.match(failed.evalue ?? "", /stop in the middle/);
      const experimentPorts = printed<{ ports: number[]; live: number }>(failed.stdout);
      assert.equal(experimentPorts.ports.length, 2);
      for (const port of experimentPorts.ports) assert.equal(await isListening(port), false);
      assert.deepEqual((await childPorts(pid)).sort(), [...servers.ports].sort());

      // 3. Jupyter's interrupt during an experiment: its servers stop, it throws, the kernel lives.
      const interrupted = await kernel.execute(
        `
        const watched = new Set();
        let told = false;
        try {
          await runExperiment({
            name: "interrupted", targets: ["async", "threads"], concurrency: [1],
            requests: 3000, repeats: 50, warmup: false, generator: "ab",
            outDir: "${dir}/interrupted", logErrors: false,
            progress: (state) => {
              for (const t of liveTargets()) if (t.name !== "one" && t.name !== "two") watched.add(t.port);
              if (state.done >= 1 && !told) { told = true; console.log("RUNNING"); }
            },
          });
        } finally {
          console.log(JSON.stringify({ ports: [...watched] }));
          ${FLUSH}
        }
      `,
        { interruptOn: "RUNNING", timeoutS: 90 },
      );
      assert.ok(interrupted.interrupted, "the interrupt was sent");
      assert.equal(interrupted.status, "error", `the cell ended ${interrupted.status}`);
      assert.equal(interrupted.ename, "InterruptedError");
      assert.match(interrupted.evalue ?? "", /interrupted \(SIGINT\).*measured run\(s\) are kept/);
      const alive = await kernel.execute(`console.log("alive"); ${FLUSH}`);
      assert.equal(alive.status, "ok", "the kernel survived the interrupt");
      assert.match(alive.stdout, /alive/);
      for (const port of printed<{ ports: number[] }>(interrupted.stdout).ports) {
        assert.ok(await eventually(async () => !(await isListening(port)), 5_000), `${port}`);
      }
      // An interrupt during a lab call stops every server the lab started, step 1's too.
      assert.ok(await eventually(async () => (await childPorts(pid)).length === 0, 5_000));

      // 4. Servers launched again (by hand: after Run All's queue would have drained), then the
      // kernel is SIGKILLed: they go with it.
      await new Promise((resolve) => setTimeout(resolve, QUEUE_GAP_MS + 500));
      const again = await kernel.execute(`
        const b = await launchScript(MODELS.async.scriptPath, { name: "b" });
        const w = await launchScript(MODELS.workers.scriptPath, { name: "w" });
        console.log(JSON.stringify({ pids: [b.pid, w.pid], ports: [b.port, w.port] }));
        ${FLUSH}
      `);
      assert.equal(again.status, "ok", again.evalue);
      const last = printed<{ pids: number[]; ports: number[] }>(again.stdout);
      await kernel.kill();
      for (const server of last.pids) {
        assert.ok(await eventually(() => !isAlive(server), 10_000), `server ${server} outlived`);
      }
      for (const port of last.ports) assert.equal(await isListening(port), false);
    } finally {
      await kernel.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { startAsync } from "../../servers/async.ts";
import { createAbGenerator } from "./ab.ts";
import { canMeasureCpu } from "./process_cpu.ts";

const cores = navigator.hardwareConcurrency;

Deno.test({
  name: "a real ab run against the async server carries ab's own CPU time",
  ignore: !canMeasureCpu(),
  async fn() {
    const server = await startAsync({ port: 0 });
    try {
      const result = await createAbGenerator().run(
        { url: `${server.url}/`, requests: 3000, concurrency: 10 },
        { quiet: true },
      );
      assert.equal(result.completed, 3000);
      const cpuS = result.generatorCpuS;
      const percent = result.generatorCpuPercent;
      assert.ok(cpuS !== undefined && percent !== undefined, "no generator CPU on Linux");
      assert.ok(cpuS > 0, "3000 requests cost ab no CPU at all?");
      // Sanity bounds only: ab cannot use more than every core for longer than it ran
      // (one 10 ms tick of rounding, and its start before the timed part, as slack).
      assert.ok(cpuS <= (result.wallTimeS + 0.5) * cores + 0.02, `${cpuS} s CPU`);
      assert.ok(percent <= cores * 100 + 10, `${percent}%`);
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "a CPU-bound generator shows near one full core",
  ignore: !canMeasureCpu(),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "generator-cpu-test-" });
    const server = await startAsync({ port: 0 });
    try {
      // A stand-in for ab that first spins until it has used 0.3 s of CPU (utime + stime, in
      // 10 ms ticks, from its own /proc/<pid>/stat, so the figure does not depend on the
      // machine's speed; bounded in iterations all the same), then runs ab.
      const fakeAb = join(dir, "busy-ab");
      await Deno.writeTextFile(
        fakeAb,
        [
          "#!/bin/sh",
          "spin() {",
          "  n=0",
          '  while read -r s < /proc/$$/stat; set -- ${s##*") "}; [ $((${12} + ${13})) -lt 30 ]; do',
          "    n=$((n + 1)); [ $n -gt 2000000 ] && exit 9",
          "  done",
          "}",
          '[ "$1" = "-V" ] || spin',
          'exec ab "$@"',
        ].join("\n") + "\n",
      );
      await Deno.chmod(fakeAb, 0o755);
      const result = await createAbGenerator({ command: fakeAb }).run(
        { url: `${server.url}/`, requests: 100, concurrency: 5 },
        { quiet: true },
      );
      assert.equal(result.completed, 100);
      const cpuS = result.generatorCpuS ?? 0;
      const percent = result.generatorCpuPercent ?? 0;
      assert.ok(cpuS >= 0.29, `the busy generator used only ${cpuS} s`);
      // One thread: at most one core (plus rounding); mostly busy even on a shared machine.
      assert.ok(percent >= 40 && percent <= 110, `busy generator at ${percent}%`);
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

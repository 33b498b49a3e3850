import assert from "node:assert/strict";
import {
  canMeasureCpu,
  CPU_REPORT_MARKER,
  generatorCpu,
  measuredCommand,
  takeCpuReport,
} from "./process_cpu.ts";

Deno.test("takeCpuReport splits the wrapper's line off and gives the tool's stderr back", () => {
  const report = takeCpuReport(`ab: warning\n\n${CPU_REPORT_MARKER} 37 5\n`, 100);
  assert.deepEqual(report, { stderr: "ab: warning\n", cpuS: 0.42 });
  // stderr without a final newline, and an empty one, come back exactly as written
  assert.deepEqual(takeCpuReport(`partial\n${CPU_REPORT_MARKER} 0 1\n`, 100), {
    stderr: "partial",
    cpuS: 0.01,
  });
  assert.deepEqual(takeCpuReport(`\n${CPU_REPORT_MARKER} 200 0\n`, 100), { stderr: "", cpuS: 2 });
});

Deno.test("takeCpuReport leaves stderr alone when there is no whole report", () => {
  for (
    const stderr of ["", "plain error\n", `\n${CPU_REPORT_MARKER}  \n`, `${CPU_REPORT_MARKER} 1 2`]
  ) {
    assert.deepEqual(takeCpuReport(stderr, 100), { stderr, cpuS: null });
  }
});

Deno.test("generatorCpu is CPU seconds per wall second in percent, and refuses nonsense", () => {
  assert.deepEqual(generatorCpu(0.97, 1), { generatorCpuS: 0.97, generatorCpuPercent: 97 });
  assert.deepEqual(generatorCpu(3, 2).generatorCpuPercent, 150);
  assert.throws(() => generatorCpu(-1, 1), /CPU seconds must be a finite number >= 0, got -1/);
  assert.throws(() => generatorCpu(1, 0), /wall seconds must be a finite number > 0, got 0/);
});

Deno.test({
  name: "the wrapper keeps the tool's output and exit code and reports its CPU ticks",
  ignore: !canMeasureCpu(),
  async fn() {
    const burn =
      "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo out; echo err >&2; exit 3";
    const spawn = measuredCommand("sh", ["-c", burn]);
    assert.equal(spawn.measured, true);
    const output = await new Deno.Command(spawn.command, { args: spawn.args, stdin: "null" })
      .output();
    assert.equal(output.code, 3);
    assert.equal(new TextDecoder().decode(output.stdout), "out\n");
    const report = takeCpuReport(new TextDecoder().decode(output.stderr));
    assert.equal(report.stderr, "err\n");
    assert.ok(report.cpuS !== null && report.cpuS > 0, `cpuS ${report.cpuS}`);
  },
});

Deno.test({
  name: "the wrapper dies from the signal that killed the tool",
  ignore: !canMeasureCpu(),
  async fn() {
    const spawn = measuredCommand("sh", ["-c", "kill -TERM $$"]);
    const output = await new Deno.Command(spawn.command, { args: spawn.args, stdin: "null" })
      .output();
    assert.equal(output.signal, "SIGTERM");
  },
});

import assert from "node:assert/strict";
import { parseToolOutput, runTool, tail } from "./run_tool.ts";
import { canMeasureCpu } from "./process_cpu.ts";
import { LoadGenError } from "./types.ts";

Deno.test("runTool captures standard output and error", async () => {
  const output = await runTool("sh", "sh", ["-c", "echo out; echo err >&2"], { timeoutMs: 10_000 });
  assert.equal(output.code, 0);
  assert.equal(output.stdout, "out\n");
  assert.equal(output.stderr, "err\n");
});

Deno.test("a tool that hangs is killed at its timeout", async () => {
  await assert.rejects(
    () => runTool("sleeper", "sleep", ["30"], { timeoutMs: 300 }),
    { name: "LoadGenError", message: /sleeper did not finish within 0.3 s and was killed/ },
  );
});

Deno.test("a crash carries the tail of standard error", async () => {
  await assert.rejects(
    () =>
      runTool("crasher", "sh", ["-c", "echo 'apr_socket_connect(): refused' >&2; exit 3"], {
        timeoutMs: 10_000,
      }),
    (error: unknown) => {
      assert.ok(error instanceof LoadGenError);
      assert.match(error.message, /^crasher failed with exit code 3/);
      assert.equal(error.stderrTail, "apr_socket_connect(): refused");
      return true;
    },
  );
});

Deno.test("a missing command says so", async () => {
  await assert.rejects(
    () => runTool("nothere", "/nonexistent/tool", [], { timeoutMs: 1000 }),
    { name: "LoadGenError", message: /command '\/nonexistent\/tool' not found/ },
  );
});

Deno.test("garbage output becomes a LoadGenError with the output's tail", () => {
  const output = { code: 0, stdout: "garbage", stderr: "", elapsedMs: 1 };
  assert.throws(
    () => parseToolOutput("tool", output, () => JSON.parse("garbage")),
    (error: unknown) => {
      assert.ok(error instanceof LoadGenError);
      assert.match(error.message, /^tool printed output that could not be read/);
      assert.equal(error.stderrTail, "garbage");
      return true;
    },
  );
  assert.equal(tail("x".repeat(10), 4), "...xxxx");
});

Deno.test({
  name: "a timeout also kills what the tool started, so no process is left behind",
  ignore: !canMeasureCpu(),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "run-tool-test-" });
    try {
      const pidFile = `${dir}/pid`;
      await assert.rejects(
        () =>
          runTool("spawner", "sh", ["-c", `sleep 30 & echo $! > ${pidFile}; wait`], {
            timeoutMs: 500,
          }),
        { name: "LoadGenError", message: /spawner did not finish within 0.5 s/ },
      );
      const pid = Number(await Deno.readTextFile(pidFile));
      assert.ok(pid > 0);
      assert.equal(await gone(pid), true, `the tool's child ${pid} is still running`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "runTool measures a tool's CPU: a busy loop near one core, a sleep near none",
  ignore: !canMeasureCpu(),
  async fn() {
    const busy = await runTool("busy", "sh", [
      "-c",
      "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done",
    ], {
      timeoutMs: 30_000,
    });
    const cpu = busy.generatorCpu;
    assert.ok(cpu !== undefined, "no CPU figure on Linux");
    assert.ok(cpu.generatorCpuS > 0.05, `busy loop used ${cpu.generatorCpuS} s`);
    // One thread: never more than one core (plus one 10 ms tick of rounding); on a shared
    // machine it may get less than a whole core, but a busy loop is never mostly idle.
    assert.ok(
      cpu.generatorCpuPercent > 30 && cpu.generatorCpuPercent <= 110,
      `busy loop at ${cpu.generatorCpuPercent}%`,
    );
    assert.ok(cpu.generatorCpuS * 1000 <= busy.elapsedMs + 20);

    const idle = await runTool("idle", "sleep", ["0.3"], { timeoutMs: 10_000 });
    assert.ok(idle.generatorCpu !== undefined);
    assert.ok(
      idle.generatorCpu.generatorCpuPercent < 10,
      `sleep at ${idle.generatorCpu.generatorCpuPercent}%`,
    );
    // The report line is not part of the tool's standard error.
    assert.equal(idle.stderr, "");
  },
});

Deno.test("parseToolOutput passes the measured CPU on with the parsed parts", () => {
  const generatorCpu = { generatorCpuS: 0.5, generatorCpuPercent: 50 };
  const output = { code: 0, stdout: "{}", stderr: "", elapsedMs: 1000, generatorCpu };
  assert.deepEqual(parseToolOutput("tool", output, () => ({ completed: 1 })), {
    completed: 1,
    ...generatorCpu,
  });
  const unmeasured = { code: 0, stdout: "{}", stderr: "", elapsedMs: 1000 };
  assert.deepEqual(parseToolOutput("tool", unmeasured, () => ({ completed: 1 })), { completed: 1 });
});

/** Waits up to 3 s for process `pid` to be gone (or a zombie); true when it is. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 30; i++) {
    try {
      const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return true;
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

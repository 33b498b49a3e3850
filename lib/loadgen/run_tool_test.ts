import assert from "node:assert/strict";
import { parseToolOutput, runTool, tail } from "./run_tool.ts";
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

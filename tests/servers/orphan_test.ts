import assert from "node:assert/strict";
import { MODEL_NAMES, MODELS } from "../../servers/models.ts";
import { TEST_SIZES } from "../support/servers/models.ts";
import { eventually, isAlive, portFree } from "../support/procs.ts";
import { ORPHAN_PARENT } from "../support/servers/scripts.ts";

for (const name of MODEL_NAMES) {
  Deno.test(`${name} script: exits with --exit-with-stdin when its parent is killed`, async () => {
    const model = MODELS[name];
    const size = TEST_SIZES[name];
    const parent = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ORPHAN_PARENT, model.scriptPath, ...(size ? model.sizeArgs(size) : [])],
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = parent.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let line = "";
    while (!line.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      line += value;
    }
    const match = /^child (\d+) (\d+)/.exec(line);
    try {
      assert.ok(match, `parent printed: ${line}`);
      const [pid, port] = [Number(match[1]), Number(match[2])];
      assert.ok(isAlive(pid));
      assert.ok(!portFree(port), "the child listens");
      parent.kill("SIGKILL");
      await parent.status;
      assert.ok(await eventually(() => !isAlive(pid), 15_000), `child ${pid} still running`);
      assert.ok(await eventually(() => portFree(port), 5_000), `port ${port} still taken`);
    } finally {
      try {
        parent.kill("SIGKILL");
      } catch { /* already gone */ }
      await reader.cancel();
      await parent.status;
    }
  });
}

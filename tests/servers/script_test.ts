import assert from "node:assert/strict";
import { MODEL_NAMES, MODELS } from "../../servers/models.ts";
import { TEST_SIZES } from "../support/servers/models.ts";
import { eventually, portFree } from "../support/procs.ts";
import { runModelScript } from "../support/servers/scripts.ts";

for (const name of MODEL_NAMES) {
  const model = MODELS[name];

  Deno.test(`${name} script: --help, a bad flag and a port in use`, async () => {
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const sizeFlag = model.sizeFlag ?? "--port";
      const [help, badValue, unknown, inUse] = await Promise.all([
        runModelScript(name, ["--help"]),
        runModelScript(name, [sizeFlag, "lots"]),
        runModelScript(name, ["--bogus"]),
        runModelScript(name, ["--port", String(taken.addr.port)]),
      ]);

      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^Usage: deno run -A ${model.script}`));
      for (const flag of ["--port", "--hostname", "--exit-with-stdin", "--help", sizeFlag]) {
        assert.ok(help.stdout.includes(flag), `--help names ${flag}`);
      }

      for (const failed of [badValue, unknown]) {
        assert.equal(failed.code, 2, failed.stderr);
        assert.equal(failed.stderr.trimEnd().split("\n").length, 1, failed.stderr);
        assert.match(failed.stderr, new RegExp(`^${name}: .*(--help)`));
      }
      assert.match(badValue.stderr, new RegExp(`${sizeFlag} must be a whole number.*'lots'`));
      assert.match(unknown.stderr, /bogus/);

      assert.equal(inUse.code, 1, inUse.stderr);
      assert.equal(inUse.stderr.trimEnd().split("\n").length, 1, inUse.stderr);
      assert.match(inUse.stderr, new RegExp(`port ${taken.addr.port} .*already in use`));
      assert.equal(inUse.stdout, "");
    } finally {
      taken.close();
    }
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.test(`${name} script: prints one listening line and stops cleanly on ${signal}`, async () => {
      const size = TEST_SIZES[name];
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", model.scriptPath, "--port", "0", ...(size ? model.sizeArgs(size) : [])],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let line = "";
      try {
        while (!line.includes("\n")) {
          const { value, done } = await reader.read();
          if (done) break;
          line += value;
        }
        const match = new RegExp(
          `^${name} server listening on http://127\\.0\\.0\\.1:(\\d+) \\(pid ${child.pid}\\)\\n$`,
        ).exec(line);
        assert.ok(match, `listening line: ${line}`);
        const port = Number(match[1]);
        const health = await fetch(`http://127.0.0.1:${port}/health`);
        assert.equal(await health.text(), "ok\n");
        child.kill(signal);
        const status = await child.status;
        assert.equal(status.code, 0);
        assert.ok(await eventually(() => portFree(port), 5_000));
      } finally {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
        await reader.cancel();
        await child.stderr.cancel();
        await child.status;
      }
    });
  }
}

import assert from "node:assert/strict";
import { MODEL_NAMES, MODELS } from "./models.ts";
import { runModelScript } from "./testing/scripts.ts";

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
}

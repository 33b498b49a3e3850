import assert from "node:assert/strict";
import { isModelName, MODEL_NAMES, MODELS } from "./models.ts";

Deno.test("every model in the registry has a script, a port and a way to size it", async () => {
  assert.deepEqual(Object.keys(MODELS).sort(), [...MODEL_NAMES].sort());
  const ports = new Set<number>();
  for (const name of MODEL_NAMES) {
    const model = MODELS[name];
    assert.equal(model.name, name);
    assert.equal(model.script, `servers/${name}.ts`);
    assert.ok((await Deno.stat(model.scriptPath)).isFile, model.scriptPath);
    assert.ok(model.scriptPath.endsWith(model.script));
    assert.ok(model.description.length > 0 && !model.description.includes("\n"));
    ports.add(model.defaultPort);
  }
  assert.equal(ports.size, MODEL_NAMES.length, "default ports differ");
  assert.deepEqual(MODELS.async.sizeArgs(4), []);
  assert.deepEqual(MODELS.threads.sizeArgs(4), ["--pool", "4"]);
  assert.deepEqual(MODELS.workers.sizeArgs(3), ["--workers", "3"]);
  assert.equal(MODELS.threads.defaultPort, 46000);
  assert.ok(isModelName("threads"));
  assert.ok(!isModelName("balancer"));
});

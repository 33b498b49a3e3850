import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { jupyterArgs, requireJupyter, startJupyter } from "./jupyter.ts";

Deno.test("jupyterArgs() listens on loopback only, with the Deno kernel as default", () => {
  const args = jupyterArgs("notebook", "/repo/notebooks", 8888, false);
  assertEquals(args.slice(0, 4), ["notebook", "--no-browser", "--ip", "127.0.0.1"]);
  assert(args.includes("--notebook-dir=/repo/notebooks"));
  assert(args.includes("--MultiKernelManager.default_kernel_name=deno"));
  assert(!args.includes("--allow-root"));
  assert(jupyterArgs("lab", "/d", 1, true).includes("--allow-root"));
});

Deno.test("requireJupyter() finds the registered Deno kernel (run `deno task setup` if not)", async () => {
  const ready = await requireJupyter();
  assert(ready.kernelArgv.includes("jupyter"), ready.kernelArgv.join(" "));
  assert((await Deno.stat(ready.kernelArgv[0]!)).isFile);
});

Deno.test("requireJupyter() says to run setup when the kernel is not registered", async () => {
  const empty = await Deno.makeTempDir();
  try {
    const script = `import { requireJupyter } from ${
      JSON.stringify(new URL("./jupyter.ts", import.meta.url).href)
    };\ntry { await requireJupyter(); } catch (e) { console.log(e.message); }`;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      // Jupyter looks for user kernelspecs here first; an empty folder hides the registered one.
      env: { JUPYTER_DATA_DIR: empty, HOME: empty },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const message = new TextDecoder().decode(output.stdout).trim();
    assertEquals(
      message,
      "the Deno Jupyter kernel is not registered: run `deno task setup` " +
        "(it runs `deno jupyter --install --force`)",
    );
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("startJupyter() serves notebooks/ with the Deno kernel on loopback, and stops", async () => {
  const dir = await Deno.makeTempDir();
  const jupyter = await startJupyter({ dir, port: 0, echo: false });
  try {
    const url = new URL(jupyter.url);
    assertEquals(url.hostname, "127.0.0.1");
    const token = url.searchParams.get("token");
    assert(token, jupyter.url);
    const response = await fetch(`${url.origin}/api/kernelspecs?token=${token}`);
    assertEquals(response.status, 200);
    const specs = await response.json();
    assertEquals(specs.default, "deno");
    assert("deno" in specs.kernelspecs, Object.keys(specs.kernelspecs).join(", "));
  } finally {
    await jupyter.stop();
    await Deno.remove(dir, { recursive: true });
  }
  await jupyter.process.status;
  const refused = await fetch(jupyter.url).then(async (r) => {
    await r.body?.cancel();
    return false;
  }, () => true);
  assert(refused, "nothing listens after stop()");
});

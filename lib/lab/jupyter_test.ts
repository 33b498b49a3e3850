import assert from "node:assert/strict";
import { jupyterArgs, repeatsUrl, requireJupyter, startJupyter } from "./jupyter.ts";

Deno.test("jupyterArgs() listens on loopback only, with the Deno kernel as default", () => {
  const args = jupyterArgs("notebook", "/repo/notebooks", 8888, false);
  assert.deepEqual(args.slice(0, 4), ["notebook", "--no-browser", "--ip", "127.0.0.1"]);
  assert.ok(args.includes("--notebook-dir=/repo/notebooks"));
  assert.ok(args.includes("--MultiKernelManager.default_kernel_name=deno"));
  assert.ok(!args.includes("--allow-root"));
  assert.ok(jupyterArgs("lab", "/d", 1, true).includes("--allow-root"));
});

Deno.test("requireJupyter() finds the registered Deno kernel (run `deno task setup` if not)", async () => {
  const ready = await requireJupyter();
  assert.ok(ready.kernelArgv.includes("jupyter"), ready.kernelArgv.join(" "));
  assert.ok((await Deno.stat(ready.kernelArgv[0]!)).isFile);
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
    assert.deepEqual(
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
    assert.deepEqual(url.hostname, "127.0.0.1");
    const token = url.searchParams.get("token");
    assert.ok(token, jupyter.url);
    const response = await fetch(`${url.origin}/api/kernelspecs?token=${token}`);
    assert.deepEqual(response.status, 200);
    const specs = await response.json();
    assert.deepEqual(specs.default, "deno");
    assert.ok("deno" in specs.kernelspecs, Object.keys(specs.kernelspecs).join(", "));
  } finally {
    await jupyter.stop();
    await Deno.remove(dir, { recursive: true });
  }
  await jupyter.process.status;
  const refused = await fetch(jupyter.url).then(async (r) => {
    await r.body?.cancel();
    return false;
  }, () => true);
  assert.ok(refused, "nothing listens after stop()");
});

Deno.test("repeatsUrl() drops the banner lines that repeat the URL, keeps Jupyter's news", () => {
  const banner = [
    "[I 22:18:20.449 NotebookApp] Jupyter Notebook 6.4.12 is running at:",
    "[I 22:18:20.449 NotebookApp] http://127.0.0.1:45913/?token=f2edd5d93b40",
    "[I 22:18:20.449 NotebookApp]  or http://127.0.0.1:45913/?token=f2edd5d93b40",
    "[I 22:18:20.450 NotebookApp] Use Control-C to stop this server and shut down all kernels.",
    "[C 22:18:20.459 NotebookApp] ",
    "    To access the notebook, open this file in a browser:",
    "        file:///root/.local/share/jupyter/runtime/nbserver-30200-open.html",
    "    Or copy and paste one of these URLs:",
    "        http://127.0.0.1:45913/?token=f2edd5d93b40",
    "   ",
  ];
  assert.deepEqual(banner.filter((line) => !repeatsUrl(line)), []);
  const news = [
    "[I 22:18:20.441 NotebookApp] Serving notebooks from local directory: /repo/notebooks",
    "[I 22:18:21.585 NotebookApp] Kernel started: 84e89cdc, name: deno",
  ];
  assert.deepEqual(news.filter((line) => !repeatsUrl(line)), news);
});

Deno.test({
  name: "deno task jupyter: URL once, and Ctrl-C stops it quietly, kernels and runtime files gone",
  // The script and its Jupyter are separate processes, awaited below.
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    // In a session of its own, as in a terminal: Ctrl-C signals the whole process group.
    const task = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./jupyter.ts", import.meta.url).pathname,
        "--port",
        "0",
        "--dir",
        dir,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
    const decoder = new TextDecoder();
    let out = "";
    let err = "";
    const reading = Promise.all([
      (async () => {
        for await (const chunk of task.stdout) out += decoder.decode(chunk, { stream: true });
      })(),
      (async () => {
        for await (const chunk of task.stderr) err += decoder.decode(chunk, { stream: true });
      })(),
    ]);
    let connectionFile = "";
    try {
      const deadline = Date.now() + 120_000;
      while (!/\?token=\w+/.test(out) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const url = new URL(/http:\/\/127\.0\.0\.1:\d+\/\?token=\w+/.exec(out)![0]);
      const response = await fetch(`${url.origin}/api/kernels?${url.searchParams}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "deno" }),
      });
      assert.deepEqual(response.status, 201);
      const { id } = await response.json() as { id: string };
      const runtime = await new Deno.Command("jupyter", { args: ["--runtime-dir"] }).output();
      connectionFile = `${decoder.decode(runtime.stdout).trim()}/kernel-${id}.json`;
      assert.ok((await Deno.stat(connectionFile)).isFile, `${connectionFile} while it runs`);
    } finally {
      Deno.kill(-task.pid, "SIGINT");
      await reading;
      await Deno.remove(dir, { recursive: true });
    }
    const status = await task.status;
    assert.deepEqual(status.code, 0, `${out}\n${err}`);
    assert.deepEqual(
      (`${out}${err}`.match(/\?token=/g) ?? []).length,
      1,
      "the URL is printed once",
    );
    assert.ok(!/Traceback|Error/.test(err), err);
    const left = await Deno.stat(connectionFile).then(() => true, () => false);
    assert.deepEqual(left, false, `${connectionFile} is left behind`);
  },
});

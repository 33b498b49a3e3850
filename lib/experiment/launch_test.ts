import assert from "node:assert/strict";
import { rejection } from "../../tests/support/procs.ts";
import { childPids, eventually, isAlive, isListening } from "../../tests/support/procs.ts";
import { attachUrl, LaunchError, launchScript, liveTargets, stopAll } from "./launch.ts";

const ASYNC = new URL("../../servers/async.ts", import.meta.url).href;
const NEVER_READY = new URL("../../tests/support/never_ready_server.ts", import.meta.url).href;
const PARENT = new URL("../../tests/support/launching_parent.ts", import.meta.url).href;

async function get(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

Deno.test("launchScript starts a model that answers, and stop frees its port", async () => {
  const target = await launchScript(ASYNC);
  try {
    assert.deepEqual(target.name, "async");
    assert.ok(target.launched);
    assert.match(target.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(target.pid !== null && isAlive(target.pid));
    const stats = await get(`${target.url}/stats`);
    assert.deepEqual(JSON.parse(stats.text).pid, target.pid);
    const root = await get(`${target.url}/`);
    assert.deepEqual(root.status, 200);
    assert.deepEqual(liveTargets().map((t) => t.name), ["async"]);
  } finally {
    await target.stop();
  }
  assert.deepEqual(await isListening(target.port), false);
  assert.deepEqual(liveTargets(), []);
  assert.deepEqual(isAlive(target.pid!), false);
});

Deno.test("launching the same name again replaces the old child", async () => {
  const first = await launchScript(ASYNC, { name: "same" });
  const second = await launchScript(ASYNC, { name: "same" });
  try {
    assert.deepEqual(isAlive(first.pid!), false);
    assert.deepEqual(await isListening(first.port), false);
    assert.deepEqual((await get(`${second.url}/health`)).status, 200);
    assert.deepEqual(liveTargets().length, 1);
  } finally {
    await stopAll();
  }
  assert.deepEqual(isAlive(second.pid!), false);
});

Deno.test("a missing script is a one-line error and starts nothing", async () => {
  const error = await rejection(launchScript("servers/no_such_model.ts"), LaunchError);
  assert.match(error.message, /does not exist .*servers\//);
  assert.ok(!error.message.includes("\n"));
  assert.deepEqual(error.pid, null);
});

Deno.test("a port in use is a one-line error with the child's output, and no child is left", async () => {
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (blocker.addr as Deno.NetAddr).port;
    const error = await rejection(launchScript(ASYNC, { port }), LaunchError);
    assert.ok(!error.message.includes("\n"), error.message);
    assert.match(error.message, /exited with status 1 before it was ready/);
    assert.match(error.message, new RegExp(`port ${port} .*already in use`));
    assert.ok(error.pid !== null);
    assert.deepEqual(isAlive(error.pid), false);
    assert.deepEqual(liveTargets(), []);
  } finally {
    blocker.close();
  }
});

Deno.test("a target that never becomes ready times out, names the fix, and is killed", async () => {
  const error = await rejection(launchScript(NEVER_READY, { readyTimeoutMs: 1500 }), LaunchError);
  assert.ok(!error.message.includes("\n"), error.message);
  assert.match(error.message, /did not answer GET .*\/health .*within 1500 ms.*readyTimeoutMs/);
  assert.ok(error.pid !== null);
  assert.deepEqual(isAlive(error.pid), false);
});

Deno.test("stopAll stops every child and frees every port", async () => {
  const a = await launchScript(ASYNC, { name: "a" });
  const b = await launchScript(ASYNC, { name: "b" });
  assert.ok(isAlive(a.pid!) && isAlive(b.pid!));
  await stopAll();
  assert.deepEqual([isAlive(a.pid!), isAlive(b.pid!)], [false, false]);
  assert.deepEqual(liveTargets(), []);
  assert.deepEqual(await isListening(a.port), false);
  assert.deepEqual(await isListening(b.port), false);
});

Deno.test("a SIGKILLed parent leaves no server process behind", async () => {
  const parent = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", PARENT],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = parent.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const { pid, port } = JSON.parse(text) as { pid: number; port: number };
  assert.ok(isAlive(pid));
  assert.ok(await isListening(port));
  assert.deepEqual(childPids(parent.pid), [pid]);
  parent.kill("SIGKILL");
  await parent.status;
  await reader.cancel();
  assert.ok(await eventually(() => !isAlive(pid)), `server ${pid} outlived its killed parent`);
  assert.deepEqual(await isListening(port), false);
});

Deno.test("attachUrl accepts a running server and refuses a dead address", async () => {
  const target = await launchScript(ASYNC);
  try {
    const attached = await attachUrl("mine", `${target.url}/`);
    assert.deepEqual(attached.url, target.url);
    assert.deepEqual(attached.launched, false);
    await attached.stop();
    assert.deepEqual((await get(`${target.url}/health`)).status, 200);
  } finally {
    await target.stop();
  }
  const error = await rejection(attachUrl("dead", target.url), LaunchError);
  assert.match(error.message, /nothing answers .*start the server first/);
  assert.match(
    (await rejection(attachUrl("bad", "not a url"), LaunchError)).message,
    /is not a URL/,
  );
});

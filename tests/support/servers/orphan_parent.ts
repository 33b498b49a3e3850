/**
 * A parent that starts a server script as its child with `--exit-with-stdin`, prints
 * `child <pid> <port>` and waits to be killed: tests SIGKILL it and check the child goes too.
 *
 * Usage: `deno run -A tests/support/servers/orphan_parent.ts SCRIPT [ARGS...]`
 *
 * @module
 */

const [script, ...args] = Deno.args;
if (script === undefined) {
  console.error("usage: orphan_parent.ts SCRIPT [ARGS...]");
  Deno.exit(2);
}
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", script, "--port", "0", "--exit-with-stdin", ...args],
  stdin: "piped",
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
let seen = "";
while (!seen.includes("\n")) {
  const { value, done } = await reader.read();
  if (done) break;
  seen += value;
}
const port = /listening on http:\/\/[^:]+:(\d+)/.exec(seen)?.[1];
if (port === undefined) {
  console.error(`child did not report listening: ${seen}`);
  Deno.exit(1);
}
console.log(`child ${child.pid} ${port}`);
// Keep the child's stdin open until this process dies.
setInterval(() => {}, 60_000);

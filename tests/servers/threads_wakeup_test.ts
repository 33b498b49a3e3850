/**
 * The threads model's listener never sleeps while answers wait to be collected. A lost wake-up
 * (a worker skipping its notify because another had rung already, that ring counted before the
 * listener slept) left every in-flight request unanswered after a few hundred requests: ab then
 * stopped on its socket timeout. Real ab, a real server, several rounds: the race showed in about
 * half of the rounds of this size.
 */

import assert from "node:assert/strict";
import { launchScript } from "../../lib/experiment/launch.ts";
import { repoPath } from "../../lib/notebook/paths.ts";

Deno.test("threads: every answer is collected, round after round (no lost wake-up)", async () => {
  const server = await launchScript(repoPath("servers", "threads.ts"), { name: "threads-wakeup" });
  try {
    for (let round = 1; round <= 8; round++) {
      const { code, stdout, stderr } = await new Deno.Command("ab", {
        args: ["-n", "3000", "-c", "5", "-s", "5", "-q", `${server.url}/page.html`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
      assert.equal(code, 0, `round ${round}: ab stopped: ${out.split("\n").slice(-3).join(" | ")}`);
      assert.match(out, /Complete requests:\s+3000/, `round ${round}`);
      assert.match(out, /Failed requests:\s+0/, `round ${round}`);
    }
    const stats = await (await fetch(`${server.url}/stats`)).json();
    assert.equal(stats.inFlight, 0, "no request is left waiting in the listener");
  } finally {
    await server.stop();
  }
});

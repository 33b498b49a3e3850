import assert from "node:assert/strict";
import { createTopology, netnsUnavailableReason } from "./netns.ts";

const reason = await netnsUnavailableReason();
if (reason) console.warn(`skipping network namespace tests: ${reason}`);

async function run(argv: string[]): Promise<{ ok: boolean; text: string }> {
  const [program, ...args] = argv;
  const out = await new Deno.Command(program!, { args, stdout: "piped", stderr: "piped" }).output();
  return { ok: out.success, text: new TextDecoder().decode(out.stdout) };
}

Deno.test({
  name: "hosts get their own addresses, reach each other over the bridge, and are removed",
  ignore: reason !== null,
  async fn() {
    const net = await createTopology(["a", "b"]);
    const [a, b] = net.hosts;
    try {
      assert.notEqual(a!.address, b!.address);
      const own = await run(a!.wrap(["ip", "-4", "-o", "addr", "show", "eth0"]));
      assert.ok(own.text.includes(a!.address), own.text);
      // Host a connects over the bridge to a listener on the root namespace's address.
      const listener = Deno.listen({ hostname: net.gateway, port: 0 });
      const accepted = listener.accept();
      const code = `const c = await Deno.connect({hostname: "${net.gateway}", port: ` +
        `${listener.addr.port}}); console.log(c.localAddr.hostname); c.close();`;
      const connect = await run(a!.wrap([Deno.execPath(), "eval", code]));
      const conn = await accepted;
      listener.close();
      assert.equal((conn.remoteAddr as Deno.NetAddr).hostname, a!.address, "seen from a's address");
      conn.close();
      assert.equal(connect.text.trim(), a!.address);
    } finally {
      await net.destroy();
      await net.destroy();
    }
    const left = await run(["ip", "netns", "list"]);
    assert.ok(!left.text.includes(a!.namespace), left.text);
    assert.ok(!(await run(["ip", "link", "show", net.bridge])).ok, "bridge removed");
  },
});

/**
 * A small multi-host network on one machine: Linux network namespaces joined by a bridge.
 *
 * Each host is a namespace with one veth interface plugged into a bridge in the root namespace;
 * the bridge itself has the first address, so processes in the root namespace (a Locust master,
 * the harness) reach every host and every host reaches them. All addresses are in one private
 * /24 under 10.200.0.0/16, picked so as not to clash with an address already in use.
 *
 * Needs root and the `ip` tool (iproute2). Delay cannot be added here (`tc netem` is missing on
 * this machine): traffic crosses a real virtual network, but at memory speed.
 *
 * ```ts
 * const net = await createTopology(["server", "worker0"]);
 * try {
 *   // net.hosts[0].address is e.g. "10.200.37.2"; run a command inside with hosts[0].wrap(argv)
 * } finally {
 *   await net.destroy();
 * }
 * ```
 *
 * @module
 */

/** One virtual host. */
export interface NetnsHost {
  /** The role given to {@link createTopology}. */
  role: string;
  /** Namespace name (`ip netns list`). */
  namespace: string;
  /** Its IPv4 address. */
  address: string;
  /** `argv` prefixed to run inside the namespace (`ip netns exec NS ...argv`). */
  wrap(argv: readonly string[]): string[];
}

/** A bridge and its hosts. */
export interface Topology {
  /** The bridge interface in the root namespace. */
  bridge: string;
  /** The root namespace's address on the bridge. */
  gateway: string;
  /** The hosts, in the order asked for. */
  hosts: NetnsHost[];
  /** Deletes every namespace and the bridge; safe to call more than once. */
  destroy(): Promise<void>;
}

/** Setting up the network failed; the message names the command and the fix. */
export class NetnsError extends Error {
  override name = "NetnsError";
}

/**
 * Why namespaces cannot be used here, or null when they can: not root, no `ip`, or the kernel
 * refuses to create one.
 */
export async function netnsUnavailableReason(): Promise<string | null> {
  if (Deno.build.os !== "linux") return "network namespaces need Linux";
  if (Deno.uid() !== 0) return "network namespaces need root (run the tests as root)";
  const probe = `lab-probe-${crypto.randomUUID().slice(0, 8)}`;
  const added = await ip(["netns", "add", probe]);
  if (!added.ok) return `'ip netns add' failed: ${added.error}`;
  await ip(["netns", "del", probe]);
  return null;
}

/**
 * Creates one namespace per role, joined by a new bridge. On any failure, everything created
 * so far is removed and a {@link NetnsError} is thrown.
 */
export async function createTopology(roles: readonly string[]): Promise<Topology> {
  if (roles.length < 1 || roles.length > 200) {
    throw new NetnsError(`give 1 to 200 host roles, got ${roles.length}`);
  }
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 6);
  const subnet = await freeSubnet();
  const bridge = `lab${id}br`;
  const gateway = `${subnet}.1`;
  const namespaces: string[] = [];
  let bridgeMade = false;
  const destroy = async () => {
    for (const namespace of namespaces.splice(0)) await ip(["netns", "del", namespace]);
    if (bridgeMade) await ip(["link", "del", bridge]);
    bridgeMade = false;
  };
  try {
    await must(["link", "add", bridge, "type", "bridge"]);
    bridgeMade = true;
    await must(["addr", "add", `${gateway}/24`, "dev", bridge]);
    await must(["link", "set", bridge, "up"]);
    const hosts: NetnsHost[] = [];
    for (const [index, role] of roles.entries()) {
      const namespace = `lab-${id}-${index}`;
      const outside = `lab${id}v${index}`;
      const address = `${subnet}.${index + 2}`;
      await must(["netns", "add", namespace]);
      namespaces.push(namespace);
      await must([
        "link",
        "add",
        outside,
        "type",
        "veth",
        "peer",
        "name",
        "eth0",
        "netns",
        namespace,
      ]);
      await must(["link", "set", outside, "master", bridge, "up"]);
      await must(["-n", namespace, "addr", "add", `${address}/24`, "dev", "eth0"]);
      await must(["-n", namespace, "link", "set", "eth0", "up"]);
      await must(["-n", namespace, "link", "set", "lo", "up"]);
      hosts.push({
        role,
        namespace,
        address,
        wrap: (argv) => ["ip", "netns", "exec", namespace, ...argv],
      });
    }
    return { bridge, gateway, hosts, destroy };
  } catch (error) {
    await destroy();
    throw error;
  }
}

/** A `10.200.N` prefix no interface on this machine uses yet. */
async function freeSubnet(): Promise<string> {
  const listed = await ip(["-4", "-o", "addr", "show"]);
  const used = new Set([...listed.stdout.matchAll(/inet 10\.200\.(\d+)\./g)].map((m) => m[1]));
  const start = 1 + Math.floor(Math.random() * 250);
  for (let i = 0; i < 250; i++) {
    const candidate = String(((start + i) % 250) + 1);
    if (!used.has(candidate)) return `10.200.${candidate}`;
  }
  throw new NetnsError("every 10.200.N.0/24 subnet is in use: delete old lab bridges (ip link)");
}

async function must(args: string[]): Promise<void> {
  const result = await ip(args);
  if (!result.ok) {
    throw new NetnsError(`'ip ${args.join(" ")}' failed: ${result.error} (are you root?)`);
  }
}

async function ip(args: string[]): Promise<{ ok: boolean; stdout: string; error: string }> {
  try {
    const out = await new Deno.Command("ip", {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    const decoder = new TextDecoder();
    return {
      ok: out.success,
      stdout: decoder.decode(out.stdout),
      error: decoder.decode(out.stderr).trim().split("\n")[0] ?? "",
    };
  } catch (error) {
    return { ok: false, stdout: "", error: error instanceof Error ? error.message : String(error) };
  }
}

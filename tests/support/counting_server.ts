/**
 * A server that counts requests per client address, for the network-namespace test.
 *
 * `deno run -A tests/support/counting_server.ts HOSTNAME`: prints `listening PORT`, answers
 * every path with `hello`, except `GET /counts` (not counted): a JSON map address -> requests.
 * Stops when standard input closes.
 *
 * @module
 */

const counts: Record<string, number> = {};
const server = Deno.serve({
  hostname: Deno.args[0] ?? "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, (request, info) => {
  if (new URL(request.url).pathname === "/counts") return Response.json(counts);
  const address = info.remoteAddr.hostname;
  counts[address] = (counts[address] ?? 0) + 1;
  return new Response("hello\n");
});

const buffer = new Uint8Array(64);
try {
  while ((await Deno.stdin.read(buffer)) !== null) { /* wait for the parent to go */ }
} catch { /* a broken stdin also means the parent is gone */ }
await server.shutdown();

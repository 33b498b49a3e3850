/**
 * A fixture for the harness tests: a "server" that announces a port but never answers on it.
 *
 * @module
 */

console.log("never server listening on http://127.0.0.1:9 (pid " + Deno.pid + ")");
setInterval(() => {}, 60_000);

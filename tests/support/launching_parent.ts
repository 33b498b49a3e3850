/**
 * A fixture for the harness tests: launches the async model, prints its pid and port as JSON,
 * then waits to be killed.
 *
 * @module
 */

import { launchScript } from "../../lib/experiment/launch.ts";

const target = await launchScript(new URL("../../servers/async.ts", import.meta.url).href);
console.log(JSON.stringify({ pid: target.pid, port: target.port }));
setInterval(() => {}, 60_000);

/**
 * Benchmark: requests per second through our balancer vs through nginx, both round robin over
 * the same four async backends, measured with the same wrk run shape, alternating in rounds.
 *
 * `deno task bench:balancer [--rounds 3] [--duration 5s] [--connections 50] [--path /]
 * [--mode http|tcp] [--engine raw|serve] [--workers N] [--pin split|none]`
 *
 * Besides req/s it prints each proxy's CPU time per request (user + system time of its processes
 * from `/proc/PID/stat`, before and after each run, divided by the requests wrk completed): a
 * steadier figure than req/s on a shared, noisy machine.
 *
 * Pinning (`--pin split`, the default when taskset exists): wrk on CPU 1, the proxy under test
 * (nginx or ours) on CPU 0, backends on both. The same layout is used for both proxies.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { hasTaskset, launchScript, stopAll, type Target } from "../lib/experiment/launch.ts";
import { parseWholeSeconds } from "../lib/experiment/duration.ts";

const NGINX = "/usr/sbin/nginx";
const BACKENDS = 4;

interface WrkFigures {
  rps: number;
  requests: number;
  /** CPU time of the proxy per request, µs (NaN when unknown). */
  cpuUs: number;
  non2xx: number;
  socketErrors: number;
}

function fail(message: string): never {
  console.error(`bench:balancer: ${message}`);
  Deno.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        rounds: { type: "string", default: "3" },
        duration: { type: "string", default: "5" },
        connections: { type: "string", default: "50" },
        path: { type: "string", default: "/" },
        mode: { type: "string", default: "http" },
        engine: { type: "string", default: "raw" },
        workers: { type: "string", default: "1" },
        pin: { type: "string", default: hasTaskset() ? "split" : "none" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message} (see --help)`);
  }
})();
if (values.help) {
  console.log(
    "Usage: deno task bench:balancer [--rounds N] [--duration 5s] [--connections C] [--path P]\n" +
      "       [--mode http|tcp] [--engine raw|serve] [--workers N] [--pin split|none]",
  );
  Deno.exit(0);
}
const rounds = wholeNumber("rounds", values.rounds, 1, 50);
const durationS = (() => {
  try {
    return parseWholeSeconds(values.duration ?? "5", 600);
  } catch (error) {
    fail(`--duration: ${(error as Error).message}`);
  }
})();
const connections = wholeNumber("connections", values.connections, 1, 10_000);
const mode = values.mode;
const workers = wholeNumber("workers", values.workers, 1, 16);
if (mode !== "http" && mode !== "tcp") fail(`--mode must be http or tcp, got '${mode}'`);
const engine = values.engine;
if (engine !== "raw" && engine !== "serve") {
  fail(`--engine must be raw or serve, got '${engine}'`);
}
if (values.pin !== "split" && values.pin !== "none") {
  fail(`--pin must be split or none, got '${values.pin}'`);
}
if (!values.path.startsWith("/")) fail(`--path must start with /, got '${values.path}'`);
const split = values.pin === "split";
const proxyCpu = split ? "0" : undefined;
const wrkCpu = split ? "1" : undefined;
for (const program of [NGINX, "/usr/bin/wrk"]) {
  try {
    Deno.statSync(program);
  } catch {
    fail(`${program} is missing: install it with apt-get install -y nginx wrk`);
  }
}

function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    fail(`--${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

const TICKS_PER_SECOND = 100;

/** User + system CPU time of `pid` and its child processes (nginx's workers), seconds. */
function cpuSeconds(pid: number): number {
  const ticks = (id: number): number => {
    try {
      const stat = Deno.readTextFileSync(`/proc/${id}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  let children: number[] = [];
  try {
    children = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/)
      .filter((x) => x).map(Number);
  } catch { /* no children file */ }
  return [pid, ...children].reduce((sum, id) => sum + ticks(id), 0) / TICKS_PER_SECOND;
}

async function startNginx(
  backends: Target[],
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "lab-nginx-" });
  const port = freePort();
  const config = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream backends {
${backends.map((b) => `    server 127.0.0.1:${b.port};`).join("\n")}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backends;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  await Deno.writeTextFile(`${dir}/nginx.conf`, config);
  const args = ["-p", dir, "-c", `${dir}/nginx.conf`, "-e", `${dir}/error.log`];
  const child = new Deno.Command(proxyCpu ? "taskset" : NGINX, {
    args: proxyCpu ? ["-c", proxyCpu, NGINX, ...args] : args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const errors = child.stderr.text();
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.status.then(() => exited = true);
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    await child.status;
    await errors;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  for (let i = 0; i < 100 && !exited; i++) {
    try {
      const response = await fetch(`${url}/health`);
      await response.body?.cancel();
      if (response.ok) return { url, pid: child.pid, stop };
    } catch { /* not yet */ }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  fail(`nginx did not start: ${(await errors).trim().split("\n")[0] ?? "no output"}`);
}

async function wrk(url: string, seconds: number, pid: number | null): Promise<WrkFigures> {
  const wrkArgs = ["-t1", `-c${connections}`, `-d${seconds}s`, url];
  const cpuBefore = pid === null ? NaN : cpuSeconds(pid);
  const output = await new Deno.Command(wrkCpu ? "taskset" : "wrk", {
    args: wrkCpu ? ["-c", wrkCpu, "wrk", ...wrkArgs] : wrkArgs,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const cpu = pid === null ? NaN : cpuSeconds(pid) - cpuBefore;
  const text = new TextDecoder().decode(output.stdout);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (output.code !== 0 || !rps) {
    fail(`wrk failed on ${url}: ${new TextDecoder().decode(output.stderr).trim() || text}`);
  }
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? NaN);
  return {
    rps: Number(rps[1]),
    requests,
    cpuUs: cpu / requests * 1e6,
    non2xx: Number(non2xx?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const format = (n: number) => Math.round(n).toLocaleString("en-US").padStart(7);
const describe = (f: WrkFigures) =>
  `${format(f.rps)} req/s ${f.cpuUs.toFixed(1).padStart(5)} µs CPU/req` +
  (f.non2xx || f.socketErrors ? ` (${f.non2xx} non-2xx, ${f.socketErrors} socket errors)` : "");

try {
  const backendTargets: Target[] = [];
  for (let i = 0; i < BACKENDS; i++) {
    backendTargets.push(
      await launchScript(new URL("../servers/async.ts", import.meta.url).href, {
        name: `bench-backend-${i + 1}`,
      }),
    );
  }
  const balancer = await launchScript(new URL("../servers/balancer.ts", import.meta.url).href, {
    name: "bench-balancer",
    pin: proxyCpu,
    args: [
      "--backends",
      backendTargets.map((b) => b.url).join(","),
      "--mode",
      mode,
      "--engine",
      engine,
      "--workers",
      String(workers),
    ],
  });
  const nginx = await startNginx(backendTargets);
  try {
    console.log(
      `balancer bench: ${BACKENDS} async backends, wrk -t1 -c${connections} -d${durationS}s ` +
        `${values.path}, ${mode} mode (${engine} engine), ${workers} balancer worker(s), ${rounds} rounds, pinning ${
          split ? "wrk on CPU 1, proxy on CPU 0" : "none"
        }`,
    );
    const ours = `${balancer.url}${values.path}`;
    const theirs = `${nginx.url}${values.path}`;
    await wrk(theirs, 1, null);
    await wrk(ours, 1, null);
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const first = round % 2 === 1;
      const a = await wrk(first ? theirs : ours, durationS, first ? nginx.pid : balancer.pid);
      const b = await wrk(first ? ours : theirs, durationS, first ? balancer.pid : nginx.pid);
      const [n, o] = first ? [a, b] : [b, a];
      ratios.push(o.rps / n.rps);
      cpuRatios.push(n.cpuUs / o.cpuUs);
      console.log(
        `round ${round}: nginx ${describe(n)} | balancer ${describe(o)} | ratio ${
          (o.rps / n.rps).toFixed(2)
        }`,
      );
    }
    const spread = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
    console.log(
      `median ratio balancer/nginx: ${median(ratios).toFixed(2)} (spread ${spread}; ` +
        `target >= 0.80); CPU per request nginx/balancer: ${median(cpuRatios).toFixed(2)}`,
    );
  } finally {
    await nginx.stop();
  }
} finally {
  await stopAll();
}

/**
 * The 2020 course's `runserver.sh` + `lb.py` in one command: four async backends on ports
 * 9002-9005 and the load balancer on 44444.
 *
 * Script: `deno task cluster [--port 44444] [--backend-port 9002] [--backend-count 4]
 * [--strategy NAME] [--mode http|tcp] [--log]`. Prints one line per process; Ctrl-C stops them
 * all. Backends run as child processes that also stop when this process's pipe to them closes,
 * so nothing is left listening even if this process is killed.
 *
 * From a notebook, {@link launchCluster} starts every part, the balancer too, as a process of its
 * own, so that nothing under test runs in the notebook kernel's event loop.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { launchScript, type Target } from "./launch.ts";
import {
  BALANCER_PORT,
  type BalancerHandle,
  type BalancerMode,
  type BalancerStats,
  startBalancer,
} from "../../servers/balancer.ts";
import { type ModelName, MODELS } from "../../servers/models.ts";
import {
  parseStrategyName,
  STRATEGY_NAMES,
  type StrategyName,
} from "../../servers/balancer/strategies.ts";
import { startAsync } from "../../servers/async.ts";
import { DEFAULT_HOSTNAME, type ServerHandle } from "../../servers/server_handle.ts";
import { intFlag, runServerScript, UsageError } from "../../servers/server_script.ts";

/** The course's first backend port (backends use 9002, 9003, ...). */
export const FIRST_BACKEND_PORT = 9002;
/** The course's number of backends. */
export const DEFAULT_BACKEND_COUNT = 4;

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Balancer port; 0 picks a free one. Defaults to 44444. */
  port?: number;
  /** First backend port (the others follow it); 0 gives every backend a free port. */
  backendPort?: number;
  /** Number of backends. Defaults to 4. */
  backendCount?: number;
  /** Balancer strategy. Defaults to round-robin. */
  strategy?: StrategyName;
  /** Balancer mode. Defaults to http. */
  mode?: BalancerMode;
  /** Balancer request log: `true` prints, a function receives the lines. */
  log?: boolean | ((line: string) => void);
  /** Time between active health checks, ms. Defaults to the balancer's 1000. */
  healthIntervalMs?: number;
  /** Run the backends in this process instead of child processes (quicker, for tests). */
  inProcess?: boolean;
  /** CPU list the backend processes are pinned to with taskset (e.g. "1"). */
  pinBackends?: string;
  /** Receives one line per started process. Defaults to printing nothing. */
  onLine?: (line: string) => void;
}

/** One running backend of a cluster. */
export interface ClusterBackend {
  /** Base URL. */
  url: string;
  /** Port. */
  port: number;
  /** Process id (this process's id for in-process backends). */
  pid: number;
  /** Stops this backend alone (to show failover). */
  stop(): Promise<void>;
}

/** A running cluster. */
export interface Cluster extends ServerHandle {
  /** The balancer in front. */
  balancer: BalancerHandle;
  /** The backends, in port order. */
  backends: ClusterBackend[];
}

let clusters = 0;

/**
 * Starts the backends, then the balancer in this process; stops what started if a step fails.
 *
 * @example
 * ```ts
 * import { startCluster } from "../lib/notebook/mod.ts";
 * const cluster = await startCluster({ port: 0, backendPort: 0 });
 * const response = await fetch(`${cluster.url}/`);
 * console.log(response.headers.get("x-backend")); // which backend answered
 * await response.body?.cancel();
 * await cluster.shutdown();
 * ```
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.backendCount ?? DEFAULT_BACKEND_COUNT;
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    throw new TypeError(`backendCount must be a whole number from 1 to 64, got ${count}`);
  }
  const firstPort = options.backendPort ?? FIRST_BACKEND_PORT;
  const id = ++clusters;
  const onLine = options.onLine ?? (() => {});
  const backends: ClusterBackend[] = [];
  const stopBackends = () => Promise.all(backends.map((backend) => backend.stop()));
  try {
    for (let i = 0; i < count; i++) {
      const port = firstPort === 0 ? 0 : firstPort + i;
      const backend = options.inProcess ? fromHandle(await startAsync({ port })) : fromTarget(
        await launchScript(new URL("../../servers/async.ts", import.meta.url).href, {
          name: `cluster${id}-backend${i + 1}`,
          port,
          pin: options.pinBackends,
        }),
      );
      backends.push(backend);
      onLine(`backend ${i + 1}: async server listening on ${backend.url} (pid ${backend.pid})`);
    }
    const balancer = await startBalancer({
      port: options.port ?? BALANCER_PORT,
      hostname: DEFAULT_HOSTNAME,
      backends: backends.map((backend) => backend.url),
      strategy: options.strategy,
      mode: options.mode,
      log: options.log,
      healthIntervalMs: options.healthIntervalMs,
    });
    let stopping: Promise<void> | undefined;
    return {
      ...balancer,
      model: "cluster",
      balancer,
      backends,
      finished: balancer.finished,
      shutdown() {
        stopping ??= (async () => {
          await balancer.shutdown();
          await stopBackends();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await stopBackends();
    throw error;
  }
}

function fromHandle(handle: ServerHandle): ClusterBackend {
  return { url: handle.url, port: handle.port, pid: Deno.pid, stop: () => handle.shutdown() };
}

function fromTarget(target: Target): ClusterBackend {
  return { url: target.url, port: target.port, pid: target.pid ?? 0, stop: () => target.stop() };
}

/** One backend of {@link launchCluster}: a server script and its flags. */
export interface BackendSpec {
  /** Path of the server script (e.g. `MODELS.async.scriptPath`). */
  script: string;
  /** More flags for it (e.g. `["--size", "8"]`). */
  args?: string[];
}

/** Options of {@link launchCluster}. */
export interface LaunchClusterOptions {
  /** Names the processes in the launch registry: relaunching a name replaces it. */
  name?: string;
  /** The backends. Defaults to four async servers, as the course's `runserver.sh`. */
  backends?: readonly BackendSpec[];
  /**
   * `"course"`: the balancer on 44444 and the backends on 9002, 9003, ... when all are free,
   * else free ports (the cluster's {@link LaunchedCluster.portsNote} says which port was busy).
   * `"free"` (default): free ports.
   */
  ports?: "course" | "free";
  /** Balancer strategy. Defaults to round-robin. */
  strategy?: StrategyName;
  /** Balancer mode. Defaults to http. */
  mode?: BalancerMode;
  /** Time between the balancer's active health checks, ms. Defaults to the balancer's 1000. */
  healthIntervalMs?: number;
  /** CPU list the backend processes are pinned to with taskset (e.g. "1"). */
  pinBackends?: string;
  /**
   * Receives the balancer's log: one line per request (`GET /x -> 127.0.0.1:9002`; in TCP mode
   * one per connection) and a line when a backend goes down or comes back.
   */
  onLog?: (line: string) => void;
}

/** A cluster of {@link launchCluster}: every part a child process. */
export interface LaunchedCluster {
  /** The balancer's base URL. */
  url: string;
  /** The balancer's port. */
  port: number;
  /** The balancer process. */
  balancer: Target;
  /** The backend processes, in order (index 0 is backend 1). */
  backends: Target[];
  /** Each backend's `host:port`, as the `x-backend` header and `/lb/stats` name it. */
  labels: string[];
  /** Whether the course's ports are used. */
  coursePorts: boolean;
  /** One sentence on the ports: the course's, or free ones and why. */
  portsNote: string;
  /** One line per started process, like the course's `runserver.sh` and `lb.py` printed. */
  lines: string[];
  /** Stops backend `index` alone (failover). */
  stopBackend(index: number): Promise<void>;
  /** Starts backend `index` again on its port, after {@link stopBackend}. */
  restartBackend(index: number): Promise<Target>;
  /** The balancer's counters (`GET /lb/stats`). */
  stats(): Promise<BalancerStats>;
  /** Stops the balancer, then every backend. */
  shutdown(): Promise<void>;
}

/** The course's backends: `count` servers of one model (default four async servers). */
export function modelBackends(
  model: ModelName = "async",
  count = DEFAULT_BACKEND_COUNT,
  size?: number,
): BackendSpec[] {
  const args = size === undefined ? [] : MODELS[model].sizeArgs(size);
  return Array.from({ length: count }, () => ({ script: MODELS[model].scriptPath, args }));
}

/** The first of `ports` that cannot be bound on 127.0.0.1 now, or null when all are free. */
export function busyPort(ports: readonly number[]): number | null {
  for (const port of ports) {
    try {
      Deno.listen({ hostname: DEFAULT_HOSTNAME, port }).close();
    } catch {
      return port;
    }
  }
  return null;
}

/** Options of {@link launchBalancer}. */
export interface LaunchBalancerOptions {
  /** Registry name of the process. Defaults to `balancer`. */
  name?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Strategy. Defaults to round-robin. */
  strategy?: StrategyName;
  /** Mode. Defaults to http. */
  mode?: BalancerMode;
  /** Time between active health checks, ms. Defaults to the balancer's 1000. */
  healthIntervalMs?: number;
  /** Receives the balancer's log (see {@link LaunchClusterOptions.onLog}). */
  onLog?: (line: string) => void;
}

/**
 * Starts `servers/balancer.ts` in front of `backendUrls` as a child process and waits until it
 * answers.
 *
 * @example
 * ```ts ignore
 * const balancer = await launchBalancer(urls, { strategy: "least-connections" });
 * await balancer.stop();
 * ```
 */
export function launchBalancer(
  backendUrls: readonly string[],
  options: LaunchBalancerOptions = {},
): Promise<Target> {
  const args = ["--backends", backendUrls.join(",")];
  if (options.strategy) args.push("--strategy", options.strategy);
  if (options.mode) args.push("--mode", options.mode);
  if (options.healthIntervalMs !== undefined) {
    args.push("--health-interval-ms", String(options.healthIntervalMs));
  }
  if (options.onLog) args.push("--log");
  return launchScript(fileURLToPath(new URL("../../servers/balancer.ts", import.meta.url)), {
    name: options.name ?? "balancer",
    port: options.port ?? 0,
    args,
    onLine: (line) => {
      const request = REQUEST_LINE.exec(line);
      if (request) options.onLog?.(request[1]!);
      else if (EVENT_LINE.test(line)) options.onLog?.(line);
    },
  });
}

/** A request log line of the balancer's `--log` output; the part kept is `GET /x -> host:port`. */
const REQUEST_LINE = /^request from \S+ (.+)$/;
/** The balancer's other log lines: TCP mode's connections, and backends going down or back. */
const EVENT_LINE = /^(connection from |backend \S+ is )/;

/**
 * Starts the backends, then the balancer, each as a child process (the balancer through
 * `servers/balancer.ts`), and waits until all answer. A step that fails stops what started.
 *
 * @example
 * ```ts ignore
 * const cluster = await launchCluster({ ports: "course", healthIntervalMs: 200 });
 * console.log(cluster.portsNote, cluster.url);
 * await cluster.shutdown();
 * ```
 */
export async function launchCluster(options: LaunchClusterOptions = {}): Promise<LaunchedCluster> {
  const name = options.name ?? "cluster";
  const specs = options.backends ?? modelBackends();
  if (specs.length < 1 || specs.length > 64) {
    throw new TypeError(`a cluster needs 1 to 64 backends, got ${specs.length}`);
  }
  const course = [BALANCER_PORT, ...specs.map((_, i) => FIRST_BACKEND_PORT + i)];
  const busy = options.ports === "course" ? busyPort(course) : null;
  const coursePorts = options.ports === "course" && busy === null;
  const portsNote = coursePorts
    ? `The course's ports: balancer on ${BALANCER_PORT}, backends on ` +
      `${FIRST_BACKEND_PORT}-${FIRST_BACKEND_PORT + specs.length - 1}.`
    : options.ports === "course"
    ? `Port ${busy} of the course's ports (${BALANCER_PORT}, ${FIRST_BACKEND_PORT}-` +
      `${FIRST_BACKEND_PORT + specs.length - 1}) is in use on this machine, so every part ` +
      "listens on a free port instead."
    : "Every part listens on a free port.";
  const backendPort = (i: number) => coursePorts ? FIRST_BACKEND_PORT + i : 0;
  const lines: string[] = [];
  const backends: Target[] = [];
  const launchBackend = (i: number, port: number) =>
    launchScript(specs[i]!.script, {
      name: `${name}-backend${i + 1}`,
      port,
      args: specs[i]!.args,
      pin: options.pinBackends,
    });
  let balancer: Target | undefined;
  const stopAllParts = async () => {
    await balancer?.stop();
    await Promise.all(backends.map((backend) => backend.stop()));
  };
  try {
    const started = await Promise.allSettled(specs.map((_, i) => launchBackend(i, backendPort(i))));
    for (const result of started) if (result.status === "fulfilled") backends.push(result.value);
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    backends.forEach((backend, i) =>
      lines.push(
        `backend ${i + 1}: ${backend.name} listening on ${backend.url} (pid ${backend.pid})`,
      )
    );
    balancer = await launchBalancer(backends.map((backend) => backend.url), {
      name: `${name}-balancer`,
      port: coursePorts ? BALANCER_PORT : 0,
      strategy: options.strategy,
      mode: options.mode,
      healthIntervalMs: options.healthIntervalMs,
      onLog: options.onLog,
    });
    lines.push(
      `balancer: ${options.strategy ?? "round-robin"} over ${backends.length} backends, ` +
        `listening on ${balancer.url} (pid ${balancer.pid})`,
    );
  } catch (error) {
    await stopAllParts();
    throw error;
  }
  const front = balancer;
  return {
    url: front.url,
    port: front.port,
    balancer: front,
    backends,
    labels: backends.map((backend) => `${DEFAULT_HOSTNAME}:${backend.port}`),
    coursePorts,
    portsNote,
    lines,
    stopBackend: (index) => backendAt(backends, index).stop(),
    async restartBackend(index) {
      const old = backendAt(backends, index);
      await old.stop();
      backends[index] = await launchBackend(index, old.port);
      return backends[index]!;
    },
    async stats() {
      const response = await fetch(`${front.url}/lb/stats`);
      if (!response.ok) throw new Error(`GET ${front.url}/lb/stats answered ${response.status}`);
      return await response.json() as BalancerStats;
    },
    shutdown: stopAllParts,
  };
}

function backendAt(backends: readonly Target[], index: number): Target {
  const backend = backends[index];
  if (backend === undefined) {
    throw new RangeError(
      `no backend ${index}: the cluster has backends 0 to ${backends.length - 1}`,
    );
  }
  return backend;
}

if (import.meta.main) {
  const args = Deno.args.filter((arg) => arg !== "--log");
  await runServerScript({
    name: "cluster",
    defaultPort: BALANCER_PORT,
    flags: ["backend-port", "backend-count", "strategy", "mode"],
    help: [
      `--backend-port N   first backend port (default ${FIRST_BACKEND_PORT}; 0 free ports)`,
      `--backend-count N  number of async backends (default ${DEFAULT_BACKEND_COUNT})`,
      `--strategy NAME    ${STRATEGY_NAMES.join(" | ")} (default round-robin)`,
      "--mode MODE        http (balance requests, default) | tcp (forward whole connections)",
      "--log              print one line per request",
    ],
    start: async (listen, flags) => {
      const mode = flags.mode ?? "http";
      if (mode !== "http" && mode !== "tcp") {
        throw new UsageError(`--mode must be http or tcp, got '${mode}'`);
      }
      let strategy: StrategyName;
      try {
        strategy = parseStrategyName(String(flags.strategy ?? "round-robin"));
      } catch (error) {
        throw new UsageError(`--strategy: ${(error as Error).message}`);
      }
      return await startCluster({
        port: listen.port,
        backendPort: intFlag(flags, "backend-port", FIRST_BACKEND_PORT, 0, 65535),
        backendCount: intFlag(flags, "backend-count", DEFAULT_BACKEND_COUNT, 1, 64),
        strategy,
        mode,
        log: args.length !== Deno.args.length,
        onLine: (line) => console.log(line),
      });
    },
  }, args);
}

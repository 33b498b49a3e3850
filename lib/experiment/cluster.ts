/**
 * The 2020 course's `runserver.sh` + `lb.py` in one command: four async backends on ports
 * 9002-9005 and the load balancer on 44444.
 *
 * Script: `deno task cluster [--port 44444] [--backend-port 9002] [--backend-count 4]
 * [--strategy NAME] [--mode http|tcp] [--log]`. Prints one line per process; Ctrl-C stops them
 * all. Backends run as child processes that also stop when this process's pipe to them closes,
 * so nothing is left listening even if this process is killed.
 *
 * @module
 */

import { launchScript, type Target } from "./launch.ts";
import {
  BALANCER_PORT,
  type BalancerHandle,
  type BalancerMode,
  startBalancer,
} from "../../servers/balancer.ts";
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

/**
 * The load balancer: an HTTP reverse proxy over several backends (the 2020 course's Tugas 10
 * `lb.py`, per request instead of per connection), or an L4 connection forwarder.
 *
 * Script:
 * `deno run -A servers/balancer.ts --port 44444 --backends http://127.0.0.1:9002,http://127.0.0.1:9003
 * [--strategy round-robin|least-connections|random|two-choices] [--log] [--mode http|tcp]
 * [--engine raw|serve] [--health-interval-ms N] [--timeout-ms N] [--idle-timeout-ms N]
 * [--max-body-bytes N] [--workers N]`
 *
 * HTTP mode has two engines for the client side: `raw` (default), its own strict HTTP/1.1 server
 * over `Deno.listen` (see `balancer/raw/engine.ts`), and `serve`, `Deno.serve` with `Request` and
 * `Response` objects (see `balancer/proxy.ts`). Both speak HTTP/1.1 to the backends over the same
 * connection pools.
 *
 * Every proxied response carries `x-backend: host:port`; `GET /lb/stats` answers JSON with
 * requests, in-flight requests, failures and health per backend.
 *
 * @module
 */

import { Backend, type BackendStats } from "./balancer/backend.ts";
import { startHealthChecks } from "./balancer/health.ts";
import { ConnectionPool } from "./balancer/pool.ts";
import { createProxy } from "./balancer/proxy.ts";
import {
  createStrategy,
  parseStrategyName,
  STRATEGY_NAMES,
  type StrategyName,
} from "./balancer/strategies.ts";
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_LIMITS,
  DEFAULT_MAX_BODY_BYTES,
} from "./balancer/raw/limits.ts";
import { startRawEngine } from "./balancer/raw/engine.ts";
import { startTcpProxy } from "./balancer/tcp_proxy.ts";
import {
  DEFAULT_HOSTNAME,
  type ListenOptions,
  type ServerHandle,
  serverUrl,
} from "./server_handle.ts";
import { intFlag, runServerScript, UsageError } from "./server_script.ts";
import { type SpawnedWorker, spawnWorker } from "./worker_handshake.ts";

/** The course's port for the balancer. */
export const BALANCER_PORT = 44444;
/** The course's backends: four async servers on 9002-9005. */
export const DEFAULT_BACKENDS: readonly string[] = [9002, 9003, 9004, 9005].map(
  (port) => `http://127.0.0.1:${port}`,
);
/** Time between active health checks unless told otherwise, ms. */
export const DEFAULT_HEALTH_INTERVAL_MS = 1000;
/** Successful checks in a row that bring a backend back, unless told otherwise. */
export const DEFAULT_HEALTH_RISE = 2;
/** Time a backend has to send its response head unless told otherwise, ms. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** How the balancer forwards: per request (HTTP) or per connection (TCP). */
export type BalancerMode = "http" | "tcp";

/** The client side of HTTP mode: its own HTTP/1.1 server (`raw`) or `Deno.serve` (`serve`). */
export type BalancerEngine = "raw" | "serve";

/** Engines, the default first. */
export const ENGINES: readonly BalancerEngine[] = ["raw", "serve"];

export { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES };

/** Options of {@link startBalancer}. */
export interface BalancerOptions extends ListenOptions {
  /** Backend base URLs, e.g. `http://127.0.0.1:9002`. At least one. */
  backends: readonly string[];
  /** How to pick a backend. Defaults to `round-robin`. */
  strategy?: StrategyName;
  /** `http` (default) balances requests; `tcp` forwards whole connections. */
  mode?: BalancerMode;
  /** HTTP mode's client side: `raw` (default) or `serve`. */
  engine?: BalancerEngine;
  /**
   * Raw engine: time a client connection may wait for its next complete request head, ms
   * (idle keep-alive connections and slow senders are closed after it). Defaults to 15 000.
   */
  idleTimeoutMs?: number;
  /** Raw engine: largest request body, bytes; larger gets 413. Defaults to 16 MiB. */
  maxBodyBytes?: number;
  /** `true` prints one line per request; a function receives the lines instead. */
  log?: boolean | ((line: string) => void);
  /** Time between active health checks, ms; 0 turns them off. Defaults to 1000. */
  healthIntervalMs?: number;
  /** Successful checks in a row that bring a backend back. Defaults to 2. */
  healthRise?: number;
  /** Time a backend has to send its response head before the client gets 504, ms. */
  timeoutMs?: number;
  /** Share the port with other processes listening with the same flag (Linux SO_REUSEPORT). */
  reusePort?: boolean;
  /**
   * Event loops serving the port (HTTP mode): 1 (default) or more, each in its own Web Worker
   * sharing the port through SO_REUSEPORT. Every worker keeps its own rotation, counters and
   * health view, so round robin is exact per worker and `/lb/stats` shows the worker that
   * answered; {@link BalancerHandle.stats} shows the first.
   */
  workers?: number;
}

/** What `GET /lb/stats` returns. */
export interface BalancerStats {
  /** Forwarding mode. */
  mode: BalancerMode;
  /** HTTP mode's client side. */
  engine: BalancerEngine;
  /** Strategy name. */
  strategy: StrategyName;
  /** One entry per backend, in configured order. */
  backends: BackendStats[];
}

/** A running balancer. */
export interface BalancerHandle extends ServerHandle {
  /** Counters and health per backend now. */
  stats(): BalancerStats;
  /** Runs one round of active health checks now and waits for it. */
  checkHealth(): Promise<void>;
}

/** Starts a balancer in this process. Throws a one-line TypeError on bad options. */
export async function startBalancer(options: BalancerOptions): Promise<BalancerHandle> {
  if (options.backends.length === 0) {
    throw new TypeError("no backends given: pass at least one, like http://127.0.0.1:9002");
  }
  const backends = options.backends.map((url) => new Backend(url));
  const strategyName = parseStrategyName(options.strategy ?? "round-robin");
  const mode = options.mode ?? "http";
  if (mode !== "http" && mode !== "tcp") {
    throw new TypeError(`unknown mode '${mode}': use http or tcp`);
  }
  const engine = options.engine ?? "raw";
  if (!ENGINES.includes(engine)) {
    throw new TypeError(`unknown engine '${engine}': use ${ENGINES.join(" or ")}`);
  }
  const timeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, "timeoutMs");
  const idleTimeoutMs = positive(options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS, "idleTimeoutMs");
  const maxBodyBytes = positive(options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, "maxBodyBytes");
  const intervalMs = options.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
  if (!Number.isInteger(intervalMs) || intervalMs < 0) {
    throw new TypeError(`healthIntervalMs must be a whole number >= 0, got ${intervalMs}`);
  }
  const rise = positive(options.healthRise, DEFAULT_HEALTH_RISE, "healthRise");
  const workers = positive(options.workers, 1, "workers");
  if (workers > 1 && mode === "http") return await startWorkers(options, workers);
  const log = options.log === true ? (line: string) => console.log(line) : options.log || undefined;
  const strategy = createStrategy(strategyName);
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const port = options.port ?? BALANCER_PORT;
  const stats = (): BalancerStats => ({
    mode,
    engine,
    strategy: strategyName,
    backends: backends.map((backend) => backend.stats()),
  });
  const pools = backends.map((backend) => new ConnectionPool(backend.hostname, backend.port));
  const health = startHealthChecks(backends, {
    intervalMs: intervalMs || 1,
    rise,
    onChange: (backend) => {
      if (!backend.healthy) pools[backends.indexOf(backend)]?.drain();
      log?.(`backend ${backend.label} is ${backend.healthy ? "back in rotation" : "down"}`);
    },
  });
  if (intervalMs === 0) await health.stop();

  const proxy = createProxy({ backends, pools, strategy, timeoutMs, log, stats });
  let server: { addr: Deno.NetAddr; finished: Promise<void>; shutdown(): Promise<void> };
  try {
    if (mode === "tcp") {
      server = startTcpProxy({ hostname, port, backends, strategy, log });
    } else if (engine === "raw") {
      server = startRawEngine({
        hostname,
        port,
        reusePort: options.reusePort,
        backends,
        pools,
        strategy,
        timeoutMs,
        idleTimeoutMs,
        limits: { ...DEFAULT_LIMITS, maxBodyBytes },
        log,
        stats,
      });
    } else {
      server = Deno.serve({
        hostname,
        port,
        reusePort: options.reusePort,
        tcpBacklog: options.tcpBacklog,
        onListen: () => {},
        onError: (error) =>
          new Response(`balancer error: ${error instanceof Error ? error.message : error}\n`, {
            status: 502,
          }),
      }, proxy.handle);
    }
  } catch (error) {
    await health.stop();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    model: "balancer",
    hostname,
    port: server.addr.port,
    url: serverUrl(hostname, server.addr.port),
    finished: server.finished,
    stats,
    checkHealth: () => health.checkNow(),
    shutdown() {
      stopping ??= (async () => {
        await health.stop();
        await server.shutdown().catch(() => {});
        await server.finished;
        proxy.close();
        for (const pool of pools) pool.close();
      })();
      return stopping;
    },
  };
}

/** Starts the first balancer here and `count - 1` more in Web Workers on the same port. */
async function startWorkers(options: BalancerOptions, count: number): Promise<BalancerHandle> {
  const first = await startBalancer({ ...options, workers: 1, reusePort: true });
  const log = typeof options.log === "function" ? undefined : options.log;
  const workers: SpawnedWorker<number>[] = [];
  const stopWorkers = () => Promise.all(workers.map((worker) => worker.stop()));
  try {
    for (let i = 1; i < count; i++) {
      const worker = spawnWorker<BalancerOptions, number>(
        new URL("./balancer/worker.ts", import.meta.url),
        { ...options, log, port: first.port },
        { name: `balancer worker ${i}` },
      );
      workers.push(worker);
      await worker.ready;
    }
  } catch (error) {
    await stopWorkers();
    await first.shutdown();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    ...first,
    shutdown() {
      stopping ??= (async () => {
        await stopWorkers();
        await first.shutdown();
      })();
      return stopping;
    },
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a whole number >= 1, got ${value}`);
  }
  return value;
}

if (import.meta.main) {
  const args = Deno.args.filter((arg) => arg !== "--log");
  const log = args.length !== Deno.args.length;
  await runServerScript({
    name: "balancer",
    defaultPort: BALANCER_PORT,
    flags: [
      "backends",
      "strategy",
      "mode",
      "engine",
      "health-interval-ms",
      "timeout-ms",
      "idle-timeout-ms",
      "max-body-bytes",
      "workers",
    ],
    help: [
      "--backends URLS    comma-separated backend URLs (default " +
      "http://127.0.0.1:9002,...,9005)",
      `--strategy NAME    ${STRATEGY_NAMES.join(" | ")} (default round-robin)`,
      "--mode MODE        http (balance requests, default) | tcp (forward whole connections)",
      "--engine NAME      raw (own HTTP/1.1 server, default) | serve (Deno.serve), HTTP mode",
      `--idle-timeout-ms N  close a connection with no complete request head after N ms ` +
      `(default ${DEFAULT_IDLE_TIMEOUT_MS}; raw engine)`,
      `--max-body-bytes N  refuse larger request bodies with 413 (default ${DEFAULT_MAX_BODY_BYTES}; ` +
      "raw engine)",
      `--health-interval-ms N  time between /health checks (default ${DEFAULT_HEALTH_INTERVAL_MS}; 0 off)`,
      `--timeout-ms N     time a backend has to answer before 504 (default ${DEFAULT_TIMEOUT_MS})`,
      "--workers N        event loops sharing the port in HTTP mode (default 1)",
      "--log              print one line per request",
    ],
    start: (listen, flags) => {
      const list = typeof flags.backends === "string" ? flags.backends : DEFAULT_BACKENDS.join(",");
      const backends = list.split(",").map((url) => url.trim()).filter((url) => url);
      if (backends.length === 0) {
        throw new UsageError("--backends is empty: give URLs like http://127.0.0.1:9002,...");
      }
      const mode = flags.mode ?? "http";
      if (mode !== "http" && mode !== "tcp") {
        throw new UsageError(`--mode must be http or tcp, got '${mode}'`);
      }
      const engine = flags.engine ?? "raw";
      if (engine !== "raw" && engine !== "serve") {
        throw new UsageError(`--engine must be raw or serve, got '${engine}'`);
      }
      let strategy: StrategyName;
      try {
        strategy = parseStrategyName(String(flags.strategy ?? "round-robin"));
      } catch (error) {
        throw new UsageError(`--strategy: ${(error as Error).message}`);
      }
      return startBalancer({
        ...listen,
        backends,
        strategy,
        mode,
        engine,
        log,
        idleTimeoutMs: intFlag(
          flags,
          "idle-timeout-ms",
          DEFAULT_IDLE_TIMEOUT_MS,
          1,
          3_600_000,
        ),
        maxBodyBytes: intFlag(flags, "max-body-bytes", DEFAULT_MAX_BODY_BYTES, 1, 2 ** 40),
        healthIntervalMs: intFlag(
          flags,
          "health-interval-ms",
          DEFAULT_HEALTH_INTERVAL_MS,
          0,
          3_600_000,
        ),
        timeoutMs: intFlag(flags, "timeout-ms", DEFAULT_TIMEOUT_MS, 1, 3_600_000),
        workers: intFlag(flags, "workers", 1, 1, 64),
      });
    },
  }, args);
}

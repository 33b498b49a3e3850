/**
 * Running a server model as a script: flags, one line when listening, clean stops.
 *
 * Common flags: `--port`, `--hostname`, `--backlog`, `--exit-with-stdin` (stop when standard
 * input closes, so a child started by the harness never outlives it) and `--help`. A bad flag or
 * a port in use prints one line and exits with status 2 or 1, never a stack trace.
 *
 * Slow and idle clients: `Deno.serve` (2.9.6) closes no connection by itself. Measured: a client
 * that connects and says nothing, one that sends its request head a byte a second, and an idle
 * keep-alive connection after a response are all still open after 100 s, and `Deno.serve` takes
 * no header-read or idle timeout option (hyper's `header_read_timeout` is not wired up), nor
 * hands the handler its socket. So there is no `--idle-timeout-ms` flag: it could not be
 * honoured. Such connections cost one file descriptor each and do not hold up other requests
 * (`robust_slow_clients_test.ts`); the bound is the open-file limit (`ulimit -n`). To close
 * them, put a proxy with timeouts in front (nginx: `client_header_timeout`, `keepalive_timeout`).
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { DEFAULT_HOSTNAME, type ListenOptions, type ServerHandle } from "./server_handle.ts";

/** Flag values as `node:util` `parseArgs` returns them. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A server script's description. */
export interface ServerScript {
  /** Model name, for messages. */
  name: string;
  /** Port used when `--port` is not given. */
  defaultPort: number;
  /** Lines of `--help` text for the model's own flags. */
  help: string[];
  /** The model's own flags (all take a value). */
  flags?: string[];
  /** Starts the server. Throws an Error whose message is one line on bad values. */
  start(listen: ListenOptions, flags: FlagValues): Promise<ServerHandle>;
}

/** Error thrown for a bad flag value; its message is shown as is. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parses a whole-number flag, or throws a {@link UsageError} naming it. */
export function intFlag(
  flags: FlagValues,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== "string" || !/^\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

/** Runs `script` with the process arguments; returns when the server has stopped. */
export async function runServerScript(
  script: ServerScript,
  args: string[] = Deno.args,
): Promise<void> {
  const options: ParseArgsConfig["options"] = {
    port: { type: "string" },
    hostname: { type: "string" },
    backlog: { type: "string" },
    "exit-with-stdin": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  };
  for (const flag of script.flags ?? []) options[flag] = { type: "string" };
  let handle: ServerHandle;
  let where = "";
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    if (values.help) {
      console.log(usage(script));
      return;
    }
    const listen: ListenOptions = {
      port: intFlag(values, "port", script.defaultPort, 0, 65535),
      hostname: typeof values.hostname === "string" ? values.hostname : DEFAULT_HOSTNAME,
    };
    if (values.backlog !== undefined) listen.tcpBacklog = intFlag(values, "backlog", 511, 1, 65535);
    where = `port ${listen.port} on ${listen.hostname}`;
    handle = await script.start(listen, values);
    if (values["exit-with-stdin"]) stopWhenStdinCloses(handle);
  } catch (error) {
    console.error(`${script.name}: ${describeStartError(error, script, where)}`);
    Deno.exit(error instanceof Deno.errors.AddrInUse ? 1 : 2);
  }
  // Signal handlers go in before the listening line: a parent that stops the server as soon
  // as it reads that line must get a clean stop, not the default exit on SIGTERM.
  const stop = () => {
    handle.shutdown().then(() => Deno.exit(0));
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  console.log(`${script.name} server listening on ${handle.url} (pid ${Deno.pid})`);
  await handle.finished;
}

function usage(script: ServerScript): string {
  return [
    `Usage: deno run -A servers/${script.name}.ts [flags]`,
    "",
    `  --port N            TCP port (default ${script.defaultPort}; 0 picks a free port)`,
    `  --hostname ADDR     address to bind (default ${DEFAULT_HOSTNAME})`,
    "  --backlog N         listen backlog (default 511)",
    "  --exit-with-stdin   stop when standard input closes (used by the lab's harness)",
    ...script.help.map((line) => `  ${line}`),
    "  --help              show this text",
  ].join("\n");
}

function describeStartError(error: unknown, script: ServerScript, where: string): string {
  if (error instanceof Deno.errors.AddrInUse) {
    return `${where} is already in use: ` +
      "stop the program using it or pass another --port (0 picks a free one)";
  }
  if (error instanceof Error) {
    const first = error.message.split("\n")[0];
    return error instanceof UsageError || error instanceof TypeError
      ? `${first} (see --help)`
      : `${error.name}: ${first}`;
  }
  return `failed to start ${script.name}: ${String(error)}`;
}

function stopWhenStdinCloses(handle: ServerHandle): void {
  (async () => {
    const buffer = new Uint8Array(256);
    try {
      while ((await Deno.stdin.read(buffer)) !== null) { /* ignore input */ }
    } catch { /* a closed or broken stdin also means the parent is gone */ }
    await handle.shutdown();
    Deno.exit(0);
  })();
}

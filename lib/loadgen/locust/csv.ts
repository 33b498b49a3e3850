/**
 * Reading Locust's CSV output (`--csv PREFIX --csv-full-history`): `PREFIX_stats.csv`,
 * `PREFIX_stats_history.csv`, `PREFIX_failures.csv` and `PREFIX_exceptions.csv`.
 *
 * Response times are whole milliseconds in Locust's percentile columns, and Locust stores each
 * response time rounded before it computes percentiles: below 100 ms to 1 ms, below 1 s to
 * 10 ms, below 10 s to 100 ms, above that to 1 s (`StatsEntry._log_response_time` in
 * `locust/stats.py`). Mean, min and max are exact. Percentile cells read `N/A` before the first
 * response; they parse as null.
 *
 * @module
 */

/** Splits CSV text (RFC 4180: quoted fields, doubled quotes, newlines inside quotes) into rows. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (quoted) throw new Error("CSV ends inside a quoted field: the file was cut short");
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** One row of `PREFIX_stats.csv`. */
export interface LocustStatsRow {
  /** HTTP method; empty for the Aggregated row. */
  type: string;
  /** Request name (the path), or `Aggregated`. */
  name: string;
  /** Requests, successful or not. */
  requests: number;
  /** Requests Locust counted as failures (transport errors and, here, non-2xx responses). */
  failures: number;
  /** Median response time, ms (rounded as percentiles are). */
  medianMs: number;
  /** Mean response time, ms (exact). */
  meanMs: number;
  /** Fastest response, ms (exact). */
  minMs: number;
  /** Slowest response, ms (exact). */
  maxMs: number;
  /** Mean response body size, bytes (bodies only, no headers). */
  averageContentSize: number;
  /** Requests per second over the whole run, as Locust computes it. */
  requestsPerSec: number;
  /** Failures per second over the whole run. */
  failuresPerSec: number;
  /** Percentile column (`50%`, `99.9%`, `100%`...) to whole ms, or null for `N/A`. */
  percentiles: Record<string, number | null>;
}

/** One Aggregated row of `PREFIX_stats_history.csv`: the state at one second. */
export interface LocustHistoryPoint {
  /** Unix time, whole seconds. */
  timestamp: number;
  /** Users running. */
  users: number;
  /** Locust's "current" request rate (a sliding window that lags by a few seconds). */
  currentRequestsPerSec: number;
  /** Locust's "current" failure rate. */
  currentFailuresPerSec: number;
  /** Requests so far. */
  totalRequests: number;
  /** Failures so far. */
  totalFailures: number;
  /** Requests finished since the previous point (0 for the first). */
  requests: number;
  /** Failures since the previous point (0 for the first). */
  failures: number;
  /** Percentile column to whole ms (over the last few seconds), or null for `N/A`. */
  percentiles: Record<string, number | null>;
}

/** One row of `PREFIX_failures.csv`. */
export interface LocustFailureRow {
  /** HTTP method. */
  method: string;
  /** Request name. */
  name: string;
  /** The error as Locust printed it, e.g. `ConnectionRefusedError(111, 'Connection refused')`. */
  error: string;
  /** How often it happened. */
  occurrences: number;
}

/** One row of `PREFIX_exceptions.csv`: an exception raised by the locustfile itself. */
export interface LocustExceptionRow {
  /** How often it happened. */
  count: number;
  /** The exception message. */
  message: string;
  /** Its Python traceback. */
  traceback: string;
  /** The workers it happened on. */
  nodes: string;
}

/** The name Locust gives the row that sums every request name. */
export const AGGREGATED = "Aggregated";

/** Parses `PREFIX_stats.csv`; the last row is normally the Aggregated one. */
export function parseLocustStats(text: string): LocustStatsRow[] {
  const { header, rows } = table(text, "stats", "Request Count");
  return rows.map((cells) => {
    const get = cellReader(header, cells, "stats");
    return {
      type: get("Type"),
      name: get("Name"),
      requests: num(get("Request Count")),
      failures: num(get("Failure Count")),
      medianMs: num(get("Median Response Time")),
      meanMs: num(get("Average Response Time")),
      minMs: num(get("Min Response Time")),
      maxMs: num(get("Max Response Time")),
      averageContentSize: num(get("Average Content Size")),
      requestsPerSec: num(get("Requests/s")),
      failuresPerSec: num(get("Failures/s")),
      percentiles: percentileCells(header, cells),
    };
  });
}

/** The Aggregated row of `PREFIX_stats.csv`; throws when the file has none. */
export function aggregatedStats(text: string): LocustStatsRow {
  const row = parseLocustStats(text).find((entry) => entry.name === AGGREGATED);
  if (!row) throw new Error("Locust stats CSV has no Aggregated row: the run wrote no statistics");
  return row;
}

/**
 * Parses the Aggregated rows of `PREFIX_stats_history.csv` (with `--csv-full-history` the file
 * also has one row per request name; those are skipped). Adds per-second deltas.
 */
export function parseLocustHistory(text: string): LocustHistoryPoint[] {
  const { header, rows } = table(text, "stats history", "Total Request Count");
  const points: LocustHistoryPoint[] = [];
  for (const cells of rows) {
    const get = cellReader(header, cells, "stats history");
    if (get("Name") !== AGGREGATED) continue;
    const totalRequests = num(get("Total Request Count"));
    const totalFailures = num(get("Total Failure Count"));
    const previous = points.at(-1);
    points.push({
      timestamp: num(get("Timestamp")),
      users: num(get("User Count")),
      currentRequestsPerSec: num(get("Requests/s")),
      currentFailuresPerSec: num(get("Failures/s")),
      totalRequests,
      totalFailures,
      requests: previous ? totalRequests - previous.totalRequests : 0,
      failures: previous ? totalFailures - previous.totalFailures : 0,
      percentiles: percentileCells(header, cells),
    });
  }
  return points;
}

/** Parses `PREFIX_failures.csv`. */
export function parseLocustFailures(text: string): LocustFailureRow[] {
  const { header, rows } = table(text, "failures", "Occurrences");
  return rows.map((cells) => {
    const get = cellReader(header, cells, "failures");
    return {
      method: get("Method"),
      name: get("Name"),
      error: unquote(get("Error")),
      occurrences: num(get("Occurrences")),
    };
  });
}

/** Parses `PREFIX_exceptions.csv`. */
export function parseLocustExceptions(text: string): LocustExceptionRow[] {
  const { header, rows } = table(text, "exceptions", "Traceback");
  return rows.map((cells) => {
    const get = cellReader(header, cells, "exceptions");
    return {
      count: num(get("Count")),
      message: get("Message"),
      traceback: get("Traceback"),
      nodes: get("Nodes"),
    };
  });
}

function table(
  text: string,
  what: string,
  mustHave: string,
): { header: string[]; rows: string[][] } {
  const [header, ...rows] = parseCsv(text).filter((row) => row.some((cell) => cell !== ""));
  if (!header || !header.includes(mustHave)) {
    throw new Error(`not a Locust ${what} CSV: its header lacks '${mustHave}'`);
  }
  return { header, rows };
}

function cellReader(header: string[], cells: string[], what: string): (column: string) => string {
  return (column) => {
    const index = header.indexOf(column);
    if (index < 0) throw new Error(`Locust ${what} CSV has no '${column}' column`);
    return cells[index] ?? "";
  };
}

function percentileCells(header: string[], cells: string[]): Record<string, number | null> {
  const result: Record<string, number | null> = {};
  header.forEach((column, index) => {
    if (!/^\d+(\.\d+)?%$/.test(column)) return;
    const cell = cells[index] ?? "N/A";
    result[column] = cell === "N/A" || cell === "" ? null : num(cell);
  });
  return result;
}

function num(cell: string): number {
  const value = Number(cell);
  if (cell.trim() === "" || !Number.isFinite(value)) {
    throw new Error(`Locust CSV cell '${cell}' is not a number`);
  }
  return value;
}

/** Locust writes an error as its Python repr in quotes: `"ConnectionRefusedError(...)"`. */
function unquote(error: string): string {
  return error.length >= 2 && error.startsWith('"') && error.endsWith('"')
    ? error.slice(1, -1)
    : error;
}

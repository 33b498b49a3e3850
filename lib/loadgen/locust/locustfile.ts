/**
 * The locustfile a Locust run executes: one request shape, no wait time, written per run.
 *
 * Locust 2.12 has no `--iterations` flag, so a count-based run is made exact here: each worker
 * takes a share of the count (by its worker index, `floor(N / W)` plus one for the first
 * `N % W` workers), every user takes one unit of that share before each request, and a worker
 * whose share is used up and whose requests have all finished sends its final statistics and a
 * `lab_done` message to the master. When all workers are done the master waits one CSV interval
 * (so the stats history gets its last row) and quits. Users never start a request beyond the
 * share, so the target sees exactly N requests.
 *
 * Besides Locust's own CSV files, the master writes `<prefix>_final_stats.csv` and
 * `<prefix>_final_failures.csv` (Locust's format, from Locust's own writer, at the moment it
 * quits: the periodic `_stats.csv` may be up to a second old) and `<prefix>_lab.json`, a
 * {@link LocustSummary} with per-worker counts and status codes counted by the workers.
 *
 * Every Locust process started with this file exits by itself when its parent process is gone,
 * so a killed harness leaves no Locust process behind.
 *
 * @module
 */

import { join } from "node:path";

/** What the locustfile needs to know about the run. */
export interface LocustfileConfig {
  /** Path and query of the request, e.g. `/` or `/io?ms=5`. */
  path: string;
  /** HTTP method. */
  method: string;
  /** Request headers. */
  headers: Record<string, string>;
  /** Request body, or null. */
  body: string | null;
  /** Total requests for a count-based run; null for a duration-based run. */
  requests: number | null;
  /** Number of workers the count is shared among. */
  workers: number;
  /** Connect and read timeout per request, seconds. */
  timeoutS: number;
  /** Where the master writes its {@link LocustSummary} JSON. */
  summaryPath: string;
  /** CSV prefix for the `_final_stats.csv` and `_final_failures.csv` files. */
  csvPrefix: string;
  /** Locust's version, announced by workers when the installed package reports none. */
  locustVersion: string;
}

/** One worker's own count, as written by the master into the summary. */
export interface LocustWorkerTally {
  /** Locust's worker index (0-based, in the order the workers connected). */
  index: number;
  /** Host name of the worker machine. */
  host: string;
  /** Requests the worker sent (each ends with a response or a failure). */
  requests: number;
  /** Responses by status code; `"0"` counts requests that got no response. */
  statusCodes: Record<string, number>;
  /** Response body bytes received. */
  bodyBytes: number;
  /** Unix time (s) when the worker's first request started, or null. */
  firstStart: number | null;
  /** Unix time (s) when the worker's last request ended, or null. */
  lastEnd: number | null;
}

/** The master's summary file. */
export interface LocustSummary {
  /** True when every worker used up its share (count-based) or the run time ended. */
  complete: boolean;
  /** Workers that reported their share done. */
  workersDone: number;
  /** Per-worker tallies, by worker index. */
  workers: LocustWorkerTally[];
}

/** Returns the Python source of the locustfile for `config`. */
export function renderLocustfile(config: LocustfileConfig): string {
  const encoded = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(config))));
  return PYTHON_TEMPLATE.replace("@CONFIG@", encoded);
}

/** Writes the locustfile for `config` into `dir` and returns its path. */
export async function writeLocustfile(dir: string, config: LocustfileConfig): Promise<string> {
  const path = join(dir, "locustfile.py");
  await Deno.writeTextFile(path, renderLocustfile(config));
  return path;
}

const PYTHON_TEMPLATE =
  `"""Concurrency Lab locustfile: one request shape, no wait time (generated, do not edit)."""
import base64
import csv
import json
import os
import socket
import time

import gevent
import locust.runners
from locust import FastHttpUser, constant, events, task
from locust.runners import MasterRunner, WorkerRunner
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV, StatsCSVFileWriter

CONFIG = json.loads(base64.b64decode("@CONFIG@").decode("utf-8"))
_PARENT = os.getppid()

# Debian's python3-locust 2.12 reports an empty version, and a master refuses a worker whose
# version is empty ("An old (pre 2.0) worker tried to connect"): give both a real one.
if not locust.runners.__version__:
    locust.runners.__version__ = CONFIG["locustVersion"]


def _exit_with_parent():
    # A harness that dies (even by SIGKILL) must not leave this process running.
    while True:
        gevent.sleep(1)
        if os.getppid() != _PARENT:
            os._exit(3)


# Locust writes its CSV files every second and flushes them every ten, and nothing writes or
# flushes them when it quits: the last history rows would be lost. Keep the writer to finish it.
_CSV_WRITERS = []
_original_writer_init = StatsCSVFileWriter.__init__


def _writer_init(self, *args, **kwargs):
    _original_writer_init(self, *args, **kwargs)
    _CSV_WRITERS.append(self)


StatsCSVFileWriter.__init__ = _writer_init


class _Worker:
    budget = None
    inflight = 0
    requests = 0
    status = {}
    body_bytes = 0
    first_start = None
    last_end = None
    done_sent = False


class _Master:
    tallies = {}
    done = set()
    quitting = False


def _tally():
    return {
        "host": socket.gethostname(),
        "requests": _Worker.requests,
        "statusCodes": {str(k): v for k, v in _Worker.status.items()},
        "bodyBytes": _Worker.body_bytes,
        "firstStart": _Worker.first_start,
        "lastEnd": _Worker.last_end,
    }


@events.init.add_listener
def _on_init(environment, **_kwargs):
    gevent.spawn(_exit_with_parent)
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        runner.register_message("lab_done", _on_done)
    if isinstance(runner, WorkerRunner):
        events.report_to_master.add_listener(_on_report)


def _on_report(client_id, data, **_kwargs):
    data["lab"] = _tally()


@events.worker_report.add_listener
def _on_worker_report(client_id, data, **_kwargs):
    if "lab" in data:
        _Master.tallies[client_id] = data["lab"]


def _on_done(environment, msg, **_kwargs):
    _Master.tallies[msg.node_id] = msg.data
    _Master.done.add(msg.node_id)
    if len(_Master.done) >= CONFIG["workers"] and not _Master.quitting:
        _Master.quitting = True
        gevent.spawn(_quit_after_last_csv_row, environment.runner)


def _quit_after_last_csv_row(runner):
    gevent.sleep(1.5)
    runner.quit()


@events.test_start.add_listener
def _on_test_start(environment, **_kwargs):
    runner = environment.runner
    if isinstance(runner, WorkerRunner) and CONFIG["requests"] is not None:
        total, workers, index = CONFIG["requests"], CONFIG["workers"], runner.worker_index
        _Worker.budget = total // workers + (1 if index < total % workers else 0)
        if _Worker.budget == 0:
            _finish(runner)


def _finish(runner):
    if _Worker.done_sent:
        return
    _Worker.done_sent = True
    runner._send_stats()  # the final figures travel before the done message, in order
    data = _tally()
    data["index"] = runner.worker_index
    runner.send_message("lab_done", data)


@events.quitting.add_listener
def _on_quitting(environment, **_kwargs):
    if not isinstance(environment.runner, MasterRunner):
        return
    for file_writer in _CSV_WRITERS:
        file_writer._stats_history_data_rows(file_writer.stats_history_csv_writer, time.time())
        file_writer.stats_history_flush()
        file_writer.failures_flush()
        file_writer.exceptions_flush()
    writer = StatsCSV(environment, PERCENTILES_TO_REPORT)
    prefix = CONFIG["csvPrefix"]
    with open(prefix + "_final_stats.csv", "w", newline="") as handle:
        writer.requests_csv(csv.writer(handle))
    with open(prefix + "_final_failures.csv", "w", newline="") as handle:
        writer.failures_csv(csv.writer(handle))
    runner = environment.runner
    workers = []
    for client_id, tally in _Master.tallies.items():
        entry = dict(tally)
        entry["index"] = runner.get_worker_index(client_id)
        workers.append(entry)
    workers.sort(key=lambda entry: entry["index"])
    complete = CONFIG["requests"] is None or len(_Master.done) >= CONFIG["workers"]
    summary = {"complete": complete, "workersDone": len(_Master.done), "workers": workers}
    with open(CONFIG["summaryPath"], "w") as handle:
        json.dump(summary, handle)


class LabUser(FastHttpUser):
    wait_time = constant(0)
    connection_timeout = CONFIG["timeoutS"]
    network_timeout = CONFIG["timeoutS"]

    @task
    def send(self):
        if _Worker.budget is not None:
            if _Worker.budget <= 0:
                gevent.sleep(3600)  # share used up: idle until the master quits
                return
            _Worker.budget -= 1
        _Worker.inflight += 1
        if _Worker.first_start is None:
            _Worker.first_start = time.time()
        try:
            with self.client.request(
                CONFIG["method"],
                CONFIG["path"],
                headers=CONFIG["headers"],
                data=CONFIG["body"],
                name=CONFIG["path"],
                catch_response=True,
            ) as response:
                code = response.status_code or 0
                _Worker.status[code] = _Worker.status.get(code, 0) + 1
                _Worker.body_bytes += len(response.content or b"")
                if 200 <= code < 300:
                    response.success()
                elif code:
                    response.failure("HTTP %d" % code)
        finally:
            _Worker.requests += 1
            _Worker.inflight -= 1
            _Worker.last_end = time.time()
            if _Worker.budget is not None and _Worker.budget <= 0 and _Worker.inflight == 0:
                _finish(self.environment.runner)
`;

"""Executes one notebook on a Jupyter kernel and reports, as it goes, what is running.

Used by lib/lab/lab.ts instead of `jupyter nbconvert --execute`, which says nothing until the whole
notebook is done. Same engine (nbclient, which nbconvert runs too), same result: the executed
notebook is written to OUTPUT. On the way, one JSON object a line goes to standard output:

  {"event": "start", "cells": 28, "codeCells": 15}
  {"event": "cell", "cell": 12, "code": 6, "heading": "3. The 2020 experiment, reproduced",
   "source": "const root = await runExperiment({"}
  {"event": "progress", "cell": 12, "text": "... 5/38 (13%) · async c=5 r1/3 · ETA 1 min 20 s"}
  {"event": "cellDone", "cell": 12, "code": 6, "seconds": 41.2}
  {"event": "done", "seconds": 212.4}

`cell` counts every cell from 1 (as Jupyter shows them), `code` counts code cells only.
A `progress` event is the text of a progress output the notebook draws and redraws in place
(lib/notebook/notebook.ts progressDisplay: a display id starting with "progress-").

When a cell fails, the notebook executed so far is still written to OUTPUT, nbclient's error
(the failing cell and its error) goes to standard error, and the exit code is 1.

Usage: python3 run_notebook.py INPUT OUTPUT [--kernel deno] [--timeout 1800] [--iopub-timeout 60]
"""

import argparse
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

PROGRESS_PREFIX = "progress-"
PROGRESS_CLASS = 'class="lab-progress"'


def emit(event, **fields):
    """Writes one event as a JSON line and flushes it, so a reader sees it at once."""
    fields["event"] = event
    sys.stdout.write(json.dumps(fields, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def text_of(value):
    """A MIME bundle value (a string or a list of lines) as one string."""
    if isinstance(value, list):
        return "".join(value)
    return value if isinstance(value, str) else ""


def heading_before(cells, index):
    """The text of the last Markdown heading at or before cell `index`, or ""."""
    for cell in reversed(cells[: index + 1]):
        if cell.cell_type != "markdown":
            continue
        for line in reversed(text_of(cell.source).splitlines()):
            if line.startswith("#"):
                return line.lstrip("#").strip().replace("`", "")
    return ""


def first_code_line(source):
    """The first line of a cell that is neither blank nor a comment."""
    for line in text_of(source).splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("//"):
            return stripped[:100]
    return ""


class ReportingClient(NotebookClient):
    """An nbclient NotebookClient that also reports progress outputs as they are drawn."""

    def process_message(self, msg, cell, cell_index):
        content = msg.get("content", {})
        if msg.get("msg_type") in ("display_data", "update_display_data"):
            display_id = (content.get("transient") or {}).get("display_id") or ""
            data = content.get("data") or {}
            html = text_of(data.get("text/html"))
            if display_id.startswith(PROGRESS_PREFIX) or PROGRESS_CLASS in html:
                text = text_of(data.get("text/plain")).strip()
                if text:
                    emit("progress", cell=cell_index + 1, text=text)
        return super().process_message(msg, cell, cell_index)


def main():
    parser = argparse.ArgumentParser(description="Execute a notebook, reporting each cell.")
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--kernel", default="deno")
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--iopub-timeout", type=int, default=60)
    args = parser.parse_args()

    notebook = nbformat.read(args.input, as_version=4)
    cells = notebook.cells
    code_numbers = {}
    for index, cell in enumerate(cells):
        if cell.cell_type == "code":
            code_numbers[index] = len(code_numbers) + 1
    started = {}

    def on_cell_execute(cell, cell_index):
        started[cell_index] = time.monotonic()
        emit(
            "cell",
            cell=cell_index + 1,
            code=code_numbers.get(cell_index, 0),
            heading=heading_before(cells, cell_index),
            source=first_code_line(cell.source),
        )

    def on_cell_executed(cell, cell_index, execute_reply=None):
        seconds = time.monotonic() - started.get(cell_index, time.monotonic())
        emit("cellDone", cell=cell_index + 1, code=code_numbers.get(cell_index, 0),
             seconds=round(seconds, 3))

    client = ReportingClient(
        notebook,
        kernel_name=args.kernel,
        timeout=args.timeout,
        # After a cell's reply, wait this long for its last outputs (nbclient's default, 4 s, is
        # too short on a busy machine, and an output arriving later is dropped).
        iopub_timeout=args.iopub_timeout,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.input))}},
        on_cell_execute=on_cell_execute,
        on_cell_executed=on_cell_executed,
    )
    emit("start", cells=len(cells), codeCells=len(code_numbers))
    begun = time.monotonic()
    code = 0
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        sys.stderr.write(f"{type(error).__name__}: {error}\n")
        code = 1
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: the notebook executed so far is kept\n")
        code = 130
    nbformat.write(notebook, args.output)
    emit("done", seconds=round(time.monotonic() - begun, 3), ok=code == 0)
    return code


if __name__ == "__main__":
    sys.exit(main())

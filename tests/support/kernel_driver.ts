/**
 * A real Deno Jupyter kernel driven from a test: started with Debian's `jupyter_client`, cells
 * executed one at a time, interrupted (Jupyter's interrupt button) or killed.
 *
 * A small Python program talks to the kernel; this module talks to it over pipes, one JSON
 * object a line each way.
 *
 * @module
 */

/** Debian's Python, which has `jupyter_client`. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** What one executed cell gave. */
export interface CellResult {
  /** `ok`, `error`, `timeout`, or `dead` (the kernel died during the cell). */
  status: "ok" | "error" | "timeout" | "dead";
  /** Everything the cell printed (standard output and error). */
  stdout: string;
  /** The error's name, when the cell failed. */
  ename?: string;
  /** The error's message, when the cell failed. */
  evalue?: string;
  /** True when an interrupt was sent during the cell. */
  interrupted?: boolean;
  /** The error's traceback lines, when the cell failed. */
  traceback?: string[];
  /** The `text/plain` of the cell's result and displays, in order. */
  shown?: string[];
}

const DRIVER = String.raw`
import json, os, signal, sys, time
from jupyter_client.manager import KernelManager

def say(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()

km = KernelManager(kernel_name="deno")
km.start_kernel(cwd=sys.argv[1], env={**os.environ, **json.loads(sys.argv[2])})
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=120)
say({"pid": km.provisioner.process.pid})

def execute_all(codes, timeout, interrupt_on):
    """Sends every cell at once (as Run All does) and collects each cell's outcome."""
    ids = [kc.execute(code) for code in codes]
    start = time.time()
    cells = {i: {"status": "timeout", "out": [], "shown": []} for i in ids}
    interrupted, pending = False, set(ids)
    while pending:
        if time.time() - start > timeout:
            break
        try:
            msg = kc.get_iopub_msg(timeout=0.2)
        except Exception:
            if not km.is_alive():
                for i in pending:
                    cells[i]["status"] = "dead"
                break
            continue
        msg_id = msg["parent_header"].get("msg_id")
        if msg_id not in cells:
            continue
        cell, kind, content = cells[msg_id], msg["msg_type"], msg["content"]
        if kind == "stream":
            cell["out"].append(content["text"])
            if interrupt_on and not interrupted and interrupt_on in "".join(cell["out"]):
                km.interrupt_kernel()
                interrupted = cell["interrupted"] = True
        elif kind in ("execute_result", "display_data", "update_display_data"):
            cell["shown"].append(content.get("data", {}).get("text/plain", ""))
        elif kind == "error":
            cell.update(status="error", ename=content["ename"], evalue=content["evalue"],
                        traceback=content["traceback"])
        elif kind == "status" and content["execution_state"] == "idle":
            if cell["status"] == "timeout":
                cell["status"] = "ok"
            pending.discard(msg_id)
    results = []
    for i in ids:
        cell = cells[i]
        cell["stdout"] = "".join(cell.pop("out"))
        cell.setdefault("interrupted", False)
        results.append(cell)
    return results

for line in sys.stdin:
    command = json.loads(line)
    op = command["op"]
    if op == "execute":
        say(execute_all([command["code"]], command.get("timeout", 60), command.get("interruptOn"))[0])
    elif op == "execute_all":
        say(execute_all(command["codes"], command.get("timeout", 60), command.get("interruptOn")))
    elif op == "interrupt":
        km.interrupt_kernel()
        time.sleep(command.get("settle", 1))
        say({"alive": km.is_alive()})
    elif op == "kill":
        os.kill(km.provisioner.process.pid, signal.SIGKILL)
        km.provisioner.process.wait()
        say({"killed": True})
    elif op == "shutdown":
        km.shutdown_kernel(now=True)
        say({"stopped": True})
kc.stop_channels()
if km.is_alive():
    km.shutdown_kernel(now=True)
`;

/** A running Deno kernel under `jupyter_client`. */
export class KernelDriver {
  readonly #process: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: AsyncIterator<string>;
  /** Process id of the kernel. */
  readonly kernelPid: number;

  private constructor(
    process: Deno.ChildProcess,
    lines: AsyncIterator<string>,
    kernelPid: number,
  ) {
    this.#process = process;
    this.#writer = process.stdin.getWriter();
    this.#lines = lines;
    this.kernelPid = kernelPid;
  }

  /** Starts a Deno kernel whose working directory is `cwd`, with more environment `env`. */
  static async start(cwd: string, env: Record<string, string> = {}): Promise<KernelDriver> {
    const process = new Deno.Command(SYSTEM_PYTHON, {
      args: ["-c", DRIVER, cwd, JSON.stringify(env)],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const lines = process.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(
      new LineSplitter(),
    )[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) {
      await process.status;
      throw new Error(
        "the Deno kernel did not start: check `jupyter kernelspec list` shows deno " +
          "(run `deno jupyter --install`)",
      );
    }
    return new KernelDriver(process, lines, (JSON.parse(first.value) as { pid: number }).pid);
  }

  async #call(command: Record<string, unknown>): Promise<Record<string, unknown>> {
    await this.#writer.write(new TextEncoder().encode(`${JSON.stringify(command)}\n`));
    const next = await this.#lines.next();
    if (next.done) throw new Error(`the kernel driver ended during ${command.op}`);
    return JSON.parse(next.value);
  }

  /**
   * Executes one cell; when `interruptOn` is given, interrupts the kernel (SIGINT, as the
   * notebook's button does) as soon as the cell prints that text.
   */
  async execute(
    code: string,
    options: { timeoutS?: number; interruptOn?: string } = {},
  ): Promise<CellResult> {
    return await this.#call({
      op: "execute",
      code,
      timeout: options.timeoutS ?? 60,
      interruptOn: options.interruptOn,
    }) as unknown as CellResult;
  }

  /**
   * Sends every cell at once, as the notebook's Run All does (the kernel queues them); when
   * `interruptOn` is given, interrupts the kernel as soon as a cell prints that text.
   */
  async executeAll(
    codes: string[],
    options: { timeoutS?: number; interruptOn?: string } = {},
  ): Promise<CellResult[]> {
    return await this.#call({
      op: "execute_all",
      codes,
      timeout: options.timeoutS ?? 60,
      interruptOn: options.interruptOn,
    }) as unknown as CellResult[];
  }

  /** Interrupts the kernel (as the notebook's button does); true when it is alive a second later. */
  async interrupt(): Promise<boolean> {
    return (await this.#call({ op: "interrupt" }) as { alive: boolean }).alive;
  }

  /** SIGKILLs the kernel and waits until it is gone. */
  async kill(): Promise<void> {
    await this.#call({ op: "kill" });
  }

  /** Stops the kernel (if still running) and the driver. */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    try {
      while (!(await this.#lines.next()).done) { /* drain */ }
    } catch { /* ended */ }
    await this.#process.status;
  }
}

/** Splits a text stream into lines. */
class LineSplitter extends TransformStream<string, string> {
  constructor() {
    let pending = "";
    super({
      transform(chunk, controller) {
        const parts = (pending + chunk).split("\n");
        pending = parts.pop() ?? "";
        for (const part of parts) if (part.trim()) controller.enqueue(part);
      },
      flush(controller) {
        if (pending.trim()) controller.enqueue(pending);
      },
    });
  }
}

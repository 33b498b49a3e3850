import assert from "node:assert/strict";
import { join } from "node:path";
import {
  childPids,
  eventually,
  isAlive,
  isListening,
  listeningPorts,
} from "../../tests/support/procs.ts";
import { parseCli, USAGE } from "./cli.ts";
import { type CommandOutput, runCommand } from "./system_tools.ts";

const CLI = new URL("./cli.ts", import.meta.url).pathname;

function bench(...args: string[]): Promise<CommandOutput> {
  return runCommand(Deno.execPath(), ["run", "-A", CLI, ...args]);
}

function lines(path: string): string[] {
  return Deno.readTextFileSync(path).split("\n").filter((line) => line.trim() !== "");
}

Deno.test("--help documents every flag", async () => {
  const { code, stdout } = await bench("--help");
  assert.deepEqual(code, 0);
  for (
    const flag of [
      "--targets",
      "--url",
      "--allow-host",
      "--size",
      "--pin",
      "--path",
      "--concurrency",
      "--requests",
      "--duration",
      "--repeats",
      "--warmup",
      "--no-warmup",
      "--keep-alive",
      "--timeout",
      "--run-timeout",
      "--generator",
      "--name",
      "--out",
      "--quiet",
      "--report",
      "--help",
    ]
  ) {
    assert.ok(stdout.includes(`${flag} `) || stdout.includes(`${flag}\n`), `--help lacks ${flag}`);
  }
  assert.deepEqual(stdout.trim(), USAGE.trim());
});

Deno.test("a bad flag or value is one line on stderr and exit status 2", async () => {
  for (
    const [args, message] of [
      [["--bogus"], /bogus/],
      [["--concurrency", "1,x"], /--concurrency must be a whole number >= 1, got 'x'/],
      [["--targets", "async,nope"], /unknown model 'nope'/],
      [["--generator", "jmeter"], /--generator must be one of/],
      [["--requests", "10", "--duration", "5"], /exclude each other/],
      [["--requests", "10", "--concurrency", "50"], /at least the highest concurrency/],
      [["--url", "far=http://10.200.9.2:45000"], /not loopback.*--allow-host 10\.200\.9\.2/],
      [["--allow-host", "8.8.8.8"], /--allow-host '8\.8\.8\.8' is not a private IPv4/],
      [["--duration", "2x"], /--duration: '2x' is not a duration: write it like 2s, 500ms, 1m/],
      [["--duration", "0s"], /--duration: duration '0s' must be above zero/],
      [["--timeout", "soon"], /--timeout: 'soon' is not a duration/],
      [["--report", "/tmp", "--targets", "async"], /--report .* runs nothing: drop --targets/],
    ] as const
  ) {
    const { code, stdout, stderr } = await bench(...args);
    assert.deepEqual(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.deepEqual(stdout, "");
    assert.deepEqual(stderr.trimEnd().split("\n").length, 1, stderr);
    assert.match(stderr, message);
    assert.match(stderr, /^bench: .*\(see --help\)\n$/);
  }
});

Deno.test("parseCli maps flags onto the experiment", () => {
  const options = parseCli([
    "--targets",
    "async",
    "--url",
    "nginx=http://127.0.0.1:8080",
    "--concurrency",
    "1,10",
    "--duration",
    "2",
    "--no-warmup",
    "--keep-alive",
    "--out",
    "/tmp/lab-x",
  ]);
  const config = options.config;
  assert.deepEqual(config.targets, ["async", { name: "nginx", url: "http://127.0.0.1:8080" }]);
  assert.deepEqual([config.concurrency, config.durationS, config.requests], [
    [1, 10],
    2,
    undefined,
  ]);
  assert.deepEqual([config.warmup, config.keepAlive, config.name], [false, true, "lab-x"]);
  assert.deepEqual(config.outDir, "/tmp/lab-x");
  assert.deepEqual(parseCli(["--warmup"]).config.warmup, true);
  for (const [raw, seconds] of [["500ms", 0.5], ["2s", 2], ["1m", 60], ["1.5", 1.5]] as const) {
    assert.deepEqual(parseCli(["--duration", raw]).config.durationS, seconds, raw);
    assert.deepEqual(parseCli(["--timeout", raw]).config.timeoutS, seconds, raw);
    assert.deepEqual(parseCli(["--run-timeout", raw]).config.runTimeoutS, seconds, raw);
  }
  assert.deepEqual(parseCli([]).config.targets, ["async", "threads"]);
});

Deno.test("parseCli takes locust and hosts allowed for --url targets, repeated or as a list", () => {
  const config = parseCli([
    "--url",
    "far=http://10.200.9.2:45000",
    "--allow-host",
    "10.200.9.2,10.200.9.3",
    "--allow-host",
    "192.168.5.5",
    "--generator",
    "locust",
  ]).config;
  assert.deepEqual(config.targets, [{ name: "far", url: "http://10.200.9.2:45000" }]);
  assert.deepEqual(config.allowHosts, ["10.200.9.2", "10.200.9.3", "192.168.5.5"]);
  assert.deepEqual(config.generator, "locust");
  assert.deepEqual(parseCli([]).config.allowHosts, undefined);
});

Deno.test("a tiny real run prints the tables and writes CSV files and charts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-cli-" });
  try {
    const { code, stdout, stderr } = await bench(
      "--targets",
      "async,threads",
      "--concurrency",
      "1,2",
      "--requests",
      "40",
      "--repeats",
      "2",
      "--no-warmup",
      "--generator",
      "ab",
      "--out",
      dir,
    );
    assert.deepEqual(code, 0, stderr);
    assert.match(stdout, /Tabel Hasil \(results table\): async/);
    assert.match(stdout, /Tabel Hasil \(results table\): threads/);
    assert.match(stdout, /No Test +Concurrency Level +Time taken for tests \(s\)/);
    assert.match(stdout, /Summary/);
    assert.match(stdout, /Comparison: async vs threads/);
    assert.match(stdout, /Conclusions\n {2}- /);
    assert.match(stderr, /8\/8/);
    assert.deepEqual(lines(join(dir, "runs.ndjson")).length, 8);
    const csv = lines(join(dir, "runs.csv"));
    assert.deepEqual(csv.length, 9);
    assert.match(csv[0]!, /^experiment,target,path,concurrency/);
    assert.deepEqual(lines(join(dir, "summary.csv")).length, 5);
    for (const file of ["throughput.svg", "latency.svg"]) {
      const svg = Deno.readTextFileSync(join(dir, file));
      assert.match(svg, /<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a generator that cannot do what is asked is refused before any server starts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-cli-" });
  try {
    for (
      const [args, message] of [
        [["--generator", "autocannon"], /autocannon always keeps connections alive.*--keep-alive/],
        [["--generator", "wrk", "--requests", "100"], /wrk runs for a duration.*--duration 10s/],
        [
          ["--generator", "wrk", "--duration", "500ms"],
          /wrk takes whole seconds, got 0\.5 s: .* 1s/,
        ],
        [["--generator", "ab", "--duration", "2s"], /ab runs a fixed number of requests/],
      ] as const
    ) {
      const out = join(dir, "never");
      const { code, stdout, stderr } = await bench(...args, "--out", out);
      assert.deepEqual(code, 2, `${args.join(" ")}: ${stderr}`);
      assert.deepEqual(stdout, "");
      assert.deepEqual(stderr.trimEnd().split("\n").length, 1, stderr);
      assert.match(stderr, message);
      // nothing started, nothing written: no progress line, no results folder
      assert.ok(!stderr.includes("warm-up"), stderr);
      assert.deepEqual([...Deno.readDirSync(dir)].length, 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--duration 1s reaches wrk; a re-run archives the first run, and --report reads it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-cli-" });
  const run = (duration: string) =>
    bench(
      ...["--targets", "async", "--concurrency", "2", "--repeats", "1", "--no-warmup"],
      ...["--generator", "wrk", "--keep-alive", "--duration", duration, "--out", dir, "--quiet"],
    );
  try {
    const first = await run("1s");
    assert.deepEqual(first.code, 0, first.stderr);
    const firstRun = JSON.parse(lines(join(dir, "runs.ndjson"))[0]!);
    assert.deepEqual(firstRun.generator, "wrk");
    assert.deepEqual(JSON.parse(Deno.readTextFileSync(join(dir, "config.json"))).durationS, 1);
    const second = await run("2s");
    assert.deepEqual(second.code, 0, second.stderr);
    assert.match(second.stdout, /The earlier run in this folder is kept in .*\/archive\//);
    assert.deepEqual(JSON.parse(Deno.readTextFileSync(join(dir, "config.json"))).durationS, 2);
    const archive = join(dir, "archive", [...Deno.readDirSync(join(dir, "archive"))][0]!.name);
    assert.deepEqual(JSON.parse(Deno.readTextFileSync(join(archive, "config.json"))).durationS, 1);
    assert.deepEqual(JSON.parse(lines(join(archive, "runs.ndjson"))[0]!), firstRun);
    const report = await bench("--report", archive);
    assert.deepEqual(report.code, 0, report.stderr);
    assert.match(report.stdout, /Environment: .*wrk/);
    assert.match(report.stdout, /Tabel Hasil \(results table\): async/);
    assert.ok(report.stdout.includes(String(Math.round(firstRun.completed))), report.stdout);
    const current = await bench("--report", dir);
    assert.deepEqual(current.code, 0, current.stderr);
    assert.ok(current.stdout.includes(`Earlier runs kept here (pass one to --report): ${archive}`));
    const empty = await bench("--report", join(dir, "nope"));
    assert.deepEqual(empty.code, 1);
    assert.match(empty.stderr, /does not exist/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Ctrl-C in the middle keeps the finished runs and leaves no server listening", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-cli-" });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        CLI,
        "--targets",
        "async,threads",
        "--path",
        "/io?ms=20",
        "--concurrency",
        "1",
        "--requests",
        "25",
        "--repeats",
        "50",
        "--no-warmup",
        "--generator",
        "ab",
        "--out",
        dir,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const runs = join(dir, "runs.ndjson");
    const started = await eventually(() => {
      try {
        return lines(runs).length >= 2;
      } catch {
        return false;
      }
    }, 30_000);
    assert.ok(started, "no run finished within 30 s");
    const servers = childPids(child.pid).filter((pid) => {
      const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
      return cmdline.includes("servers/");
    });
    assert.deepEqual(servers.length, 2);
    const ports = (await Promise.all(servers.map(listeningPorts))).flat();
    assert.deepEqual(ports.length, 2);
    child.kill("SIGINT");
    const status = await child.status;
    const stderr = new TextDecoder().decode(
      await new Response(child.stderr).arrayBuffer(),
    );
    assert.deepEqual(status.code, 130);
    assert.match(stderr, /interrupted; \d+ finished run\(s\) kept in/);
    assert.ok(
      await eventually(() => servers.every((pid) => !isAlive(pid))),
      "a server outlived Ctrl-C",
    );
    for (const port of ports) assert.deepEqual(await isListening(port), false);
    const kept = lines(runs);
    assert.ok(kept.length >= 2);
    for (const line of kept) assert.deepEqual(typeof JSON.parse(line).completed, "number");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import { deepEqual as assertEquals, match as assertMatch, ok as assert } from "node:assert/strict";
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
  assertEquals(code, 0);
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
    assert(stdout.includes(`${flag} `) || stdout.includes(`${flag}\n`), `--help lacks ${flag}`);
  }
  assertEquals(stdout.trim(), USAGE.trim());
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
    assertEquals(code, 2, `${args.join(" ")}: ${stderr}`);
    assertEquals(stdout, "");
    assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
    assertMatch(stderr, message);
    assertMatch(stderr, /^bench: .*\(see --help\)\n$/);
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
  assertEquals(config.targets, ["async", { name: "nginx", url: "http://127.0.0.1:8080" }]);
  assertEquals([config.concurrency, config.durationS, config.requests], [[1, 10], 2, undefined]);
  assertEquals([config.warmup, config.keepAlive, config.name], [false, true, "lab-x"]);
  assertEquals(config.outDir, "/tmp/lab-x");
  assertEquals(parseCli(["--warmup"]).config.warmup, true);
  for (const [raw, seconds] of [["500ms", 0.5], ["2s", 2], ["1m", 60], ["1.5", 1.5]] as const) {
    assertEquals(parseCli(["--duration", raw]).config.durationS, seconds, raw);
    assertEquals(parseCli(["--timeout", raw]).config.timeoutS, seconds, raw);
    assertEquals(parseCli(["--run-timeout", raw]).config.runTimeoutS, seconds, raw);
  }
  assertEquals(parseCli([]).config.targets, ["async", "threads"]);
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
  assertEquals(config.targets, [{ name: "far", url: "http://10.200.9.2:45000" }]);
  assertEquals(config.allowHosts, ["10.200.9.2", "10.200.9.3", "192.168.5.5"]);
  assertEquals(config.generator, "locust");
  assertEquals(parseCli([]).config.allowHosts, undefined);
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
    assertEquals(code, 0, stderr);
    assertMatch(stdout, /Tabel Hasil \(results table\): async/);
    assertMatch(stdout, /Tabel Hasil \(results table\): threads/);
    assertMatch(stdout, /No Test +Concurrency Level +Time taken for tests \(s\)/);
    assertMatch(stdout, /Summary/);
    assertMatch(stdout, /Comparison: async vs threads/);
    assertMatch(stdout, /Conclusions\n {2}- /);
    assertMatch(stderr, /8\/8/);
    assertEquals(lines(join(dir, "runs.ndjson")).length, 8);
    const csv = lines(join(dir, "runs.csv"));
    assertEquals(csv.length, 9);
    assertMatch(csv[0]!, /^experiment,target,path,concurrency/);
    assertEquals(lines(join(dir, "summary.csv")).length, 5);
    for (const file of ["throughput.svg", "latency.svg"]) {
      const svg = Deno.readTextFileSync(join(dir, file));
      assertMatch(svg, /<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
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
      assertEquals(code, 2, `${args.join(" ")}: ${stderr}`);
      assertEquals(stdout, "");
      assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
      assertMatch(stderr, message);
      // nothing started, nothing written: no progress line, no results folder
      assert(!stderr.includes("warm-up"), stderr);
      assertEquals([...Deno.readDirSync(dir)].length, 0);
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
    assertEquals(first.code, 0, first.stderr);
    const firstRun = JSON.parse(lines(join(dir, "runs.ndjson"))[0]!);
    assertEquals(firstRun.generator, "wrk");
    assertEquals(JSON.parse(Deno.readTextFileSync(join(dir, "config.json"))).durationS, 1);
    const second = await run("2s");
    assertEquals(second.code, 0, second.stderr);
    assertMatch(second.stdout, /The earlier run in this folder is kept in .*\/archive\//);
    assertEquals(JSON.parse(Deno.readTextFileSync(join(dir, "config.json"))).durationS, 2);
    const archive = join(dir, "archive", [...Deno.readDirSync(join(dir, "archive"))][0]!.name);
    assertEquals(JSON.parse(Deno.readTextFileSync(join(archive, "config.json"))).durationS, 1);
    assertEquals(JSON.parse(lines(join(archive, "runs.ndjson"))[0]!), firstRun);
    const report = await bench("--report", archive);
    assertEquals(report.code, 0, report.stderr);
    assertMatch(report.stdout, /Environment: .*wrk/);
    assertMatch(report.stdout, /Tabel Hasil \(results table\): async/);
    assert(report.stdout.includes(String(Math.round(firstRun.completed))), report.stdout);
    const current = await bench("--report", dir);
    assertEquals(current.code, 0, current.stderr);
    assert(current.stdout.includes(`Earlier runs kept here (pass one to --report): ${archive}`));
    const empty = await bench("--report", join(dir, "nope"));
    assertEquals(empty.code, 1);
    assertMatch(empty.stderr, /does not exist/);
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
    assert(started, "no run finished within 30 s");
    const servers = childPids(child.pid).filter((pid) => {
      const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
      return cmdline.includes("servers/");
    });
    assertEquals(servers.length, 2);
    const ports = (await Promise.all(servers.map(listeningPorts))).flat();
    assertEquals(ports.length, 2);
    child.kill("SIGINT");
    const status = await child.status;
    const stderr = new TextDecoder().decode(
      await new Response(child.stderr).arrayBuffer(),
    );
    assertEquals(status.code, 130);
    assertMatch(stderr, /interrupted; \d+ finished run\(s\) kept in/);
    assert(
      await eventually(() => servers.every((pid) => !isAlive(pid))),
      "a server outlived Ctrl-C",
    );
    for (const port of ports) assertEquals(await isListening(port), false);
    const kept = lines(runs);
    assert(kept.length >= 2);
    for (const line of kept) assertEquals(typeof JSON.parse(line).completed, "number");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

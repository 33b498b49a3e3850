import assert from "node:assert/strict";
import { Progress, type ProgressRenderer } from "../experiment/progress.ts";
import { inJupyter, markdownTable } from "./display.ts";
import { repoPath, repoRoot } from "./paths.ts";
import { profile, profileMarkdown, PROFILES } from "./profiles.ts";
import { formatSeconds, progressDisplay, progressText } from "./progress_display.ts";
import { isRunningPort, linkRunning } from "./started.ts";
import { launchScript } from "../experiment/launch.ts";

Deno.test("profile() defaults to full and reads quick", () => {
  assert.deepEqual(profile(""), {
    name: "full",
    requests: 1000,
    repeats: 3,
    levels: [1, 5, 10, 15, 50, 100],
    timedRunS: 1,
    timedLevels: [1, 5, 10, 50, 100],
  });
  assert.deepEqual(profile("quick"), {
    name: "quick",
    requests: 200,
    repeats: 1,
    levels: [1, 10, 50],
    timedRunS: 1,
    timedLevels: [1, 10, 50],
  });
  assert.deepEqual(profile(" quick "), profile("quick"));
});

Deno.test("profile() reads LAB_PROFILE, and unset means full", async () => {
  const url = JSON.stringify(new URL("./profiles.ts", import.meta.url).href);
  const nameWith = async (env: Record<string, string>) => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", `import { profile } from ${url}; console.log(profile().name);`],
      env,
      clearEnv: true,
      stdout: "piped",
    }).output();
    return new TextDecoder().decode(output.stdout).trim();
  };
  const home = { HOME: Deno.env.get("HOME") ?? "/tmp" };
  assert.deepEqual(await nameWith({ ...home, LAB_PROFILE: "quick" }), "quick");
  assert.deepEqual(await nameWith(home), "full");
});

Deno.test("profile() refuses an unknown name with the allowed values", () => {
  let message = "";
  try {
    profile("fast");
  } catch (error) {
    message = (error as Error).message;
  }
  assert.ok(message.includes(`got "fast"`), message);
  assert.ok(message.includes("LAB_PROFILE=quick or LAB_PROFILE=full"), message);
  assert.ok(!message.includes("\n"), "the error is one line");
});

Deno.test("profile() returns a copy the caller may change", () => {
  const mine = profile("quick");
  (mine.levels as number[]).push(1000);
  assert.deepEqual(PROFILES.quick.levels, [1, 10, 50]);
});

Deno.test("repoRoot() is the folder holding deno.json and lib/notebook/mod.ts", async () => {
  const root = repoRoot();
  assert.ok(!root.endsWith("/"));
  assert.ok((await Deno.stat(`${root}/deno.json`)).isFile);
  assert.deepEqual(repoPath("lib", "notebook", "mod.ts"), `${root}/lib/notebook/mod.ts`);
});

Deno.test("markdownTable() unions the keys and escapes pipes", () => {
  const text = markdownTable([{ model: "async", rps: 100 }, { model: "a|b", p99: 2 }]);
  assert.deepEqual(text.split("\n"), [
    "| model | rps | p99 |",
    "| --- | --- | --- |",
    "| async | 100 |  |",
    "| a\\|b |  | 2 |",
  ]);
  assert.deepEqual(markdownTable([]), "_(no rows)_");
});

Deno.test("progressText() shows bar, count, label and ETA, then the total time", () => {
  const running = progressText(
    { done: 3, total: 12, label: "async c=10", elapsedS: 6, etaS: 18 },
    12,
  );
  assert.deepEqual(running, "███░░░░░░░░░ 3/12 (25%) · async c=10 · 6 s elapsed · ETA 18 s");
  const unknown = progressText({ done: 0, total: 4, label: "", elapsedS: 0, etaS: null }, 4);
  assert.deepEqual(unknown, "░░░░ 0/4 (0%) · 0 s elapsed · ETA unknown");
  const done = progressText({ done: 4, total: 4, label: "last", elapsedS: 125, etaS: 0 }, 4);
  assert.deepEqual(done, "████ 4/4 (100%) · last · done in 2 min 05 s");
});

Deno.test("markdownTable() links only to servers that are running", async () => {
  const rows = [{ url: "http://127.0.0.1:41234/status/404" }, { url: "http://127.0.0.1:5/" }];
  assert.deepEqual(markdownTable(rows, (port) => port === 41234).split("\n").slice(2), [
    "| <http://127.0.0.1:41234/status/404> |",
    "| `http://127.0.0.1:5/` |",
  ]);
  assert.deepEqual(
    linkRunning("see http://localhost:80/x, done", () => false),
    "see `http://localhost:80/x,` done",
  );
  assert.deepEqual(linkRunning("https://example.org/a", () => false), "https://example.org/a");
  // By default a port counts as running while a server the lab launched holds it.
  const server = await launchScript(repoPath("servers", "async.ts"), { name: "link-check" });
  const port = server.port;
  assert.ok(isRunningPort(port));
  assert.deepEqual(
    markdownTable([{ url: `${server.url}/` }]).split("\n")[2],
    `| <${server.url}/> |`,
  );
  await server.stop();
  assert.ok(!isRunningPort(port));
  assert.deepEqual(
    markdownTable([{ url: `${server.url}/` }]).split("\n")[2],
    `| \`${server.url}/\` |`,
  );
});

Deno.test("progressText() estimates an ETA its caller did not give", () => {
  const text = progressText({ done: 2, total: 5, label: "run 3", elapsedS: 4, etaS: null }, 5);
  assert.deepEqual(text, "██░░░ 2/5 (40%) · run 3 · 4 s elapsed · ETA 6 s");
});

Deno.test("progressText() counts failures and tells a stop from an end", () => {
  const stopped = {
    done: 2,
    total: 4,
    failed: 1,
    label: "x",
    elapsedS: 3,
    etaS: 3,
    finished: true,
  };
  assert.deepEqual(progressText(stopped, 4), "██░░ 2/4 (50%, 1 failed) · x · stopped after 3 s");
});

Deno.test("progressDisplay() plugs into lib/experiment/progress.ts as its renderer", () => {
  const render: ProgressRenderer = progressDisplay({ logEveryS: 1000 });
  const progress = new Progress(1, { render });
  progress.begin("one");
  progress.end();
  progress.finish();
  assert.deepEqual(progress.state.done, 1);
});

Deno.test("formatSeconds() scales to minutes and hours", () => {
  assert.deepEqual(formatSeconds(0.4), "0 s");
  assert.deepEqual(formatSeconds(59.6), "1 min 00 s");
  assert.deepEqual(formatSeconds(3725), "1 h 02 min");
});

Deno.test("outside Jupyter the helpers print to the console", async () => {
  assert.deepEqual(inJupyter(), false);
  const script = `
    import { log, md, progressDisplay, show, showHtml, table } from ${
    JSON.stringify(new URL("./mod.ts", import.meta.url).href)
  };
    await md\`## Title \${1 + 1}\`;
    await log("a log line", 42);
    await show("plain text");
    await show({ outerHTML: '<svg aria-label="rps chart" viewBox="0 0 1 1"></svg>' });
    await showHtml("<b>bold</b> words");
    await table([{ model: "async", rps: 10 }], { caption: "Results" });
    const render = progressDisplay({ logEveryS: 1000 });
    await render({ done: 0, total: 2, label: "first", elapsedS: 0, etaS: null });
    await render({ done: 1, total: 2, label: "middle", elapsedS: 1, etaS: 1 });
    await render({ done: 2, total: 2, label: "last", elapsedS: 2, etaS: 0 });
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.deepEqual(output.code, 0, new TextDecoder().decode(output.stderr));
  const lines = stdout.trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 5), [
    "## Title 2",
    "a log line 42",
    "plain text",
    `[svg chart: rps chart, 52 characters of markup]`,
    "bold words",
  ]);
  assert.deepEqual(lines.slice(5, 8), ["Results", "| model | rps |", "| --- | --- |"]);
  // Not a terminal: the first and the final state only, never a line per update.
  const progress = lines.filter((line) => line.includes("/2 ("));
  assert.deepEqual(progress.length, 2, stdout);
  assert.match(progress[0] ?? "", /0\/2 \(0%\) · first/);
  assert.match(progress[1] ?? "", /2\/2 \(100%\) · last · done in 2 s/);
});

Deno.test("profileMarkdown() names the profile's sizes and how to change them", () => {
  assert.deepEqual(
    profileMarkdown(PROFILES.quick),
    "Profile **quick**: 200 requests per run, 1 measured run(s) per cell after a warm-up, " +
      "concurrency levels 1, 10, 50. Set `LAB_PROFILE=quick` or `LAB_PROFILE=full` before " +
      "starting Jupyter to change it.",
  );
});

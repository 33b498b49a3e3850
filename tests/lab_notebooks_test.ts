/**
 * Every notebook of the lab, executed for real through nbconvert on the Deno kernel in the quick
 * profile: no error output, every cell that shows something kept its output, the figures a
 * student reads are there (tables, charts per section, computed conclusions), and the exported
 * HTML shows the charts and is not blank in a browser.
 *
 * Each notebook under `notebooks/` must have an entry in {@link EXPECTED}; a notebook without one
 * fails, so a new notebook cannot ship untested.
 */

import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { executeNotebook } from "../lib/lab/lab.ts";
import { checkHtmlCharts, screenshotHtml } from "../lib/lab/html_check.ts";
import { findChromium } from "../lib/process/chromium.ts";
import {
  cellSource,
  type NotebookCell,
  outputText,
  readNotebook,
} from "../lib/lab/notebook_check.ts";
import { repoPath } from "../lib/notebook/paths.ts";
import { makeSampleClass } from "./support/class.ts";

/** What an executed notebook must show. */
interface Expectation {
  /** Patterns the outputs' text must match, each at least `count` times (default 1). */
  texts: { pattern: RegExp; count?: number; what: string }[];
  /** Least number of SVG charts in the outputs under each `## ` heading starting with the key. */
  chartsPerSection: Record<string, number>;
  /** Prepares what the notebook reads (in a temporary folder) and returns its environment. */
  env?: (workDir: string) => Promise<Record<string, string>>;
}

const EXPECTED: Record<string, Expectation> = {
  "01_async_vs_threads.ipynb": {
    texts: [
      {
        pattern: /This run uses \*\*(ab|oha)\*\* for `GET \/`/,
        what: "the generator of each section",
      },
      { pattern: /cpuCount/, what: "the environment table" },
      { pattern: /Time taken for tests \(s\)/g, count: 2, what: "2020-style tables per server" },
      { pattern: /Hello from Concurrency Lab \(threads server\)/, what: "the servers answering" },
      {
        pattern:
          /Our threaded server peaks at \*\*\d+ req\/s\*\*, the 2020 threaded servers at \*\*\d+\.\d\d req\/s\*\*/,
        what: "the computed comparison with 2020",
      },
      { pattern: /the handoff code \(copying/, what: "the handoff, computed" },
      {
        pattern: /In \d+ of \d+ runs, throughput x mean latency lies within 10%/g,
        count: 3,
        what: "Little's law checked for each sweep",
      },
      {
        pattern: /of that, the handoff code|handoff code \(listener \+ worker\)/,
        what: "the handoff table",
      },
      {
        pattern: /(threads should reach about|there is no prediction)/,
        what: "the handoff's prediction beside the measured ratio",
      },
      {
        pattern: /threads at most \*\*400 req\/s\*\* \(min\(c=\d+, K=8\) \/ 0\.020 s\)/,
        what: "the pool's ceiling from the experiment",
      },
      { pattern: /\| min\(c=\d+, K=8\) \/ 0\.020 s \|/, what: "the ceiling table" },
      {
        pattern: /(Neither threads nor workers reached|reached) 2 cores x 200 = 400 req\/s/,
        what: "the cores' ceiling checked",
      },
      {
        pattern:
          /(comparisons? (was|were) made; after Holm's correction|comparisons, each with one run per target)/g,
        count: 3,
        what: "findings for each workload",
      },
      { pattern: /The largest (effect|gap)/g, count: 3, what: "the largest effect per workload" },
      { pattern: /p \(Holm\)/g, count: 3, what: "a verdict table per workload" },
      {
        pattern: /took 3\.9, 18, 97 ms per request for n = 10, 50, 100/,
        what: "the 2020 leak, computed",
      },
      { pattern: /of a multiple of 0\.505 s/, what: "the 2020 retry steps, computed" },
    ],
    chartsPerSection: { "## 2.": 1, "## 3.": 2, "## 4.": 4 },
  },
  "02_load_balancer.ipynb": {
    texts: [
      {
        pattern:
          /(The course's ports: balancer on 44444|of the course's ports \(44444, 9002-9005\) is in use)/,
        what: "the course's ports, or why not",
      },
      {
        pattern:
          /\| \d \| \d \| \/(page\.html|style\.css|logo\.png) \| 200 \| 127\.0\.0\.1:\d+ \|/g,
        count: 9,
        what: "the backend of each of the page's requests",
      },
      { pattern: /chromium \d+[^ ]* loaded the page 3 times: 9 requests/, what: "a real browser" },
      { pattern: /That is round robin: the 4 backends served in turn/, what: "the rotation" },
      {
        pattern: /GET \/(page\.html|style\.css|logo\.png) -> 127\.0\.0\.1:\d+/g,
        count: 9,
        what: "the balancer's log",
      },
      { pattern: /Time taken for tests \(s\)/, what: "the 2020-style table" },
      {
        pattern:
          /\| \d+ \| [\d,.]+ \| [\d,.]+ \| [\d,.]+ \| \d+\.\d+x \| (holds|does not hold|cannot tell)/g,
        count: 3,
        what: "the Tugas 10 three-way table",
      },
      {
        pattern:
          /(With one run per cell no difference can be tested|Tested \d+ times).*the 2020 conclusion/,
        what: "the 2020 claim tested",
      },
      { pattern: /cannot pass \d+ \/ 20 ms = [\d,]+ req\/s/, what: "the /io ceiling" },
      {
        pattern: /Round robin sent \d+\.\d% of its requests to the slow backend/,
        what: "the strategy section",
      },
      {
        pattern:
          /sent \d+ GET requests while backend 127\.0\.0\.1:\d+ was stopped and restarted; 0 failed and 0 got the balancer's own error/,
        what: "no failed GET during failover",
      },
      {
        pattern: /(again \d+ ms after the restart|had not sent it requests again by the end)/,
        what: "re-admission, or that the run ended first",
      },
      { pattern: /repeats GET, HEAD, OPTIONS and TRACE without a body/, what: "the retry rule" },
      {
        pattern:
          /(comparisons? (was|were) made; after Holm's correction|comparisons, each with one run per target)/g,
        count: 3,
        what: "findings for each measured section",
      },
    ],
    chartsPerSection: { "## 3.": 2, "## 4.": 1, "## 5.": 2, "## 6.": 1 },
  },
  "03_why_numbers_lie.ipynb": {
    texts: [
      { pattern: /This run uses \*\*(ab|oha|wrk|autocannon)\*\*/, what: "the generator plan" },
      {
        pattern: /ab counted \*\*0 failed requests\*\*, while \*\*100%\*\*/,
        what: "the 404 unseen",
      },
      { pattern: /\| GET \/status\/404 \| \d+ \| \d+ \| 0 \| \d+ \|/, what: "the 404 table" },
      { pattern: /keep-alive served \*\*[\d,]+ req\/s\*\*/, what: "keep-alive vs not" },
      {
        pattern: /a factor of \*\*\d+(\.\d+)?x\*\* that belongs to the generators/,
        what: "generators",
      },
      { pattern: /\| \d+\.\d \| \d+\.\d\d \| \d+\.\d \|/, what: "generator CPU table" },
      { pattern: /the open loop reported \*\*p99 = \d+(\.\d+)? ms\*\*/, what: "both p99s" },
      { pattern: /\*\*\d+ of \d+\*\* requests waited for a SYN retry/, what: "SYN retries" },
      { pattern: /order statistics, no distribution assumed/, what: "the median's interval" },
      { pattern: /takes \*\*\d+ runs of each\*\*/, what: "repeats needed for 10%" },
      { pattern: /one server kept running/, what: "repeats share a server, said" },
      {
        pattern:
          /002_d0c32baef3e00039 \(Tugas 9\): the threaded server at concurrency 1 took \*\*745 ms\*\*/,
        what: "the 2020 c=1 run, computed",
      },
      { pattern: /no backlog overflowed/, what: "c=1 rules the backlog out" },
      { pattern: /of a multiple of 0\.505 s/, what: "the 2020 retry steps, computed" },
      { pattern: /the leaky server needed \*\*\d+(\.\d+)? ms\*\* per request/, what: "the leak" },
    ],
    chartsPerSection: {
      "## 1.": 1,
      "## 2.": 1,
      "## 3.": 2,
      "## 4.": 2,
      "## 5.": 1,
      "## 6.": 1,
      "## 7.": 1,
    },
  },
  "04_class_results.ipynb": {
    texts: [
      { pattern: /Loaded \*\*4\*\* hand-in\(s\)/, what: "the sample class loaded" },
      {
        pattern: /kept Dewi's c-root apart: another setup than the class/,
        what: "a setup kept apart",
      },
      {
        pattern: /the [23] machines' medians range from [\d,.]+ to [\d,.]+ req\/s/,
        what: "the spread",
      },
      { pattern: /CV across machines/, what: "the spread table" },
      { pattern: /async vs threads at c=8/, what: "the verdict table" },
      { pattern: /async vs threads: all machines agree at \d of 2 levels/, what: "agreement" },
    ],
    chartsPerSection: { "## 3.": 2 },
    env: async (workDir) => {
      const classDir = join(workDir, "class");
      await makeSampleClass(join(workDir, "students"), classDir);
      return { CLASS_DIR: classDir };
    },
  },
};

/**
 * Notebooks run a second time under other conditions: the test's name, the notebook, and what it
 * must show then.
 */
const VARIANTS: { name: string; notebook: string; expected: Expectation }[] = [{
  name: "01_async_vs_threads.ipynb with autocannon as the only generator (LAB_GENERATORS)",
  notebook: "01_async_vs_threads.ipynb",
  expected: {
    texts: [
      {
        pattern:
          /Installed here: autocannon; these sections are skipped: "3\. The 2020 experiment"/,
        what: "the sections skipped, named at the top",
      },
      {
        pattern: /This section needs oha or ab: skipped \(autocannon cannot run it/g,
        count: 4,
        what: "a note where each measured section would run",
      },
      { pattern: /Hello from Concurrency Lab \(threads server\)/, what: "the servers answering" },
      {
        pattern: /took 3\.9, 18, 97 ms per request for n = 10, 50, 100/,
        what: "the 2020 leak, computed",
      },
    ],
    chartsPerSection: { "## 2.": 1, "## 3.": 2 },
    env: () => Promise.resolve({ LAB_GENERATORS: "autocannon" }),
  },
}];

function svgCount(cell: NotebookCell): number {
  return (cell.outputs ?? []).filter((output) => {
    const data = output.data ?? {};
    const html = data["text/html"];
    const text = Array.isArray(html) ? html.join("") : String(html ?? "");
    return "image/svg+xml" in data || text.includes("<svg");
  }).length;
}

function chartsBySection(cells: NotebookCell[]): Map<string, number> {
  const counts = new Map<string, number>();
  let section = "";
  for (const cell of cells) {
    const heading = cellSource(cell).match(/^## .*$/m);
    if (cell.cell_type === "markdown" && heading) section = heading[0];
    if (cell.cell_type === "code") counts.set(section, (counts.get(section) ?? 0) + svgCount(cell));
  }
  return counts;
}

const notebooks = [...Deno.readDirSync(repoPath("notebooks"))]
  .filter((entry) => entry.isFile && entry.name.endsWith(".ipynb"))
  .map((entry) => entry.name)
  .sort();

Deno.test("the lab has notebooks to run", () => {
  assert.ok(notebooks.includes("01_async_vs_threads.ipynb"), `found ${notebooks.join(", ")}`);
});

const runs = [
  ...notebooks.map((name) => ({
    name: `${name} runs top to bottom in the quick profile and shows its results`,
    notebook: name,
    expected: EXPECTED[name],
  })),
  ...VARIANTS.filter((variant) => notebooks.includes(variant.notebook)),
];

for (const { name: testName, notebook: name, expected } of runs) {
  Deno.test(testName, async () => {
    assert.ok(expected, `${name} has no expectations in tests/lab_notebooks_test.ts: add them`);
    const outDir = await Deno.makeTempDir({ prefix: "lab-notebooks-" });
    try {
      // executeNotebook fails on a cell error and on a cell that lost its output.
      const run = await executeNotebook(repoPath("notebooks", name), {
        outDir,
        profile: "quick",
        env: await expected.env?.(outDir),
      });
      const executed = await readNotebook(run.notebook);
      const text = executed.cells.flatMap((cell) => cell.outputs ?? []).map(outputText).join("\n");
      for (const { pattern, count = 1, what } of expected.texts) {
        const found = pattern.global
          ? (text.match(pattern) ?? []).length
          : pattern.test(text)
          ? 1
          : 0;
        assert.ok(
          found >= count,
          `${name}: ${what}: expected ${count}x ${pattern}, found ${found}`,
        );
      }
      const charts = chartsBySection(executed.cells);
      let total = 0;
      for (const [prefix, least] of Object.entries(expected.chartsPerSection)) {
        const inSection = [...charts].filter(([heading]) => heading.startsWith(prefix))
          .reduce((sum, [, n]) => sum + n, 0);
        assert.ok(inSection >= least, `${name}: section ${prefix} has ${inSection} charts`);
        total += least;
      }
      assert.ok(run.html, "the notebook was exported as HTML");
      await checkHtmlCharts(run.html, total);
      if ((await findChromium()) !== null || Deno.env.get("CI")) {
        const shot = await screenshotHtml(run.html, {
          outPath: join(outDir, `${basename(name, ".ipynb")}.png`),
        });
        assert.ok(shot.nonWhiteFraction > 0.01, `blank page: ${shot.nonWhiteFraction}`);
      }
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  });
}

Deno.test("03_why_numbers_lie.ipynb with autocannon as the only generator: skips what needs ab or oha, runs the rest", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "lab-notebooks-autocannon-" });
  try {
    const run = await executeNotebook(repoPath("notebooks", "03_why_numbers_lie.ipynb"), {
      outDir,
      profile: "quick",
      env: { LAB_GENERATORS: "autocannon" },
    });
    const executed = await readNotebook(run.notebook);
    const text = executed.cells.flatMap((cell) => cell.outputs ?? []).map(outputText).join("\n");
    assert.match(text, /This run uses \*\*autocannon\*\*\. autocannon cannot run 4 section\(s\)/);
    const skipped = executed.cells.filter((cell) =>
      (cell.outputs ?? []).map(outputText).join("\n")
        .includes("This section needs oha or ab: skipped (autocannon cannot run it")
    );
    assert.equal(skipped.length, 4, "a skip note in sections 1, 2, 6 and 7");
    assert.match(text, /Only autocannon [\d.]+ is installed/, "section 3 ran");
    assert.match(text, /the open loop reported \*\*p99 = \d+(\.\d+)? ms\*\*/, "section 4 ran");
    assert.match(text, /\*\*\d+ of \d+\*\* requests waited for a SYN retry/, "section 5 ran");
    assert.match(text, /no backlog overflowed/, "the 2020 evidence needs no generator");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

/**
 * The reference run (`deno task reference`): runs the lab's notebooks in the full profile and
 * keeps what a reader wants before running anything themselves: each notebook's report without
 * code (`<name>.no-code.html`), the machine record of the run (`environment.json`) and an index
 * (`README.md`) saying when, where, at which commit and how long. Results and full reports go to
 * a temporary folder, so the user's `data/results/` and `reports/` are not touched.
 *
 * Script: `deno run -A lib/lab/reference.ts [notebook...] [--notebooks DIR] [--out docs/reference]`
 * (default: notebooks 01 to 03; notebook 04 shows a class, not one machine's run).
 *
 * @module
 */

import { basename, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { collectEnvironment, type Environment } from "../experiment/environment.ts";
import { repoPath } from "../notebook/paths.ts";
import { formatSeconds } from "../notebook/progress_display.ts";

/** Where the reference run is kept. */
export const REFERENCE_DIR: string = repoPath("docs", "reference");

/** The notebooks of the reference run when none are named. */
export const REFERENCE_NOTEBOOKS: readonly string[] = ["01", "02", "03"];

/** What {@link writeReference} wrote. */
export interface ReferenceRun {
  /** The `.no-code.html` reports copied into the reference folder. */
  reports: string[];
  /** Seconds the lab took. */
  seconds: number;
}

/**
 * Runs the lab on `notebooks` with `--no-code` into a temporary folder and copies the reports
 * without code, the environment record and an index into `outDir`. Throws when the lab fails,
 * leaving `outDir` as it was.
 */
export async function writeReference(options: {
  notebooks?: readonly string[];
  notebooksDir?: string;
  outDir?: string;
  profile?: string;
} = {}): Promise<ReferenceRun> {
  const outDir = options.outDir ?? REFERENCE_DIR;
  const profile = options.profile ?? "full";
  const work = await Deno.makeTempDir({ prefix: "lab-reference-" });
  try {
    const reportsDir = join(work, "reports");
    const args = [
      "run",
      "-A",
      repoPath("lib", "lab", "lab.ts"),
      ...(options.notebooks ?? REFERENCE_NOTEBOOKS),
      "--no-code",
      "--out-dir",
      reportsDir,
      ...(options.notebooksDir === undefined ? [] : ["--notebooks", options.notebooksDir]),
    ];
    const started = performance.now();
    const status = await new Deno.Command(Deno.execPath(), {
      args,
      env: { LAB_PROFILE: profile, LAB_RESULTS_DIR: join(work, "results") },
      stdout: "inherit",
      stderr: "inherit",
    }).spawn().status;
    const seconds = (performance.now() - started) / 1000;
    if (!status.success) {
      throw new Error(
        `the lab failed (exit ${status.code}); ${relative(Deno.cwd(), outDir) || outDir} ` +
          "is unchanged: fix the notebook it names and run again",
      );
    }
    const reports = [...Deno.readDirSync(reportsDir)]
      .filter((entry) => entry.name.endsWith(".no-code.html"))
      .map((entry) => entry.name)
      .sort();
    await Deno.mkdir(outDir, { recursive: true });
    for (const name of reports) {
      const html = await Deno.readTextFile(join(reportsDir, name));
      await Deno.writeTextFile(join(outDir, name), withoutFolder(html, work));
    }
    const environment = await collectEnvironment();
    await Deno.writeTextFile(
      join(outDir, "environment.json"),
      `${JSON.stringify(environment, null, 2)}\n`,
    );
    await Deno.writeTextFile(
      join(outDir, "README.md"),
      referenceIndex(reports, environment, seconds, profile),
    );
    return { reports: reports.map((name) => join(outDir, name)), seconds };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** What a report says instead of the temporary folder the reference run wrote its results to. */
export const TEMPORARY_FOLDER = "(a temporary folder)";

/**
 * `html` with every mention of `folder` (where the run kept its results, e.g. "36 runs kept in
 * /tmp/lab-reference-x/results/01-root") replaced by {@link TEMPORARY_FOLDER}: the committed
 * reports name no folder of the machine that made them.
 */
export function withoutFolder(html: string, folder: string): string {
  return html.replaceAll(folder.replace(/\/+$/, ""), TEMPORARY_FOLDER);
}

/** The reference folder's index: what was run, where, and how to run it again. */
export function referenceIndex(
  reports: readonly string[],
  environment: Environment,
  seconds: number,
  profile: string,
): string {
  const lines = [
    "# Reference run",
    "",
    "The lab's reports without code, from one run of `deno task reference` (profile " +
    `\`${profile}\`), to read before running the lab yourself. Your numbers will differ: they ` +
    "depend on the machine, and every sentence in the reports is computed from the run's data.",
    "",
    `- Date: ${environment.date.slice(0, 10)}`,
    `- Commit: \`${environment.gitCommit ?? "unknown"}\`` +
    (environment.gitDirty ? " (with local changes)" : ""),
    `- Machine: ${environment.cpuCount} cores, ${environment.cpuModel ?? "unknown CPU"}; ` +
    `${environment.osName ?? environment.os}; Deno ${environment.deno}`,
    `- The lab took ${formatSeconds(seconds)}.`,
    "- The machine record: [environment.json](environment.json).",
    "",
    "| notebook | report |",
    "| --- | --- |",
    ...reports.map((name) => `| ${name.replace(/\.no-code\.html$/, "")} | [${name}](${name}) |`),
    "",
    "Run again with `deno task reference` (it replaces this folder's files; your `data/results/`",
    "and `reports/` are not touched).",
    "",
  ];
  return lines.join("\n");
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      notebooks: { type: "string" },
      out: { type: "string", default: REFERENCE_DIR },
    },
  });
  try {
    const run = await writeReference({
      notebooks: positionals.length > 0 ? positionals : undefined,
      notebooksDir: values.notebooks,
      outDir: values.out,
      profile: Deno.env.get("LAB_PROFILE")?.trim() || "full",
    });
    console.log(
      `\nReference run kept in ${relative(Deno.cwd(), values.out) || values.out}/: ` +
        `${run.reports.map((path) => basename(path)).join(", ")} (${formatSeconds(run.seconds)})`,
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(1);
  }
}

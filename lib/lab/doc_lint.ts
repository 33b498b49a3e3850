/**
 * `deno doc --lint` on the modules notebook cells import: every exported symbol documented, every
 * exported function with a return type, every type a public signature mentions exported too.
 *
 * Deno 2.9 also reports the types of other packages as private (`pl.DataFrame` of nodejs-polars,
 * denoland/deno#27364): those are documented by their own package, so this check drops them and
 * keeps every other finding.
 *
 * Script: `deno run -A lib/lab/doc_lint.ts [MODULE...]` prints the findings and exits 1 when there
 * are any (default module: `lib/notebook/mod.ts`).
 *
 * @module
 */

import { repoPath } from "../notebook/paths.ts";

/** The modules whose public API notebooks use. */
export const DOC_LINT_MODULES: readonly string[] = ["lib/notebook/mod.ts"];

/** Types of other packages that public signatures name, by the package that documents them. */
export const EXTERNAL_TYPES: Readonly<Record<string, string>> = {
  pl: "nodejs-polars",
  DataFrame: "nodejs-polars",
  PlotOptions: "@observablehq/plot",
};

/** What {@link docLint} found. */
export interface DocLintResult {
  /** The findings, one `deno doc --lint` diagnostic each, without colours. */
  problems: string[];
  /** How many findings were about the types of other packages and were dropped. */
  external: number;
}

const PRIVATE_REF = /references private type '([^']+)'/;

/** Splits `deno doc --lint` output into its diagnostics (each starts with `error[`). */
export function splitDiagnostics(output: string): string[] {
  return output.split(/\n(?=error\[)/).map((block) => block.trim()).filter((block) =>
    block.startsWith("error[")
  );
}

/** Whether a diagnostic is about a type of another package, listed in {@link EXTERNAL_TYPES}. */
export function isExternalTypeRef(diagnostic: string): boolean {
  const name = PRIVATE_REF.exec(diagnostic)?.[1];
  return diagnostic.startsWith("error[private-type-ref]") && name !== undefined &&
    name in EXTERNAL_TYPES;
}

/**
 * Runs `deno doc --lint` on `modules` (paths from the repository root) and returns its findings
 * without those about other packages' types. Throws when deno itself fails to run.
 */
export async function docLint(
  modules: readonly string[] = DOC_LINT_MODULES,
): Promise<DocLintResult> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", ...modules],
    cwd: repoPath(),
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  const output = `${text.decode(stdout)}\n${text.decode(stderr)}`;
  const diagnostics = splitDiagnostics(output);
  const problems = diagnostics.filter((d) => !isExternalTypeRef(d));
  if (code !== 0 && diagnostics.length === 0) {
    throw new Error(`deno doc --lint ${modules.join(" ")} failed: ${output.trim().slice(0, 2000)}`);
  }
  return { problems, external: diagnostics.length - problems.length };
}

if (import.meta.main) {
  const modules = Deno.args.length > 0 ? Deno.args : DOC_LINT_MODULES;
  const { problems, external } = await docLint(modules);
  for (const problem of problems) console.error(`${problem}\n`);
  console.log(
    `deno doc --lint ${modules.join(" ")}: ${problems.length} problem(s)` +
      (external > 0 ? ` (${external} about other packages' types left out)` : ""),
  );
  if (problems.length > 0) Deno.exit(1);
}

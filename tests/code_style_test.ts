/**
 * `deno task check`'s format, lint and documentation steps as tests, so the test command catches
 * an unformatted file, a lint error or an undocumented notebook function the way it catches a
 * failing test.
 */

import assert from "node:assert/strict";
import { DEFAULT_NOTEBOOK_DIRS, formatNotebooks } from "../lib/lab/format_notebooks.ts";
import { docLint } from "../lib/lab/doc_lint.ts";
import { repoPath } from "../lib/notebook/paths.ts";

async function denoTool(args: string[]): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: repoPath(),
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, output: `${text.decode(stdout)}${text.decode(stderr)}` };
}

Deno.test("the code is formatted as deno fmt formats it", async () => {
  const { code, output } = await denoTool(["fmt", "--check"]);
  assert.equal(code, 0, `run 'deno fmt':\n${output.slice(0, 4000)}`);
});

Deno.test("deno lint finds nothing", async () => {
  const { code, output } = await denoTool(["lint"]);
  assert.equal(code, 0, `fix what deno lint says:\n${output.slice(0, 4000)}`);
});

Deno.test("the notebooks' code cells are formatted as deno fmt formats code", async () => {
  const unformatted = await formatNotebooks(DEFAULT_NOTEBOOK_DIRS, { check: true });
  assert.deepEqual(
    unformatted.map(({ notebook, cell }) => `${notebook} cell ${cell}`),
    [],
    "run 'deno task fmt:notebooks'",
  );
});

Deno.test("deno doc --lint finds nothing in what notebooks import", async () => {
  const { problems } = await docLint();
  assert.deepEqual(problems, [], "document what lib/notebook/mod.ts exports (deno task check)");
});

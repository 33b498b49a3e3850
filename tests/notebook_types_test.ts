/**
 * Every notebook's code type-checks against the library, cell after cell as the kernel runs them,
 * so a renamed export or a changed signature fails here, in seconds, instead of in the middle of a
 * ten-minute lab run (the Deno kernel itself runs cells without type-checking them).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { readNotebook } from "../lib/lab/notebook_check.ts";
import { repoPath } from "../lib/notebook/paths.ts";

const notebooks = [...Deno.readDirSync(repoPath("notebooks"))]
  .filter((entry) => entry.isFile && entry.name.endsWith(".ipynb"))
  .map((entry) => entry.name)
  .sort();

for (const name of notebooks) {
  Deno.test(`${name}: its code cells type-check together`, async () => {
    const notebook = await readNotebook(repoPath("notebooks", name));
    const code = notebook.cells
      .filter((cell) => cell.cell_type === "code")
      .map((cell) => Array.isArray(cell.source) ? cell.source.join("") : cell.source)
      .join("\n");
    // Beside the notebook, so its relative imports resolve as in the kernel.
    const file = join(repoPath("notebooks"), `.typecheck-${name.replace(/\.ipynb$/, "")}.ts`);
    await Deno.writeTextFile(file, `${code}\nexport {};\n`);
    try {
      const { code: status, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["check", file],
        cwd: repoPath(),
        env: { NO_COLOR: "1" },
        stderr: "piped",
        stdout: "null",
      }).output();
      const errors = new TextDecoder().decode(stderr);
      assert.equal(status, 0, `${name} does not type-check:\n${errors.slice(0, 3000)}`);
    } finally {
      await Deno.remove(file);
    }
  });
}

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { componentsFor, formatStatus, LAB_COMPONENTS, TEST_EXTRAS } from "./setup.ts";
import { repoPath } from "../notebook/paths.ts";

/**
 * Programs every Debian or Ubuntu machine that can clone the repository has (essential
 * packages, git), or that setup itself runs: no component installs them.
 */
const BASE_PROGRAMS = new Set([
  ...["sh", "bash", "git", "apt-get", "dpkg-query", "getconf"],
  ...["true", "false", "sleep", "cat", "env", "kill"],
]);

/** Programs the project uses when present but never needs: each has an alternative that setup installs. */
const ALTERNATIVES: Readonly<Record<string, string>> = {
  "jupyter-lab": "JupyterLab is used when present, else jupyter-notebook (installed)",
};

/** Ways a program is named where the project starts it. */
const SPAWN_PATTERNS: readonly RegExp[] = [
  /\bnew Deno\.Command\(\s*"([^"]+)"/g,
  /\b(?:runCommand|which|versionOf|capture|measuredCommand)\(\s*"([^"]+)"/g,
  /\bcommand\s*(?:\?\?|=)\s*"([^"]+)"/g,
  /"((?:\/usr)?\/s?bin\/[\w.+-]+)"/g,
  /command -v ([\w.+-]+)/g,
];

/** `runCommand(jupyter, ["notebook", ...])` runs the program `jupyter-notebook`. */
const JUPYTER_SUBCOMMAND = /\(\s*jupyter\s*,\s*\[\s*"([\w-]+)"/g;

/** Python's own modules the project's Python snippets import. */
const PYTHON_STDLIB = new Set([
  ...["base64", "csv", "json", "os", "signal", "socket", "sys", "time", "xml", "pathlib"],
  ...["subprocess", "threading", "re", "math", "random", "collections", "typing"],
]);

/** `from X import` and a bare `import X, Y` line: only Python writes imports so. */
const PYTHON_IMPORTS = [
  /^\s*from ([A-Za-z_]\w*)[\w.]* import /gm,
  /^\s*import ([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*$/gm,
];

/** Every Python module outside the standard library the project's Python snippets import. */
function pythonModules(): Map<string, string> {
  const found = new Map<string, string>();
  const files = ["lib", "servers", "tests", "bench"].flatMap((dir) => sourceFiles(repoPath(dir)));
  for (const file of files) {
    const text = Deno.readTextFileSync(file);
    for (const pattern of PYTHON_IMPORTS) {
      for (const match of text.matchAll(pattern)) {
        for (const module of match[1]!.split(",").map((m) => m.trim())) {
          if (!PYTHON_STDLIB.has(module) && !found.has(module)) {
            found.set(module, relative(repoPath(), file));
          }
        }
      }
    }
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && entry.name !== "node_modules") files.push(...sourceFiles(path));
    else if (entry.isFile && entry.name.endsWith(".ts")) files.push(path);
  }
  return files;
}

/** Every program the project's code and tests start, with the first file that starts it. */
function spawnedPrograms(): Map<string, string> {
  const found = new Map<string, string>();
  const files = ["lib", "servers", "tests", "bench"].flatMap((dir) => sourceFiles(repoPath(dir)));
  for (const file of files) {
    const text = Deno.readTextFileSync(file);
    const where = relative(repoPath(), file);
    for (const pattern of SPAWN_PATTERNS) {
      for (const match of text.matchAll(pattern)) {
        const program = match[1]!.replace(/^.*\//, "");
        if (!found.has(program)) found.set(program, where);
      }
    }
    for (const match of text.matchAll(JUPYTER_SUBCOMMAND)) {
      const program = `jupyter-${match[1]}`;
      if (!found.has(program)) found.set(program, where);
    }
  }
  return found;
}

Deno.test("setup --for-tests installs the lab's components and the test extras", () => {
  const forTests = componentsFor("tests").map((c) => c.name);
  for (const component of LAB_COMPONENTS) {
    assert.ok(forTests.includes(component.name), `--for-tests skips ${component.name}`);
  }
  assert.ok(forTests.includes("jupyter-ui"), "jupyter_test.ts starts the notebook UI");
  assert.deepEqual(forTests, [...LAB_COMPONENTS, ...TEST_EXTRAS].map((c) => c.name));
  assert.deepEqual(componentsFor("lab").map((c) => c.name), LAB_COMPONENTS.map((c) => c.name));
});

Deno.test("every program the code and the tests start is installed by setup --for-tests", () => {
  const spawned = spawnedPrograms();
  // The scan itself must see the tools it is there to check, or it checks nothing.
  for (const known of ["ab", "wrk", "locust", "chromium", "nginx", "jupyter-notebook", "ip"]) {
    assert.ok(spawned.has(known), `the scan missed ${known}: fix SPAWN_PATTERNS`);
  }
  const installed = new Map<string, string>();
  for (const component of componentsFor("tests")) {
    for (const program of component.programs) installed.set(program, component.name);
  }
  const uncovered = [...spawned]
    .filter(([program]) =>
      !installed.has(program) && !BASE_PROGRAMS.has(program) && !(program in ALTERNATIVES)
    )
    .map(([program, file]) => `${program} (started in ${file})`);
  assert.deepEqual(
    uncovered,
    [],
    "add a component for these to lib/lab/setup.ts (its apt package and `programs`)",
  );
});

Deno.test("every Python module the code and the tests import is installed by setup --for-tests", () => {
  const imported = pythonModules();
  for (const known of ["jupyter_client", "locust", "gevent"]) {
    assert.ok(imported.has(known), `the scan missed ${known}: fix PYTHON_IMPORTS`);
  }
  const installed = new Set(componentsFor("tests").flatMap((c) => c.pythonModules ?? []));
  const uncovered = [...imported].filter(([module]) => !installed.has(module))
    .map(([module, file]) => `${module} (imported in ${file})`);
  assert.deepEqual(uncovered, [], "add these to a component's pythonModules in lib/lab/setup.ts");
});

Deno.test("each component setup cannot install says how to get it", () => {
  for (const component of componentsFor("tests")) {
    assert.ok(component.fix.length > 20, `${component.name} has no fix`);
    const installable = component.aptPackages.length > 0 || component.name === "deno-kernel";
    if (!installable) assert.match(component.fix, /install/, component.name);
  }
  assert.equal(
    formatStatus({ name: "ab", state: "found", detail: "2.3", required: false }),
    "  ab           found     2.3",
  );
});

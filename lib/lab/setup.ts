/**
 * `deno task setup`: finds or installs what the lab needs, one line per component.
 *
 * Idempotent: a component that is present is only reported. Where something is missing it is
 * installed with apt (Debian/Ubuntu, as root), else with `pip install --user` (Jupyter), else the
 * line says exactly what to install. Exits non-zero only when a required component is missing.
 *
 * One list for both purposes: `deno task setup` installs {@link LAB_COMPONENTS};
 * `--for-tests` installs the same list plus {@link TEST_EXTRAS} (what only the test suite and the
 * benchmarks use: chromium, nginx, locust, the process and network tools), so a test never needs
 * something the lab set-up installs and the test set-up does not. `--quiet` prints only problems.
 * A long install says so first ("installing the notebook UI (jupyter-notebook, about 20 s)...").
 *
 * @module
 */

import { createAutocannonGenerator } from "../loadgen/autocannon.ts";
import { locustVersion } from "../loadgen/locust/locust.ts";
import { findJupyter, isRoot, runCommand } from "./system_tools.ts";
import { which } from "../process/programs.ts";

/** How one component stands after setup. */
export interface ComponentStatus {
  /** Component name. */
  name: string;
  /** found, installed, or missing. */
  state: "found" | "installed" | "missing";
  /** Version or path when present; the fix when missing. */
  detail: string;
  /** Whether the lab cannot work without it. */
  required: boolean;
}

/** One thing setup finds or installs. */
export interface Component {
  /** Component name, as the status line shows it. */
  name: string;
  /** Whether the lab cannot work without it. */
  required: boolean;
  /** Debian packages that install it (none: apt cannot). */
  aptPackages: string[];
  /**
   * The programs it puts on the machine, by file name (`jupyter-notebook` for `jupyter
   * notebook`). The set-up test checks every program the project runs against these lists.
   */
  programs: string[];
  /** The Python modules it installs for `/usr/bin/python3` (`jupyter_client`), if any. */
  pythonModules?: string[];
  /** Version or path when present, else null. */
  probe(): Promise<string | null>;
  /** What to do when it cannot be installed here. */
  fix: string;
  /** Python packages for `pip install --user`, when apt is not there. */
  pip?: string[];
  /** Said before installing, when that takes a while: "the notebook UI (jupyter-notebook, about 20 s)". */
  installNote?: string;
}

let aptUpdated = false;

async function aptInstall(packages: string[]): Promise<boolean> {
  if (!isRoot() || (await which("apt-get")) === null) return false;
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  // Another apt run (an unattended upgrade) may hold the lock for a while: wait for it.
  const lock = ["-o", "DPkg::Lock::Timeout=300"];
  if (!aptUpdated) {
    await runCommand("apt-get", [...lock, "update", "-qq"], { env });
    aptUpdated = true;
  }
  const result = await runCommand(
    "apt-get",
    [...lock, "install", "-y", "-qq", "--no-install-recommends", ...packages],
    { env },
  );
  if (result.code !== 0) console.error(result.stderr.trim().split("\n").slice(-3).join("\n"));
  return result.code === 0;
}

async function pipInstall(packages: string[]): Promise<boolean> {
  for (const python of ["/usr/bin/python3", "python3"]) {
    if ((await which(python)) === null) continue;
    const result = await runCommand(python, ["-m", "pip", "install", "--user", ...packages]);
    if (result.code === 0) {
      const home = Deno.env.get("HOME");
      if (home) Deno.env.set("PATH", `${home}/.local/bin:${Deno.env.get("PATH") ?? ""}`);
      return true;
    }
  }
  return false;
}

async function versionOf(program: string, args: string[], pattern: RegExp): Promise<string | null> {
  const path = await which(program);
  if (path === null) return null;
  const out = await runCommand(path, args);
  const text = `${out.stdout}\n${out.stderr}`;
  return pattern.exec(text)?.[1] ?? (out.code === 0 ? path : null);
}

const jupyter: Component = {
  name: "jupyter",
  required: true,
  aptPackages: ["jupyter-nbconvert", "jupyter-client"],
  programs: ["jupyter", "jupyter-nbconvert", "jupyter-kernelspec", "python3"],
  pythonModules: ["jupyter_client", "nbconvert", "nbformat"],
  pip: ["nbconvert", "jupyter-client"],
  installNote: "Jupyter (jupyter-nbconvert, jupyter-client, about 40 s)",
  fix: "install Jupyter: `sudo apt-get install jupyter-nbconvert jupyter-client` " +
    "(Debian/Ubuntu) or `python3 -m pip install --user nbconvert jupyter-client`",
  async probe() {
    const path = await findJupyter();
    if (path === null) return null;
    const out = await runCommand(path, ["nbconvert", "--version"]);
    const client = await runCommand(path, ["kernelspec", "list", "--json"]);
    return client.code === 0 ? `nbconvert ${out.stdout.trim()} (${path})` : null;
  },
};

const notebookUi: Component = {
  name: "jupyter-ui",
  required: false,
  aptPackages: ["jupyter-notebook"],
  programs: ["jupyter-notebook"],
  pip: ["notebook"],
  installNote: "the notebook UI (jupyter-notebook, about 20 s)",
  fix: "for `deno task jupyter`: `sudo apt-get install jupyter-notebook` or " +
    "`python3 -m pip install --user notebook`",
  async probe() {
    const path = await findJupyter();
    if (path === null) return null;
    for (const sub of ["lab", "notebook"]) {
      const out = await runCommand(path, [sub, "--version"]);
      if (out.code === 0) return `jupyter ${sub} ${out.stdout.trim()}`;
    }
    return null;
  },
};

const denoKernel: Component = {
  name: "deno-kernel",
  required: true,
  aptPackages: [],
  programs: [],
  fix: "register the kernel: `deno jupyter --install --force`",
  async probe() {
    const path = await findJupyter();
    if (path === null) return null;
    const out = await runCommand(path, ["kernelspec", "list", "--json"]);
    if (out.code !== 0) return null;
    const specs = JSON.parse(out.stdout).kernelspecs ?? {};
    const deno = specs.deno;
    if (!deno) return null;
    const argv0: string | undefined = deno.spec?.argv?.[0];
    // A kernelspec pointing at a deno that no longer exists (an npx cache that was cleared) or
    // at another deno than this one is registered again.
    const real = argv0 ? await Deno.realPath(argv0).catch(() => null) : null;
    if (real === null || real !== Deno.execPath()) return null;
    return `${deno.spec.display_name ?? "Deno"} (${argv0})`;
  },
};

async function registerKernel(): Promise<boolean> {
  const out = await runCommand(Deno.execPath(), ["jupyter", "--install", "--force"]);
  if (out.code !== 0) console.error(out.stderr.trim());
  return out.code === 0;
}

const ab: Component = {
  name: "ab",
  required: false,
  aptPackages: ["apache2-utils"],
  programs: ["ab"],
  fix: "`sudo apt-get install apache2-utils` (macOS ships ab)",
  probe: () => versionOf("ab", ["-V"], /Version (\S+)/),
};

const wrk: Component = {
  name: "wrk",
  required: false,
  aptPackages: ["wrk"],
  programs: ["wrk"],
  fix: "`sudo apt-get install wrk` or `brew install wrk`",
  probe: () => versionOf("wrk", ["-v"], /wrk (\S+)/),
};

const oha: Component = {
  name: "oha",
  required: false,
  aptPackages: [],
  programs: ["oha"],
  fix: "optional, the preferred generator: `cargo install oha`, `brew install oha`, " +
    "or a release binary from the oha project",
  probe: () => versionOf("oha", ["--version"], /oha (\S+)/),
};

/**
 * The zero-install generator: nothing to install, but its first run fetches the npm package into
 * Deno's cache. Doing that here, once, keeps parallel tests and a notebook's first run from
 * fetching it at the same moment (a crashed autocannon was seen on an empty cache).
 */
const autocannon: Component = {
  name: "autocannon",
  required: false,
  aptPackages: [],
  programs: [],
  fix: "the zero-install generator is fetched from the npm registry: check that it is reachable",
  probe: () => createAutocannonGenerator().version(),
};

const chromium: Component = {
  name: "chromium",
  required: false,
  aptPackages: ["chromium"],
  programs: ["chromium"],
  installNote: "chromium (about 1 min)",
  fix: "for `deno task lab --pdf` and to check reports as a browser shows them: " +
    "`sudo apt-get install chromium`",
  probe: () => versionOf("chromium", ["--version"], /Chromium (\S+)/),
};

const nginx: Component = {
  name: "nginx",
  required: false,
  aptPackages: ["nginx-light"],
  programs: ["nginx"],
  fix: "reference proxy for `deno task bench:balancer`: `sudo apt-get install nginx-light`",
  probe: () => versionOf("nginx", ["-v"], /nginx\/(\S+)/),
};

const locust: Component = {
  name: "locust",
  required: false,
  aptPackages: ["python3-locust"],
  programs: ["locust"],
  pythonModules: ["locust", "gevent"],
  installNote: "Locust (python3-locust, about 30 s)",
  fix: "distributed load generation: `sudo apt-get install python3-locust` or " +
    "`python3 -m pip install --user locust`",
  // Debian's python3-locust prints "locust " with no number: read the package version then.
  probe: () => locustVersion(),
};

/** Debian's process and network tools: slim images (containers, CI) may lack them. */
const processTools: Component = {
  name: "proc-tools",
  required: false,
  aptPackages: ["procps", "iproute2", "util-linux"],
  programs: ["pgrep", "ps", "ip", "ss", "prlimit", "taskset", "setsid"],
  fix: "the tests count processes and sockets with them: " +
    "`sudo apt-get install procps iproute2 util-linux`",
  async probe() {
    const missing: string[] = [];
    for (const program of this.programs) {
      if ((await which(program)) === null) missing.push(program);
    }
    return missing.length === 0 ? this.programs.join(", ") : null;
  },
};

/** What the lab needs (`deno task setup`, `deno task lab`, `deno task jupyter`). */
export const LAB_COMPONENTS: readonly Component[] = [
  jupyter,
  denoKernel,
  notebookUi,
  ab,
  wrk,
  oha,
  autocannon,
  chromium,
];

/** What only the tests and benchmarks add to {@link LAB_COMPONENTS}. */
export const TEST_EXTRAS: readonly Component[] = [nginx, locust, processTools];

/** The components setup handles for `purpose`: the tests get the lab's list and their extras. */
export function componentsFor(purpose: "lab" | "tests"): readonly Component[] {
  return purpose === "lab" ? LAB_COMPONENTS : [...LAB_COMPONENTS, ...TEST_EXTRAS];
}

async function ensure(component: Component): Promise<ComponentStatus> {
  const { name, required } = component;
  const found = await component.probe();
  if (found !== null) return { name, state: "found", detail: found, required };
  const installable = component === denoKernel || component.aptPackages.length > 0 ||
    component.pip !== undefined;
  if (installable && component.installNote) console.log(`installing ${component.installNote}...`);
  let installed = false;
  if (component === denoKernel) installed = await registerKernel();
  else if (component.aptPackages.length > 0) installed = await aptInstall(component.aptPackages);
  if (!installed && component.pip) installed = await pipInstall(component.pip);
  const after = installed ? await component.probe() : null;
  if (after !== null) return { name, state: "installed", detail: after, required };
  return { name, state: "missing", detail: component.fix, required };
}

/** Runs setup for the given purpose and returns one status per component. */
export async function setup(purpose: "lab" | "tests"): Promise<ComponentStatus[]> {
  const statuses: ComponentStatus[] = [];
  for (const component of componentsFor(purpose)) statuses.push(await ensure(component));
  return statuses;
}

/** Formats one status line. */
export function formatStatus(status: ComponentStatus): string {
  return `  ${status.name.padEnd(12)} ${status.state.padEnd(9)} ${status.detail}`;
}

if (import.meta.main) {
  const quiet = Deno.args.includes("--quiet");
  const unknown = Deno.args.filter((a) => a !== "--quiet" && a !== "--for-tests");
  if (unknown.length > 0) {
    console.error(`setup: unknown flag ${unknown[0]} (flags: --for-tests, --quiet)`);
    Deno.exit(2);
  }
  const statuses = await setup(Deno.args.includes("--for-tests") ? "tests" : "lab");
  if (!quiet) console.log("Concurrency Lab setup:");
  for (const status of statuses) {
    if (!quiet || status.state === "missing") console.log(formatStatus(status));
  }
  const missing = statuses.filter((s) => s.required && s.state === "missing");
  if (missing.length > 0) {
    console.error(`setup: required ${missing.map((s) => s.name).join(", ")} missing (see above)`);
    Deno.exit(1);
  }
}

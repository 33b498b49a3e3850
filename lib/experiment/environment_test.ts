import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { collectEnvironment, describeEnvironment, environmentTable } from "./environment.ts";

async function git(dir: string, ...args: string[]): Promise<void> {
  const output = await new Deno.Command("git", {
    args: ["-C", dir, "-c", "user.name=lab", "-c", "user.email=lab@example.org", ...args],
    stdout: "null",
    stderr: "null",
  }).output();
  assert.ok(output.success, `git ${args.join(" ")} failed`);
}

Deno.test("collectEnvironment describes this machine and the generator it is given", async () => {
  const env = await collectEnvironment({ generator: "ab", generatorVersion: "2.3" });
  assert.ok(env.cpuCount >= 1);
  assert.deepEqual(env.os, Deno.build.os);
  assert.deepEqual(env.deno, Deno.version.deno);
  assert.deepEqual(env.generator, "ab");
  assert.deepEqual(env.generatorVersion, "2.3");
  assert.ok(!Number.isNaN(Date.parse(env.date)));
  if (Deno.build.os === "linux") {
    assert.ok(env.cpuModel !== null && env.cpuModel.length > 0);
    assert.ok(env.memoryTotalBytes !== null && env.memoryTotalBytes > 2 ** 20);
    assert.match(env.kernel, /^\d+\.\d+/);
  }
  assert.match(describeEnvironment(env), /x\d+, .*GiB.*Deno .*, ab 2\.3/);
});

Deno.test("the git commit and dirty flag follow the checkout", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const outside = await collectEnvironment({ repoDir: dir });
    assert.deepEqual(outside.gitCommit, null);
    assert.deepEqual(outside.gitDirty, null);
    await git(dir, "init", "-q");
    await Deno.writeTextFile(`${dir}/a.txt`, "one\n");
    await git(dir, "add", "a.txt");
    await git(dir, "commit", "-q", "-m", "one");
    const clean = await collectEnvironment({ repoDir: dir });
    assert.match(clean.gitCommit ?? "", /^[0-9a-f]{7,}$/);
    assert.deepEqual(clean.gitDirty, false);
    await Deno.writeTextFile(`${dir}/a.txt`, "two\n");
    assert.deepEqual((await collectEnvironment({ repoDir: dir })).gitDirty, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("environmentTable gives one text row per field and makes a DataFrame", async () => {
  const env = await collectEnvironment();
  const rows = environmentTable(env);
  assert.deepEqual(env.targets, []);
  assert.deepEqual(rows.map((row) => row.key), Object.keys(env).filter((key) => key !== "targets"));
  assert.ok(rows.every((row) => typeof row.value === "string"));
  assert.deepEqual(rows.find((row) => row.key === "generator")?.value, "");
  const df = pl.DataFrame(rows);
  assert.deepEqual(df.columns, ["key", "value"]);
  assert.deepEqual(df.height, rows.length);
});

Deno.test("environmentTable gives one readable row per target, saying where it runs", async () => {
  const env = {
    ...(await collectEnvironment()),
    targets: [
      { name: "async", url: "http://127.0.0.1:41000", launched: true, remote: false },
      { name: "nginx", url: "http://127.0.0.1:8080", launched: false, remote: false },
      { name: "far", url: "http://10.200.7.2:45000", launched: false, remote: true },
    ],
  };
  const rows = environmentTable(env).filter((row) => row.key.startsWith("target"));
  assert.deepEqual(rows, [
    { key: "target async", value: "http://127.0.0.1:41000 (launched here)" },
    { key: "target nginx", value: "http://127.0.0.1:8080 (already running here)" },
    { key: "target far", value: "http://10.200.7.2:45000 (remote, allowed by allowHosts)" },
  ]);
  // a record saved before targets were kept still makes a table
  const { targets: _, ...old } = env;
  assert.deepEqual(environmentTable(old as typeof env).length, Object.keys(old).length);
});

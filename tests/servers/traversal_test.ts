import assert from "node:assert/strict";
import { join } from "node:path";
import { checkPath } from "../../servers/static_files.ts";
import { rawRequest } from "../support/servers/http.ts";
import { testEachModel } from "../support/servers/models.ts";

const SECRET = "TOP SECRET: outside the www root";

/**
 * A temporary layout: `<dir>/deno.json` and `<dir>/secret.txt` outside the root, `<dir>/www` the
 * root with one public file and symbolic links pointing out of it.
 */
async function makeWwwRoot(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "lab-www-" });
  const root = join(dir, "www");
  await Deno.mkdir(join(root, "sub"), { recursive: true });
  await Deno.writeTextFile(join(dir, "deno.json"), SECRET);
  await Deno.writeTextFile(join(dir, "secret.txt"), SECRET);
  await Deno.writeTextFile(join(root, "public.txt"), "public\n");
  await Deno.writeTextFile(join(root, "sub", "inner.txt"), "inner\n");
  await Deno.symlink(join(dir, "secret.txt"), join(root, "link.txt"));
  await Deno.symlink(dir, join(root, "up"));
  await Deno.symlink("../../secret.txt", join(root, "sub", "relative.txt"));
  await Deno.symlink("/etc/passwd", join(root, "passwd"));
  return root;
}

const ATTEMPTS = [
  "/../deno.json",
  "/%2e%2e/deno.json",
  "/%2E%2E/deno.json",
  "/.%2e/deno.json",
  "/%2e%2e%2fdeno.json",
  "/..%2fdeno.json",
  "/..%2Fdeno.json",
  "/..%5cdeno.json",
  "/..\\deno.json",
  "/%252e%252e/deno.json",
  "/%252e%252e%252fdeno.json",
  "/%c0%ae%c0%ae/deno.json",
  "/sub/../../deno.json",
  "/sub/%2e%2e/%2e%2e/secret.txt",
  "/./../secret.txt",
  "/../../../../../../etc/passwd",
  "//etc/passwd",
  "///etc/passwd",
  "/%2fetc/passwd",
  "/%00",
  "/public.txt%00.html",
  "/link.txt",
  "/up/secret.txt",
  "/up/deno.json",
  "/sub/relative.txt",
  "/passwd",
  `/${"a/".repeat(600)}`,
];

let root = "";

testEachModel("never serves a file outside the www root", async (s) => {
  // The control: a public file is served, so a refusal below is not a broken server.
  const control = await rawRequest(s.port, "/sub/inner.txt");
  assert.equal(control.status, 200);
  assert.equal(control.body, "inner\n");
  for (const path of ATTEMPTS) {
    const r = await rawRequest(s.port, path);
    assert.ok(r.status === 400 || r.status === 404, `${path} answered ${r.status}: ${r.body}`);
    assert.ok(!r.body.includes(SECRET), `${path} leaked the secret`);
    assert.ok(!r.body.includes("root:"), `${path} leaked /etc/passwd`);
  }
  // URL parsing resolves dot segments that climb to the top into "/": the hello text, no file.
  for (const path of ["/..", "/.", "/sub/..", "/sub/../..", "http://127.0.0.1/../secret.txt"]) {
    const r = await rawRequest(s.port, path);
    assert.ok(!r.body.includes(SECRET), `${path} leaked the secret`);
    assert.ok(r.status !== 200 || r.body.startsWith("Hello from Concurrency Lab"), path);
  }
}, async () => {
  root ||= await makeWwwRoot();
  return { wwwRoot: root };
});

Deno.test("checkPath refuses each kind of bad path with a reason, and accepts good ones", () => {
  assert.equal(checkPath("/"), "index.html");
  assert.equal(checkPath("/page.html"), "page.html");
  assert.equal(checkPath("/sub//inner.txt"), "sub/inner.txt");
  assert.equal(checkPath("/a%20b.txt"), "a b.txt");
  for (const path of ["/../x", "/%2e%2e/x", "/a%2fb", "/a%5cb", "/%00", "/%252e", "/%zz", "x"]) {
    const result = checkPath(path);
    assert.equal(typeof result, "object", path);
    assert.equal((result as { kind: string }).kind, "bad-path", path);
  }
});

Deno.test("cleanup: remove the temporary www root", async () => {
  if (root) await Deno.remove(join(root, ".."), { recursive: true });
});

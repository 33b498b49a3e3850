/**
 * Path traversal against every model: more than 60 raw request targets, each answered 400 or 404
 * and never with the content of a canary file outside the www root; the server keeps serving.
 *
 * The requests go out byte for byte over TCP (`rawRequest`), so no client normalizes them first.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { rawRequest } from "../support/servers/http.ts";
import { testEachModel } from "../support/servers/models.ts";

/** Unique content, so any leak of a file outside the root is recognized. */
const CANARY = `CANARY-${crypto.randomUUID()}`;

/**
 * `<dir>/canary.txt` and `<dir>/deno.json` hold the canary; `<dir>/www` is the root, with a
 * public file, a folder, and symbolic links pointing out of it (absolute, relative, to a folder).
 */
async function makeLayout(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "lab-robust-www-" });
  const root = join(dir, "www");
  await Deno.mkdir(join(root, "sub"), { recursive: true });
  await Deno.writeTextFile(join(dir, "canary.txt"), CANARY);
  await Deno.writeTextFile(join(dir, "deno.json"), CANARY);
  await Deno.writeTextFile(join(root, "public.txt"), "public\n");
  await Deno.writeTextFile(join(root, "sub", "inner.txt"), "inner\n");
  await Deno.symlink(join(dir, "canary.txt"), join(root, "link.txt"));
  await Deno.symlink(dir, join(root, "up"));
  await Deno.symlink("../../canary.txt", join(root, "sub", "relative.txt"));
  await Deno.symlink("../..", join(root, "sub", "uplink"));
  await Deno.symlink("/etc/passwd", join(root, "passwd"));
  return root;
}

const DOTS = ["..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "%2E.", ".%2E"];
const SLASHES = ["%2f", "%2F", "%5c", "%5C", "\\", "%252f", "%c0%af", "%e0%80%af"];

/** Raw request targets that try to climb out of the root, one per spelling. */
const ATTEMPTS: readonly string[] = [
  // `..` spelled every way, as a path segment
  ...DOTS.map((dots) => `/${dots}/canary.txt`),
  ...DOTS.map((dots) => `/sub/${dots}/${dots}/canary.txt`),
  // `..` joined to the file by an encoded or raw separator
  ...SLASHES.map((slash) => `/..${slash}canary.txt`),
  ...SLASHES.map((slash) => `/sub${slash}..${slash}..${slash}canary.txt`),
  // overlong UTF-8 dots and slashes, double and triple encoding
  "/%c0%ae%c0%ae/canary.txt",
  "/%c0%2e%c0%2e/canary.txt",
  "/%e0%80%ae%e0%80%ae/canary.txt",
  "/%f0%80%80%ae%f0%80%80%ae/canary.txt",
  "/%c0%ae%c0%ae%c0%afcanary.txt",
  "/%252e%252e/canary.txt",
  "/%252e%252e%252fcanary.txt",
  "/%25252e%25252e/canary.txt",
  "/%%32%65%%32%65/canary.txt",
  // unicode look-alikes of the dot (one-dot leader, fullwidth, halfwidth ideographic)
  "/%e2%80%a4%e2%80%a4/canary.txt",
  "/%ef%bc%8e%ef%bc%8e/canary.txt",
  "/%ef%bd%a1%ef%bd%a1/canary.txt",
  "/\u2024\u2024/canary.txt",
  // absolute paths and empty segments
  "//etc/passwd",
  "///etc/passwd",
  "/%2fetc/passwd",
  "/%2Fetc%2Fpasswd",
  "/etc/passwd",
  "/..//..//canary.txt",
  "/.../canary.txt",
  "/....//canary.txt",
  // NUL bytes
  "/%00",
  "/%00../canary.txt",
  "/public.txt%00.html",
  "/..%00/canary.txt",
  // `;` path parameters (some servers cut them off before the check)
  "/..;/canary.txt",
  "/sub/..;/..;/canary.txt",
  "/public.txt;/../../canary.txt",
  "/%2e%2e;x=1/canary.txt",
  // raw backslashes
  "/..\\..\\canary.txt",
  "/sub\\..\\..\\canary.txt",
  "/\\canary.txt",
  // symbolic links pointing out of the root
  "/link.txt",
  "/up/canary.txt",
  "/up/deno.json",
  "/sub/relative.txt",
  "/sub/uplink/canary.txt",
  "/passwd",
  // very long paths (over 8 KB), with and without a climb at the end
  `/${"a/".repeat(5000)}canary.txt`,
  `/${"../".repeat(3000)}canary.txt`,
  `/${"%2e%2e%2f".repeat(1000)}canary.txt`,
  `/sub/${"./".repeat(4500)}../../canary.txt`,
  // absolute-form targets
  "http://127.0.0.1/../canary.txt",
  "http://127.0.0.1/%2e%2e/canary.txt",
  "http://127.0.0.1/..%2fcanary.txt",
];

let root = "";

testEachModel("refuses every traversal spelling with 400 or 404 and keeps serving", async (s) => {
  assert.ok(new Set(ATTEMPTS).size >= 40, `only ${new Set(ATTEMPTS).size} distinct attempts`);
  // The control: a file inside the root is served, so a refusal below is not a broken server.
  const control = await rawRequest(s.port, "/sub/inner.txt");
  assert.equal(control.status, 200);
  assert.equal(control.body, "inner\n");
  const leaks: string[] = [];
  for (const path of ATTEMPTS) {
    const r = await rawRequest(s.port, path);
    const shown = path.length > 60 ? `${path.slice(0, 60)}... (${path.length} chars)` : path;
    if (r.status !== 400 && r.status !== 404) leaks.push(`${shown} answered ${r.status}`);
    if (r.body.includes(CANARY)) leaks.push(`${shown} leaked the canary`);
    if (r.body.includes("root:")) leaks.push(`${shown} leaked /etc/passwd`);
  }
  assert.deepEqual(leaks, []);
  // Still serving, on the same connection kind, after every refusal.
  const after = await rawRequest(s.port, "/public.txt");
  assert.equal(after.status, 200);
  assert.equal(after.body, "public\n");
}, async () => {
  root ||= await makeLayout();
  return { wwwRoot: root };
});

Deno.test("cleanup: remove the temporary layout", async () => {
  if (root) await Deno.remove(join(root, ".."), { recursive: true });
});

import assert from "node:assert/strict";
import { DEFAULT_WWW_ROOT, TEXT_CONTENT_TYPE } from "../../servers/app.ts";
import { fetchAll, readStats } from "../support/servers/http.ts";
import { TEST_SIZES, testEachModel } from "../support/servers/models.ts";

const PAGE = await Deno.readFile(`${DEFAULT_WWW_ROOT}/page.html`);
const LOGO = await Deno.readFile(`${DEFAULT_WWW_ROOT}/logo.png`);
const STYLE = await Deno.readFile(`${DEFAULT_WWW_ROOT}/style.css`);
const TEXT = TEXT_CONTENT_TYPE;

testEachModel(
  "answers every route with the right status, type, length and body",
  async (s, name) => {
    const expectText = async (path: string, status: number, pattern: RegExp) => {
      const r = await fetchAll(s.url + path);
      assert.equal(r.status, status, `${path}: ${r.text}`);
      assert.equal(r.headers.get("content-type"), TEXT, path);
      assert.equal(r.headers.get("content-length"), String(r.body.byteLength), path);
      assert.match(r.text, pattern, path);
    };
    await expectText("/", 200, new RegExp(`^Hello from Concurrency Lab \\(${name} server\\)\\n$`));
    await expectText("/health", 200, /^ok\n$/);
    await expectText("/cpu?ms=5", 200, /^computed for 5 ms \([0-9a-f]+\)\n$/);
    await expectText("/io?ms=5", 200, /^waited 5 ms\n$/);
    await expectText("/io?ms=0", 200, /^waited 0 ms\n$/);
    await expectText("/missing.html", 404, /^not found: \/missing\.html\n$/);

    const bytes = await fetchAll(`${s.url}/bytes?n=100000`);
    assert.equal(bytes.status, 200);
    assert.equal(bytes.headers.get("content-type"), "application/octet-stream");
    assert.equal(bytes.headers.get("content-length"), "100000");
    assert.equal(bytes.body.byteLength, 100000);
    assert.ok(bytes.body.every((b) => b === 0x78));
    assert.equal((await fetchAll(`${s.url}/bytes?n=0`)).body.byteLength, 0);

    for (const status of [200, 404, 418, 500, 503]) {
      const r = await fetchAll(`${s.url}/status/${status}`);
      assert.equal(r.status, status);
      assert.equal(r.text, `status ${status}\n`);
    }
    assert.equal((await fetchAll(`${s.url}/status/204`)).status, 204);

    const stats = await readStats(s.url);
    assert.equal(stats.model, name);
    assert.equal(stats.pid, Deno.pid);
    assert.equal(stats.inFlight, 0);
    // Counted so far: 4 text routes + missing + 2 bytes + 6 status; /health and /stats are not.
    assert.equal(stats.served, 13);
    if (name === "threads") {
      assert.equal(stats.poolSize, TEST_SIZES.threads);
      assert.equal(stats.workers?.length, TEST_SIZES.threads);
      assert.equal(stats.executing?.served, 13);
      assert.equal(stats.workers?.reduce((sum, w) => sum + w.served, 0), 13);
    } else if (name === "workers") {
      assert.equal(stats.workers?.length, TEST_SIZES.workers);
      assert.equal(stats.workers?.reduce((sum, w) => sum + w.served, 0), 13);
    } else {
      assert.equal(stats.workers, undefined);
    }
  },
);

testEachModel("serves static files byte for byte, with HEAD", async (s) => {
  for (
    const [path, type, content] of [
      ["/page.html", "text/html; charset=utf-8", PAGE],
      ["/logo.png", "image/png", LOGO],
      ["/style.css", "text/css; charset=utf-8", STYLE],
    ] as const
  ) {
    const r = await fetchAll(s.url + path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers.get("content-type"), type, path);
    assert.equal(r.headers.get("content-length"), String(content.byteLength), path);
    assert.deepEqual(r.body, content, path);
  }
  const head = await fetchAll(`${s.url}/page.html`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(head.headers.get("content-length"), String(PAGE.byteLength));
  assert.equal(head.body.byteLength, 0);
  const post = await fetchAll(`${s.url}/page.html`, { method: "POST", body: "x" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
});

testEachModel("refuses bad parameters with 400 and a one-line reason", async (s) => {
  for (
    const [path, reason] of [
      ["/cpu?ms=-1", /^ms must be a whole number from 0 to 10000, got '-1'$/],
      ["/io?ms=abc", /^ms must be a whole number from 0 to 10000, got 'abc'$/],
      ["/bytes?n=1e12", /^n must be a whole number from 0 to 67108864, got '1e12'$/],
      ["/io?ms=10001", /^ms=10001 is over the limit of 10000$/],
      ["/cpu?ms=99999999999999", /^ms must be a whole number/],
      ["/bytes?n=67108865", /^n=67108865 is over the limit of 67108864$/],
      ["/cpu", /^missing query parameter ms/],
      ["/bytes?n=", /^n must be a whole number/],
    ] as const
  ) {
    const r = await fetchAll(s.url + path);
    assert.equal(r.status, 400, path);
    assert.ok(r.text.endsWith("\n") && !r.text.slice(0, -1).includes("\n"), `one line: ${r.text}`);
    assert.match(r.text.trimEnd(), reason, path);
  }
  assert.equal((await readStats(s.url)).inFlight, 0);
});

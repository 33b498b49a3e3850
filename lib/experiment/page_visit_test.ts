import assert from "node:assert/strict";
import { launchCluster, modelBackends } from "./cluster.ts";
import { findChromium } from "../process/chromium.ts";
import { checkRotation, linkedFiles, type PageRequest, visitPage } from "./page_visit.ts";

Deno.test("linkedFiles finds a page's stylesheet, images and scripts, not its other links", () => {
  const html = `<link rel="stylesheet" href="style.css"><link rel="icon" href="x.ico">
    <img src="logo.png" alt=""><script src='app.js'></script><a href="other.html">x</a>`;
  assert.deepEqual(linkedFiles(html), ["style.css", "logo.png", "app.js"]);
});

const row = (view: number, backend: string): PageRequest => ({
  view,
  request: 1,
  path: "/",
  status: 200,
  backend,
});

Deno.test("checkRotation: round robin is even and spread; one backend taking all is neither", () => {
  const rr = checkRotation([row(1, "a"), row(1, "b"), row(1, "c"), row(2, "d"), row(2, "a")]);
  assert.equal(rr.even, true);
  assert.equal(rr.spreadInEachView, true);
  const stuck = checkRotation([row(1, "a"), row(1, "a"), row(1, "b"), row(2, "a"), row(2, "c")]);
  assert.equal(stuck.even, false);
  assert.equal(stuck.spreadInEachView, false);
  assert.deepEqual(stuck.perBackend.map((b) => b.requests), [3, 1, 1]);
});

for (const browser of ["chromium", "fetch"] as const) {
  Deno.test(`visitPage (${browser}) loads the lab's page and its two files through the balancer, rotating`, async () => {
    const chromium = browser === "fetch" ? null : await findChromium();
    if (browser === "chromium" && chromium === null) {
      throw new Error("chromium is not installed: run `deno run -A lib/lab/setup.ts --for-tests`");
    }
    const cluster = await launchCluster({
      name: `visit-${browser}`,
      backends: modelBackends("async", 4),
    });
    try {
      const visit = await visitPage(`${cluster.url}/page.html`, { views: 3, chromium });
      assert.ok(visit.client.startsWith(browser), visit.client);
      assert.equal(visit.requests.length, 9, JSON.stringify(visit.requests));
      assert.deepEqual(
        new Set(visit.requests.map((r) => r.path)),
        new Set(["/page.html", "/style.css", "/logo.png"]),
      );
      assert.ok(visit.requests.every((r) => r.status === 200));
      const rotation = checkRotation(visit.requests);
      assert.ok(rotation.even && rotation.spreadInEachView, JSON.stringify(visit.requests));
      assert.ok(visit.requests.every((r) => cluster.labels.includes(r.backend)));
    } finally {
      await cluster.shutdown();
    }
  });
}

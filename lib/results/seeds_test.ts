import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSeeds, SEED_SCHEMA, SEEDS_DIR } from "./seeds.ts";

const FIGURES = [
  "concurrency",
  "time_taken_s",
  "complete",
  "failed",
  "total_transferred_bytes",
  "requests_per_sec",
  "time_per_request_ms",
  "transfer_kbps",
] as const;

type Row = Record<string, unknown>;

function seedRows(source: string): Row[] {
  return (loadSeeds().toRecords() as Row[]).filter((row) => row.source === source);
}

function figuresOf(row: Row): (number | null)[] {
  return FIGURES.map((name) => row[name] as number | null);
}

function readSource(name: string): string {
  return Deno.readTextFileSync(join(SEEDS_DIR, "sources", name));
}

/** Cells of the report's markdown tables: the rows that start with a test number. */
function markdownRows(text: string): (number | null)[][] {
  return text.split("\n")
    .filter((line) => /^\|\s*\d+\s*\|/.test(line))
    .map((line) =>
      line.split("|").slice(1, -1).map((cell) => {
        const value = cell.trim();
        return value === "-" ? null : parseFloat(value);
      })
    );
}

Deno.test("seeds load with the documented columns and types", () => {
  const seeds = loadSeeds();
  assert.deepEqual(seeds.columns, Object.keys(SEED_SCHEMA));
  assert.equal(seeds.height, 22 + 10 + 14);
  const sources = [...new Set(seeds.getColumn("source").toArray())];
  assert.deepEqual(sources, [
    "001_1e36f06738eeb250.txt",
    "002_d0c32baef3e00039.txt",
    "004_ddfdaf1affddb1ac.txt",
  ]);
});

Deno.test("seed 001 matches every cell of the report's two HTML tables", () => {
  const tables = readSource("001_1e36f06738eeb250.txt").split("<table").slice(1);
  const cells = tables.map((table) =>
    table.split("<tr>").slice(1)
      .map((tr) => [...tr.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => parseFloat(m[1]!)))
      .filter((tds) => tds.length > 0)
      .map((tds) => tds.length === 9 ? tds.slice(1) : tds)
  );
  const rows = seedRows("001_1e36f06738eeb250.txt");
  assert.deepEqual(rows.map(figuresOf), [...cells[0]!, ...cells[1]!]);
  // both headings say server_thread_http.py; the second table is read as the async server.
  assert.deepEqual(
    [...new Set(rows.map((row) => row.heading))],
    ["Hasil Performance Test menggunakan server_thread_http.py"],
  );
  assert.deepEqual(rows.map((row) => row.server), [
    ...Array(11).fill("threads"),
    ...Array(11).fill("async"),
  ]);
  assert.deepEqual(rows.map((row) => row.requests).slice(0, 11), [
    10,
    10,
    10,
    50,
    50,
    50,
    50,
    100,
    100,
    100,
    100,
  ]);
  const fastest = rows.find((row) => row.server === "async" && row.concurrency === 5)!;
  assert.equal(fastest.requests_per_sec, 2005.21);
  assert.equal(fastest.time_taken_s, 0.005);
});

Deno.test("seed 002 matches the report's markdown tables cell by cell", () => {
  const rows = seedRows("002_d0c32baef3e00039.txt");
  const cells = markdownRows(readSource("002_d0c32baef3e00039.txt"));
  assert.equal(cells.length, 10);
  assert.deepEqual(rows.map((row) => [row.no_test, ...figuresOf(row)]), cells);
  const threadsC1 = rows.find((row) => row.server === "threads" && row.concurrency === 1)!;
  assert.equal(threadsC1.time_taken_s, 744.548);
  assert.equal(threadsC1.requests_per_sec, 1.34);
  assert.equal(threadsC1.heading, "Server_thread_http (PORT 46000)");
  const asyncC5 = rows.find((row) => row.server === "async" && row.concurrency === 5)!;
  assert.equal(asyncC5.requests_per_sec, 809.87);
  assert.equal(asyncC5.transfer_kbps, 96.49);
  // the report's slip, kept as written
  assert.equal(
    rows.find((r) => r.server === "threads" && r.concurrency === 4)!.time_per_request_ms,
    364.884,
  );
});

Deno.test("seed 004 keeps unfinished runs as nulls with finished false", () => {
  const rows = seedRows("004_ddfdaf1affddb1ac.txt");
  const cells = markdownRows(readSource("004_ddfdaf1affddb1ac.txt"));
  assert.equal(cells.length, 14);
  assert.deepEqual(rows.map((row) => [row.no_test, ...figuresOf(row)]), cells);
  assert.deepEqual(rows.map((row) => row.finished), [
    true,
    true,
    false,
    false,
    false,
    false,
    false,
    true,
    false,
    false,
    false,
    false,
    false,
    false,
  ]);
  const unfinished = rows.filter((row) => row.finished === false);
  assert.ok(unfinished.every((row) => row.requests_per_sec === null && row.complete === null));
  const threadsC1 = rows.find((row) => row.server === "threads" && row.concurrency === 1)!;
  assert.equal(threadsC1.time_taken_s, 223.991);
  assert.equal(threadsC1.requests_per_sec, 4.46);
});

Deno.test("loadSeeds names the fix when the folder has no CSV", () => {
  const dir = Deno.makeTempDirSync();
  try {
    assert.throws(() => loadSeeds(dir), /no seed CSV files .*restore data\/seeds\//);
  } finally {
    Deno.removeSync(dir);
  }
});

/**
 * The 2020 lab reports' results tables (`data/seeds/*.csv`), as one polars DataFrame.
 *
 * @module
 */

import pl from "nodejs-polars";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Folder of the seed CSV files. */
export const SEEDS_DIR: string = fileURLToPath(new URL("../../data/seeds/", import.meta.url));

/** Column types of the seeds DataFrame, in order. */
export const SEED_SCHEMA = {
  source: pl.Utf8,
  assignment: pl.Utf8,
  heading: pl.Utf8,
  server: pl.Utf8,
  no_test: pl.Int64,
  requests: pl.Int64,
  concurrency: pl.Int64,
  time_taken_s: pl.Float64,
  complete: pl.Int64,
  failed: pl.Int64,
  total_transferred_bytes: pl.Int64,
  requests_per_sec: pl.Float64,
  time_per_request_ms: pl.Float64,
  transfer_kbps: pl.Float64,
  finished: pl.Bool,
} as const;

/** Reads one seed CSV with the {@link SEED_SCHEMA} columns. */
export function readSeedCsv(path: string): pl.DataFrame {
  const df = pl.readCSV(Deno.readTextFileSync(path), { inferSchemaLength: 0 });
  const names = Object.keys(SEED_SCHEMA);
  const missing = names.filter((name) => !df.columns.includes(name));
  if (missing.length > 0) {
    throw new Error(`${path}: missing column(s) ${missing.join(", ")}; see data/seeds/README.md`);
  }
  return df.select(
    ...Object.entries(SEED_SCHEMA).map(([name, dtype]) => {
      const column = pl.col(name);
      if (dtype === pl.Bool) return column.eq(pl.lit("true")).alias(name);
      return dtype === pl.Utf8 ? column : column.cast(dtype, true);
    }),
  );
}

/**
 * All the 2020 reports' tables, one row per table row: the seed CSVs in file-name order.
 * Runs that never finished have null figures and `finished` false.
 */
export function loadSeeds(dir: string = SEEDS_DIR): pl.DataFrame {
  const files = [...Deno.readDirSync(dir)]
    .filter((entry) => entry.isFile && entry.name.endsWith(".csv"))
    .map((entry) => entry.name)
    .sort();
  if (files.length === 0) {
    throw new Error(`no seed CSV files in '${dir}': restore data/seeds/ from the repository`);
  }
  return pl.concat(files.map((name) => readSeedCsv(join(dir, name))));
}

/**
 * Building polars DataFrames from plain rows with a fixed schema: stable column order, the same
 * column types whatever the values, and zero rows allowed.
 *
 * @module
 */

import pl from "nodejs-polars";

/** Column kinds a {@link FrameSchema} can name. */
export type ColumnKind = "f64" | "i64" | "str" | "bool";

/** Column name to kind, in column order. */
export type FrameSchema = Readonly<Record<string, ColumnKind>>;

function dtypeOf(kind: ColumnKind) {
  switch (kind) {
    case "f64":
      return pl.Float64;
    case "i64":
      return pl.Int64;
    case "str":
      return pl.Utf8;
    case "bool":
      return pl.Bool;
  }
}

/**
 * Makes a DataFrame with exactly the schema's columns, in its order. Missing or undefined values
 * become nulls; a value of the wrong type throws an Error naming the column.
 */
export function frameFromRows(
  rows: readonly Readonly<Record<string, unknown>>[],
  schema: FrameSchema,
): pl.DataFrame {
  const columns = Object.entries(schema).map(([name, kind]) => {
    const values = rows.map((row, index) => {
      const value = row[name];
      if (value === undefined || value === null) return null;
      const ok = kind === "str"
        ? typeof value === "string"
        : kind === "bool"
        ? typeof value === "boolean"
        : typeof value === "number";
      if (!ok) {
        throw new Error(
          `column '${name}' holds ${kind} values, row ${index} has ${JSON.stringify(value)}`,
        );
      }
      return typeof value === "number" && !Number.isFinite(value) ? null : value;
    });
    return pl.Series(name, values, dtypeOf(kind));
  });
  return pl.DataFrame(columns);
}

/** The rows of a DataFrame as plain objects. */
export function frameRows(df: pl.DataFrame): Record<string, unknown>[] {
  return df.toRecords() as Record<string, unknown>[];
}

/** Throws an Error naming the missing columns unless `df` has all of `columns`. */
export function requireColumns(df: pl.DataFrame, columns: readonly string[], what: string): void {
  const missing = columns.filter((name) => !df.columns.includes(name));
  if (missing.length > 0) {
    throw new Error(
      `${what}: the DataFrame lacks column(s) ${missing.join(", ")}; pass the frame it expects`,
    );
  }
}

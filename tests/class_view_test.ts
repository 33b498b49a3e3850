import assert from "node:assert/strict";
import { join } from "node:path";
import { unzipSync, zipSync } from "fflate";
import { main } from "../lib/class/cli.ts";
import { loadClass } from "../lib/class/load.ts";
import { HANDIN_FORMAT } from "../lib/class/manifest.ts";
import { packHandIn } from "../lib/class/pack.ts";
import { machineRows, spreadRows, verdictRows } from "../lib/class/analysis.ts";
import { makeSampleClass, SAMPLE_EXPERIMENT } from "./support/class.ts";

/** Every file under `dir` with its size and a hash of its bytes: to see that nothing changed. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) {
      out.push(...(await snapshot(path)).map((line) => `${entry.name}/${line}`));
      continue;
    }
    const digest = await crypto.subtle.digest("SHA-256", Deno.readFileSync(path));
    out.push(`${entry.name} ${btoa(String.fromCharCode(...new Uint8Array(digest)))}`);
  }
  return out.sort();
}

Deno.test("class view: students pack real runs, a teacher loads them with every bad archive named", async (t) => {
  const work = Deno.makeTempDirSync({ prefix: "class-view-" });
  const classDir = join(work, "class");
  try {
    const archives = await makeSampleClass(work, classDir);

    await t.step(
      "pack writes one zip per student with runs, config, environment and a manifest",
      () => {
        assert.deepEqual(
          archives.map((p) => p.replace(/^.*\//, "").replace(/\d{4}-\d\d-\d\d/, "DATE")),
          [
            "ani-DATE.zip",
            "budi-DATE.zip",
            "citra-DATE.zip",
            "dewi-DATE.zip",
          ],
        );
        const entries = unzipSync(Deno.readFileSync(archives[0]!));
        for (const file of ["runs.ndjson", "config.json", "environment.json"]) {
          assert.ok(entries[`results/${SAMPLE_EXPERIMENT}/${file}`], file);
        }
        const manifest = JSON.parse(new TextDecoder().decode(entries["manifest.json"]));
        assert.equal(manifest.format, HANDIN_FORMAT);
        assert.equal(manifest.student, "Ani");
        assert.equal(manifest.profile, "quick");
        assert.deepEqual(manifest.experiments, [SAMPLE_EXPERIMENT]);
        assert.equal(manifest.machine.cores, navigator.hardwareConcurrency);
      },
    );

    await t.step(
      "pack asks for the student and refuses an empty results folder, writing nothing",
      () => {
        const empty = Deno.makeTempDirSync({ dir: work });
        assert.throws(
          () =>
            packHandIn({ student: " ", resultsDir: join(work, "Ani", "results"), outDir: empty }),
          /say who hands in: --student NAME/,
        );
        assert.throws(
          () => packHandIn({ student: "Eko", resultsDir: empty, outDir: empty }),
          /no measured runs under '.*': run the lab first/,
        );
        assert.deepEqual([...Deno.readDirSync(empty)], []);
      },
    );

    await t.step(
      "the class loads into one frame with student and machine, another setup kept apart",
      () => {
        const data = loadClass(classDir);
        assert.deepEqual(data.handIns.map((h) => h.student), ["Ani", "Budi", "Citra", "Dewi"]);
        for (const column of ["student", "machine", "cores", "size", "pin", "experimentKey"]) {
          assert.ok(data.runs.columns.includes(column), column);
        }
        assert.deepEqual(data.problems, [
          "kept Dewi's c-root apart: another setup than the class (requests 150 vs 300)",
        ]);
        const keys = new Set(data.runs.getColumn("experimentKey").toArray());
        assert.deepEqual([...keys].sort(), ["c-root", "c-root [requests 150 vs 300]"]);
        const spread = spreadRows(data.runs, SAMPLE_EXPERIMENT);
        assert.equal(spread.length, 4); // two targets x two levels
        // Three machines ran every cell; a run that failed on a busy machine may leave one
        // machine a single repeat there, but never fewer than two machines to compare.
        assert.ok(
          spread.every((row) => row.machines >= 2 && row.acrossCv !== null),
          JSON.stringify(spread),
        );
        assert.equal(machineRows(data.runs, SAMPLE_EXPERIMENT).length, 12);
        const verdicts = verdictRows(data.runs, SAMPLE_EXPERIMENT, "async", "threads");
        assert.deepEqual(verdicts.map((v) => v.concurrency), [1, 8]);
        const allowed =
          /^(async faster|threads faster|no difference beyond the noise|cannot tell \(one run\))$/;
        for (const v of verdicts) {
          // Which verdict wins depends on the run; how it is counted does not.
          assert.match(v.majority, allowed);
          assert.ok(v.machines >= 2 && v.agree >= 1 && v.agree <= v.machines, JSON.stringify(v));
          const dissent = v.disagree === "" ? [] : v.disagree.split("; ");
          assert.equal(dissent.length, v.machines - v.agree, v.disagree);
        }
      },
    );

    await t.step(
      "bad archives are skipped in one line each, and nothing in the folder changes",
      async () => {
        Deno.writeFileSync(join(classDir, "broken.zip"), new Uint8Array([80, 75, 3, 4, 1, 2, 3]));
        Deno.writeFileSync(join(classDir, "photos.zip"), zipSync({ "a.jpg": new Uint8Array([1]) }));
        const entries = unzipSync(Deno.readFileSync(archives[0]!));
        const old = JSON.parse(new TextDecoder().decode(entries["manifest.json"]));
        Deno.writeFileSync(
          join(classDir, "old.zip"),
          zipSync({
            ...entries,
            "manifest.json": new TextEncoder().encode(
              JSON.stringify({ ...old, student: "Old", version: 0 }),
            ),
          }),
        );
        Deno.writeFileSync(join(classDir, "notes.txt"), new TextEncoder().encode("hello"));
        // Ani hands in again, later: the newer archive wins.
        const later = packHandIn({
          student: "ani",
          resultsDir: join(work, "Ani", "results"),
          outDir: join(classDir, "resubmitted"),
          now: new Date(Date.now() + 86_400_000),
        });
        Deno.renameSync(later.path, join(classDir, "ani-again.zip"));
        Deno.removeSync(join(classDir, "resubmitted"));
        const before = await snapshot(classDir);
        const data = loadClass(classDir);
        assert.deepEqual(await snapshot(classDir), before);
        const problems = data.problems.join("\n");
        assert.match(problems, /^skipped broken\.zip: not a readable zip archive/m);
        assert.match(
          problems,
          /^skipped photos\.zip: no manifest\.json: not a hand-in made by 'deno task pack'$/m,
        );
        assert.match(
          problems,
          /^skipped old\.zip: packed by another lab version \(hand-in version 0, this lab reads 1\): pack it again with this lab$/m,
        );
        assert.match(problems, /^skipped notes\.txt: not a \.zip hand-in/m);
        assert.match(
          problems,
          /^two hand-ins by (ani|Ani): kept ani-again\.zip \(the newer\), skipped ani-\d{4}-\d\d-\d\d\.zip$/m,
        );
        assert.ok(data.problems.every((line) => !line.includes("\n")));
        assert.equal(data.handIns.length, 4);
      },
    );

    await t.step("pack reads the lab profile from the runs' settings", () => {
      const copy = join(work, "profiled", "results");
      Deno.mkdirSync(join(copy, SAMPLE_EXPERIMENT), { recursive: true });
      const source = join(work, "Ani", "results", SAMPLE_EXPERIMENT);
      for (const entry of Deno.readDirSync(source)) {
        if (entry.isFile) {
          Deno.copyFileSync(join(source, entry.name), join(copy, SAMPLE_EXPERIMENT, entry.name));
        }
      }
      const configPath = join(copy, SAMPLE_EXPERIMENT, "config.json");
      const config = JSON.parse(Deno.readTextFileSync(configPath));
      const out = join(work, "profiled", "out");
      assert.equal(
        packHandIn({ student: "Fajar", resultsDir: copy, outDir: out }).manifest.profile,
        null,
      );
      Deno.writeTextFileSync(
        configPath,
        JSON.stringify({ ...config, repeats: 1, concurrency: [1, 10, 50] }),
      );
      assert.equal(
        packHandIn({ student: "Fajar", resultsDir: copy, outDir: out }).manifest.profile,
        "quick",
      );
    });

    await t.step("an unpacked hand-in folder loads like its archive", () => {
      const unpacked = join(work, "unpacked-class", "eko");
      for (const [name, bytes] of Object.entries(unzipSync(Deno.readFileSync(archives[1]!)))) {
        Deno.mkdirSync(join(unpacked, name, ".."), { recursive: true });
        Deno.writeFileSync(join(unpacked, name), bytes);
      }
      const data = loadClass(join(work, "unpacked-class"));
      assert.deepEqual(data.problems, []);
      assert.deepEqual(data.handIns.map((h) => [h.student, h.source]), [["Budi", "eko"]]);
      assert.ok(data.runs.height > 0);
    });

    await t.step(
      "deno task class prints the tables and findings, exit 0; a missing folder is exit 2",
      () => {
        const lines: string[] = [];
        assert.equal(main(["class", classDir], (line) => lines.push(line)), 0);
        const text = lines.join("\n");
        assert.match(text, /== c-root\n/);
        assert.match(text, /acrossCv/);
        assert.match(text, /Verdicts, async vs threads:/);
        assert.match(
          text,
          /^- c-root, (async|threads) at c=\d+: the [23] machines' medians range from/m,
        );
        assert.equal(main(["class", join(work, "nope")], () => {}), 2);
      },
    );
  } finally {
    Deno.removeSync(work, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { cpuTimes } from "./cpu_time.ts";

Deno.test("cpuTimes counts a finished child's CPU work in this process's children time", async () => {
  const before = cpuTimes();
  // The child spins until its own CPU time (not wall time) reaches 300 ms.
  const burn = "import process from 'node:process'; " +
    "while (process.cpuUsage().user + process.cpuUsage().system < 300_000) {}";
  const { code } = await new Deno.Command(Deno.execPath(), { args: ["eval", burn] }).output();
  assert.equal(code, 0);
  const after = cpuTimes();
  // Ticks are 10 ms: allow one tick of rounding.
  assert.ok(after.children - before.children >= 0.29, `${before.children} -> ${after.children}`);
  assert.ok(after.self >= before.self);
});

Deno.test("cpuTimes names the problem for a process that does not exist", () => {
  assert.throws(() => cpuTimes(2 ** 30), /cannot read \/proc\/1073741824\/stat/);
});

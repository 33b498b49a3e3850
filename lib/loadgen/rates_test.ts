import assert from "node:assert/strict";
import { countFailures, countNon2xx, deriveRates, tallyStatusCodes } from "./rates.ts";

Deno.test("tallyStatusCodes sorts codes numerically and totals completed and non-2xx", () => {
  const tally = tallyStatusCodes({ "404": 3, "200": 10, "1000": 1, "503": 2 });
  assert.deepEqual(Object.keys(tally.statusCodes), ["200", "404", "503", "1000"]);
  assert.equal(tally.completed, 16);
  assert.equal(tally.non2xx, 6);
  assert.deepEqual(tallyStatusCodes({}), { statusCodes: {}, completed: 0, non2xx: 0 });
});

Deno.test("countNon2xx counts every code outside 2xx, including ab's own labels", () => {
  assert.equal(countNon2xx({ "200": 5, "204": 1, "301": 2, "500": 4 }), 6);
  assert.equal(countNon2xx({ "2xx": 7, "non-2xx": 3 }), 3);
});

Deno.test("countFailures adds the four kinds of transport failure", () => {
  assert.equal(countFailures({ connect: 1, timeout: 2, reset: 4, other: 8 }), 15);
});

Deno.test("deriveRates gives NaN instead of dividing by zero", () => {
  const rates = deriveRates(2, 100, 2048, 10);
  assert.deepEqual(rates, {
    requestsPerSec: 50,
    transferKBps: 1,
    timePerRequestMs: 200,
    timePerRequestAllMs: 20,
  });
  const none = deriveRates(0, 0, 0, 10);
  assert.ok(Object.values(none).every(Number.isNaN));
});

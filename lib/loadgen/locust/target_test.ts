import assert from "node:assert/strict";
import { isPrivateIPv4, resolveLocustTarget } from "./target.ts";
import { throwsWith } from "../../../tests/support/loadgen.ts";
import { RunSpecError } from "../validate.ts";

const spec = (url: string) => ({ url, requests: 10, concurrency: 2 });

Deno.test("loopback targets pass and are not remote", () => {
  const target = resolveLocustTarget(spec("http://127.0.0.1:8080/x?y=1"));
  assert.deepStrictEqual(target.remote, false);
  assert.deepStrictEqual(target.spec.url, "http://127.0.0.1:8080/x?y=1");
});

Deno.test("another host is refused by default, with the opt-in named in the message", () => {
  const error = throwsWith(
    () => resolveLocustTarget(spec("http://10.200.0.2:8080/")),
    RunSpecError,
  );
  assert.deepStrictEqual(error.message.includes('allowHosts: ["10.200.0.2"]'), true);
  throwsWith(() => resolveLocustTarget(spec("http://example.com/")), RunSpecError, "loopback");
});

Deno.test("an address listed in allowHosts passes and is marked remote; others still fail", () => {
  const target = resolveLocustTarget(spec("http://10.200.0.2:8080/io?ms=1"), ["10.200.0.2"]);
  assert.deepStrictEqual(target.remote, true);
  assert.deepStrictEqual(target.spec.url, "http://10.200.0.2:8080/io?ms=1");
  throwsWith(
    () => resolveLocustTarget(spec("http://10.200.0.3:8080/"), ["10.200.0.2"]),
    RunSpecError,
  );
});

Deno.test("allowHosts takes only literal private IPv4 addresses", () => {
  for (const bad of ["8.8.8.8", "example.com", "10.0.0.256", "172.32.0.1", ""]) {
    throwsWith(
      () => resolveLocustTarget(spec("http://127.0.0.1:1/"), [bad]),
      RunSpecError,
      "not a private IPv4 address",
    );
  }
  assert.deepStrictEqual(
    ["10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1"].every(isPrivateIPv4),
    true,
  );
});

Deno.test("allowHosts in the spec itself counts too, merged with Locust's option", () => {
  const url = "http://10.200.0.2:8080/";
  assert.deepStrictEqual(
    resolveLocustTarget({ ...spec(url), allowHosts: ["10.200.0.2"] }).remote,
    true,
  );
  const both = resolveLocustTarget({ ...spec(url), allowHosts: ["10.200.0.9"] }, ["10.200.0.2"]);
  assert.deepStrictEqual(both.spec.allowHosts, ["10.200.0.9", "10.200.0.2"]);
  throwsWith(
    () => resolveLocustTarget({ ...spec(url), allowHosts: ["8.8.8.8"] }, ["10.200.0.2"]),
    RunSpecError,
    "not a private IPv4 address",
  );
});

Deno.test("the usual spec checks still apply to an allowed host", () => {
  throwsWith(
    () => resolveLocustTarget({ url: "http://10.200.0.2/", concurrency: 1 }, ["10.200.0.2"]),
    RunSpecError,
    "requests",
  );
});

import assert from "node:assert/strict";
import { RunSpecError } from "./spec_error.ts";
import {
  checkAllowHosts,
  checkTargetHost,
  isLoopbackHost,
  isPrivateIPv4,
  isRemoteTarget,
} from "./target_hosts.ts";

/** Asserts that `fn` throws a one-line RunSpecError matching `message`. */
function refuses(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: Error) => {
    assert.ok(error instanceof RunSpecError, String(error));
    assert.match(error.message, message);
    assert.ok(!error.message.includes("\n"), error.message);
    return true;
  });
}

Deno.test("loopback in every spelling a URL gives, and nothing else", () => {
  for (const host of ["127.0.0.1", "127.255.0.9", "localhost", "LocalHost", "::1", "[::1]"]) {
    assert.ok(isLoopbackHost(host), host);
  }
  for (
    const host of ["10.0.0.1", "128.0.0.1", "127.0.0.256", "::2", "[::]", "0.0.0.0", "localhost.x"]
  ) {
    assert.ok(!isLoopbackHost(host), host);
  }
  assert.ok(isLoopbackHost(new URL("http://127.1/").hostname), "short forms are normalized");
});

Deno.test("private IPv4 ranges are exactly 10/8, 172.16/12 and 192.168/16", () => {
  for (const host of ["10.0.0.0", "10.200.37.2", "172.16.0.1", "172.31.255.255", "192.168.1.1"]) {
    assert.ok(isPrivateIPv4(host), host);
  }
  for (
    const host of [
      "172.15.255.255",
      "172.32.0.1",
      "192.169.0.1",
      "11.0.0.1",
      "8.8.8.8",
      "127.0.0.1",
      "10.0.0.256",
      "010.0.0.1",
      "10.0.0",
      "10.0.0.1.5",
      "example.com",
      "",
    ]
  ) {
    assert.ok(!isPrivateIPv4(host), host);
  }
});

Deno.test("allowHosts takes literal private IPv4 addresses only", () => {
  checkAllowHosts([]);
  checkAllowHosts(["10.200.0.2", "192.168.7.7"]);
  for (const bad of [["8.8.8.8"], ["example.com"], ["10.0.0.2", "localhost"], [""], [7]]) {
    refuses(() => checkAllowHosts(bad), /allowHosts entry '.*' is not a private IPv4 address/);
  }
  refuses(() => checkAllowHosts("10.0.0.2"), /allowHosts must be a list/);
});

Deno.test("a host other than loopback passes only when listed, and names the opt-in", () => {
  assert.equal(checkTargetHost("127.0.0.1"), false);
  assert.equal(checkTargetHost("localhost", ["10.200.0.2"]), false);
  assert.equal(checkTargetHost("10.200.0.2", ["10.200.0.2"]), true);
  refuses(() => checkTargetHost("10.200.0.2"), /not loopback.*allowHosts: \["10\.200\.0\.2"\]/);
  refuses(() => checkTargetHost("10.200.0.3", ["10.200.0.2"]), /--allow-host 10\.200\.0\.3/);
});

Deno.test("public addresses and names are refused even when listed", () => {
  for (const host of ["8.8.8.8", "example.com"]) {
    refuses(() => checkTargetHost(host), /names and public addresses are never loaded/);
    refuses(() => checkTargetHost(host, [host]), /is not a private IPv4 address/);
  }
});

Deno.test("isRemoteTarget reads the host of a URL", () => {
  assert.equal(isRemoteTarget("http://127.0.0.1:45000/"), false);
  assert.equal(isRemoteTarget("http://[::1]:8080/x"), false);
  assert.equal(isRemoteTarget(new URL("http://10.200.3.2:45000/")), true);
});

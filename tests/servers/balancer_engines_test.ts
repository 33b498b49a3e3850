/**
 * The raw engine must stay equal to the readable one (see `balancer/raw/README.md`): the same
 * request reaches the backend, the same response reaches the client, and a failing backend leads
 * to the same retry decisions. Each scenario runs once per engine and the two records are
 * compared, then checked against what the retry policy says.
 */

import assert from "node:assert/strict";
import { type BalancerEngine, ENGINES, startBalancer } from "../../servers/balancer.ts";
import {
  closedPort,
  rawExchange,
  startRawBackend,
  startRecordingBackend,
  type TestServer,
} from "../support/servers/balancer/test_servers.ts";

/** One HTTP/1.1 message split into its parts, headers sorted, body decoded. */
interface Message {
  startLine: string;
  headers: string[];
  body: string;
}

/** Headers each engine writes itself, in its own way: framing, connection, date. */
const OWN_HEADERS = new Set(["content-length", "transfer-encoding", "connection", "date"]);

/** Splits `text` (several messages in a row, as one side received them) into messages. */
function parseMessages(text: string, untilClose = false): Message[] {
  const messages: Message[] = [];
  let at = 0;
  while (at < text.length) {
    const headEnd = text.indexOf("\r\n\r\n", at);
    if (headEnd < 0) throw new Error(`incomplete head: ${JSON.stringify(text.slice(at, 80))}`);
    const [startLine, ...lines] = text.slice(at, headEnd).split("\r\n");
    at = headEnd + 4;
    const fields = lines.map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const;
    });
    const field = (name: string) => fields.find(([n]) => n === name)?.[1];
    let body = "";
    if (field("transfer-encoding") === "chunked") {
      for (;;) {
        const sizeEnd = text.indexOf("\r\n", at);
        const size = parseInt(text.slice(at, sizeEnd), 16);
        at = sizeEnd + 2;
        if (size === 0) {
          at = text.indexOf("\r\n\r\n", at - 2) + 4;
          break;
        }
        body += text.slice(at, at + size);
        at += size + 2;
      }
    } else if (field("content-length") !== undefined) {
      const length = Number(field("content-length"));
      body = startLine!.startsWith("HTTP/") && /^HTTP\/1\.1 (204|304)/.test(startLine!)
        ? ""
        : text.slice(at, at + length);
      at += body.length;
    } else if (untilClose && startLine!.startsWith("HTTP/")) {
      body = text.slice(at);
      at = text.length;
    }
    const headers = fields.filter(([name]) => !OWN_HEADERS.has(name))
      .map(([name, value]) => `${name}: ${value}`).sort();
    messages.push({ startLine: startLine!, headers, body });
  }
  return messages;
}

/** Requests sent as bytes on one connection; the last one closes it. */
const REQUESTS = [
  "GET /a?b=1 HTTP/1.1\r\nHost: lab\r\nAccept: */*\r\nUser-Agent: test\r\n\r\n",
  "HEAD /head HTTP/1.1\r\nHost: lab\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n",
  "POST /sized HTTP/1.1\r\nHost: lab\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
  "PUT /chunked HTTP/1.1\r\nHost: lab\r\nTransfer-Encoding: chunked\r\n\r\n" +
  "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n",
  "DELETE /gone HTTP/1.1\r\nHost: lab\r\nConnection: x-secret\r\nX-Secret: 1\r\nX-Kept: 2\r\n\r\n",
  "OPTIONS /last HTTP/1.1\r\nHost: lab:8080\r\nConnection: close\r\n\r\n",
];

/** Responses a backend gives, each checked on its own (the client sends a GET). */
const RESPONSES = [
  "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\nX-A:  b \r\n\r\nhello",
  "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-Chunked: yes\r\n\r\n" +
  "4;ext\r\nwiki\r\n5\r\npedia\r\n0\r\nX-T: 1\r\n\r\n",
  "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nKeep-Alive: timeout=5\r\n" +
  "Connection: keep-alive, x-hop\r\nX-Hop: 1\r\nX-End: 2\r\n\r\n",
  "HTTP/1.1 204 No Content\r\nX-Empty:\r\n\r\n",
  `HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n${"z".repeat(70_000)}`,
];

/** Runs `scenario` once per engine and returns the two records. */
async function perEngine<T>(
  scenario: (engine: BalancerEngine) => Promise<T>,
): Promise<Record<BalancerEngine, T>> {
  const out = {} as Record<BalancerEngine, T>;
  for (const engine of ENGINES) out[engine] = await scenario(engine);
  return out;
}

Deno.test("both engines forward the same requests to the backend", async () => {
  const records = await perEngine(async (engine) => {
    const backend = startRecordingBackend();
    const balancer = await startBalancer({
      engine,
      port: 0,
      backends: [backend.url],
      healthIntervalMs: 0,
    });
    try {
      const answer = await rawExchange(balancer.port, REQUESTS.join(""));
      const label = backend.url.replace("http://", "");
      const received = parseMessages(backend.received().replaceAll(label, "BACKEND"));
      return { statuses: parseMessages(answer).map((m) => m.startLine), received };
    } finally {
      await balancer.shutdown();
      await backend.close();
    }
  });
  assert.deepEqual(records.raw, records.serve);
  assert.deepEqual(
    records.raw.received.map((m) => m.startLine),
    REQUESTS.map((r) => r.split("\r\n")[0]),
  );
  assert.deepEqual(records.raw.received[3]!.body, "abcde");
  assert.deepEqual(
    records.raw.received[4]!.headers.filter((h) => h.startsWith("x-")).slice(0, 2),
    ["x-forwarded-for: 127.0.0.1", "x-forwarded-host: lab"],
  );
});

Deno.test("both engines pass the same responses to the client", async () => {
  for (const response of RESPONSES) {
    const records = await perEngine(async (engine) => {
      const backend = startRecordingBackend(response);
      const balancer = await startBalancer({
        engine,
        port: 0,
        backends: [backend.url],
        healthIntervalMs: 0,
      });
      try {
        const answer = await rawExchange(
          balancer.port,
          "GET / HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n",
        );
        return parseMessages(answer.replaceAll(backend.url.replace("http://", ""), "BACKEND"));
      } finally {
        await balancer.shutdown();
        await backend.close();
      }
    });
    assert.deepEqual(records.raw, records.serve, JSON.stringify(response.slice(0, 40)));
  }
});

Deno.test("both engines pass a body delimited by the backend's close on, to its end", async () => {
  const records = await perEngine(async (engine) => {
    const backend = startRawBackend(`HTTP/1.1 200 OK\r\nX-Until: close\r\n\r\n${"c".repeat(9000)}`);
    const balancer = await startBalancer({
      engine,
      port: 0,
      backends: [backend.url],
      healthIntervalMs: 0,
    });
    try {
      const answer = await rawExchange(
        balancer.port,
        "GET / HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n",
      );
      return parseMessages(answer.replaceAll(backend.url.replace("http://", ""), "BACKEND"), true);
    } finally {
      await balancer.shutdown();
      await backend.close();
    }
  });
  assert.deepEqual(records.raw, records.serve);
  assert.deepEqual(records.raw[0]!.body.length, 9000);
});

Deno.test("both engines cut a chunked body whose framing is bad instead of passing it on", async () => {
  const records = await perEngine(async (engine) => {
    const backend = startRawBackend(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
    );
    const balancer = await startBalancer({
      engine,
      port: 0,
      backends: [backend.url],
      healthIntervalMs: 0,
    });
    try {
      const answer = await rawExchange(
        balancer.port,
        "GET / HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n",
      ).catch((error) => `reset: ${error.name}`);
      return { hello: answer.includes("hello"), complete: answer.endsWith("0\r\n\r\n") };
    } finally {
      await balancer.shutdown();
      await backend.close();
    }
  });
  assert.deepEqual(records, {
    raw: { hello: false, complete: false },
    serve: { hello: false, complete: false },
  });
});

/** A backend's behaviour in a retry scenario. */
type Kind = "ok" | "refuses" | "closes" | "hangs" | "bad-head" | "folded-head" | "cut-body";

/** Starts a backend of `kind`; a refusing one is a closed port. */
function startKind(kind: Kind): TestServer {
  switch (kind) {
    case "ok":
      return startRecordingBackend();
    case "refuses": {
      const port = closedPort();
      return { url: `http://127.0.0.1:${port}`, port, count: () => 0, close: async () => {} };
    }
    case "closes":
      return startRawBackend("close");
    case "hangs":
      return startRawBackend(null);
    case "bad-head":
      return startRawBackend("HTTP/1.1 2x0 OK\r\ncontent-length: 0\r\n\r\n");
    case "cut-body":
      return startRawBackend("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
    case "folded-head":
      return startRawBackend("HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\ncontent-length: 0\r\n\r\n");
  }
}

interface RetryScenario {
  backends: Kind[];
  method: "GET" | "POST";
  /** Requests sent one after the other. */
  requests: number;
  /** Expected statuses, one per request. */
  statuses: number[];
  /** Expected attempts, as backend indexes in order. */
  attempts: number[];
}

const RETRY_SCENARIOS: RetryScenario[] = [
  {
    backends: ["ok", "ok"],
    method: "GET",
    requests: 3,
    statuses: [200, 200, 200],
    attempts: [0, 1, 0],
  },
  {
    backends: ["refuses", "ok"],
    method: "GET",
    requests: 2,
    statuses: [200, 200],
    attempts: [0, 1, 1],
  },
  { backends: ["refuses", "ok"], method: "POST", requests: 1, statuses: [200], attempts: [0, 1] },
  { backends: ["closes", "ok"], method: "GET", requests: 1, statuses: [200], attempts: [0, 1] },
  { backends: ["closes", "ok"], method: "POST", requests: 1, statuses: [502], attempts: [0] },
  { backends: ["closes", "closes"], method: "GET", requests: 1, statuses: [502], attempts: [0, 1] },
  {
    backends: ["refuses", "refuses"],
    method: "GET",
    requests: 1,
    statuses: [503],
    attempts: [0, 1],
  },
  { backends: ["hangs", "ok"], method: "GET", requests: 1, statuses: [504], attempts: [0] },
  { backends: ["bad-head", "ok"], method: "GET", requests: 1, statuses: [502], attempts: [0] },
  { backends: ["folded-head", "ok"], method: "GET", requests: 1, statuses: [502], attempts: [0] },
  { backends: ["cut-body", "ok"], method: "GET", requests: 1, statuses: [502], attempts: [0] },
];

Deno.test("both engines take the same retry decisions: same backends tried, same 502/503/504", async () => {
  for (const scenario of RETRY_SCENARIOS) {
    const name = `${scenario.method} over ${scenario.backends.join(", ")}`;
    const records = await perEngine(async (engine) => {
      const backends = scenario.backends.map(startKind);
      const labels = backends.map((backend) => backend.url.replace("http://", ""));
      const lines: string[] = [];
      const balancer = await startBalancer({
        engine,
        port: 0,
        backends: backends.map((backend) => backend.url),
        healthIntervalMs: 0,
        timeoutMs: 300,
        log: (line) => lines.push(line),
      });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < scenario.requests; i++) {
          const response = await fetch(`${balancer.url}/r${i}`, {
            method: scenario.method,
            body: scenario.method === "POST" ? "payload" : undefined,
          });
          await response.body?.cancel();
          statuses.push(response.status);
        }
        const attempts = lines.map((line) => labels.indexOf(line.slice(line.lastIndexOf(" ") + 1)));
        return { statuses, attempts };
      } finally {
        await balancer.shutdown();
        for (const backend of backends) await backend.close();
      }
    });
    assert.deepEqual(records.raw, records.serve, name);
    assert.deepEqual(
      records.raw,
      { statuses: scenario.statuses, attempts: scenario.attempts },
      name,
    );
  }
});

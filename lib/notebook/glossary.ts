/**
 * The lab's glossary, in English and Indonesian: one list that every notebook's glossary cell is
 * written from, so the terms mean the same thing in every notebook and the text can link to them
 * (`[CV](#glossary-cv)`).
 *
 * @module
 */

/** One glossary entry. */
export interface GlossaryEntry {
  /** Anchor id, e.g. `cv`: the link target is `#glossary-cv`. */
  id: string;
  /** The English term. */
  term: string;
  /** The Indonesian term (the English one kept in italics where Indonesian writing keeps it). */
  indonesian: string;
  /** What it means here, in one or two sentences. */
  meaning: string;
}

/** The terms, in the order a student meets them. */
export const GLOSSARY: readonly GlossaryEntry[] = [
  {
    id: "concurrency",
    term: "concurrency level (c)",
    indonesian: "tingkat konkurensi",
    meaning: "How many requests the load generator keeps in flight at once (`ab -c`).",
  },
  {
    id: "throughput",
    term: "throughput",
    indonesian: "*throughput* (permintaan per detik)",
    meaning: "Completed requests per second (req/s).",
  },
  {
    id: "latency",
    term: "latency, response time",
    indonesian: "latensi, waktu respons",
    meaning: "Time from sending a request to receiving the whole response.",
  },
  {
    id: "percentile",
    term: "p50, p99 (percentiles)",
    indonesian: "persentil",
    meaning:
      "p50 (the median) is the latency half the requests beat; p99 the latency 99% beat: the " +
      "slowest 1% of requests take longer.",
  },
  {
    id: "little",
    term: "Little's law",
    indonesian: "hukum Little",
    meaning: "In a closed loop with c clients, throughput x mean response time = c. So ab's " +
      '"Time per request (mean)" is c / X and "(mean, across all concurrent requests)" is 1 / X.',
  },
  {
    id: "ci",
    term: "confidence interval (CI)",
    indonesian: "selang kepercayaan",
    meaning:
      "A range that, computed the same way over many repeated experiments, would contain the " +
      "true value in 95% of them. Three runs give wide intervals.",
  },
  {
    id: "p-value",
    term: "p-value",
    indonesian: "nilai p",
    meaning:
      "How likely a difference at least this large would be if the two servers were in fact " +
      "equally fast. Below 0.05 we call the difference beyond the noise.",
  },
  {
    id: "holm",
    term: "multiple comparisons (Holm)",
    indonesian: "perbandingan berganda (Holm)",
    meaning:
      "Testing 20 differences at p < 0.05 finds one by chance. Holm's correction raises each " +
      "p-value for the number of tests, so the chance of any false alarm stays at 5%.",
  },
  {
    id: "power",
    term: "power",
    indonesian: "daya uji (*power*)",
    meaning: "The chance a test detects a real difference. With 3 runs per cell it is low: " +
      '"no difference we can see" is not "no difference".',
  },
  {
    id: "cv",
    term: "coefficient of variation (CV)",
    indonesian: "koefisien variasi",
    meaning: "Standard deviation divided by the mean: the spread of repeated runs, in percent.",
  },
  {
    id: "keep-alive",
    term: "keep-alive",
    indonesian: "*keep-alive* (koneksi dipakai ulang)",
    meaning:
      "Sending many requests over one TCP connection. ab does not by default, so every request " +
      "pays for a new connection.",
  },
  {
    id: "backlog",
    term: "listen backlog",
    indonesian: "antrean (*backlog*)",
    meaning: "The kernel's queue of connections accepted by TCP but not yet by the server " +
      "(`listen(n)`). When it is full, new connections are refused or dropped and retried later.",
  },
  {
    id: "event-loop",
    term: "event loop",
    indonesian: "*event loop* (perulangan kejadian)",
    meaning: "One thread that runs every request a step at a time, switching whenever one waits.",
  },
  {
    id: "worker",
    term: "worker, thread pool",
    indonesian: "*worker* (pekerja), kumpulan *thread* (*thread pool*)",
    meaning:
      "A thread that runs requests. A pool of K workers runs at most K requests at once; the " +
      "rest wait in a queue.",
  },
  {
    id: "gil",
    term: "GIL",
    indonesian: "GIL (*global interpreter lock*)",
    meaning:
      "CPython's lock that lets one thread run Python code at a time: the 2020 threaded server's " +
      "threads could wait in parallel but never compute in parallel.",
  },
  {
    id: "l4-l7",
    term: "L4 / L7 load balancer",
    indonesian: "penyeimbang beban L4 / L7",
    meaning:
      "An L4 balancer forwards TCP connections (it cannot see requests); an L7 balancer reads " +
      "each HTTP request and can send each to another backend.",
  },
  {
    id: "generator",
    term: "load generator",
    indonesian: "pembangkit beban (*load generator*)",
    meaning:
      "The program that sends the requests and measures (ab, wrk, oha, autocannon). It needs " +
      "CPU too, and can be the bottleneck.",
  },
];

/** The link to an entry, e.g. `[CV](#glossary-cv)`; throws for an unknown id. */
export function glossaryLink(id: string, text?: string): string {
  const entry = GLOSSARY.find((e) => e.id === id);
  if (entry === undefined) {
    throw new Error(
      `no glossary entry '${id}': choose one of ${GLOSSARY.map((e) => e.id).join(", ")}`,
    );
  }
  return `[${text ?? entry.term}](#glossary-${entry.id})`;
}

/**
 * The glossary as a notebook markdown cell: a heading and a table whose rows carry anchors, so
 * text anywhere in the notebook can link to a term.
 */
export function glossaryMarkdown(): string {
  const rows = GLOSSARY.map((e) =>
    `| <a id="glossary-${e.id}"></a>**${e.term}** | ${e.indonesian} | ${e.meaning} |`
  );
  return [
    "## Glossary / Glosarium",
    "",
    "| term | istilah | meaning |",
    "| --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/**
 * The end of a child process's output, shaped for a one-line error message.
 *
 * @module
 */

/**
 * The last `count` non-empty lines of `text`, each trimmed, joined with " | " so they fit in a
 * one-line message.
 */
export function lastLines(text: string, count: number): string {
  return text.split("\n").map((line) => line.trim()).filter((line) => line).slice(-count)
    .join(" | ");
}

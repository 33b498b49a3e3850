/**
 * The lab's diagrams (`data/diagrams/*.svg`): the three server models and the listen backlog,
 * drawn once as files and shown inline in a notebook, so an exported report carries them with
 * no file or network reference.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { showHtml } from "./display.ts";

/** Folder of the diagram files. */
export const DIAGRAMS_DIR: string = fileURLToPath(new URL("../../data/diagrams/", import.meta.url));

/** The diagrams there are. */
export const DIAGRAM_NAMES = ["models", "backlog"] as const;

/** A diagram's name. */
export type DiagramName = typeof DIAGRAM_NAMES[number];

/** A diagram's markup and the text that describes it for a reader who cannot see it. */
export interface Diagram {
  /** The `<svg>` element's markup, without the XML prolog. */
  svg: string;
  /** Its `aria-label`: what the picture says, in words. */
  description: string;
}

/**
 * Reads one diagram.
 *
 * @example
 * ```ts
 * const { svg, description } = diagram("backlog");
 * ```
 */
export function diagram(name: DiagramName): Diagram {
  if (!DIAGRAM_NAMES.includes(name)) {
    throw new Error(`no diagram '${name}': choose one of ${DIAGRAM_NAMES.join(", ")}`);
  }
  const svg = Deno.readTextFileSync(`${DIAGRAMS_DIR}${name}.svg`).trim();
  const description = /aria-label="([^"]*)"/.exec(svg)?.[1];
  if (description === undefined) {
    throw new Error(`data/diagrams/${name}.svg has no aria-label: describe the picture in words`);
  }
  return { svg, description };
}

/**
 * Shows a diagram as the cell's output (inline SVG; its description in a console).
 *
 * @example
 * ```ts
 * await showDiagram("models");
 * ```
 */
export async function showDiagram(name: DiagramName): Promise<void> {
  const { svg, description } = diagram(name);
  await showHtml(svg, description);
}

/** Text message parsing shared by both channels: JSON, known discriminator, schema (names the failing property). */
import type { z } from "zod";
import { NapariCudaError, parseJson, parseOrThrow } from "../../protocol/index.js";

/**
 * Parse one client text message. A string discriminator (`type` or `op`) that
 * names no known message is `unknown_type`; anything else failing the schema is
 * `invalid_message` with `path` set.
 */
export function parseMessage<S extends z.ZodType>(
  text: string,
  schema: S,
  discriminator: "type" | "op",
  known: readonly string[],
  what: string,
): z.output<S> {
  const raw = parseJson(text);
  if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
    const d = (raw as Record<string, unknown>)[discriminator];
    if (typeof d === "string" && !known.includes(d)) {
      throw new NapariCudaError("unknown_type", `unknown ${what} ${discriminator} ${JSON.stringify(d)}`, {
        path: discriminator,
      });
    }
  }
  return parseOrThrow(schema, raw, what);
}

/** The request id of a raw control message, if it has a usable one (for error replies to invalid requests). */
export function requestIdOf(text: string): number | null {
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw === "object" && raw !== null) {
      const id = (raw as Record<string, unknown>).id;
      if (typeof id === "number" && Number.isInteger(id) && id >= 0) return id;
    }
  } catch {
    // bad JSON has no id
  }
  return null;
}

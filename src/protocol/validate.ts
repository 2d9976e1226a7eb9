/** Boundary validation: zod failures become NapariCudaError("invalid_message") naming the property. */
import type { z } from "zod";
import { NapariCudaError } from "./errors.js";

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

/** Parse `value` with `schema` or throw NapariCudaError with `path` set to the first failing property. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = formatPath(issue.path);
  throw new NapariCudaError("invalid_message", `${what}${path ? ` ${path}` : ""}: ${issue.message}`, { path });
}

/** JSON.parse that throws NapariCudaError("bad_json"). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new NapariCudaError("bad_json", "message is not valid JSON", { cause: err });
  }
}

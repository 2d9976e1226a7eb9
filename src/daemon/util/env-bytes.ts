/** Byte budgets from the environment. */
import { NapariCudaError } from "../../protocol/index.js";

/** `env[name]` as a positive integer number of bytes, `fallback` when unset; invalid_message naming it otherwise. */
export function bytesFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new NapariCudaError("invalid_message", `${name} must be a positive integer (bytes)`, { path: name });
  }
  return n;
}

/** Base64 -> bytes (the avcC decoder description travels as base64 in the config message). */
import { NapariCudaError } from "../../protocol/errors.js";

/** Decode standard base64 (padding optional); throws NapariCudaError("invalid_message") on bad input. */
export function base64ToBytes(b64: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(b64.replace(/\s+/g, ""));
  } catch (err) {
    throw new NapariCudaError("invalid_message", "config.description is not valid base64", {
      path: "description",
      cause: err,
    });
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

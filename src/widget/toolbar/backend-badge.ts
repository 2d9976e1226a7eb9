/** The small backend badge ("CPU"/"GPU") at the toolbar's end; a CPU-only machine is a normal setup. */
import type { StreamConfig } from "../../protocol/stream.js";

/** Badge text and tooltip for a stream config, or null before the first config. */
export function backendBadge(cfg: Pick<StreamConfig, "backend" | "backend_reason"> | null): {
  text: string;
  title: string;
} | null {
  if (cfg === null || !cfg.backend) return null;
  if (cfg.backend === "gpu") {
    return { text: "GPU", title: `Rendered on the GPU${cfg.backend_reason ? ` (${cfg.backend_reason})` : ""}.` };
  }
  return {
    text: cfg.backend.toUpperCase(),
    title: `Rendered on the ${cfg.backend.toUpperCase()}. viewer.info() and the debug overlay say why.`,
  };
}

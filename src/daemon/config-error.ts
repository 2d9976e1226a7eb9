/** Thrown for a bad command line or environment; main prints it and exits 2. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

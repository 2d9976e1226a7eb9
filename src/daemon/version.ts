/** Daemon version, reported in the listening line, hello replies and info(); keep equal to package.json. */
export const DAEMON_VERSION = "0.1.0";

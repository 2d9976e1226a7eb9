// Preloaded into a daemon by tests (node --require / NODE_OPTIONS): SIGUSR2 makes the daemon's main
// thread throw (or, with NAPARI_CUDA_TEST_CRASH=reject, reject a promise nobody handles), a genuine
// uncaught failure in that process without any hook in the daemon's own code.
const { isMainThread } = require("node:worker_threads");

if (isMainThread) {
  process.on("SIGUSR2", () => {
    if (process.env.NAPARI_CUDA_TEST_CRASH === "reject") {
      void Promise.reject(new Error("injected unhandled rejection (tests/support/crash-on-signal.cjs)"));
      return;
    }
    throw new Error("injected uncaught exception (tests/support/crash-on-signal.cjs)");
  });
}

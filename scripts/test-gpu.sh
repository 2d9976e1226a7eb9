#!/usr/bin/env bash
# GPU tests (tests/gpu): build the native addon, then run them. Without a GPU, the addon or its toolchain
# the tests skip with the reason (exit 0). `--bundle DIR` instead bundles the tests and the GPU bench into
# self-contained .mjs files (esbuild) for a GPU machine that has Node but no node_modules:
#   scripts/test-gpu.sh --bundle .device/gpu     # here
#   node --test .device/gpu/*.test.mjs           # there (with native/build carried along)
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/build-native.mjs
if [ "${1:-}" = "--bundle" ]; then
  out=${2:?usage: test-gpu.sh --bundle DIR}
  mkdir -p "$out"
  for f in tests/gpu/*.test.ts scripts/bench-gpu.ts; do
    name=$(basename "$f" .ts)
    npx esbuild "$f" --bundle --platform=node --format=esm --target=node20 --log-level=warning \
      --banner:js='import { createRequire as __ncCreateRequire } from "node:module"; const require = __ncCreateRequire(import.meta.url);' \
      --outfile="$out/$name.mjs"
  done
  echo "bundled GPU tests and bench into $out"
  exit 0
fi
exec node --import tsx --test --test-concurrency=1 tests/gpu/*.test.ts

#!/usr/bin/env bash
# Proof, on a GPU machine, that the wheel's native GPU addon needs nothing but the NVIDIA driver: the
# wheel is unpacked into an empty folder, the CUDA toolkit's folders are hidden (a private mount
# namespace, where the machine allows one), and the daemon runs from the unpacked wheel with an empty
# environment (env -i: no LD_LIBRARY_PATH, no CUDA_HOME). It must choose the GPU backend, and the
# libraries it maps must come from the driver and the system only. Then the whole-daemon GPU test
# (tests/gpu/daemon.test.ts, bundled by `scripts/test-gpu.sh --bundle`) runs against the same files.
#   scripts/gpu-driver-only.sh WHEEL NODE [BUNDLED_DAEMON_TEST]     # prints the log; exit 0 = proven
set -uo pipefail
wheel=${1:?usage: gpu-driver-only.sh WHEEL NODE [BUNDLED_DAEMON_TEST]}
node=${2:?usage: gpu-driver-only.sh WHEEL NODE [BUNDLED_DAEMON_TEST]}
daemon_test=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/wheel-only.XXXXXX)
fail=0

echo "== machine"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
ldd --version | head -1
echo "== wheel: $(basename "$wheel")"
mkdir -p "$work/kernel-bridge"
python3 -m zipfile -e "$wheel" "$work/kernel-bridge" 2>/dev/null || unzip -q "$wheel" -d "$work/kernel-bridge"
addon=$work/kernel-bridge/napari_cuda/_daemon/native/build/napari_cuda_gpu.node
ls -la "$addon" || exit 1
echo "== CUDA toolkit on this machine (the addon must not use it)"
toolkit_dirs=$(ls -d /usr/local/cuda-* 2>/dev/null | tr '\n' ' ')
echo "toolkit folders: ${toolkit_dirs:-none}"
ldconfig -p | grep -E 'libcudart|libnvrtc|libnvjpeg|libcublas' | head -5 || echo "no toolkit library in the ld.so cache"
echo "== driver libraries in the ld.so cache"
ldconfig -p | grep -E 'libcuda\.so\.1|libEGL\.so\.1|libEGL_nvidia|libnvidia-encode\.so\.1' || true

# glvnd finds the driver's EGL through a vendor file; containers mount it in one of two places.
for f in /usr/share/glvnd/egl_vendor.d/10_nvidia.json /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json; do
  [ -f "$f" ] && egl_vendor=$f && break
done
echo "EGL vendor file: ${egl_vendor:-none}"

# Runs one shell command line from $work with an empty environment; inside a private mount namespace
# the toolkit folders are covered by empty tmpfs mounts first (where this machine allows one).
run_isolated() {
  printf '%s\n' "$1" > "$work/inner.sh"
  local isolated=(env -i "PATH=$(dirname "$node"):/usr/bin:/bin" "HOME=$work"
    ${egl_vendor:+"__EGL_VENDOR_LIBRARY_FILENAMES=$egl_vendor"} sh "$work/inner.sh")
  if [ -n "$toolkit_dirs" ] && unshare -m true 2>/dev/null; then
    unshare -m sh -c 'for d in $0; do mount -t tmpfs none "$d" || exit 1; done; cd "$1" && shift && exec "$@"' \
      "$toolkit_dirs" "$work" "${isolated[@]}"
  else
    [ -n "$toolkit_dirs" ] && echo "(no private mount namespace here: the toolkit folders stay; env -i only)" >&2
    (cd "$work" && "${isolated[@]}")
  fi
}

echo "== ldd of the wheel's addon, empty environment, toolkit hidden"
run_isolated "echo files visible in the toolkit folders: \$(find $toolkit_dirs -mindepth 1 2>/dev/null | wc -l); env | sed 's/^/env: /'; ldd '$addon'"
echo "== the daemon from the unpacked wheel: backend and the libraries it mapped"
result=$(run_isolated "exec '$node' --experimental-websocket '$here/gpu-driver-only.mjs' '$work/kernel-bridge'" 2>"$work/daemon.err")
rc=$?
echo "$result" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
i = d["info"]
print("backend:", i.get("backend"), "|", i.get("backend_reason"))
print("ffmpeg:", i.get("ffmpeg"))
print("encoder:", i.get("encoder"), "|", i.get("encoder_reason"))
print("mapped libraries:"); [print("  ", p) for p in d["libs"]]
print("toolkit libraries mapped:", d["toolkit"] or "none")
' || { echo "$result"; tail -20 "$work/daemon.err"; }
grep -E '"backend"|GPU|gpu' "$work/daemon.err" | head -5
[ $rc -eq 0 ] && echo "PASS: backend gpu, no toolkit library mapped" || { echo "FAIL (rc $rc)"; fail=1; }

if [ -n "$daemon_test" ]; then
  echo "== tests/gpu/daemon.test.ts against the wheel's daemon and addon, empty environment, toolkit hidden"
  cp "$daemon_test" "$work/daemon.test.mjs"
  run_isolated "NAPARI_CUDA_NATIVE_ADDON='$addon' exec '$node' --test '$work/daemon.test.mjs'" 2>&1 |
    grep -vE '^\{"level"' | tail -40
  [ "${PIPESTATUS[0]}" -eq 0 ] && echo "PASS: daemon test" || { echo "FAIL: daemon test"; fail=1; }
fi
exit $fail

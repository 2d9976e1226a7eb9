#!/usr/bin/env bash
# Installs the Debian packages the demo and tests need when they are missing:
# chromium (browser tests, bench) and ffmpeg (the encoder; the npm package
# @ffmpeg-installer/linux-x64 is a fallback that ships a static build), and the EGL/GL headers
# when nvcc exists (the native GPU addon).
# Usage: scripts/ensure-system-deps.sh [--browser]
set -euo pipefail
need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
if [[ "${1:-}" == "--browser" ]] && [[ ! -x /usr/bin/chromium ]]; then need+=(chromium); fi
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
# With a CUDA toolkit present, the native GPU addon is compiled too: it needs the EGL/GL headers.
if command -v nvcc >/dev/null 2>&1 && [[ ! -f /usr/include/EGL/egl.h || ! -f /usr/include/GL/glcorearb.h ]]; then
  need+=(libegl-dev libgl-dev)
fi
[[ ${#need[@]} -eq 0 ]] && exit 0
echo "installing Debian packages: ${need[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo -n); else
    echo "error: missing ${need[*]} and not root (install them with apt-get)" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

#!/usr/bin/env bash
# Installs the Debian packages the demo and tests need when they are missing:
# ffmpeg (the encoder; the npm package @ffmpeg-installer/linux-x64 is a fallback that ships a static
# build), Node.js + npm, python3-venv (for .venv), chromium with --browser (browser tests, bench),
# and the EGL/GL headers when nvcc exists (the native GPU addon). Then checks Node.js's version.
# Usage: scripts/ensure-system-deps.sh [--browser]
set -euo pipefail
NODE_MIN=20.19 # the daemon bundle is an ES module in a .js file: Node loads it as one from 20.19 on

need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
if [[ "${1:-}" == "--browser" ]] && [[ ! -x /usr/bin/chromium ]]; then need+=(chromium); fi
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
# With a CUDA toolkit present, the native GPU addon is compiled too: it needs the EGL/GL headers.
if command -v nvcc >/dev/null 2>&1 && [[ ! -f /usr/include/EGL/egl.h || ! -f /usr/include/GL/glcorearb.h ]]; then
  need+=(libegl-dev libgl-dev)
fi
if [[ ${#need[@]} -gt 0 ]]; then
  echo "installing Debian packages: ${need[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo -n); else
      echo "error: missing ${need[*]} and not root (install them with apt-get)" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

version=$(node --version) # v20.19.2
IFS=. read -r major minor _ <<<"${version#v}"
IFS=. read -r min_major min_minor <<<"$NODE_MIN"
if ((major < min_major || (major == min_major && minor < min_minor))); then
  echo "error: Node.js >= $NODE_MIN is needed, $(command -v node) is $version" \
    "(Debian 12's own nodejs is 18): install Node.js 20 or 22 LTS from nodejs.org or NodeSource" >&2
  exit 1
fi

#!/usr/bin/env bash
# `make demo`'s last step: JupyterLab (from .venv) on demo/, a git-ignored working copy of examples/.
#
# Why a working copy: JupyterLab autosaves a notebook with its outputs, so a demo run on examples/
# would rewrite the tracked notebooks. In demo/ the notebooks, their outputs, your edits and the
# generated demo data are yours: later demos and `git pull` never overwrite them, `git status`
# never shows them. Delete a notebook there to get the current example back.
#
# Stopping: one Ctrl+C stops JupyterLab (ServerApp.answer_yes skips its "Shut down this Jupyter
# server (y/[n])?" question); it shuts its kernels down, and each render daemon exits with its kernel.
# Usage: scripts/demo.sh [PORT]   (make demo passes DEMO_PORT, default 8888)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
port="${1:-${DEMO_PORT:-8888}}"
py="$repo/.venv/bin/python"
[[ -x $py ]] || { echo "error: $py is missing: run make demo (it installs .venv first)" >&2; exit 1; }

mkdir -p demo
for nb in examples/*.ipynb; do
  [[ -e demo/${nb##*/} ]] || cp "$nb" demo/ # never over a copy you may have edited
done
# The data writer multiscale.ipynb runs: kept current.
[[ demo/make_demo_data.py -nt examples/make_demo_data.py ]] || cp examples/make_demo_data.py demo/

# No "Would you like to get notified about official Jupyter news?" toast over the viewer: JupyterLab
# asks it whatever news_url says, unless the notification settings answer it (an overrides.json in
# this repository's own .venv; one you wrote yourself is left as it is).
settings="$repo/.venv/share/jupyter/lab/settings"
if [[ ! -e $settings/overrides.json ]]; then
  mkdir -p "$settings"
  echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' >"$settings/overrides.json"
fi

# A fresh token per demo (or yours), handed over in the environment: argv is visible to every user in ps.
JUPYTER_TOKEN="${JUPYTER_TOKEN:-$("$py" -c 'import secrets; print(secrets.token_hex(24))')}"
export JUPYTER_TOKEN
url="http://127.0.0.1:$port/lab/tree/quickstart.ipynb?token=$JUPYTER_TOKEN"

# Print the URL once the server answers, after JupyterLab's own start-up lines (the language
# server scan, the last of them, is over when lsp/status answers).
announce() {
  "$py" - "$port" <<'EOF' || exit 0
import os, sys, time, urllib.request

base = f"http://127.0.0.1:{sys.argv[1]}/"
auth = {"Authorization": "token " + os.environ["JUPYTER_TOKEN"]}
for _ in range(600):
    try:
        urllib.request.urlopen(urllib.request.Request(base + "api/status", headers=auth), timeout=2).close()
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit(1)
try:
    urllib.request.urlopen(urllib.request.Request(base + "lsp/status", headers=auth), timeout=30).close()
except OSError:  # no jupyter-lsp: nothing more to wait for
    pass
EOF
  sleep 0.3
  printf '\nnapari-cuda demo: JupyterLab is ready on demo/ (your git-ignored copies of examples/).\n'
  printf 'Press Ctrl+C once to stop JupyterLab, its kernels and their render daemons.\n'
  printf 'Open: %s\n' "$url"
}
announce &
announcer=$!
trap 'kill "$announcer" 2>/dev/null || true' EXIT

status=0
(
  cd demo
  # No news/update fetches or pop-ups over the notebook: the demo should show the viewer, not Lab's toasts.
  args=(quickstart.ipynb --no-browser --ServerApp.ip=127.0.0.1 "--ServerApp.port=$port" --ServerApp.port_retries=0
    --ServerApp.answer_yes=True --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate)
  [[ $(id -u) == 0 ]] && args+=(--allow-root) # containers run as root
  "$repo/.venv/bin/jupyter" lab "${args[@]}"
) || status=$?
if [[ $status -ne 0 ]]; then
  echo "error: JupyterLab exited with status $status (port $port in use? try: make demo DEMO_PORT=8899)" >&2
  exit "$status"
fi
echo "napari-cuda demo: stopped."

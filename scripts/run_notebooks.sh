#!/usr/bin/env bash
# Executes every notebook top to bottom on a small subset (fails on any cell error).
#   scripts/run_notebooks.sh [path/to/thaw]      THAW_NOTEBOOK_LIMIT=N samples per split (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh   # python3 = the project virtual environment
THAW=$(realpath "${1:-.build/release/thaw}")
export THAW
export THAW_NOTEBOOK_LIMIT=${THAW_NOTEBOOK_LIMIT:-200}
export THAW_NOTEBOOK_WORK=$(mktemp -d "${TMPDIR:-/tmp}/thaw-notebooks.XXXXXX")
export MPLBACKEND=Agg
export JUPYTER_PREFER_ENV_PATH=1   # the "python3" kernel spec inside the venv wins over a user-wide one
export PYTHONPATH="$PWD/python${PYTHONPATH:+:$PYTHONPATH}"   # notebook 04 imports this checkout's `thaw` package
trap 'rm -rf "$THAW_NOTEBOOK_WORK"' EXIT
passed=0 failed=0
for nb in notebooks/*.ipynb; do
  start=$(date +%s)
  if python3 - "$nb" <<'PY'
import sys, nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": "notebooks"}}).execute()
PY
  then
    passed=$((passed + 1)); echo "notebook ok   $nb ($(( $(date +%s) - start )) s)"
  else
    failed=$((failed + 1)); echo "notebook FAIL $nb"
  fi
done
echo "notebooks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

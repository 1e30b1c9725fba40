# Sourced by the scripts that run Python: puts the project virtual environment that scripts/deps.sh
# made (THAW_VENV, default .venv in this checkout) first on PATH, so `python3` is its interpreter
# whichever other Python or virtualenv is active. Without it (deps.sh not run yet) PATH is unchanged.
THAW_VENV=${THAW_VENV:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.venv}
if [ -x "$THAW_VENV/bin/python3" ]; then
  export PATH="$THAW_VENV/bin:$PATH"
  export VIRTUAL_ENV="$THAW_VENV"
fi
export THAW_VENV

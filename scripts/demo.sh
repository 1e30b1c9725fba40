#!/usr/bin/env bash
# The demo on the bundled real data. Usage: scripts/demo.sh [path/to/thaw]
set -euo pipefail
THAW=${1:-.build/release/thaw}

echo "### thaw doctor"
"$THAW" doctor

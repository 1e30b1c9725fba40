#!/usr/bin/env bash
# SHA-256 throughput of ThawExtract's implementation (release, -O), 20 MiB file, vs sha256sum.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
swiftc -O -module-name ThawExtractBench -o "$out/sha256-bench" \
    "$root/Sources/ThawExtract/SHA256.swift" "$root/Sources/ThawExtract/ExtractError.swift" "$root/benchmarks/extract/main.swift"
"$out/sha256-bench"
rm -rf "$out"

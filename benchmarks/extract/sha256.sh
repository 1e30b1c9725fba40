#!/usr/bin/env bash
# SHA-256 throughput of ThawCore's implementation (release, -O), 20 MiB file, vs sha256sum.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
swiftc -O -module-name ThawCoreBench -o "$out/sha256-bench" \
    "$root/Sources/ThawCore/SHA256.swift" "$root/Sources/ThawCore/FileError.swift" "$root/benchmarks/extract/main.swift"
"$out/sha256-bench"
rm -rf "$out"

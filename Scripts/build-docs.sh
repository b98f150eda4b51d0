#!/usr/bin/env bash
# Builds the DocC documentation of the NMFSeparation library into OUT (default .build/docs),
# failing on any DocC warning (broken symbol link, undocumented parameter, ...).
# The umbrella module's symbol graph carries every re-exported public symbol.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.build/docs}
graphs=$(mktemp -d)
trap 'rm -rf "$graphs"' EXIT
swift build --scratch-path .build/docs-build --target NMFSeparation \
  -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs/all" >/dev/null
mkdir -p "$graphs/umbrella"
cp "$graphs/all/NMFSeparation.symbols.json" "$graphs/umbrella/"
docc convert Sources/NMFSeparation/NMFSeparation.docc --additional-symbol-graph-dir "$graphs/umbrella" \
  --fallback-display-name NMFSeparation --fallback-bundle-identifier org.nmf-separate.NMFSeparation \
  --warnings-as-errors --output-path "$out"
echo "documentation written to $out (open $out/index.html through a web server, or use 'docc preview')"

#!/usr/bin/env bash
# Screenshots a run's report.html in headless Chromium (Debian's `chromium`), for the docs; not part of CI.
#   bash docs/images/make-report-screenshot.sh [RUN_DIR] [OUT.png]
# defaults: runs/quickstart and docs/images/report-quickstart.png. Also copies the run's curves and pictures
# beside it (quickstart-loss.png, quickstart-recall.png, quickstart-retrieval.png, quickstart-attention.png).
set -euo pipefail
cd "$(dirname "$0")/../.."
run=${1:-runs/quickstart}
out=${2:-docs/images/report-quickstart.png}
[ -f "$run/report.html" ] || { echo "no $run/report.html: train first (geokit run Examples/quickstart.swift)" >&2; exit 1; }
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }
# A fresh profile directory, so a running browser or an old profile changes nothing.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --window-size=1100,2400 --screenshot="$PWD/$out" "file://$PWD/$run/report.html" 2>/dev/null
if [ "$run" = runs/quickstart ]; then
    for name in loss recall retrieval attention; do cp "$run/$name.png" "docs/images/quickstart-$name.png"; done
fi
echo "wrote $out"

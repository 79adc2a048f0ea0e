#!/usr/bin/env bash
# tests/layout/file-sizes.sh — no source file grows past 450 lines (the
# layering rule of docs/ARCHITECTURE.md: split a file by responsibility
# before it gets there). Prints every file over the limit and fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
limit=450
over=$(find server/src kds-device/src printer/src shared/src tools -name '*.rs' -not -path '*/target/*' -print0 \
    | xargs -0 wc -l | awk -v l=$limit '$2 != "total" && $1 > l')
over_js=$(find server/web server/console -name '*.js' -print0 \
    | xargs -0 wc -l | awk -v l=$limit '$2 != "total" && $1 > l')
if [ -n "$over$over_js" ]; then
    echo "files over $limit lines:" >&2
    printf '%s\n' "$over" "$over_js" | sed '/^$/d' >&2
    exit 1
fi
echo "every source file is at most $limit lines"

#!/usr/bin/env bash
# Checks a `thaw report` page in headless Chromium: no console errors, no network loads, every
# expected chart present and drawn (not empty); writes a screenshot.
#
# usage: scripts/check_report.sh REPORT.html [SCREENSHOT.png]
#   CHECK_REPORT_CHARTS  chart kinds that must appear (default: "loss top1 heatmap confusion bars")
# exit: 0 ok, 1 check failed, 2 usage or Chromium missing (apt-get install -y chromium)
set -euo pipefail

report=${1:?usage: scripts/check_report.sh REPORT.html [SCREENSHOT.png]}
shot=${2:-${report%.html}.png}
charts=${CHECK_REPORT_CHARTS:-loss top1 heatmap confusion bars}
browser=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$browser" ]] || { echo "check_report: chromium not found; install it with: apt-get install -y chromium" >&2; exit 2; }
[[ -f "$report" ]] || { echo "check_report: $report does not exist" >&2; exit 2; }
url="file://$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--headless --disable-gpu --no-sandbox --hide-scrollbars --user-data-dir="$work/profile"
       --enable-logging=stderr --v=0)

# 1. The page itself references nothing outside it.
if grep -Eqi '<(script|link|img|iframe)[ >]|(src|href)="?(https?:)?//' "$report"; then
    echo "check_report: $report loads something external (script, link, img or URL)" >&2; exit 1
fi

# 2. Render to DOM; console messages and failed loads are errors.
timeout 120 "$browser" "${flags[@]}" --dump-dom "$url" >"$work/dom.html" 2>"$work/log" || {
    echo "check_report: chromium failed on $url:" >&2; tail -20 "$work/log" >&2; exit 1; }
if grep -E ':CONSOLE|Uncaught|net::ERR_|Refused to' "$work/log" >&2; then
    echo "check_report: console errors or failed loads above (from $url)" >&2; exit 1
fi

# 3. Every expected chart is in the DOM and draws something.
python3 - "$work/dom.html" $charts <<'PY'
import sys
from html.parser import HTMLParser

class Charts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.charts, self.current = [], None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "chart" in (a.get("class") or "").split():
            kind = [c[6:] for c in a["class"].split() if c.startswith("chart-")]
            self.current = {"kind": kind[0] if kind else "?", "label": a.get("aria-label", ""), "marks": 0}
            self.charts.append(self.current)
        elif self.current is not None:
            if tag == "path" and len((a.get("d") or "").split("L")) >= 2: self.current["marks"] += 1
            elif tag in ("rect", "circle") and a.get("fill") not in (None, "none"): self.current["marks"] += 1
    def handle_endtag(self, tag):
        if tag == "svg": self.current = None

p = Charts(); p.feed(open(sys.argv[1], encoding="utf-8").read())
bad = [c for c in p.charts if c["marks"] == 0]
missing = [k for k in sys.argv[2:] if not any(c["kind"] == k for c in p.charts)]
for c in bad: print(f"check_report: chart {c['kind']} '{c['label']}' is empty", file=sys.stderr)
for k in missing: print(f"check_report: no chart of kind '{k}' in the page", file=sys.stderr)
if bad or missing: sys.exit(1)
print(f"check_report: {len(p.charts)} charts drawn: " + ", ".join(sorted({c['kind'] for c in p.charts})))
PY

# 4. Screenshot (look at it: the file viewer shows PNGs).
timeout 120 "$browser" "${flags[@]}" --screenshot="$shot" --window-size=1200,2400 "$url" 2>"$work/log2" >/dev/null || {
    echo "check_report: screenshot failed:" >&2; tail -20 "$work/log2" >&2; exit 1; }
size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
(( size > 20000 )) || { echo "check_report: screenshot $shot is only $size bytes (blank page?)" >&2; exit 1; }
echo "check_report: ok, screenshot $shot ($size bytes)"

#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only when they are missing.
#   java (Spark local mode), PostgreSQL server binaries (throwaway test cluster),
#   chromium (browser tests), poppler-utils (PDF report checks), a CJK font (report charts),
#   npm (vendoring ECharts at install).
# Usage: scripts/system-deps.sh [test|demo]. Needs root (or sudo) and Debian's apt.
set -euo pipefail
profile="${1:-test}"
need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
if [[ "$profile" == "test" ]]; then
  have_cmd java || need+=(openjdk-17-jre-headless)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
  have_cmd chromium || need+=(chromium)
  have_cmd pdftotext || need+=(poppler-utils)
fi
# npm fetches the pinned Apache ECharts tarball from the npm registry (scripts/vendor-echarts.sh).
have_cmd npm || need+=(npm)
# Report charts and PDFs embed WenQuanYi Micro Hei (reportlab cannot embed Noto CJK outlines).
[[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]] || need+=(fonts-wqy-microhei)
((${#need[@]})) || exit 0
echo "installing Debian packages: ${need[*]}"
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

#!/usr/bin/env bash
# Debian packages the tests use: chromium (Playwright drives /usr/bin/chromium) and
# poppler-utils (pdftotext reads the PDFs the platform issues).
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "installing Debian packages for the tests: ${missing[*]} ..."
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    && exit 0
fi
echo "NOTE: could not install ${missing[*]}: the tests that need them will be skipped."
exit 0

#!/usr/bin/env bash
# The whole suite on SQLite, then again on PostgreSQL when one answers.
set -u
cd "$(dirname "$0")/.."
BIN=.venv/bin
status=0

echo "== tests on SQLite =="
env -u DATABASE_URL "$BIN/pytest" -n 2 -q "$@" || status=1

PG_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rainforest}"
if "$BIN/python" - "$PG_URL" <<'PY'
import sys
import psycopg
from urllib.parse import urlsplit
u = urlsplit(sys.argv[1])
try:
    psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username or "postgres",
                    password=u.password, dbname="postgres", connect_timeout=3).close()
except Exception as exc:  # noqa: BLE001 -- any failure means: no PostgreSQL here
    print(f"SKIPPED: the PostgreSQL run, because none answers at {u.hostname}:{u.port or 5432} ({exc})")
    sys.exit(1)
PY
then
  echo "== tests on PostgreSQL ($PG_URL) =="
  DATABASE_URL="$PG_URL" "$BIN/pytest" -n 2 -q "$@" || status=1
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "SKIPPED: browser tests, because /usr/bin/chromium is missing"
fi
if ! command -v pdftotext >/dev/null 2>&1; then
  echo "SKIPPED: pdftotext checks, because poppler-utils is missing"
fi
if [ "$status" -ne 0 ]; then
  echo "FAILED: at least one suite failed"
fi
exit "$status"

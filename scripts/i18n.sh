#!/usr/bin/env bash
# Regenerate and compile the English translation catalogue.
#   bash scripts/i18n.sh            extract strings into src/rainforest/locale/en/LC_MESSAGES/django.po,
#                                   drop obsolete entries, then compile django.mo
#   bash scripts/i18n.sh --check    also fail when any string is untranslated or fuzzy
# Strings are extracted from src/rainforest only (templates and Python), so .venv,
# tests, benchmarks and var are never scanned.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN="$ROOT/.venv/bin"
PO=src/rainforest/locale/en/LC_MESSAGES/django.po
export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
export DJANGO_SETTINGS_MODULE=rainforest.settings

mkdir -p src/rainforest/locale/en/LC_MESSAGES
(
  cd src/rainforest
  "$BIN/django-admin" makemessages -l en --no-obsolete --add-location=file \
    --ignore='__pycache__' --ignore='migrations' --ignore='locale'
)
# msgmerge (run by makemessages) marks near matches fuzzy: count them and the empty ones.
fuzzy=$(msgattrib --only-fuzzy --no-wrap "$PO" | grep -c '^msgid ' || true)
untranslated=$(msgattrib --untranslated --no-wrap "$PO" | grep -c '^msgid ' || true)
# Each count includes the header entry when non-zero.
[ "$fuzzy" -gt 0 ] && fuzzy=$((fuzzy - 1))
[ "$untranslated" -gt 0 ] && untranslated=$((untranslated - 1))
# Compiling needs no settings, so it works even while an app fails to import.
(
  cd src/rainforest
  env -u DJANGO_SETTINGS_MODULE "$BIN/django-admin" compilemessages -l en
)
echo "$PO: $(grep -c '^msgid ' "$PO") entries (header included), $untranslated untranslated, $fuzzy fuzzy"
if [ "${1:-}" = "--check" ] && [ $((untranslated + fuzzy)) -gt 0 ]; then
  echo "FAILED: list them with: msgattrib --untranslated $PO; msgattrib --only-fuzzy $PO"
  exit 1
fi

#!/usr/bin/env bash
# The whole test suite. Runs on SQLite; then the tests that touch the database run again on PostgreSQL:
# - when LEVIER_TEST_POSTGRES_URL is set, PostgreSQL is required (the run fails if it does not answer);
# - otherwise a PostgreSQL answering on 127.0.0.1:5432 is used when there is one.
# Extra arguments go to pytest (for example: scripts/test.sh tests/rules -x).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installation de Chromium (Debian) pour les tests de bout en bout…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

LEVIER_DATA_DIR="$(mktemp -d)"
export LEVIER_DATA_DIR
trap 'rm -rf "$LEVIER_DATA_DIR"' EXIT

postgres_url="${LEVIER_TEST_POSTGRES_URL:-}"
if [ -z "$postgres_url" ] && .venv/bin/python -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', connect_timeout=3).close()" 2>/dev/null; then
  postgres_url="postgresql://postgres@127.0.0.1:5432/levier"
fi

status=0
echo "== Suite complète sur SQLite"
env -u DATABASE_URL .venv/bin/pytest "$@" || status=$?
if [ -n "$postgres_url" ]; then
  echo "== Tests touchant la base, sur PostgreSQL ($postgres_url)"
  DATABASE_URL="$postgres_url" LEVIER_TEST_DB_ONLY=1 .venv/bin/pytest "$@" || status=$?
else
  echo "== PostgreSQL absent : seule la passe SQLite a tourné (définir LEVIER_TEST_POSTGRES_URL pour l'exiger)"
fi
exit "$status"

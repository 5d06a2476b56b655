#!/usr/bin/env bash
# Container start: migrate, prove the production settings, collect static files, then run the command.
# CI runs these same steps directly (no Docker engine on its machines).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SKIP_MIGRATE:-0}" != "1" ]; then
  python manage.py migrate --noinput
fi
python manage.py check --deploy --fail-level WARNING
python manage.py collectstatic --noinput --verbosity 0

exec "$@"

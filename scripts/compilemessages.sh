#!/usr/bin/env bash
# Compile the translation catalogues (locale/*/LC_MESSAGES/*.po -> .mo) when there are any.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -d locale ]] && find locale -name '*.po' -print -quit | grep -q .; then
    echo "==> compiling translations"
    .venv/bin/python manage.py compilemessages -v0 \
        --ignore='.venv*' --ignore=staticfiles --ignore=media --ignore=artifacts --ignore=node_modules
else
    echo "==> no translation catalogues under locale/: skipping compilemessages"
fi

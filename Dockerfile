# The portal's image: web (gunicorn + whitenoise), Celery worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MEDIA_ROOT=/app/media

# WeasyPrint's Pango stack, the CJK fonts for PDFs (黑体 stand-in; 仿宋, 楷 and 宋 for the annual report), gettext for the translation catalogues.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-wqy-microhei fonts-cwtex-fs fonts-arphic-gkai00mp fonts-arphic-ukai fonts-arphic-gbsn00lp gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so code changes do not reinstall them: the runtime requirements of pyproject.toml at the
# versions pinned in the lock (requirements/constraints.txt, `make lock`) that the tests ran.
COPY pyproject.toml ./
COPY requirements/constraints.txt requirements/
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt -c requirements/constraints.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN pip install --no-deps -e . \
    && if find locale -name '*.po' | grep -q .; then \
        python manage.py compilemessages -v0 --ignore=.venv; fi \
    && DJANGO_SECRET_KEY=build-time-only-collectstatic-key-not-used-at-runtime \
        python manage.py collectstatic --noinput -v0 \
    && useradd --system --uid 10001 --home-dir /app portal \
    && mkdir -p /app/media \
    && chown -R portal:portal /app/media

USER portal
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["python", "scripts/healthcheck.py"]

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", \
     "--access-logfile", "-"]

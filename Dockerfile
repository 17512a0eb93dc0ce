# CX Hub: one image for the web process (gunicorn), the Celery worker and Celery beat.
# docker-compose.yml picks the process with `command:`; the default is the web process.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. Every pinned package ships a wheel
# (psycopg2-binary included), so the image needs no compiler.
COPY requirements.txt .
RUN pip install -r requirements.txt

# The app runs unprivileged. /var/lib/cxhub/beat holds Celery beat's schedule file; a named volume
# mounted there starts with this ownership.
RUN groupadd --system cxhub \
    && useradd --system --gid cxhub --home-dir /app --no-create-home --shell /usr/sbin/nologin cxhub \
    && mkdir -p /var/lib/cxhub/beat /var/lib/cxhub/media \
    && chown -R cxhub:cxhub /var/lib/cxhub

COPY . .

# Translations are compiled (Babel, .po to .mo) and static files collected into the image. Production
# settings (DEBUG=0) refuse to load without a secret and allowed hosts, so this step gets throwaway
# values that exist only for these commands; the running container must be given real ones.
RUN export DEBUG=0 \
        SECRET_KEY=build-only-collectstatic-key-never-used-at-runtime-4f9c2e7a1b8d6035 \
        ALLOWED_HOSTS=build \
    && python manage.py compile_translations \
    && python manage.py collectstatic --noinput

USER cxhub

EXPOSE 8000

# /healthz answers 200 when the app is up and reaches its database (503 otherwise, which urlopen
# raises on). The Host header is the first ALLOWED_HOSTS entry, so the check passes host validation
# whatever the deployment allows; it is exempt from the HTTPS redirect.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=8)"]

CMD ["gunicorn", "cxhub.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]

# One image for the four services; the command picks the service:
#   docker run order-saga order-service | payment-service | inventory-service | shipping-service
# Every service reads its settings from environment variables (see docker-compose.yml).

ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: a self-contained virtualenv under /opt/venv -------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# Then the code (the migrations/*.sql files travel as package data).
COPY libs ./libs
COPY services ./services
RUN pip install --no-deps . \
    && site=$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
    && for pkg in messaging order payment inventory shipping; do \
           ls "$site/$pkg"/migrations/*.sql >/dev/null \
           || { echo "package $pkg has no migrations/*.sql in the venv" >&2; exit 1; }; \
       done

# --- runtime ------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HTTP_HOST=0.0.0.0

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /app --shell /usr/sbin/nologin app \
    && install -d -o app -g app -m 700 /var/lib/order-saga/auth
# ^ compose's auth-keys volume: a new named volume takes this directory's owner, so `app` may write the key

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
USER app:app

EXPOSE 3001 3002 3003 3004
STOPSIGNAL SIGTERM

# Exec form: the service is PID 1 and receives SIGTERM itself (graceful shutdown).
CMD ["order-service"]

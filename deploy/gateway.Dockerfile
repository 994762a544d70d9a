# syntax=docker/dockerfile:1
# The tiergate gateway: the package, its default classifier artifact (package data), no model
# server (llama.cpp and vLLM run in their own containers). Build from the repository root:
#   docker build -f deploy/gateway.Dockerfile -t tiergate:0.1.0 .

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# 1. Build every wheel (tiergate and its dependencies, with the Redis client).
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# gcc compiles the classifier's C kernels (classifier/_kernels.c) into the wheel.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml setup.py README.md ./
COPY router ./router
COPY workers ./workers
COPY classifier ./classifier
RUN python -m pip wheel --wheel-dir /wheels ".[redis]"

# 2. Runtime: slim Python, the installed wheels, a non-root user.
FROM ${PYTHON_IMAGE}
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links /wheels "tiergate[redis]" \
 && groupadd --system --gid 10001 tiergate \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/tiergate --create-home tiergate
# The classifier artifact and its C kernels ship inside the package; fail the build if not.
RUN python -c "from classifier import Classifier, native; Classifier.load(); assert native.kernels"
ENV TIERGATE_HOST=0.0.0.0 \
    TIERGATE_PORT=8080 \
    TIERGATE_LAUNCH_WORKERS=false
USER 10001:10001
WORKDIR /home/tiergate
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=2).status != 200)"]
ENTRYPOINT ["tiergate"]
CMD ["serve"]

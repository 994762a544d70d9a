"""deploy/gateway.Dockerfile, checked without a Docker engine: a slim Python base, a non-root
user, a health check on /readyz, no local model server; and the files it copies build a wheel
that carries the default classifier artifact (the same build the image runs)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.deploy.deploy_files import REPO

DOCKERFILE = REPO / "deploy" / "gateway.Dockerfile"
LLAMACPP_DOCKERFILE = REPO / "deploy" / "llamacpp.Dockerfile"


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def copied_sources(path: Path) -> list[str]:
    sources = []
    for word, args in instructions(path):
        if word == "COPY" and "--from" not in args:
            sources += args.split()[:-1]
    return sources


def test_gateway_image_is_slim_non_root_and_health_checked() -> None:
    steps = instructions(DOCKERFILE)
    args = {a.split("=", 1)[0]: a.split("=", 1)[1] for w, a in steps if w == "ARG" and "=" in a}
    bases = [
        re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], a.split()[0]) for w, a in steps if w == "FROM"
    ]
    assert all(re.fullmatch(r"python:3\.11-slim(-\w+)?", b) for b in bases), bases
    users = [a for w, a in steps if w == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root"), users
    (healthcheck,) = [a for w, a in steps if w == "HEALTHCHECK"]
    assert "/readyz" in healthcheck
    env = " ".join(a for w, a in steps if w == "ENV")
    assert "TIERGATE_LAUNCH_WORKERS=false" in env and "TIERGATE_HOST=0.0.0.0" in env
    assert "llama" not in DOCKERFILE.read_text().lower().replace("llama.cpp", "")


def test_dockerignore_keeps_what_the_images_copy() -> None:
    ignored = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "!"))
    }
    for dockerfile in (DOCKERFILE, LLAMACPP_DOCKERFILE):
        for source in copied_sources(dockerfile):
            assert (REPO / source).exists(), f"{dockerfile.name} copies missing {source}"
            assert source.rstrip("/").split("/")[0] not in ignored, source


def test_the_copied_files_build_a_wheel_with_the_classifier_artifact(tmp_path: Path) -> None:
    try:
        import setuptools  # noqa: F401
    except ImportError:
        pytest.fail("building the wheel needs setuptools: pip install setuptools", pytrace=False)
    context = tmp_path / "context"
    for source in copied_sources(DOCKERFILE):
        src = REPO / source
        dst = context / source
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.so"))
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path / "wheels"),
            str(context),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (wheel,) = (tmp_path / "wheels").glob("tiergate-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    artifacts = {n for n in names if n.startswith("classifier/artifacts/")}
    assert "classifier/artifacts/default.skops" in artifacts, sorted(artifacts)
    assert any(n.endswith(".json") for n in artifacts), sorted(artifacts)
    # the image's build stage has gcc, so the classifier's C kernels are compiled into the wheel
    assert any(re.fullmatch(r"classifier/_kernels\..*\.so", n) for n in names), sorted(names)
    for line in metadata.splitlines():
        if line.startswith("Requires-Dist:") and "llama" in line.lower():
            assert "extra ==" in line, f"llama.cpp must stay an extra: {line}"

"""Shared fixtures: the shipped classifier, loaded once per test session (about 50 ms), and
the compiled detectors (a few ms)."""

from __future__ import annotations

import pytest

from classifier import Classifier
from classifier.detectors import Detectors, build_detectors


@pytest.fixture(scope="session")
def clf() -> Classifier:
    return Classifier.load()


@pytest.fixture(scope="session")
def detectors() -> Detectors:
    return build_detectors()

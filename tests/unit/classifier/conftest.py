"""Shared fixtures: the shipped classifier, loaded once per test session (about 50 ms)."""

from __future__ import annotations

import pytest

from classifier import Classifier


@pytest.fixture(scope="session")
def clf() -> Classifier:
    return Classifier.load()

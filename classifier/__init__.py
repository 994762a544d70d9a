"""tiergate's request classifier: difficulty (which tier) and sensitivity (may it leave).

`import classifier` stays cheap: only the plain `Scores`/`Entity` values load eagerly, so the
router can type against them. `Classifier`, `ArtifactError` and `DEFAULT_ARTIFACT` are resolved
on first use (they pull in numpy); nothing reads a file until `Classifier.load()` is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from classifier.scores import Entity, Scores

if TYPE_CHECKING:
    from classifier.artifact import ArtifactError
    from classifier.model import DEFAULT_ARTIFACT, Classifier

__all__ = ["DEFAULT_ARTIFACT", "ArtifactError", "Classifier", "Entity", "Scores"]

_LAZY = {
    "Classifier": "classifier.model",
    "DEFAULT_ARTIFACT": "classifier.model",
    "ArtifactError": "classifier.artifact",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'classifier' has no attribute {name!r}")

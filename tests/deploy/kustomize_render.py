"""Render a kustomization in Python: the subset of kustomize that deploy/k8s/ uses.

`kubectl kustomize` is not installable from the package registries CI uses, so the manifest
tests render here: `resources` (files and kustomization folders), `labels` (metadata only),
`images` and `patches` (strategic merge, from a `path` or an inline `patch`, including
`$patch: delete`). Any other kustomization field fails loudly, so this renderer cannot silently
diverge from kustomize; when kubectl is on PATH, a test compares both renderings.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

__all__ = ["UnsupportedKustomizationError", "render"]

SUPPORTED = {"apiVersion", "kind", "resources", "patches", "images", "labels"}
Resource = dict[str, Any]


class UnsupportedKustomizationError(ValueError):
    pass


def _identity(doc: Resource) -> tuple[str, str, str]:
    group = doc["apiVersion"].rpartition("/")[0]
    return group, doc["kind"], doc["metadata"]["name"]


def _load_docs(path: Path) -> list[Resource]:
    with path.open(encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc]


def _merge(base: Any, patch: Any) -> Any:
    """Strategic merge for maps and for lists of maps keyed by `name`; others replace."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            if key.startswith("$"):
                raise UnsupportedKustomizationError(f"directive {key} inside a patch body")
            merged[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(i, dict) and "name" in i for i in [*base, *patch])
    ):
        merged_list = [copy.deepcopy(i) for i in base]
        index = {item["name"]: n for n, item in enumerate(merged_list)}
        for item in patch:
            if item["name"] in index:
                merged_list[index[item["name"]]] = _merge(merged_list[index[item["name"]]], item)
            else:
                merged_list.append(copy.deepcopy(item))
        return merged_list
    return copy.deepcopy(patch)


def _apply_patch(resources: list[Resource], patch: Resource) -> list[Resource]:
    target = _identity(patch)
    matches = [r for r in resources if _identity(r) == target]
    if len(matches) != 1:
        raise UnsupportedKustomizationError(f"patch target {target} matched {len(matches)}")
    body = {k: v for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return [r for r in resources if _identity(r) != target]
    if "$patch" in patch:
        raise UnsupportedKustomizationError(f"$patch: {patch['$patch']}")
    return [_merge(r, body) if _identity(r) == target else r for r in resources]


def _pod_containers(doc: Resource) -> list[dict[str, Any]]:
    spec = doc.get("spec", {}).get("template", {}).get("spec", {})
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def _set_images(resources: list[Resource], images: list[dict[str, str]]) -> None:
    for doc in resources:
        for container in _pod_containers(doc):
            name = container["image"].split("@")[0].rsplit(":", 1)[0]
            for image in images:
                if image["name"] == name:
                    new = image.get("newName", name)
                    tag = image.get("newTag")
                    container["image"] = f"{new}:{tag}" if tag else new


def _set_labels(resources: list[Resource], labels: list[dict[str, Any]]) -> None:
    for entry in labels:
        if entry.get("includeSelectors") or entry.get("includeTemplates"):
            raise UnsupportedKustomizationError("labels with includeSelectors/includeTemplates")
        for doc in resources:
            doc["metadata"].setdefault("labels", {}).update(entry["pairs"])


def render(folder: Path) -> list[Resource]:
    """The resources `kustomize build folder` would emit (order not significant)."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise UnsupportedKustomizationError(
            f"{folder}/kustomization.yaml: {sorted(unknown)} not supported by this renderer"
        )
    resources: list[Resource] = []
    for entry in kustomization.get("resources", []):
        path = (folder / entry).resolve()
        resources += render(path) if path.is_dir() else _load_docs(path)
    for entry in kustomization.get("patches", []):
        if set(entry) - {"path", "patch"}:
            raise UnsupportedKustomizationError(f"patch options {sorted(entry)}")
        docs = (
            _load_docs(folder / entry["path"])
            if "path" in entry
            else [d for d in yaml.safe_load_all(entry["patch"]) if d]
        )
        if len(docs) != 1:
            raise UnsupportedKustomizationError("one document per patch (as kustomize requires)")
        resources = _apply_patch(resources, docs[0])
    _set_labels(resources, kustomization.get("labels", []))
    _set_images(resources, kustomization.get("images", []))
    seen = [_identity(r) for r in resources]
    duplicates = {i for i in seen if seen.count(i) > 1}
    if duplicates:
        raise UnsupportedKustomizationError(f"duplicate resources {sorted(duplicates)}")
    return resources

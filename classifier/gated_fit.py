"""Fit every part of the difficulty head (`difficulty.GatedHead`) on labelled prompts.

Scikit-learn fits each part (lbfgs, deterministic) on the features of `features.Featurizer`;
the coefficients are exported and served without sklearn. Soft labels p are fitted as two
weighted rows (label 1 with weight p, label 0 with weight 1 - p), which minimises the same
cross-entropy. Each data set's total weight is capped so MMLU's 11k prompts do not drown the
others. The experts are fitted on out-of-fold base and domain-head logits (3 folds), so they
learn how far the n-grams can be trusted on prompts those models have not seen. The gate is
fitted with balanced domain weights and its logits are sharpened (x3): a misrouted prompt is
scored by another domain's expert, on that domain's scale, so a confident gate ranks better
within each domain (cross-validated on the training rows: GSM8K APGR 0.62 -> 0.63, dcrouter
0.614 -> 0.617; MMLU unchanged). A prior on the gsm8k gate logit (`GATE_PRIOR`) sends
GSM8K-style word problems, which dcrouter also holds, to the gsm8k expert, and that expert
reads no products (`EXPERT_DESIGNS`); both were chosen by 5-fold CV on the training rows.
`train` (the command) runs this on the offline data's training splits.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from classifier import datasets, features
from classifier.difficulty import N_DENSE, GatedHead, LinearHead, stack_rows

N_BITS = 18
GATE_BITS = 16
DATASET_WEIGHT_CAP = 3000.0
BASE_C, GATE_C, DOMAIN_C = 1.0, 100.0, 1.0
EXPERT_DEFAULT = ("full", 3.0)  # (design, C) of an expert; see `expert_columns`
# GSM8K's expert reads no products: fewer weights on its ~1k rows (5-fold CV on the training
# rows, with GATE_PRIOR: GSM8K APGR 0.629 -> 0.635, the other sets unchanged).
EXPERT_DESIGNS = {"gsm8k": ("linear", 3.0)}
# Added to a domain's sharpened gate logit. dcrouter also holds many GSM8K-style word problems,
# so the gate sent 21 % of GSM8K prompts wholly to dcrouter's expert, which ranks them worse.
# 5-fold CV on the training rows, shift 0/1/3/6/9/12/20: GSM8K APGR 0.607 -> 0.629 at 6, the
# other sets within 0.001; from 9 on dcrouter loses more than 0.001.
GATE_PRIOR = {"gsm8k": 6.0}
GATE_SHARPNESS = 3.0
FOLDS = 3
_FIXED_EFFECT_SCALE = 3.0  # per-data-set intercept columns, scaled up so they are barely penalised
DOMAIN_OF = {"alpacaeval": "chat", "arena_hard": "chat"}  # others: the data set's own name
Progress = Callable[[str], None]


def build_matrix(featurizer: features.Featurizer, texts: Sequence[str]) -> sp.csr_matrix:
    """Feature rows for `texts` (one turn each), columns = hashed buckets then dense features;
    typographic punctuation is read as ASCII (`features.plain_punctuation`), as in serving."""
    n_hashed = 1 << featurizer.n_bits
    data: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    indptr = [0]
    for text in map(features.plain_punctuation, texts):
        idx = featurizer.indices(text)
        hashed = np.full(idx.size, 1.0 / np.sqrt(idx.size)) if idx.size else np.zeros(0)
        dense = np.asarray(features.dense_features(text, 1), dtype=np.float64)
        cols += [idx, n_hashed + np.arange(dense.size)]
        data += [hashed, dense]
        indptr.append(indptr[-1] + idx.size + dense.size)
    shape = (len(texts), n_hashed + N_DENSE)
    matrix = sp.csr_matrix((np.concatenate(data), np.concatenate(cols), indptr), shape=shape)
    matrix.sum_duplicates()  # repeated n-grams add up, exactly like the lean scorer's sum
    return matrix


def fit_head(matrix: Any, labels: np.ndarray, weights: np.ndarray, c: float) -> LogisticRegression:
    """Fit a logistic regression on soft labels in [0, 1] with per-row weights."""
    rows = np.concatenate([np.arange(len(labels))] * 2)
    y = np.concatenate([np.ones(len(labels)), np.zeros(len(labels))])
    w = np.concatenate([weights * labels, weights * (1.0 - labels)])
    keep = w > 0
    model = LogisticRegression(C=c, solver="lbfgs", max_iter=3000, tol=1e-6)
    model.fit(matrix[rows[keep]], y[keep], sample_weight=w[keep])
    return model


def export_head(model: LogisticRegression, n_bits: int) -> LinearHead:
    """The fitted hashed and dense coefficients as a `LinearHead` (extra columns dropped)."""
    coef = np.asarray(model.coef_, dtype=np.float64).ravel()
    n_hashed = 1 << n_bits
    return LinearHead(
        weights=coef[:n_hashed].copy(),
        dense_weights=coef[n_hashed : n_hashed + N_DENSE].copy(),
        intercept=float(model.intercept_[0]),
    )


def dataset_weights(examples: Sequence[datasets.Example]) -> np.ndarray:
    """Per-row weights capping each data set's total at `DATASET_WEIGHT_CAP`."""
    counts = Counter(e.dataset for e in examples)
    return np.array([min(1.0, DATASET_WEIGHT_CAP / counts[e.dataset]) for e in examples])


def _fixed_effects(examples: Sequence[datasets.Example], names: list[str]) -> sp.csr_matrix:
    rows = np.arange(len(examples))
    cols = np.array([names.index(e.dataset) for e in examples])
    values = np.full(len(examples), _FIXED_EFFECT_SCALE)
    return sp.csr_matrix((values, (rows, cols)), shape=(len(examples), len(names)))


def fit_base(matrix: sp.csr_matrix, examples: Sequence[datasets.Example]) -> LinearHead:
    """The n-gram + dense logistic regression, with per-data-set intercepts dropped at export."""
    names = sorted({e.dataset for e in examples})
    design = sp.hstack([matrix, _fixed_effects(examples, names)]).tocsr()
    labels = np.array([e.label for e in examples])
    model = fit_head(design, labels, dataset_weights(examples), BASE_C)
    head = export_head(model, _n_bits(matrix))
    # Serve with the average of the per-set intercepts, weighted as in training.
    effects = np.asarray(model.coef_).ravel()[-len(names) :] * _FIXED_EFFECT_SCALE
    share = Counter({n: 0.0 for n in names})
    for example, weight in zip(examples, dataset_weights(examples), strict=True):
        share[example.dataset] += weight
    mean_effect = sum(effects[i] * share[n] for i, n in enumerate(names)) / sum(share.values())
    return LinearHead(head.weights, head.dense_weights, head.intercept + float(mean_effect))


def _n_bits(matrix: sp.csr_matrix) -> int:
    return int(matrix.shape[1] - N_DENSE).bit_length() - 1


def base_logits(head: LinearHead, matrix: sp.csr_matrix) -> np.ndarray:
    """The base head's logit for every row of `matrix`."""
    return np.asarray(matrix @ np.concatenate([head.weights, head.dense_weights])) + head.intercept


def _folded(matrix: sp.csr_matrix, gate_bits: int) -> sp.csr_matrix:
    n_hashed = matrix.shape[1] - N_DENSE
    fold = sp.csr_matrix(
        (np.ones(n_hashed), (np.arange(n_hashed), np.arange(n_hashed) & ((1 << gate_bits) - 1))),
        shape=(n_hashed, 1 << gate_bits),
    )
    return (matrix[:, :n_hashed] @ fold).tocsr()


def _fit_gate(
    matrix: sp.csr_matrix, domains: np.ndarray, names: list[str], weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gate weights (buckets, k), dense weights (k, N_DENSE) and intercepts (k,)."""
    design = sp.hstack([_folded(matrix, min(GATE_BITS, _n_bits(matrix))), matrix[:, -N_DENSE:]])
    n_buckets = design.shape[1] - N_DENSE
    if len(names) == 1:
        return np.zeros((n_buckets, 1)), np.zeros((1, N_DENSE)), np.zeros(1)
    y = np.array([names.index(d) for d in domains])
    totals = np.bincount(y, weights=weights, minlength=len(names))
    balanced = weights * (weights.sum() / len(names)) / totals[y]
    model = LogisticRegression(C=GATE_C, solver="lbfgs", max_iter=3000, tol=1e-6)
    model.fit(design.tocsr(), y, sample_weight=balanced)
    coef, intercept = np.asarray(model.coef_), np.asarray(model.intercept_)
    if len(names) == 2:  # sklearn's binary form: one row for class 1, class 0 at zero
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    coef, intercept = coef * GATE_SHARPNESS, intercept * GATE_SHARPNESS
    intercept = intercept + np.array([GATE_PRIOR.get(name, 0.0) for name in names])
    return (np.ascontiguousarray(coef[:, :n_buckets].T, dtype=np.float64),
            np.ascontiguousarray(coef[:, n_buckets:], dtype=np.float64),
            intercept.astype(np.float64))  # fmt: skip


def _fit_domain_heads(
    matrix: sp.csr_matrix,
    labels: np.ndarray,
    weights: np.ndarray,
    masks: list[np.ndarray],
    folds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per domain, an n-gram head on its own rows: weights (buckets, k), intercepts (k,) and
    each row's out-of-fold logit from its own domain's head (n,)."""
    folded = _folded(matrix, min(GATE_BITS, _n_bits(matrix)))
    own = np.zeros(matrix.shape[0])
    coefs, intercepts = [], []
    for mask in masks:
        for k in range(FOLDS):
            fit, held = mask & (folds != k), mask & (folds == k)
            if fit.any() and held.any():
                model = fit_head(folded[fit], labels[fit], weights[fit], DOMAIN_C)
                own[held] = model.decision_function(folded[held])
        model = fit_head(folded[mask], labels[mask], weights[mask], DOMAIN_C)
        coefs.append(np.asarray(model.coef_, dtype=np.float64).ravel())
        intercepts.append(float(model.intercept_[0]))
    return np.ascontiguousarray(np.array(coefs).T), np.array(intercepts), own


@dataclass(frozen=True, slots=True)
class Stage:
    """Everything `fit_gated` fits before the experts, and the experts' training inputs."""

    base: LinearHead
    names: tuple[str, ...]
    gate: tuple[np.ndarray, np.ndarray, np.ndarray]  # weights, dense weights, intercepts
    domain: tuple[np.ndarray, np.ndarray]  # domain-head weights, intercepts
    stacked: np.ndarray  # out-of-fold `stack_rows` plus the own-domain logit, one row each
    labels: np.ndarray
    weights: np.ndarray
    masks: tuple[np.ndarray, ...]  # rows of each domain
    folds: np.ndarray  # each row's fold for the out-of-fold fits


def fit_stage(
    examples: Sequence[datasets.Example],
    featurizer: features.Featurizer,
    seed: int,
    progress: Progress = lambda _: None,
) -> Stage:
    """Fit base, gate and domain heads on `examples`; collect the experts' inputs."""
    matrix = build_matrix(featurizer, [e.text for e in examples])
    folds = np.array([zlib.crc32(f"{seed}:fold:{e.text}".encode()) % FOLDS for e in examples])
    out_of_fold = np.zeros(len(examples))
    for k in range(FOLDS):
        progress(f"base model, fold {k + 1}/{FOLDS}")
        fit_rows, held = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        head = fit_base(matrix[fit_rows], [examples[int(i)] for i in fit_rows])
        out_of_fold[held] = base_logits(head, matrix[held])
    progress("base model, all rows")
    base = fit_base(matrix, examples)
    domains = np.array([DOMAIN_OF.get(e.dataset, e.dataset) for e in examples])
    names = sorted({str(d) for d in domains})
    weights = dataset_weights(examples)
    labels = np.array([e.label for e in examples])
    progress("domain gate")
    gate = _fit_gate(matrix, domains, names, weights)
    progress("domain heads")
    masks = [domains == name for name in names]
    domain_weights, domain_intercepts, own = _fit_domain_heads(
        matrix, labels, weights, masks, folds
    )
    stacked = np.hstack([stack_rows(out_of_fold, matrix[:, -N_DENSE:].toarray()), own[:, None]])
    return Stage(base, tuple(names), gate, (domain_weights, domain_intercepts), stacked, labels,
                 weights, tuple(masks), folds)  # fmt: skip


def expert_columns(design: str) -> np.ndarray:
    """The columns of `Stage.stacked` an expert design reads: "full" all of them, "linear" z,
    the dense features and the own-domain logit (no products)."""
    n = 1 + N_DENSE + N_DENSE * (N_DENSE + 1) // 2 + N_DENSE + 1
    return np.r_[0 : 1 + N_DENSE, n - 1] if design == "linear" else np.arange(n)


def _fit_expert(stage: Stage, rows: np.ndarray, design: str, c: float) -> tuple[np.ndarray, float]:
    cols = expert_columns(design)
    model = fit_head(stage.stacked[rows][:, cols], stage.labels[rows], stage.weights[rows], c)
    coef = np.zeros(stage.stacked.shape[1])
    coef[cols] = np.asarray(model.coef_, dtype=np.float64).ravel()
    return coef, float(model.intercept_[0])


def fit_experts(
    stage: Stage,
    designs: Mapping[str, tuple[str, float]] = EXPERT_DESIGNS,
    progress: Progress = lambda _: None,
) -> list[tuple[np.ndarray, float]]:
    """Per domain, the expert's coefficients over `stage.stacked`'s columns and intercept, with
    the domain's (design, C) from `designs` (default `EXPERT_DEFAULT`)."""
    experts = []
    for name, mask in zip(stage.names, stage.masks, strict=True):
        progress(f"expert {name}")
        experts.append(_fit_expert(stage, mask, *designs.get(name, EXPERT_DEFAULT)))
    return experts


def assemble(stage: Stage, experts: Sequence[tuple[np.ndarray, float]], n_bits: int) -> GatedHead:
    """The servable head from a fitted stage and its experts."""
    gate_weights, gate_dense, gate_intercepts = stage.gate
    return GatedHead(
        stage.base, n_bits, min(GATE_BITS, n_bits), stage.names, gate_weights, gate_intercepts,
        np.vstack([c[:-1] for c, _ in experts]), np.array([b for _, b in experts]), gate_dense,
        stage.domain[0], stage.domain[1], np.array([c[-1] for c, _ in experts]),
    )  # fmt: skip


def fit_gated(
    examples: Sequence[datasets.Example],
    featurizer: features.Featurizer,
    seed: int,
    progress: Progress = lambda _: None,
) -> GatedHead:
    """Fit base, gate, domain heads and experts on `examples` (all of them are training rows)."""
    stage = fit_stage(examples, featurizer, seed, progress)
    return assemble(stage, fit_experts(stage, progress=progress), featurizer.n_bits)


def batch_probability(head: GatedHead, matrix: sp.csr_matrix) -> np.ndarray:
    """`GatedHead.probability` for every row of a `build_matrix` matrix (one turn each)."""
    z = base_logits(head.base, matrix)
    folded, dense = _folded(matrix, head.gate_bits), matrix[:, -N_DENSE:].toarray()
    gate = folded @ head.gate_weights + dense @ head.gate_dense.T + head.gate_intercepts
    gate = np.exp(gate - gate.max(axis=1, keepdims=True))
    gate /= gate.sum(axis=1, keepdims=True)
    own = folded @ head.domain_weights + head.domain_intercepts
    experts = stack_rows(z, dense) @ head.expert_weights.T + own * head.expert_own
    return np.asarray((gate / (1.0 + np.exp(-(experts + head.expert_intercepts)))).sum(axis=1))

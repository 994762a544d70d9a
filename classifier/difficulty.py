"""The difficulty head: a hashed n-gram logit, a domain gate, and one small expert per domain.

Why not one linear model: what makes a prompt hard differs by kind of prompt. In grade-school
maths a longer problem (more steps) is harder and the words hardly matter; in MMLU the subject
matters and length does not; in open chat, length even points the other way. One linear model
over pooled data averages those effects away and, on GSM8K, ranked worse than prompt length
alone. So the head is a small mixture of experts, all of it linear algebra on one prompt:

1. `base`: logistic regression over hashed word uni/bigrams plus the dense structural features,
   trained with per-data-set intercepts that are dropped at serving time (so the n-gram weights
   learn *within*-set difficulty, not which data set a prompt came from). Output: logit `z`.
2. `gate`: a multinomial logistic regression over the same n-grams folded into
   `2**gate_bits` buckets plus the dense features, giving P(domain | prompt) for the training
   domains.
3. `domain heads`: per domain, a logistic regression over the folded n-grams fitted on that
   domain's prompts only. Output: logit `own_domain`, the words that mark a hard prompt
   *in that domain* (the base's weights are shared by all domains).
4. `experts`: per domain, a logistic regression over `stack(z, dense)` = z, the dense features,
   their pairwise products and z times each dense feature, plus `own_domain` (fitted on
   out-of-fold `z` and `own_domain`). An expert may leave columns unused (weight 0): GSM8K's
   reads no products.

difficulty = sum over domains of P(domain | prompt) * sigmoid(expert_domain(stack, own_domain)).
The gate and the domain heads read the same folded buckets, so one gather serves both.
`probability` is the lean single-prompt path; `gated_fit.batch_probability` computes the same on a
feature matrix, and a unit test holds the two equal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier import features, native
from classifier.artifact import ArtifactError, float_array, float_field, int_field

FloatArray = npt.NDArray[np.float64]
N_DENSE = len(features.DENSE_NAMES)
_UPPER = np.triu_indices(N_DENSE)
N_STACK = 1 + N_DENSE + len(_UPPER[0]) + N_DENSE
_EMPTY: FloatArray = np.zeros(0)
_EMPTY.flags.writeable = False


def stack(z: float, dense: FloatArray) -> FloatArray:
    """The experts' input: z, dense, upper triangle of dense x dense, z * dense."""
    return np.concatenate(([z], dense, np.outer(dense, dense)[_UPPER], z * dense))


def stack_rows(z: FloatArray, dense: FloatArray) -> FloatArray:
    """`stack` for many rows at once (training side)."""
    pairs = (dense[:, :, None] * dense[:, None, :])[:, _UPPER[0], _UPPER[1]]
    return np.hstack([z[:, None], dense, pairs, z[:, None] * dense])


@dataclass(frozen=True, slots=True)
class LinearHead:
    """A logistic-regression head exported as arrays: hashed-feature and dense weights."""

    weights: FloatArray
    dense_weights: FloatArray
    intercept: float


@dataclass(frozen=True, slots=True)
class GatedHead:
    """Exported weights of the whole difficulty head (see the module docstring)."""

    base: LinearHead
    n_bits: int
    gate_bits: int
    domains: tuple[str, ...]
    gate_weights: FloatArray  # (2**gate_bits, n_domains)
    gate_intercepts: FloatArray  # (n_domains,)
    expert_weights: FloatArray  # (n_domains, N_STACK)
    expert_intercepts: FloatArray  # (n_domains,)
    # Empty (the default) means zeros: a head without these parts.
    gate_dense: FloatArray = field(default_factory=lambda: _EMPTY)  # (n_domains, N_DENSE)
    domain_weights: FloatArray = field(default_factory=lambda: _EMPTY)  # (2**gate_bits, n_dom.)
    domain_intercepts: FloatArray = field(default_factory=lambda: _EMPTY)  # (n_domains,)
    expert_own: FloatArray = field(default_factory=lambda: _EMPTY)  # (n_domains,)
    # The serving tables are float32 copies (sums taken in double, numpy and C alike): 3 MB
    # instead of 6, so more of them stays in cache between requests; the probability moves by
    # ~1e-7 at most. The artifact keeps float64.
    _base: npt.NDArray[np.float32] = field(init=False, repr=False, compare=False)
    # Domain-major copy of gate_weights then domain_weights: one contiguous gather of the folded
    # buckets is ~3x faster than gathering rows of a (buckets, domains) array.
    _by_domain: npt.NDArray[np.float32] = field(init=False, repr=False, compare=False)
    # Bucket-major copy for the C kernel, which walks one prompt's n-grams: a bucket's 2k
    # weights then share one cache line, where the domain-major rows put each of them
    # 2**gate_bits * 4 bytes apart (8 cache misses per n-gram with 4 domains).
    _by_bucket: npt.NDArray[np.float32] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        k = len(self.domains)
        defaults = {"gate_dense": (k, N_DENSE), "domain_weights": self.gate_weights.shape,
                    "domain_intercepts": (k,), "expert_own": (k,)}  # fmt: skip
        for name, shape in defaults.items():
            if getattr(self, name).size == 0:
                object.__setattr__(self, name, np.zeros(shape))
        by_domain = np.vstack([self.gate_weights.T, self.domain_weights.T])
        tables = {"_base": self.base.weights, "_by_domain": by_domain, "_by_bucket": by_domain.T}
        for name, values in tables.items():
            table = np.ascontiguousarray(values, dtype=np.float32)
            table.flags.writeable = False
            object.__setattr__(self, name, table)

    def probability(self, featurizer: features.Featurizer, text: str, n_turns: int) -> float:
        """P(the small tier falls short) for one prompt, without scikit-learn.

        With the C kernels (`featurizer.native`) the whole head, dense features included, is one
        C call (`_kernels.gated_head`, equal to the numpy below to rounding): a dozen small numpy
        operations cost more than the arithmetic they do, most of all in a busy gateway.
        """
        text = features.plain_punctuation(text)  # as training reads it (`build_matrix`)
        if featurizer.native:
            return native.kernels.gated_head(
                text.encode("utf-8", "replace"), features.MAX_BYTES, self.n_bits,
                self._base, self.base.dense_weights, self.base.intercept, self.gate_bits,
                self._by_bucket, self.gate_intercepts, self.gate_dense, self.domain_intercepts,
                self.expert_weights, self.expert_own, self.expert_intercepts, len(text), n_turns,
            )  # fmt: skip
        dense = np.asarray(features.dense_features(text, n_turns, native=False))
        indices = featurizer.indices(text)
        z = self.base.intercept + float(dense @ self.base.dense_weights)
        k = len(self.domains)
        gate = self.gate_intercepts + self.gate_dense @ dense
        own = self.domain_intercepts
        if indices.size:
            scale = 1.0 / math.sqrt(indices.size)
            z += float(self._base[indices].sum(dtype=np.float64)) * scale
            folded = indices & ((1 << self.gate_bits) - 1)
            sums = np.take(self._by_domain, folded, axis=1).sum(axis=1, dtype=np.float64) * scale
            gate, own = gate + sums[:k], own + sums[k:]
        gate = np.exp(gate - gate.max())
        experts = self.expert_weights @ stack(z, dense) + self.expert_own * own
        experts += self.expert_intercepts
        return float(gate @ (1.0 / (1.0 + np.exp(-experts))) / gate.sum())

    def to_content(self) -> dict[str, Any]:
        """The head as plain artifact fields."""
        return {
            "n_bits": self.n_bits,
            "gate_bits": self.gate_bits,
            "domains": list(self.domains),
            "weights": self.base.weights,
            "dense_weights": self.base.dense_weights,
            "intercept": float(self.base.intercept),
            "gate_weights": self.gate_weights,
            "gate_intercepts": self.gate_intercepts,
            "expert_weights": self.expert_weights,
            "expert_intercepts": self.expert_intercepts,
            "gate_dense": self.gate_dense,
            "domain_weights": self.domain_weights,
            "domain_intercepts": self.domain_intercepts,
            "expert_own": self.expert_own,
        }

    @classmethod
    def from_content(cls, content: dict[str, Any]) -> GatedHead:
        """Validate every field's type and shape; raise `ArtifactError` on any mismatch."""
        n_bits = int_field(content, "n_bits", 8, 24)
        gate_bits = int_field(content, "gate_bits", 4, n_bits)
        domains = content.get("domains")
        if (
            not isinstance(domains, list)
            or not domains
            or not all(isinstance(d, str) for d in domains)
        ):
            raise ArtifactError("artifact field 'domains' must be a non-empty list of str")
        k = len(domains)
        base = LinearHead(
            float_array(content, "weights", (1 << n_bits,)),
            float_array(content, "dense_weights", (N_DENSE,)),
            float_field(content, "intercept"),
        )
        return cls(
            base, n_bits, gate_bits, tuple(domains),
            float_array(content, "gate_weights", (1 << gate_bits, k)),
            float_array(content, "gate_intercepts", (k,)),
            float_array(content, "expert_weights", (k, N_STACK)),
            float_array(content, "expert_intercepts", (k,)),
            float_array(content, "gate_dense", (k, N_DENSE)),
            float_array(content, "domain_weights", (1 << gate_bits, k)),
            float_array(content, "domain_intercepts", (k,)),
            float_array(content, "expert_own", (k,)),
        )  # fmt: skip

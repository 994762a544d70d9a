"""The classifier's C kernels (`classifier/csrc/`, built as `_kernels`) when the install made them.

`kernels` is the extension module, or None where no C compiler was available; every caller
then runs its numpy or `re` reference code, which gives the same results (the unit tests hold
each kernel to its reference). The helpers view a kernel's bytes output without copying.
"""

from __future__ import annotations

import struct

import numpy as np
import numpy.typing as npt

try:
    from classifier import _kernels
except ImportError:  # built without a C compiler: the reference code serves
    _kernels = None  # type: ignore[assignment]
kernels = _kernels


def int64s(buffer: bytes) -> npt.NDArray[np.int64]:
    """A read-only int64 view of a kernel's output (no copy)."""
    return np.frombuffer(buffer, dtype=np.int64)


def span_pairs(buffer: bytes) -> list[tuple[int, int]]:
    """A kernel's (start, end) int64 pairs as a list of tuples (`struct` takes ~0.2 µs for a
    few pairs; a numpy view and `tolist` ~1 µs, and a prompt decodes half a dozen of these)."""
    return list(struct.iter_unpack("qq", buffer))

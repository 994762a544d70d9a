def words(data: bytes, max_bytes: int, /) -> tuple[bytes, bytes, bytes]: ...
def ngram_indices(data: bytes, max_bytes: int, n_bits: int, /) -> bytes: ...
def tag_scores(
    data: bytes,
    max_bytes: int,
    n_bits: int,
    weights: object,
    intercepts: object,
    threshold: float,
    /,
) -> tuple[bytes, bytes, bytes, bytes]: ...

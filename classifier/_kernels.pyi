def words(data: bytes, max_bytes: int, /) -> tuple[bytes, bytes, bytes]: ...
def ngram_indices(data: bytes, max_bytes: int, n_bits: int, /) -> bytes: ...
def bag_sum(data: bytes, max_bytes: int, n_bits: int, weights: object, /) -> float: ...
def tag_scores(
    data: bytes,
    max_bytes: int,
    n_bits: int,
    table: object,
    intercepts: object,
    threshold: float,
    bag_bits: int = ...,
    bag_weights: object = ...,
    /,
) -> tuple[bytes, bytes, bytes, bytes, float]: ...
def tagged_words(
    data: bytes,
    max_bytes: int,
    n_bits: int,
    table: object,
    intercepts: object,
    threshold: float,
    bag_bits: int = ...,
    bag_weights: object = ...,
    /,
) -> tuple[bytes, float]: ...
def digit_runs(text: str, min_digits: int, /) -> bytes: ...
def number_shapes(text: str, runs: list[tuple[int, int]], /) -> bytes: ...
def phone_starts(text: str, start: int, end: int, /) -> bytes: ...
def iban_starts(text: str, start: int, end: int, /) -> bytes: ...
def id_starts(text: str, runs: list[tuple[int, int]], /) -> bytes: ...
def text_views(text: str, /) -> tuple[str, str, bytes | None] | None: ...
def long_runs(text: str, minimum: int, /) -> bytes: ...
def needle_runs(text: str, view: str, needles: tuple[str, ...], minimum: int, /) -> bytes: ...
def find_all(
    text: str, needles: tuple[str, ...], word_start: bool | tuple[bool, ...] = ..., /
) -> bytes: ...
def capitalised_words(text: str, words: frozenset[str], /) -> tuple[bytes, bytes]: ...
def around(
    text: str, anchors: list[tuple[int, int]], before: int, after: int, limit: int, /
) -> bytes: ...
def gated_head(
    data: bytes,
    max_bytes: int,
    n_bits: int,
    base_weights: object,
    base_dense: object,
    base_intercept: float,
    gate_bits: int,
    by_bucket: object,
    gate_intercepts: object,
    gate_dense: object,
    domain_intercepts: object,
    expert_weights: object,
    expert_own: object,
    expert_intercepts: object,
    n_chars: int,
    n_turns: int,
    /,
) -> float: ...
def byte_counts(
    data: bytes,
    /,
) -> tuple[int, int, int, int, int, int, int, int, int, int, int, int, int, int, int]: ...
def dense_features(data: bytes, n_chars: int, n_turns: int, /) -> bytes: ...

/* classifier._kernels: the classifier's hot loops in C, one Python function each.
 *
 * hashing.c  words, ngram_indices   word hashes and n-gram buckets (features.Featurizer)
 *            bag_sum                the PII text model's sum (pii_text.PiiTextModel)
 * tagger.c   tag_scores             the PII tagger's label scores (pii_model.PiiTagger), and
 *            tagged_words           the text model's sum in the same pass; serving reads only
 *                                   the tagged words
 * head.c     gated_head             the difficulty head (difficulty.GatedHead.probability)
 * dense.c    byte_counts,           the dense features' counts and the features themselves
 *            dense_features         (features), which the head computes itself
 * scan.c     digit_runs, long_runs  number windows, secret candidates, keyword anchors, the
 *            find_all, around       name rule's words, the windows around anchors
 *            capitalised_words      (detectors, secret_scan, windows, context)
 * runs.c     needle_runs            the long runs that hold a secret rule's needle (secret_scan)
 * numbers.c  number_shapes          card, SSN and IPv4 candidates in the digit runs, and
 *            phone_starts,          where a phone number or an IBAN can start (numeric)
 *            iban_starts
 * ids.c      id_starts              where other countries' identity numbers can start
 *                                   (national_ids)
 * widths.c   text_views             invisible characters dropped, full-width forms, other
 *                                   spaces, dashes and digits as ASCII (widths)
 *
 * Each re-implements numpy or `re` reference code that stays in the Python modules: the same
 * bytes in give the same results out (bit for bit, or within 1e-12 for the head's sums), and
 * unit tests hold them equal. numpy spends most of its time on one prompt in call overhead
 * (some forty small array operations); one pass over the bytes in C does the same work in a
 * few microseconds. No numpy headers: arrays come in through the buffer protocol and results
 * go out as bytes objects that `numpy.frombuffer` wraps without copying.
 */
#include "kernels.h"

static PyMethodDef methods[] = {
    {"byte_counts", kernel_byte_counts, METH_VARARGS, "byte_counts(data) -> the dense features' counts"},
    {"gated_head", kernel_gated_head, METH_VARARGS,
     "gated_head(data, max_bytes, n_bits, base_weights, base_dense, base_intercept, gate_bits,"
     " by_bucket, gate_intercepts, gate_dense, domain_intercepts, expert_weights, expert_own,"
     " expert_intercepts, n_chars, n_turns) -> float"},
    {"dense_features", kernel_dense_features, METH_VARARGS,
     "dense_features(data, n_chars, n_turns) -> the difficulty head's dense features as float64 bytes"},
    {"digit_runs", kernel_digit_runs, METH_VARARGS,
     "digit_runs(data, min_digits) -> int64 (start, end) pairs as bytes"},
    {"long_runs", kernel_long_runs, METH_VARARGS,
     "long_runs(data, minimum) -> int64 (start, end) pairs as bytes"},
    {"needle_runs", kernel_needle_runs, METH_VARARGS,
     "needle_runs(text, view, needles, minimum) -> int64 (needle, start, end) triples as bytes"},
    {"find_all", kernel_find_all, METH_VARARGS,
     "find_all(text, needles[, word_start]) -> int64 (needle index, start) pairs as bytes"},
    {"around", kernel_around, METH_VARARGS,
     "around(text, anchors, before, after, limit) -> int64 (start, end) pairs as bytes"},
    {"number_shapes", kernel_number_shapes, METH_VARARGS,
     "number_shapes(text, runs) -> int64 (shape, start, end) triples as bytes"},
    {"phone_starts", kernel_phone_starts, METH_VARARGS,
     "phone_starts(text, start, end) -> int64 positions where a phone number can start, as bytes"},
    {"iban_starts", kernel_iban_starts, METH_VARARGS,
     "iban_starts(text, start, end) -> int64 positions where an IBAN can start, as bytes"},
    {"id_starts", kernel_id_starts, METH_VARARGS,
     "id_starts(text, runs) -> int64 positions where a national identity number can start"},
    {"text_views", kernel_text_views, METH_VARARGS,
     "text_views(text) -> None or (plain, detect_view, int64 offsets kept or None)"},
    {"capitalised_words", kernel_capitalised_words, METH_VARARGS,
     "capitalised_words(text, words) -> (int64 (start, end) pairs, int64 hit indices) as bytes"},
    {"words", kernel_words, METH_VARARGS, "words(data, max_bytes) -> (starts, ends, hashes) as bytes"},
    {"ngram_indices", kernel_ngram_indices, METH_VARARGS,
     "ngram_indices(data, max_bytes, n_bits) -> int64 bucket indices as bytes"},
    {"bag_sum", kernel_bag_sum, METH_VARARGS,
     "bag_sum(data, max_bytes, n_bits, weights) -> float over the distinct n-gram buckets"},
    {"tag_scores", kernel_tag_scores, METH_VARARGS,
     "tag_scores(data, max_bytes, n_bits, weights, intercepts, threshold[, bag_bits, bag_weights])"
     " -> (starts, ends, logits, labels, bag)"},
    {"tagged_words", kernel_tagged_words, METH_VARARGS,
     "tagged_words(data, max_bytes, n_bits, weights, intercepts, threshold[, bag_bits,"
     " bag_weights]) -> (int64 (label, start, end) triples of the tagged words, bag)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels",
                                    "The classifier's hot loops in C.", -1, methods};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }

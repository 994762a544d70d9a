/* Shared by the classifier's C kernels (see module.c): the hashing constants, which must
 * equal the numpy reference's (`features.py`, `pii_model.py`), and the word scanner. */
#ifndef TIERGATE_KERNELS_H
#define TIERGATE_KERNELS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define P 0x100000001B3ULL
#define BIGRAM_MULT 0x9E3779B97F4A7C15ULL
#define MIX1 0xBF58476D1CE4E5B9ULL
#define MIX2 0x94D049BB133111EBULL
/* pii_model's constants */
#define SALT 0x632BE59BD9B4E019ULL
#define K1 0x9E3779B97F4A7C15ULL
#define K2 0xC2B2AE3D27D4EB4FULL
#define PAD0 0x51ED27ULL
#define PAD1 0x51ED28ULL
#define N_FEATURES 10 /* pii_model.N_FEATURES */
#define N_LABELS 6

static inline uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * MIX1;
    z = (z ^ (z >> 27)) * MIX2;
    return z ^ (z >> 31);
}

/* The hash of n-gram j of `count` word hashes: the words for j < count, then the 2 * count - 1
 * bigrams (`features.Featurizer.indices`' order: unigrams, then bigrams). */
static inline uint64_t ngram_hash(const uint64_t *hashes, Py_ssize_t count, Py_ssize_t j) {
    return j < count ? hashes[j] : mix(hashes[j - count] * BIGRAM_MULT + hashes[j - count + 1]);
}

static inline int is_word_byte(unsigned char b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
           b == '_' || b >= 128;
}

/* Words of data[0:n]: start and end offsets and the mixed polynomial hash of the lower-cased
 * bytes (sum of b[j] * P^(j - start)). Returns the number of words written. */
static inline Py_ssize_t scan_words(const unsigned char *data, Py_ssize_t n, int64_t *starts,
                             int64_t *ends, uint64_t *hashes) {
    Py_ssize_t count = 0, i = 0;
    while (i < n) {
        if (!is_word_byte(data[i])) {
            i++;
            continue;
        }
        uint64_t h = 0, power = 1;
        Py_ssize_t start = i;
        for (; i < n && is_word_byte(data[i]); i++) {
            unsigned char b = data[i];
            h += (uint64_t)((b >= 'A' && b <= 'Z') ? b + 32 : b) * power;
            power *= P;
        }
        starts[count] = start;
        ends[count] = i;
        hashes[count] = mix(h);
        count++;
    }
    return count;
}

/* The sum of table[bucket] over the distinct unigram and bigram buckets of `count` word
 * hashes at n_bits (those of ngram_indices, each once: the PII text model's features are
 * present or absent). `seen` is a zeroed bitmap of 2**n_bits bits, left dirty. */
static inline double bag_total(const uint64_t *hashes, Py_ssize_t count, int n_bits,
                               const float *table, uint64_t *seen) {
    uint64_t mask = ((uint64_t)1 << n_bits) - 1;
    double sum = 0.0;
    for (Py_ssize_t i = 0; i < 2 * count - 1; i++) {
        uint64_t bucket = ngram_hash(hashes, count, i) & mask;
        uint64_t bit = (uint64_t)1 << (bucket & 63);
        if (seen[bucket >> 6] & bit) continue;
        seen[bucket >> 6] |= bit;
        sum += table[bucket];
    }
    return sum;
}

/* bag weights are float32 of length 2**n_bits, 6 <= n_bits <= 24: 0 or sets a ValueError */
static inline int check_bag(const Py_buffer *weights, int n_bits) {
    if (n_bits >= 6 && n_bits <= 24 &&
        weights->len == ((Py_ssize_t)1 << n_bits) * (Py_ssize_t)sizeof(float))
        return 0;
    PyErr_SetString(PyExc_ValueError, "bag weights must be float32 of length 2**n_bits, 6 <= n_bits <= 24");
    return -1;
}

/* dense.c: the dense features' byte counts (`features.byte_counts`, in this order) and the
 * features themselves (`features.DENSE_NAMES`), shared with the difficulty head */
enum Count { SPACES, NEWLINES, FENCES, CODE, DIGITS, MATHS, QUESTIONS, UPPER, NUMBERS, STOPS,
             COMMAS, DOLLARS, LATEX, CHOICES, SYMBOLS, N_COUNTS };
#define N_DENSE 17
void count_bytes(const unsigned char *raw, Py_ssize_t n, Py_ssize_t counts[N_COUNTS]);
void dense_features(const unsigned char *data, Py_ssize_t n, Py_ssize_t n_chars,
                    Py_ssize_t n_turns, double out[N_DENSE]);

/* scan.c and numbers.c: growable int64 output, and `re`'s notion of a digit */
/* Pairs of int64 ((start, end), or find_all's (needle, start)) as bytes, grown as needed. */
typedef struct {
    int64_t *items;
    Py_ssize_t count, cap;
} Spans;

static inline int spans_push(Spans *spans, int64_t value) { /* one int64, not a pair */
    if (spans->count + 1 > spans->cap) {
        Py_ssize_t cap = spans->cap ? spans->cap * 2 : 64;
        int64_t *items = PyMem_Realloc(spans->items, cap * sizeof(int64_t));
        if (!items) return -1;
        spans->items = items;
        spans->cap = cap;
    }
    spans->items[spans->count++] = value;
    return 0;
}

static inline int spans_add(Spans *spans, int64_t start, int64_t end) {
    return spans_push(spans, start) < 0 || spans_push(spans, end) < 0 ? -1 : 0;
}

static inline PyObject *spans_finish(Spans *spans, int failed) {
    PyObject *out = failed ? PyErr_NoMemory()
                           : PyBytes_FromStringAndSize((const char *)spans->items,
                                                       spans->count * sizeof(int64_t));
    PyMem_Free(spans->items);
    return out;
}

/* `\d` of a str pattern: a Unicode decimal digit (what `re` tests) */
static inline int is_digit_char(Py_UCS4 c) {
    return (c >= '0' && c <= '9') || (c >= 128 && Py_UNICODE_ISDECIMAL(c));
}

static inline int is_number_char(Py_UCS4 c) {
    return is_digit_char(c) || c == ' ' || c == '(' || c == ')' || c == '.' || c == '-' ||
           c == '/' || c == ':';
}

/* numbers.c and ids.c: a str read a character at a time, with `re`'s look-arounds */
typedef struct {
    int kind;
    const void *data;
    Py_ssize_t n;
} Text;

/* the character at i, or 0 past either end: 0 is no digit, word character or separator, so
 * a look-around at the text's edge sees what `re` sees there (nothing to match) */
static inline Py_UCS4 char_at(const Text *t, Py_ssize_t i) {
    return i >= 0 && i < t->n ? PyUnicode_READ(t->kind, t->data, i) : 0;
}

static inline int is_digit_at(const Text *t, Py_ssize_t i) {
    return is_digit_char(char_at(t, i));
}

/* `\w` of a str pattern: str.isalnum() or "_" */
static inline int is_word_char(Py_UCS4 c) {
    if (c < 128)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               c == '_';
    return Py_UNICODE_ISALNUM(c);
}

static inline int is_ascii_letter(Py_UCS4 c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* digits from i, counting at most `cap` */
static inline Py_ssize_t digits_from(const Text *t, Py_ssize_t i, Py_ssize_t cap) {
    Py_ssize_t k = 0;
    while (k < cap && is_digit_at(t, i + k)) k++;
    return k;
}

/* item j of a list of (start, end) runs, clipped to [0, n]: 0, or -1 with an error set */
static inline int run_at(PyObject *runs, Py_ssize_t j, Py_ssize_t n, Py_ssize_t *start,
                         Py_ssize_t *end) {
    PyObject *item = PyList_GET_ITEM(runs, j);
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
        PyErr_SetString(PyExc_TypeError, "runs must be (start, end) tuples");
        return -1;
    }
    *start = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 0));
    *end = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 1));
    if (PyErr_Occurred()) return -1;
    if (*start < 0) *start = 0;
    if (*end > n) *end = n;
    return 0;
}

/* A kernel `name(text, runs)` over a list of (start, end) runs: `per_run` appends to `out`
 * what it finds in each run (0, or -1 on a memory error); the result is `out` as bytes. */
typedef int (*PerRun)(const Text *t, Py_ssize_t start, Py_ssize_t end, Spans *out);

static inline PyObject *over_runs(PyObject *args, PerRun per_run) {
    PyObject *text, *runs;
    if (!PyArg_ParseTuple(args, "UO!", &text, &PyList_Type, &runs)) return NULL;
    Text t = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text)};
    Spans out = {NULL, 0, 0};
    int failed = 0;
    for (Py_ssize_t j = 0; j < PyList_GET_SIZE(runs) && !failed; j++) {
        Py_ssize_t start, end;
        if (run_at(runs, j, t.n, &start, &end) < 0) {
            PyMem_Free(out.items);
            return NULL;
        }
        failed = per_run(&t, start, end, &out) < 0;
    }
    return spans_finish(&out, failed);
}

/* scan.c: str.isspace and the number characters of every Latin-1 character, one byte each
 * (filled by `latin1_tables`, under the GIL, before first use) */
extern unsigned char latin1_space[256], latin1_number[256];
void latin1_tables(void);

/* the entry points, one per Python function (module.c lists them) */
PyObject *kernel_words(PyObject *self, PyObject *args);
PyObject *kernel_ngram_indices(PyObject *self, PyObject *args);
PyObject *kernel_bag_sum(PyObject *self, PyObject *args);
PyObject *kernel_gated_head(PyObject *self, PyObject *args);
PyObject *kernel_byte_counts(PyObject *self, PyObject *args);
PyObject *kernel_dense_features(PyObject *self, PyObject *args);
PyObject *kernel_tag_scores(PyObject *self, PyObject *args);
PyObject *kernel_tagged_words(PyObject *self, PyObject *args);
PyObject *kernel_digit_runs(PyObject *self, PyObject *args);
PyObject *kernel_long_runs(PyObject *self, PyObject *args);
PyObject *kernel_needle_runs(PyObject *self, PyObject *args);
PyObject *kernel_find_all(PyObject *self, PyObject *args);
PyObject *kernel_capitalised_words(PyObject *self, PyObject *args);
PyObject *kernel_around(PyObject *self, PyObject *args);
PyObject *kernel_number_shapes(PyObject *self, PyObject *args);
PyObject *kernel_phone_starts(PyObject *self, PyObject *args);
PyObject *kernel_iban_starts(PyObject *self, PyObject *args);
PyObject *kernel_text_views(PyObject *self, PyObject *args);
PyObject *kernel_id_starts(PyObject *self, PyObject *args);

#endif

/* One-pass scans of a prompt's text for the detectors: digit runs, long runs, keyword anchors,
 * capitalised words, and the windows around anchors. */
#include "kernels.h"

/* A Latin-1 str (every ASCII text) holds one byte per character: its spaces and number
 * characters come from 256-entry tables filled from the predicates above and CPython's
 * own, so a character costs one load instead of PyUnicode_READ's kind switch and a
 * Unicode lookup (~1 ns each, on both scans of every prompt). Filled once, under the GIL. */
unsigned char latin1_space[256], latin1_number[256]; /* number: 1 digit, 2 separator */
static int latin1_ready;

void latin1_tables(void) {
    if (latin1_ready) return;
    for (Py_UCS4 c = 0; c < 256; c++) {
        latin1_space[c] = Py_UNICODE_ISSPACE(c) != 0;
        latin1_number[c] = is_digit_char(c) ? 1 : is_number_char(c) ? 2 : 0;
    }
    latin1_ready = 1;
}

/* digit_runs(text, min_digits) -> (start, end) int64 pairs as bytes, in characters: every
 * maximal run of digits and the separators ` ().-/:` that starts at a digit and holds at
 * least `min_digits` digits (the regex `\d(?:[\d ().\-/:]*?\d){3}[\d ().\-/:]*` for 4). */
PyObject *kernel_digit_runs(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t min_digits;
    if (!PyArg_ParseTuple(args, "Un", &text, &min_digits)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *chars = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
    Spans spans = {NULL, 0, 0};
    int failed = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        latin1_tables();
        const unsigned char *u = chars;
        while (i < n && !failed) {
            if (latin1_number[u[i]] != 1) {
                i++;
                continue;
            }
            Py_ssize_t start = i, digits = 0;
            for (; i < n && latin1_number[u[i]]; i++) digits += latin1_number[u[i]] == 1;
            if (digits >= min_digits) failed = spans_add(&spans, start, i) < 0;
        }
        return spans_finish(&spans, failed);
    }
    while (i < n && !failed) {
        if (!is_digit_char(PyUnicode_READ(kind, chars, i))) {
            i++;
            continue;
        }
        Py_ssize_t start = i, digits = 0;
        for (; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, chars, i);
            if (!is_number_char(c)) break;
            digits += is_digit_char(c);
        }
        if (digits >= min_digits) failed = spans_add(&spans, start, i) < 0;
    }
    return spans_finish(&spans, failed);
}

/* long_runs(text, minimum) -> (start, end) int64 pairs as bytes, in characters: every
 * maximal run of non-whitespace (str.isspace) of at least `minimum` characters, as
 * `str.split` would cut them. */
PyObject *kernel_long_runs(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t minimum;
    if (!PyArg_ParseTuple(args, "Un", &text, &minimum)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *chars = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
    Spans spans = {NULL, 0, 0};
    int failed = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        latin1_tables();
        const unsigned char *u = chars;
        while (i < n && !failed) {
            if (latin1_space[u[i]]) {
                i++;
                continue;
            }
            Py_ssize_t start = i;
            while (i < n && !latin1_space[u[i]]) i++;
            if (i - start >= minimum) failed = spans_add(&spans, start, i) < 0;
        }
        return spans_finish(&spans, failed);
    }
    while (i < n && !failed) {
        if (Py_UNICODE_ISSPACE(PyUnicode_READ(kind, chars, i))) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        while (i < n && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, chars, i))) i++;
        if (i - start >= minimum) failed = spans_add(&spans, start, i) < 0;
    }
    return spans_finish(&spans, failed);
}

static inline int is_ascii_alnum(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

#define MAX_NEEDLES 64 /* one bit per needle in a 64-bit mask */

/* One needle: its first byte found with memchr (vectorised in libc), then the rest compared.
 * `(':',)` costs ~0.25 µs on a 500-token prompt, a table scan ~0.9 µs. */
static int find_one(const char *s, Py_ssize_t n, const char *word, Py_ssize_t length,
                    int word_start, Spans *hits) {
    if (length > n) return 0;
    const char *at = s, *last = s + n - length; /* the last possible start */
    for (; at <= last && (at = memchr(at, word[0], (size_t)(last - at + 1))) != NULL; at++)
        if ((!word_start || at == s || !is_ascii_alnum((unsigned char)at[-1])) &&
            memcmp(at + 1, word + 1, (size_t)length - 1) == 0 && spans_add(hits, 0, at - s) < 0)
            return -1;
    return 0;
}

/* The needles of `may` (their first two bytes match) that start at s[i], added to `hits`. */
static inline int hits_at(const char *s, Py_ssize_t n, Py_ssize_t i, uint64_t may,
                          const char **words, const Py_ssize_t *lengths, Spans *hits) {
    for (; may; may &= may - 1) {
        int j = __builtin_ctzll(may);
        if (lengths[j] <= n - i &&
            (lengths[j] <= 2 || (s[i + 2] == words[j][2] && /* most fail here, with no call */
                                 memcmp(s + i + 3, words[j] + 3, (size_t)lengths[j] - 3) == 0)) &&
            spans_add(hits, j, i) < 0)
            return -1;
    }
    return 0;
}

/* Several needles: one pass, a position being a candidate for the needles whose first byte is
 * s[i] and whose second is s[i + 1]: `first[s[i]] & second[s[i + 1]]`, one AND of two masks.
 * Filtering on the first byte alone sent ~1 position in 4 of English to the needle loop (31
 * keywords start with most letters), its branch mispredicted (~4 ns a byte); two bytes leave
 * a few per cent, and 8 positions are tested with one branch. `after[s[i - 1]]` drops the
 * needles that must start a word (`word_start`) where a letter or digit precedes: most hits of
 * a short needle lie inside words ("id" in "provide", "con" in "second"), and each cost a
 * branch miss and a compare. A 1-byte needle is in every `second` entry, so at the last
 * position the NUL that ends the text (s[n] of an ASCII str) still lets it through. Hits come
 * in text order, (needle, start) pairs. (A second mask word for 128 needles was tried: one
 * pass of 90 needles cost 8.8 µs on the eight 500-token prompts against 5.3 for two passes.) */
static int find_by_pairs(const char *s, Py_ssize_t n, Py_ssize_t k, const char **words,
                         const Py_ssize_t *lengths, const char *word_start, Spans *hits) {
    uint64_t first[128] = {0}, second[128] = {0}; /* text and needles are ASCII: bytes < 128 */
    uint64_t after[128], starting = 0;
    for (Py_ssize_t j = 0; j < k; j++) {
        uint64_t bit = (uint64_t)1 << j;
        first[(unsigned char)words[j][0]] |= bit;
        if (lengths[j] == 1)
            for (int b = 0; b < 128; b++) second[b] |= bit;
        else
            second[(unsigned char)words[j][1]] |= bit;
        if (word_start[j]) starting |= bit;
    }
    for (int b = 0; b < 128; b++) /* no word start right after a letter or digit */
        after[b] = is_ascii_alnum((unsigned char)b) ? ~starting : ~(uint64_t)0;
    const unsigned char *u = (const unsigned char *)s;
/* u[n] is the NUL; position 0 starts a word */
#define PAIR(i) (first[u[i]] & second[u[(i) + 1]] & ((i) ? after[u[(i) - 1]] : ~(uint64_t)0))
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t any = 0;
        for (int b = 0; b < 8; b++) any |= PAIR(i + b);
        if (__builtin_expect(any == 0, 1)) continue;
        for (int b = 0; b < 8; b++)
            if (hits_at(s, n, i + b, PAIR(i + b), words, lengths, hits) < 0) return -1;
    }
    for (; i < n; i++)
        if (hits_at(s, n, i, PAIR(i), words, lengths, hits) < 0) return -1;
#undef PAIR
    return 0;
}

/* find_all(text, needles[, word_start]) -> int64 (needle index, start) pairs as bytes: every
 * occurrence of each needle in `text`, overlapping ones included, needle by needle and each
 * needle's in text order (what `windows.find_each` builds with str.find). `word_start` (a bool
 * for every needle, or a tuple of one per needle) keeps only a needle's hits not preceded by
 * an ASCII letter or digit. Both must be ASCII: `text` is the classifier's lower-cased ASCII
 * view (`detectors.ascii_lower`). One needle is sought with memchr; more in one pass over the
 * text filtered on pairs of bytes (at most 64 needles, one bit each), so 31 keywords cost ~2
 * µs on a 500-token prompt instead of ~12 µs, and the detectors' four keyword sets are sought
 * in two passes (`windows.anchor_groups`). */
PyObject *kernel_find_all(PyObject *self, PyObject *args) {
    PyObject *text, *needles, *starts = Py_False;
    if (!PyArg_ParseTuple(args, "UO!|O", &text, &PyTuple_Type, &needles, &starts)) return NULL;
    Py_ssize_t k = PyTuple_GET_SIZE(needles);
    if (!PyUnicode_IS_ASCII(text) || k > MAX_NEEDLES) {
        PyErr_SetString(PyExc_ValueError, "find_all: text must be ASCII, needles at most 64");
        return NULL;
    }
    const char *words[MAX_NEEDLES];
    char word_start[MAX_NEEDLES];
    Py_ssize_t lengths[MAX_NEEDLES], counts[MAX_NEEDLES] = {0};
    int per_needle = PyTuple_Check(starts), all_start = per_needle ? 0 : PyObject_IsTrue(starts);
    if (all_start < 0) return NULL;
    if (per_needle && PyTuple_GET_SIZE(starts) != k) {
        PyErr_SetString(PyExc_ValueError, "find_all: word_start needs one flag per needle");
        return NULL;
    }
    for (Py_ssize_t j = 0; j < k; j++) {
        PyObject *needle = PyTuple_GET_ITEM(needles, j);
        if (!PyUnicode_Check(needle) || !PyUnicode_IS_ASCII(needle) ||
            PyUnicode_GET_LENGTH(needle) == 0) {
            PyErr_SetString(PyExc_ValueError, "find_all: needles must be non-empty ASCII str");
            return NULL;
        }
        words[j] = (const char *)PyUnicode_DATA(needle);
        lengths[j] = PyUnicode_GET_LENGTH(needle);
        int flag = per_needle ? PyObject_IsTrue(PyTuple_GET_ITEM(starts, j)) : all_start;
        if (flag < 0) return NULL;
        word_start[j] = (char)flag;
    }
    const char *s = (const char *)PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Spans hits = {NULL, 0, 0};
    if (k == 1)
        return spans_finish(&hits,
                            find_one(s, n, words[0], lengths[0], word_start[0], &hits) < 0);
    if (find_by_pairs(s, n, k, words, lengths, word_start, &hits) < 0)
        return spans_finish(&hits, 1);
    /* regroup by needle (a counting sort keeps each needle's hits in text order) */
    Py_ssize_t count = hits.count / 2;
    PyObject *result = PyBytes_FromStringAndSize(NULL, count * 2 * sizeof(int64_t));
    if (result) {
        int64_t *out = (int64_t *)PyBytes_AS_STRING(result);
        Py_ssize_t at[MAX_NEEDLES], total = 0;
        for (Py_ssize_t h = 0; h < count; h++) counts[hits.items[2 * h]]++;
        for (Py_ssize_t j = 0; j < k; j++) {
            at[j] = total;
            total += counts[j];
        }
        for (Py_ssize_t h = 0; h < count; h++) {
            Py_ssize_t slot = at[hits.items[2 * h]]++;
            out[2 * slot] = hits.items[2 * h];
            out[2 * slot + 1] = hits.items[2 * h + 1];
        }
    }
    PyMem_Free(hits.items);
    return result;
}

/* capitalised_words(text, words) -> (spans, hits) as bytes of int64: the (start, end) of every
 * word `re.finditer("[A-Z][a-z]+", text)` finds that does not follow a letter (str.isalpha,
 * i.e. Py_UNICODE_ISALPHA), and the indices of those in the set `words`. The name and street
 * rule's words: the regex and a Python filter cost ~15 µs on a 500-token prompt, and most
 * words are then only tested against the set; here a str is made per word only for that test,
 * and the rule's Python loop visits only the hits. */
PyObject *kernel_capitalised_words(PyObject *self, PyObject *args) {
    PyObject *text, *words;
    if (!PyArg_ParseTuple(args, "UO!", &text, &PyFrozenSet_Type, &words)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0, count = 0;
    Spans spans = {0}, hits = {0};
    int failed = 0;
#define UPPER_AT(k) (PyUnicode_READ(kind, data, k) >= 'A' && PyUnicode_READ(kind, data, k) <= 'Z')
#define LOWER_AT(k) (PyUnicode_READ(kind, data, k) >= 'a' && PyUnicode_READ(kind, data, k) <= 'z')
    while (i + 1 < n && !failed) {
        if (!UPPER_AT(i) || !LOWER_AT(i + 1)) {
            i++;
            continue;
        }
        Py_ssize_t end = i + 2;
        while (end < n && LOWER_AT(end)) end++;
        if (i == 0 || !Py_UNICODE_ISALPHA(PyUnicode_READ(kind, data, i - 1))) {
            failed = spans_add(&spans, i, end) < 0;
            char word[64];
            if (!failed && end - i <= (Py_ssize_t)sizeof word) { /* longer: in no list */
                for (Py_ssize_t k = i; k < end; k++)
                    word[k - i] = (char)PyUnicode_READ(kind, data, k);
                PyObject *candidate = PyUnicode_FromStringAndSize(word, end - i);
                int found = candidate ? PySet_Contains(words, candidate) : -1;
                Py_XDECREF(candidate);
                failed = found < 0 || (found && spans_push(&hits, count) < 0);
            }
            count++;
        }
        i = end;
    }
#undef UPPER_AT
#undef LOWER_AT
    PyObject *spans_b = spans_finish(&spans, failed), *hits_b = spans_finish(&hits, failed);
    PyObject *result = spans_b && hits_b ? PyTuple_Pack(2, spans_b, hits_b) : NULL;
    Py_XDECREF(spans_b);
    Py_XDECREF(hits_b);
    return result;
}

/* around(text, anchors, before, after) -> int64 (start, end) pairs as bytes: the merged
 * windows from `before` characters ahead of each (start, end) anchor to `after` past its end,
 * each edge widened to whitespace (at most `limit` characters), merged again: what
 * `windows.around` computes with str.split (Py_UNICODE_ISSPACE is str.split's notion of a
 * space). `anchors` is a list of (int, int) tuples, in any order. */
static int compare_pairs(const void *a, const void *b) {
    const Py_ssize_t *x = a, *y = b;
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

PyObject *kernel_around(PyObject *self, PyObject *args) {
    PyObject *text, *anchors;
    Py_ssize_t before, after, limit;
    if (!PyArg_ParseTuple(args, "UO!nnn", &text, &PyList_Type, &anchors, &before, &after, &limit))
        return NULL;
    Py_ssize_t k = PyList_GET_SIZE(anchors), n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t *pairs = PyMem_Malloc((2 * k + 2) * sizeof(Py_ssize_t));
    if (!pairs) return PyErr_NoMemory();
    for (Py_ssize_t j = 0; j < k; j++) {
        PyObject *item = PyList_GET_ITEM(anchors, j);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
            PyMem_Free(pairs);
            PyErr_SetString(PyExc_TypeError, "around: anchors must be (start, end) tuples");
            return NULL;
        }
        Py_ssize_t s = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 0));
        Py_ssize_t e = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 1));
        if (PyErr_Occurred()) {
            PyMem_Free(pairs);
            return NULL;
        }
        s -= before;
        e += after;
        pairs[2 * j] = s < 0 ? 0 : s;
        pairs[2 * j + 1] = e > n ? n : e;
    }
    qsort(pairs, (size_t)k, 2 * sizeof(Py_ssize_t), compare_pairs);
    /* merge, widen each merged window, merge again (in place: the output never outruns) */
    Py_ssize_t out = 0;
    for (Py_ssize_t j = 0; j < k;) {
        Py_ssize_t s = pairs[2 * j], e = pairs[2 * j + 1];
        for (j++; j < k && pairs[2 * j] <= e; j++)
            if (pairs[2 * j + 1] > e) e = pairs[2 * j + 1];
        /* widen: back over the non-space run before s, on over the one from e (each at most
         * `limit` characters, as the slices of `_widen` are) */
        Py_ssize_t floor = s - limit < 0 ? 0 : s - limit, ceiling = e + limit > n ? n : e + limit;
        while (s > floor && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, s - 1))) s--;
        while (e < ceiling && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, e))) e++;
        if (out && s <= pairs[2 * out - 1]) {
            if (e > pairs[2 * out - 1]) pairs[2 * out - 1] = e;
        } else {
            pairs[2 * out] = s;
            pairs[2 * out + 1] = e;
            out++;
        }
    }
    PyObject *result = PyBytes_FromStringAndSize(NULL, out * 2 * sizeof(int64_t));
    if (result) {
        int64_t *items = (int64_t *)PyBytes_AS_STRING(result);
        for (Py_ssize_t j = 0; j < 2 * out; j++) items[j] = pairs[j];
    }
    PyMem_Free(pairs);
    return result;
}

/* The whitespace-free runs that hold a secret rule's needle: where the token rules run. */
#include "kernels.h"

#define WORDS 2                      /* 64-bit words per mask */
#define MAX_RUN_NEEDLES (64 * WORDS) /* one bit per needle */

typedef struct {
    uint64_t first[128][WORDS], second[128][WORDS]; /* needles by their first and second byte */
    const char *words[MAX_RUN_NEEDLES];
    Py_ssize_t lengths[MAX_RUN_NEEDLES];
} Needles;

/* Appends (needle, start, end) for each needle occurring in v[start:end], once each, needles in
 * index order. A position is a candidate for the needles whose first two bytes it holds (an
 * AND of two masks per 64 needles, as `find_all` does); a needle already found is not sought
 * again. v[end] exists (a space, or the NUL that ends the str) and a 1-byte needle is in every
 * `second` mask, so the pair test never reads past the text. */
static int needles_in(const unsigned char *v, Py_ssize_t start, Py_ssize_t end,
                      const Needles *needles, Spans *out) {
    uint64_t found[WORDS] = {0};
    for (Py_ssize_t p = start; p < end; p++) {
        for (int h = 0; h < WORDS; h++) {
            uint64_t may = needles->first[v[p]][h] & needles->second[v[p + 1]][h] & ~found[h];
            for (; may; may &= may - 1) {
                int j = 64 * h + __builtin_ctzll(may);
                Py_ssize_t length = needles->lengths[j];
                if (length <= end - p && memcmp(v + p, needles->words[j], (size_t)length) == 0)
                    found[h] |= (uint64_t)1 << (j - 64 * h);
            }
        }
    }
    for (int h = 0; h < WORDS; h++)
        for (uint64_t left = found[h]; left; left &= left - 1)
            if (spans_push(out, 64 * h + __builtin_ctzll(left)) < 0 ||
                spans_add(out, start, end) < 0)
                return -1;
    return 0;
}

/* needle_runs(text, view, needles, minimum) -> int64 (needle index, start, end) triples as
 * bytes: for every maximal run of non-whitespace of `text` (str.isspace, the runs of
 * `long_runs`) of at least `minimum` characters, in text order, each needle that occurs inside
 * the run, once, in needle order. Needles are sought in `view`, `text`'s ASCII view of the same
 * length (`windows.ascii_view`): needles are ASCII and hold no "?". One pass, where
 * `secret_scan` used to join the long runs with spaces, scan the joined string and find each
 * hit's run by bisection: ~9 µs of Python on a 500-token prompt. */
PyObject *kernel_needle_runs(PyObject *self, PyObject *args) {
    PyObject *text, *view, *words;
    Py_ssize_t minimum;
    if (!PyArg_ParseTuple(args, "UUO!n", &text, &view, &PyTuple_Type, &words, &minimum))
        return NULL;
    Py_ssize_t k = PyTuple_GET_SIZE(words), n = PyUnicode_GET_LENGTH(text);
    if (!PyUnicode_IS_ASCII(view) || PyUnicode_GET_LENGTH(view) != n || k > MAX_RUN_NEEDLES) {
        PyErr_SetString(PyExc_ValueError,
                        "needle_runs: view must be ASCII and as long as text, needles at most 128");
        return NULL;
    }
    Needles needles;
    memset(needles.first, 0, sizeof needles.first);
    memset(needles.second, 0, sizeof needles.second);
    for (Py_ssize_t j = 0; j < k; j++) {
        PyObject *word = PyTuple_GET_ITEM(words, j);
        if (!PyUnicode_Check(word) || !PyUnicode_IS_ASCII(word) || !PyUnicode_GET_LENGTH(word)) {
            PyErr_SetString(PyExc_ValueError, "needle_runs: needles are non-empty ASCII str");
            return NULL;
        }
        const char *w = (const char *)PyUnicode_DATA(word);
        int h = (int)(j / 64);
        uint64_t bit = (uint64_t)1 << (j % 64);
        needles.words[j] = w;
        needles.lengths[j] = PyUnicode_GET_LENGTH(word);
        needles.first[(unsigned char)w[0]][h] |= bit;
        if (needles.lengths[j] == 1)
            for (int b = 0; b < 128; b++) needles.second[b][h] |= bit;
        else
            needles.second[(unsigned char)w[1]][h] |= bit;
    }
    const unsigned char *v = PyUnicode_DATA(view);
    int kind = PyUnicode_KIND(text);
    const void *chars = PyUnicode_DATA(text);
    const unsigned char *u = chars;
    Py_ssize_t i = 0;
    Spans out = {NULL, 0, 0};
    int failed = 0;
    if (kind == PyUnicode_1BYTE_KIND) latin1_tables();
#define SPACE(i) (kind == PyUnicode_1BYTE_KIND ? latin1_space[u[i]] \
                                               : Py_UNICODE_ISSPACE(PyUnicode_READ(kind, chars, i)))
    while (i < n && !failed) {
        if (SPACE(i)) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        while (i < n && !SPACE(i)) i++;
        if (i - start >= minimum && k) failed = needles_in(v, start, i, &needles, &out) < 0;
    }
#undef SPACE
    return spans_finish(&out, failed);
}

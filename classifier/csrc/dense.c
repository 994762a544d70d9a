/* The difficulty head's dense features (`features.dense_features`) and their byte counts. */
#include "kernels.h"

/* The counts `features.byte_counts` makes, in one pass, in its order (`Count`): spaces,
 * newlines, "```" fences, code bytes ({};=<>[]), digits, maths bytes (+*^/=<>), "?", upper
 * case, digit runs, ". " pairs, commas, "$", then 1/0 for "a backslash or $$" and for
 * "\nA. and \nB.", and the UTF-8 maths symbols. Occurrences are non-overlapping, as
 * bytes.count counts them. */
void count_bytes(const unsigned char *raw, Py_ssize_t n, Py_ssize_t counts[N_COUNTS]) {
    /* One branch-free pass: a histogram of the bytes and the digit runs. A switch per byte
     * ran at ~4 ns a byte on prose, its branches mispredicted; the counts that depend on
     * neighbours (". ", "```", "$$", "\nA.", the UTF-8 maths symbols) are then sought only
     * where the histogram says their rare first byte occurs. */
    Py_ssize_t hist[256] = {0}, runs = 0;
    int previous = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char b = raw[i];
        hist[b]++;
        int digit = (unsigned)(b - '0') < 10u;
        runs += digit & !previous;
        previous = digit;
    }
    Py_ssize_t digits = 0, upper = 0;
    for (int b = '0'; b <= '9'; b++) digits += hist[b];
    for (int b = 'A'; b <= 'Z'; b++) upper += hist[b];
    Py_ssize_t compare = hist['='] + hist['<'] + hist['>'];
    Py_ssize_t code = hist['{'] + hist['}'] + hist[';'] + hist['['] + hist[']'] + compare;
    Py_ssize_t maths = hist['+'] + hist['*'] + hist['/'] + hist['^'] + compare;
    Py_ssize_t stops = 0, fences = 0, symbols = 0;
    int latex = hist['\\'] > 0, choice_a = 0, choice_b = 0;
    const unsigned char *at, *stop = raw + n;
    if (hist['.'])
        for (at = raw; (at = memchr(at, '.', stop - at)) != NULL; at++)
            if (at + 1 < stop && at[1] == ' ') stops++;
    if (hist['`'] >= 3)
        for (at = raw; (at = memchr(at, '`', stop - at)) != NULL;) {
            if (at + 2 < stop && at[1] == '`' && at[2] == '`') {
                fences++; /* non-overlapping, like str.count */
                at += 3;
            } else {
                at++;
            }
        }
    if (!latex && hist['$'] >= 2)
        for (at = raw; (at = memchr(at, '$', stop - at)) != NULL; at++)
            if (at + 1 < stop && at[1] == '$') {
                latex = 1;
                break;
            }
    if (hist['\n'])
        for (at = raw; (at = memchr(at, '\n', stop - at)) != NULL; at++)
            if (at + 2 < stop && at[2] == '.') {
                if (at[1] == 'A') choice_a = 1;
                if (at[1] == 'B') choice_b = 1;
            }
    if (hist[0xE2]) /* U+2200-U+22FF: the maths symbols but for pi and plus-minus */
        for (at = raw; (at = memchr(at, 0xE2, stop - at)) != NULL; at++) {
            if (at + 2 >= stop) break;
            if (at[1] == 0x88) {
                switch (at[2]) {
                    case 0x9A: case 0x91: case 0xAB: case 0x9E: case 0x80: case 0x83:
                    case 0x88: case 0x82: symbols++; break;
                    default: break;
                }
            } else if (at[1] == 0x89) {
                switch (at[2]) {
                    case 0xA4: case 0xA5: case 0xA0: symbols++; break;
                    default: break;
                }
            }
        }
    if (hist[0xCF]) /* pi */
        for (at = raw; (at = memchr(at, 0xCF, stop - at)) != NULL; at++)
            if (at + 1 < stop && at[1] == 0x80) symbols++;
    if (hist[0xC2]) /* plus-minus */
        for (at = raw; (at = memchr(at, 0xC2, stop - at)) != NULL; at++)
            if (at + 1 < stop && at[1] == 0xB1) symbols++;
    Py_ssize_t values[N_COUNTS] = {hist[' '], hist['\n'], fences, code, digits, maths,
                                   hist['?'], upper, runs, stops, hist[','], hist['$'], latex,
                                   choice_a && choice_b, symbols};
    memcpy(counts, values, sizeof(values));
}

/* byte_counts(data) -> the 15 counts of `count_bytes` */
PyObject *kernel_byte_counts(PyObject *self, PyObject *args) {
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*", &data)) return NULL;
    Py_ssize_t c[N_COUNTS];
    count_bytes((const unsigned char *)data.buf, data.len, c);
    PyBuffer_Release(&data);
    return Py_BuildValue("nnnnnnnnnnnnnnn", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8],
                         c[9], c[10], c[11], c[12], c[13], c[14]);
}

static double at_most_one(double x) { return x < 1.0 ? x : 1.0; }
static double small(Py_ssize_t x, Py_ssize_t cap) { return (double)(x < cap ? x : cap) / cap; }

/* `features.dense_features` of a text whose UTF-8 is data[0:n], `n_chars` characters long,
 * in a conversation of `n_turns`: the same operations in the same order, so the same doubles
 * (math.log1p is libm's log1p). */
void dense_features(const unsigned char *data, Py_ssize_t n, Py_ssize_t n_chars,
                    Py_ssize_t n_turns, double out[N_DENSE]) {
    Py_ssize_t c[N_COUNTS];
    count_bytes(data, n, c);
    double per_char = 1.0 / (double)(n_chars > 1 ? n_chars : 1);
    Py_ssize_t maths = c[MATHS] + c[SYMBOLS];
    double values[N_DENSE] = {
        log1p((double)n_chars) / 8.0,
        log1p((double)(c[SPACES] + c[NEWLINES])) / 7.0,
        small(c[FENCES], 6),
        at_most_one((double)c[CODE] * per_char * 10.0),
        at_most_one((double)c[DIGITS] * per_char),
        at_most_one((double)maths * per_char * 10.0),
        log1p((double)c[NEWLINES]) / 5.0,
        small(c[QUESTIONS], 5),
        log1p((double)((n_turns > 1 ? n_turns : 1) - 1)) / 3.0,
        (double)c[LATEX],
        at_most_one((double)c[UPPER] * per_char),
        (double)c[CHOICES],
        log1p((double)c[NUMBERS]) / 4.0,
        log1p((double)c[STOPS]) / 4.0,
        log1p((double)c[COMMAS]) / 4.0,
        log1p((double)c[DOLLARS]) / 3.0,
        log1p((double)c[UPPER]) / 5.0,
    };
    memcpy(out, values, sizeof(values));
}

/* dense_features(data, n_chars, n_turns) -> the 17 features as float64 bytes */
PyObject *kernel_dense_features(PyObject *self, PyObject *args) {
    Py_buffer data;
    Py_ssize_t n_chars, n_turns;
    if (!PyArg_ParseTuple(args, "y*nn", &data, &n_chars, &n_turns)) return NULL;
    double out[N_DENSE];
    dense_features((const unsigned char *)data.buf, data.len, n_chars, n_turns, out);
    PyBuffer_Release(&data);
    return PyBytes_FromStringAndSize((const char *)out, sizeof(out));
}

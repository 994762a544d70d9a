/* The classifier's two hot loops in C: word hashing and the PII tagger's per-word scores.
 *
 * Both are exact re-implementations of the numpy reference code (`features.Featurizer.words`
 * and `pii_model.feature_keys` + `PiiTagger.word_scores`): the same bytes in give the same
 * hashes, bucket indices and label scores out, bit for bit (unit tests hold them equal). numpy
 * spends most of its time here on per-call overhead (some forty small array operations per
 * prompt); one pass over the bytes in C does the same work in a few microseconds.
 *
 * No numpy headers: arrays come in through the buffer protocol and go out as bytes objects
 * that `numpy.frombuffer` wraps without copying.
 */
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
#define N_FEATURES 9
#define N_LABELS 6

static inline uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * MIX1;
    z = (z ^ (z >> 27)) * MIX2;
    return z ^ (z >> 31);
}

static inline int is_word_byte(unsigned char b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
           b == '_' || b >= 128;
}

/* Words of data[0:n]: start and end offsets and the mixed polynomial hash of the lower-cased
 * bytes (sum of b[j] * P^(j - start)). Returns the number of words written. */
static Py_ssize_t scan_words(const unsigned char *data, Py_ssize_t n, int64_t *starts,
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

/* words(data, max_bytes) -> (starts, ends, hashes) as bytes of int64, int64, uint64 */
static PyObject *words(PyObject *self, PyObject *args) {
    Py_buffer data;
    Py_ssize_t max_bytes;
    if (!PyArg_ParseTuple(args, "y*n", &data, &max_bytes)) return NULL;
    Py_ssize_t n = data.len < max_bytes ? data.len : max_bytes;
    Py_ssize_t cap = n / 2 + 1; /* words are separated by at least one byte */
    PyObject *starts = PyBytes_FromStringAndSize(NULL, cap * 8);
    PyObject *ends = PyBytes_FromStringAndSize(NULL, cap * 8);
    PyObject *hashes = PyBytes_FromStringAndSize(NULL, cap * 8);
    PyObject *result = NULL;
    if (starts && ends && hashes) {
        Py_ssize_t count = scan_words((const unsigned char *)data.buf, n,
                                      (int64_t *)PyBytes_AS_STRING(starts),
                                      (int64_t *)PyBytes_AS_STRING(ends),
                                      (uint64_t *)PyBytes_AS_STRING(hashes));
        if (_PyBytes_Resize(&starts, count * 8) == 0 && _PyBytes_Resize(&ends, count * 8) == 0 &&
            _PyBytes_Resize(&hashes, count * 8) == 0)
            result = PyTuple_Pack(3, starts, ends, hashes);
    }
    Py_XDECREF(starts);
    Py_XDECREF(ends);
    Py_XDECREF(hashes);
    PyBuffer_Release(&data);
    return result;
}

/* ngram_indices(data, max_bytes, n_bits) -> bytes of int64: unigram buckets, then bigrams */
static PyObject *ngram_indices(PyObject *self, PyObject *args) {
    Py_buffer data;
    Py_ssize_t max_bytes;
    int n_bits;
    if (!PyArg_ParseTuple(args, "y*ni", &data, &max_bytes, &n_bits)) return NULL;
    Py_ssize_t n = data.len < max_bytes ? data.len : max_bytes;
    Py_ssize_t cap = n / 2 + 1;
    PyObject *out = NULL;
    int64_t *offsets = PyMem_Malloc(cap * 2 * sizeof(int64_t));
    uint64_t *hashes = PyMem_Malloc(cap * sizeof(uint64_t));
    if (!offsets || !hashes) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t count = scan_words((const unsigned char *)data.buf, n, offsets, offsets + cap,
                                  hashes);
    Py_ssize_t total = count ? 2 * count - 1 : 0;
    out = PyBytes_FromStringAndSize(NULL, total * 8);
    if (!out) goto done;
    int64_t *idx = (int64_t *)PyBytes_AS_STRING(out);
    uint64_t mask = (n_bits >= 64) ? ~0ULL : ((1ULL << n_bits) - 1);
    for (Py_ssize_t i = 0; i < count; i++) idx[i] = (int64_t)(hashes[i] & mask);
    for (Py_ssize_t i = 0; i + 1 < count; i++)
        idx[count + i] = (int64_t)(mix(hashes[i] * BIGRAM_MULT + hashes[i + 1]) & mask);
done:
    PyMem_Free(offsets);
    PyMem_Free(hashes);
    PyBuffer_Release(&data);
    return out;
}

/* gated_head(data, max_bytes, n_bits, base_weights, base_dense, base_intercept, gate_bits,
 *            by_domain, gate_intercepts, gate_dense, domain_intercepts, expert_weights,
 *            expert_own, expert_intercepts, dense) -> probability
 * The whole of `difficulty.GatedHead.probability` once the dense features are known (the
 * names and shapes are its fields'): the n-gram logit z, the gate's and the domain heads' sums
 * over the folded buckets (`by_domain`: k gate rows, then k domain-head rows), then the experts
 * over [z, dense, upper triangle of dense x dense, z * dense] plus own-domain logit, and the
 * gate-weighted mean of their sigmoids. Equal to the numpy code to rounding (~1e-15). */
static PyObject *gated_head(PyObject *self, PyObject *args) {
    Py_buffer data, base_w, base_dense, by_domain, gate_b, gate_dense, domain_b, expert_w,
        expert_own, expert_b, dense_b;
    Py_ssize_t max_bytes;
    int n_bits, gate_bits;
    double base_intercept;
    if (!PyArg_ParseTuple(args, "y*niy*y*diy*y*y*y*y*y*y*y*", &data, &max_bytes, &n_bits,
                          &base_w, &base_dense, &base_intercept, &gate_bits, &by_domain, &gate_b,
                          &gate_dense, &domain_b, &expert_w, &expert_own, &expert_b, &dense_b))
        return NULL;
    PyObject *result = NULL;
    int64_t *offsets = NULL;
    uint64_t *hashes = NULL;
    double *work = NULL;
    const Py_ssize_t f8 = (Py_ssize_t)sizeof(double);
    Py_ssize_t d_n = dense_b.len / f8, k = gate_b.len / f8;
    Py_ssize_t n_stack = 1 + 2 * d_n + d_n * (d_n + 1) / 2;
    Py_ssize_t buckets = (Py_ssize_t)1 << n_bits, gate_buckets = (Py_ssize_t)1 << gate_bits;
    if (base_w.len != buckets * f8 || k < 1 || gate_bits > n_bits ||
        base_dense.len != dense_b.len || by_domain.len != 2 * k * gate_buckets * f8 ||
        gate_dense.len != k * d_n * f8 || domain_b.len != k * f8 ||
        expert_w.len != k * n_stack * f8 || expert_own.len != k * f8 || expert_b.len != k * f8) {
        PyErr_SetString(PyExc_ValueError, "difficulty head arrays of inconsistent sizes");
        goto done;
    }
    Py_ssize_t n = data.len < max_bytes ? data.len : max_bytes;
    Py_ssize_t cap = n / 2 + 1;
    offsets = PyMem_Malloc(cap * 2 * sizeof(int64_t));
    hashes = PyMem_Malloc(cap * sizeof(uint64_t));
    work = PyMem_Malloc((2 * k + n_stack) * sizeof(double));
    if (!offsets || !hashes || !work) {
        PyErr_NoMemory();
        goto done;
    }
    const double *w = (const double *)base_w.buf, *g = (const double *)by_domain.buf;
    const double *dense = (const double *)dense_b.buf, *dw = (const double *)base_dense.buf;
    double *sums = work, *st = work + 2 * k; /* sums: k gate, then k domain-head */
    Py_ssize_t count = scan_words((const unsigned char *)data.buf, n, offsets, offsets + cap,
                                  hashes);
    Py_ssize_t total = count ? 2 * count - 1 : 0;
    uint64_t mask = (uint64_t)buckets - 1, gate_mask = (uint64_t)gate_buckets - 1;
    double wsum = 0.0;
    for (Py_ssize_t r = 0; r < 2 * k; r++) sums[r] = 0.0;
    for (Py_ssize_t j = 0; j < total; j++) {
        uint64_t bucket =
            j < count ? hashes[j] & mask
                      : mix(hashes[j - count] * BIGRAM_MULT + hashes[j - count + 1]) & mask;
        wsum += w[bucket];
        const double *column = g + (bucket & gate_mask);
        for (Py_ssize_t r = 0; r < 2 * k; r++) sums[r] += column[r * gate_buckets];
    }
    double scale = total ? 1.0 / sqrt((double)total) : 0.0;
    double z = 0.0;
    for (Py_ssize_t i = 0; i < d_n; i++) z += dense[i] * dw[i];
    z += base_intercept;
    if (total) z += wsum * scale;
    /* the experts' input, in `difficulty.stack` order */
    Py_ssize_t at = 0;
    st[at++] = z;
    for (Py_ssize_t i = 0; i < d_n; i++) st[at++] = dense[i];
    for (Py_ssize_t i = 0; i < d_n; i++)
        for (Py_ssize_t j = i; j < d_n; j++) st[at++] = dense[i] * dense[j];
    for (Py_ssize_t i = 0; i < d_n; i++) st[at++] = z * dense[i];
    const double *gi = (const double *)gate_b.buf, *gd = (const double *)gate_dense.buf;
    const double *di = (const double *)domain_b.buf, *ew = (const double *)expert_w.buf;
    const double *eo = (const double *)expert_own.buf, *eb = (const double *)expert_b.buf;
    double top = -INFINITY;
    for (Py_ssize_t d = 0; d < k; d++) {
        double gate = 0.0;
        for (Py_ssize_t i = 0; i < d_n; i++) gate += gd[d * d_n + i] * dense[i];
        gate += gi[d];
        if (total) gate += sums[d] * scale;
        sums[d] = gate;
        if (gate > top) top = gate;
    }
    double num = 0.0, den = 0.0;
    for (Py_ssize_t d = 0; d < k; d++) {
        double own = di[d] + (total ? sums[k + d] * scale : 0.0);
        double e = 0.0;
        for (Py_ssize_t i = 0; i < n_stack; i++) e += ew[d * n_stack + i] * st[i];
        e += eo[d] * own;
        e += eb[d];
        double weight = exp(sums[d] - top);
        num += weight * (1.0 / (1.0 + exp(-e)));
        den += weight;
    }
    result = PyFloat_FromDouble(num / den);
done:
    PyMem_Free(offsets);
    PyMem_Free(hashes);
    PyMem_Free(work);
    PyBuffer_Release(&data);
    PyBuffer_Release(&base_w);
    PyBuffer_Release(&base_dense);
    PyBuffer_Release(&by_domain);
    PyBuffer_Release(&gate_b);
    PyBuffer_Release(&gate_dense);
    PyBuffer_Release(&domain_b);
    PyBuffer_Release(&expert_w);
    PyBuffer_Release(&expert_own);
    PyBuffer_Release(&expert_b);
    PyBuffer_Release(&dense_b);
    return result;
}

/* byte_counts(data) -> the counts `features.byte_counts` makes, in one pass: spaces,
 * newlines, "```" fences, code bytes ({};=<>[]), digits, maths bytes (+*^/=<>), "?", upper
 * case, digit runs, ". " pairs, commas, "$", then 1/0 for "a backslash or $$" and for
 * "\nA. and \nB.". Occurrences are non-overlapping, as bytes.count counts them. */
static PyObject *byte_counts(PyObject *self, PyObject *args) {
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*", &data)) return NULL;
    const unsigned char *raw = (const unsigned char *)data.buf;
    Py_ssize_t n = data.len;
    Py_ssize_t spaces = 0, newlines = 0, fences = 0, code = 0, digits = 0, maths = 0,
               questions = 0, upper = 0, runs = 0, stops = 0, commas = 0, dollars = 0;
    int latex = 0, choice_a = 0, choice_b = 0, in_digits = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char b = raw[i];
        int is_digit = b >= '0' && b <= '9';
        if (is_digit) {
            digits++;
            if (!in_digits) runs++;
        }
        in_digits = is_digit;
        if (b >= 'A' && b <= 'Z') upper++;
        switch (b) {
            case ' ': spaces++; break;
            case '\n':
                newlines++;
                if (i + 2 < n && raw[i + 2] == '.') {
                    if (raw[i + 1] == 'A') choice_a = 1;
                    if (raw[i + 1] == 'B') choice_b = 1;
                }
                break;
            case '?': questions++; break;
            case ',': commas++; break;
            case '$':
                dollars++;
                if (i + 1 < n && raw[i + 1] == '$') latex = 1;
                break;
            case '\\': latex = 1; break;
            case '.':
                if (i + 1 < n && raw[i + 1] == ' ') stops++;
                break;
            case '`':
                if (i + 2 < n && raw[i + 1] == '`' && raw[i + 2] == '`') {
                    fences++;
                    i += 2; /* non-overlapping, like str.count; the skipped bytes are '`' */
                }
                break;
            default: break;
        }
        switch (b) {
            case '{': case '}': case ';': case '[': case ']': code++; break;
            case '=': case '<': case '>': code++; maths++; break;
            case '+': case '*': case '/': case '^': maths++; break;
            default: break;
        }
    }
    PyBuffer_Release(&data);
    return Py_BuildValue("nnnnnnnnnnnnii", spaces, newlines, fences, code, digits, maths,
                         questions, upper, runs, stops, commas, dollars, latex,
                         choice_a && choice_b);
}

static inline uint64_t first_class(unsigned char b) {
    if (b >= 'a' && b <= 'z') return 1;
    if (b >= 'A' && b <= 'Z') return 2;
    if (b >= '0' && b <= '9') return 3;
    if (b == '_') return 0;
    return 4;
}

static inline uint64_t gap_class(unsigned char b) {
    switch (b) {
        case ' ': return 0;
        case '\n': case '\r': return 1;
        case ',': return 2;
        case '.': return 3;
        case ':': case ';': return 4;
        case '-': case '/': return 5;
        case '\'': case '"': return 6;
        case '$': case 0xA3: case 0xE2: return 8; /* $, the pound sign's Latin-1 byte, the euro's lead */
        case '(': return 9;
        case '@': case '#': return 10;
        case 0: return 11;
        default: return 7;
    }
}

/* tag_scores(data, max_bytes, n_bits, weights, intercepts, threshold)
 *   -> (starts, ends, logits, labels) as bytes: int64 word starts and ends, float64 logits
 * (n_words x 6, row-major), and one uint8 per word: the best non-O label (1-5) when its softmax
 * probability is at least `threshold`, else 0 (O). */
static PyObject *tag_scores(PyObject *self, PyObject *args) {
    Py_buffer data, weights, intercepts;
    Py_ssize_t max_bytes;
    int n_bits;
    double threshold;
    if (!PyArg_ParseTuple(args, "y*niy*y*d", &data, &max_bytes, &n_bits, &weights, &intercepts,
                          &threshold))
        return NULL;
    PyObject *starts_b = NULL, *ends_b = NULL, *logits_b = NULL, *labels_b = NULL, *result = NULL;
    uint64_t *hashes = NULL, *shapes = NULL;
    Py_ssize_t buckets = (Py_ssize_t)1 << n_bits;
    if (weights.len != buckets * N_LABELS * (Py_ssize_t)sizeof(double) ||
        intercepts.len != N_LABELS * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "weights must be float64 (2**n_bits, 6), intercepts (6,)");
        goto done;
    }
    const unsigned char *raw = (const unsigned char *)data.buf;
    Py_ssize_t n = data.len < max_bytes ? data.len : max_bytes;
    Py_ssize_t cap = n / 2 + 1;
    starts_b = PyBytes_FromStringAndSize(NULL, cap * 8);
    ends_b = PyBytes_FromStringAndSize(NULL, cap * 8);
    hashes = PyMem_Malloc((cap + 4) * sizeof(uint64_t));
    shapes = PyMem_Malloc((cap + 4) * sizeof(uint64_t));
    if (!starts_b || !ends_b || !hashes || !shapes) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    int64_t *starts = (int64_t *)PyBytes_AS_STRING(starts_b);
    int64_t *ends = (int64_t *)PyBytes_AS_STRING(ends_b);
    /* words and shapes go to [2, count + 2); two pads each side */
    Py_ssize_t count = scan_words(raw, n, starts, ends, hashes + 2);
    for (Py_ssize_t i = 0; i < count; i++) {
        int64_t s = starts[i], e = ends[i];
        unsigned char before = s > 0 ? raw[s - 1] : 0;
        uint64_t digits = (raw[s] >= '0' && raw[s] <= '9') || (raw[e - 1] >= '0' && raw[e - 1] <= '9');
        uint64_t length = (uint64_t)(e - s) < 9 ? (uint64_t)(e - s) : 9;
        uint64_t shape = first_class(raw[s]) * 10 + length;
        shapes[i + 2] = (shape * 2 + digits) * 12 + gap_class(before);
    }
    hashes[0] = shapes[0] = PAD0;
    hashes[1] = shapes[1] = PAD1;
    hashes[count + 2] = shapes[count + 2] = PAD0;
    hashes[count + 3] = shapes[count + 3] = PAD1;
    logits_b = PyBytes_FromStringAndSize(NULL, count * N_LABELS * sizeof(double));
    labels_b = PyBytes_FromStringAndSize(NULL, count);
    if (!logits_b || !labels_b) goto done;
    double *logits = (double *)PyBytes_AS_STRING(logits_b);
    unsigned char *labels = (unsigned char *)PyBytes_AS_STRING(labels_b);
    const double *w = (const double *)weights.buf, *b = (const double *)intercepts.buf;
    uint64_t mask = (uint64_t)buckets - 1;
    /* exp(O - best) > 1/threshold - 1 already puts the sum over the bound, so a word whose O
     * score leads the best label by more than this margin is O without computing any exp */
    double o_margin = log(1.0 / threshold - 1.0) + 1e-9;
    for (Py_ssize_t i = 0; i < count; i++) {
        const uint64_t *h = hashes + i + 2, *s = shapes + i + 2;
        uint64_t keys[N_FEATURES] = {
            h[0], h[-1] * K1, h[1] * K2, h[-2] * K1 * K1, h[2] * K2 * K2,
            s[0], (s[-1] * 1000 + s[0]) * 1000 + s[1], h[-1] * K2 + s[0], h[1] * K1 + s[0],
        };
        double *row = logits + i * N_LABELS;
        for (int f = 0; f < N_FEATURES; f++) {
            const double *wr = w + (mix(keys[f] + (uint64_t)f * SALT) & mask) * N_LABELS;
            for (int l = 0; l < N_LABELS; l++) row[l] = f ? row[l] + wr[l] : wr[l];
        }
        for (int l = 0; l < N_LABELS; l++) row[l] += b[l];
        /* the best non-O label is tagged when exp-sum relative to it is <= 1 / threshold, i.e.
         * its softmax probability >= threshold (as PiiTagger.tag computes it in numpy) */
        int best = 1;
        for (int l = 2; l < N_LABELS; l++)
            if (row[l] > row[best]) best = l;
        if (row[0] - row[best] > o_margin) { /* O alone outweighs the threshold: most words */
            labels[i] = 0;
            continue;
        }
        double total = 0.0;
        for (int l = 0; l < N_LABELS; l++) total += exp(row[l] - row[best]);
        labels[i] = total <= 1.0 / threshold ? (unsigned char)best : 0;
    }
    if (_PyBytes_Resize(&starts_b, count * 8) == 0 && _PyBytes_Resize(&ends_b, count * 8) == 0)
        result = PyTuple_Pack(4, starts_b, ends_b, logits_b, labels_b);
done:
    Py_XDECREF(labels_b);
    Py_XDECREF(starts_b);
    Py_XDECREF(ends_b);
    Py_XDECREF(logits_b);
    PyMem_Free(hashes);
    PyMem_Free(shapes);
    PyBuffer_Release(&data);
    PyBuffer_Release(&weights);
    PyBuffer_Release(&intercepts);
    return result;
}

/* Spans of (start, end) pairs as bytes of int64, grown as needed. */
typedef struct {
    int64_t *items;
    Py_ssize_t count, cap;
} Spans;

static int spans_add(Spans *spans, int64_t start, int64_t end) {
    if (spans->count + 2 > spans->cap) {
        Py_ssize_t cap = spans->cap ? spans->cap * 2 : 64;
        int64_t *items = PyMem_Realloc(spans->items, cap * sizeof(int64_t));
        if (!items) return -1;
        spans->items = items;
        spans->cap = cap;
    }
    spans->items[spans->count++] = start;
    spans->items[spans->count++] = end;
    return 0;
}

static PyObject *spans_finish(Spans *spans, int failed) {
    PyObject *out = failed ? PyErr_NoMemory()
                           : PyBytes_FromStringAndSize((const char *)spans->items,
                                                       spans->count * sizeof(int64_t));
    PyMem_Free(spans->items);
    return out;
}

static inline int is_number_byte(unsigned char b) {
    return (b >= '0' && b <= '9') || b == ' ' || b == '(' || b == ')' || b == '.' || b == '-' ||
           b == '/' || b == ':';
}

/* digit_runs(data, min_digits) -> (start, end) int64 pairs as bytes: every maximal run of
 * digits and the separators ` ().-/:` that starts at a digit and holds at least `min_digits`
 * digits (the regex `\d(?:[\d ().\-/:]*?\d){3}[\d ().\-/:]*` for min_digits 4). */
static PyObject *digit_runs(PyObject *self, PyObject *args) {
    Py_buffer data;
    Py_ssize_t min_digits;
    if (!PyArg_ParseTuple(args, "y*n", &data, &min_digits)) return NULL;
    const unsigned char *raw = (const unsigned char *)data.buf;
    Py_ssize_t n = data.len, i = 0;
    Spans spans = {NULL, 0, 0};
    int failed = 0;
    while (i < n && !failed) {
        if (raw[i] < '0' || raw[i] > '9') {
            i++;
            continue;
        }
        Py_ssize_t start = i, digits = 0;
        for (; i < n && is_number_byte(raw[i]); i++) digits += raw[i] >= '0' && raw[i] <= '9';
        if (digits >= min_digits) failed = spans_add(&spans, start, i) < 0;
    }
    PyBuffer_Release(&data);
    return spans_finish(&spans, failed);
}

/* str.isspace() for one ASCII byte */
static inline int is_space_byte(unsigned char b) {
    return b == ' ' || (b >= '\t' && b <= '\r') || (b >= 0x1c && b <= 0x1f);
}

/* long_runs(data, minimum) -> (start, end) int64 pairs as bytes: every maximal run of
 * non-whitespace of at least `minimum` bytes (what `str.split` yields, for ASCII text). */
static PyObject *long_runs(PyObject *self, PyObject *args) {
    Py_buffer data;
    Py_ssize_t minimum;
    if (!PyArg_ParseTuple(args, "y*n", &data, &minimum)) return NULL;
    const unsigned char *raw = (const unsigned char *)data.buf;
    Py_ssize_t n = data.len, i = 0;
    Spans spans = {NULL, 0, 0};
    int failed = 0;
    while (i < n && !failed) {
        if (is_space_byte(raw[i])) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        while (i < n && !is_space_byte(raw[i])) i++;
        if (i - start >= minimum) failed = spans_add(&spans, start, i) < 0;
    }
    PyBuffer_Release(&data);
    return spans_finish(&spans, failed);
}

static PyMethodDef methods[] = {
    {"byte_counts", byte_counts, METH_VARARGS, "byte_counts(data) -> the dense features' counts"},
    {"gated_head", gated_head, METH_VARARGS,
     "gated_head(data, max_bytes, n_bits, base_weights, base_dense, base_intercept, gate_bits,"
     " by_domain, gate_intercepts, gate_dense, domain_intercepts, expert_weights, expert_own,"
     " expert_intercepts, dense) -> float"},
    {"digit_runs", digit_runs, METH_VARARGS,
     "digit_runs(data, min_digits) -> int64 (start, end) pairs as bytes"},
    {"long_runs", long_runs, METH_VARARGS,
     "long_runs(data, minimum) -> int64 (start, end) pairs as bytes"},
    {"words", words, METH_VARARGS, "words(data, max_bytes) -> (starts, ends, hashes) as bytes"},
    {"ngram_indices", ngram_indices, METH_VARARGS,
     "ngram_indices(data, max_bytes, n_bits) -> int64 bucket indices as bytes"},
    {"tag_scores", tag_scores, METH_VARARGS,
     "tag_scores(data, max_bytes, n_bits, weights, intercepts, threshold)"
     " -> (starts, ends, logits, labels)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels",
                                    "The classifier's hot loops in C.", -1, methods};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }

/* The PII tagger's per-word label scores. */
#include "kernels.h"

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

/* pii_model.PRONOUNS, the same list: a word's pronoun class (bit 1 first person, 2 second
 * person, 4 third-person possessive), matched on its lower-cased bytes packed into an integer
 * (little-endian, at most 8 bytes; "ourselves" is the one longer word), 0 for any other word */
#define PACK2(a, b) ((uint64_t)(a) | (uint64_t)(b) << 8)
#define PACK3(a, b, c) (PACK2(a, b) | (uint64_t)(c) << 16)
#define PACK4(a, b, c, d) (PACK3(a, b, c) | (uint64_t)(d) << 24)
#define PACK5(a, b, c, d, e) (PACK4(a, b, c, d) | (uint64_t)(e) << 32)
#define PACK6(a, b, c, d, e, f) (PACK5(a, b, c, d, e) | (uint64_t)(f) << 40)
static inline unsigned char pronoun_code(const unsigned char *word, int64_t length) {
    switch (word[0] | 32) { /* every pronoun starts with one of these: most words stop here */
        case 'i': case 'm': case 'w': case 'u': case 'o': case 'y': case 'h': case 't': break;
        default: return 0;
    }
    if (length == 9) { /* "ourselves", the one pronoun longer than 8 bytes */
        for (int j = 0; j < 9; j++) {
            unsigned char b = word[j];
            if (((b >= 'A' && b <= 'Z') ? b + 32 : b) != (unsigned char)"ourselves"[j]) return 0;
        }
        return 1;
    }
    if (length > 8) return 0;
    uint64_t w = 0;
    for (int64_t j = 0; j < length; j++) {
        unsigned char b = word[j];
        w |= (uint64_t)((b >= 'A' && b <= 'Z') ? b + 32 : b) << (8 * j);
    }
    switch (length) {
        case 1: return w == 'i' ? 1 : w == 'u' ? 2 : 0;
        case 2:
            if (w == PACK2('i', 'm') || w == PACK2('m', 'e') || w == PACK2('m', 'y') ||
                w == PACK2('w', 'e') || w == PACK2('u', 's'))
                return 1;
            return w == PACK2('u', 'r') ? 2 : 0;
        case 3:
            if (w == PACK3('i', 'v', 'e') || w == PACK3('o', 'u', 'r')) return 1;
            if (w == PACK3('y', 'o', 'u')) return 2;
            return w == PACK3('h', 'i', 's') || w == PACK3('h', 'e', 'r') ? 4 : 0;
        case 4:
            if (w == PACK4('m', 'i', 'n', 'e') || w == PACK4('o', 'u', 'r', 's')) return 1;
            if (w == PACK4('y', 'o', 'u', 'r')) return 2;
            return w == PACK4('h', 'e', 'r', 's') ? 4 : 0;
        case 5:
            if (w == PACK5('y', 'o', 'u', 'r', 's')) return 2;
            return w == PACK5('t', 'h', 'e', 'i', 'r') ? 4 : 0;
        case 6:
            if (w == PACK6('m', 'y', 's', 'e', 'l', 'f')) return 1;
            return w == PACK6('t', 'h', 'e', 'i', 'r', 's') ? 4 : 0;
        case 8:
            return w == (PACK6('y', 'o', 'u', 'r', 's', 'e') | (uint64_t)'l' << 48 |
                         (uint64_t)'f' << 56) ? 2 : 0;
        default: return 0;
    }
}

/* Per word, its sentence's pronoun classes (OR-ed), as `pii_model.sentence_codes`: a sentence
 * ends at "!", "?", a newline, or a "." that no word byte follows. Only the gaps between
 * words can hold such a byte. */
static void sentence_codes(const unsigned char *raw, const int64_t *starts, const int64_t *ends,
                           Py_ssize_t count, unsigned char *context) {
    unsigned char sentence = 0;
    Py_ssize_t first = 0; /* the current sentence's first word */
    for (Py_ssize_t i = 0; i < count; i++) {
        if (i > 0) {
            int stop = 0;
            for (int64_t j = ends[i - 1]; j < starts[i]; j++) {
                unsigned char b = raw[j];
                stop |= b == '!' || b == '?' || b == '\n' || (b == '.' && j + 1 < starts[i]);
            }
            if (stop) {
                memset(context + first, sentence, (size_t)(i - first));
                first = i;
                sentence = 0;
            }
        }
        sentence |= pronoun_code(raw + starts[i], ends[i] - starts[i]);
    }
    memset(context + first, sentence, (size_t)(count - first));
}

/* The scoring shared by tag_scores and tagged_words. For the first `n` bytes of `raw`: the
 * words' byte offsets (into `starts`, `ends`, room for n / 2 + 1 each), per word its logits
 * (into `logits`, n_words x 6 row-major, when not NULL) and its label (into `labels`): the
 * best non-O label (1-5) when its softmax probability is at least `threshold`, else 0 (O).
 * `w` is the table as float32 (`PiiTagger.table`, 3 MB instead of 6, so more of it stays in
 * cache between requests); the sums are taken in double. With `bag` (the PII text model's
 * weights at `bag_bits`), `*bag_sum` is their `bag_total` over the same words, so a text is
 * scanned once for both. Returns the word count, or -1 with MemoryError set. */
static Py_ssize_t score_words(const unsigned char *raw, Py_ssize_t n, int n_bits, const float *w,
                              const double *b, double threshold, const float *bag, int bag_bits,
                              double *bag_sum, int64_t *starts, int64_t *ends, double *logits,
                              unsigned char *labels) {
    Py_ssize_t cap = n / 2 + 1, result = -1;
    uint64_t *hashes = PyMem_Malloc((cap + 4) * sizeof(uint64_t));
    uint64_t *shapes = PyMem_Malloc((cap + 4) * sizeof(uint64_t));
    unsigned char *context = PyMem_Malloc(cap);
    const float **rows = NULL;
    uint64_t *seen = NULL;
    if (!hashes || !shapes || !context) goto done;
    /* words and shapes go to [2, count + 2); two pads each side */
    Py_ssize_t count = scan_words(raw, n, starts, ends, hashes + 2);
    sentence_codes(raw, starts, ends, count, context);
    if (bag) {
        seen = PyMem_Calloc(((size_t)1 << bag_bits) / 64, sizeof(uint64_t));
        if (!seen) goto done;
        *bag_sum = bag_total(hashes + 2, count, bag_bits, bag, seen);
    }
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
    uint64_t mask = ((uint64_t)1 << n_bits) - 1;
    /* exp(O - best) > 1/threshold - 1 already puts the sum over the bound, so a word whose O
     * score leads the best label by more than this margin is O without computing any exp */
    double o_margin = log(1.0 / threshold - 1.0) + 1e-9;
    /* Two passes: every word's table rows first, each prefetched as it is found, then the
     * sums. The rows are random lines of a 3 MB table, mostly outside L2: prefetched a whole
     * prompt ahead, their misses overlap instead of stalling one word at a time. */
    rows = PyMem_Malloc((count * N_FEATURES + 1) * sizeof(const float *));
    if (!rows) goto done;
    for (Py_ssize_t i = 0; i < count; i++) {
        const uint64_t *h = hashes + i + 2, *s = shapes + i + 2;
        /* the shape x context key leaves capitalised words without digits out (pii_model) */
        unsigned char first = raw[starts[i]], last = raw[ends[i] - 1];
        int capital = first >= 'A' && first <= 'Z' && !(last >= '0' && last <= '9');
        uint64_t keys[N_FEATURES] = {
            h[0], h[-1] * K1, h[1] * K2, h[-2] * K1 * K1, h[2] * K2 * K2,
            s[0], (s[-1] * 1000 + s[0]) * 1000 + s[1], h[-1] * K2 + s[0], h[1] * K1 + s[0],
            s[0] * 8 + (capital ? 0 : (uint64_t)context[i]),
        };
        for (int f = 0; f < N_FEATURES; f++) {
            const float *wr = w + (mix(keys[f] + (uint64_t)f * SALT) & mask) * N_LABELS;
            __builtin_prefetch(wr);
            rows[i * N_FEATURES + f] = wr;
        }
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        double local[N_LABELS];
        double *row = logits ? logits + i * N_LABELS : local;
        for (int f = 0; f < N_FEATURES; f++) {
            const float *wr = rows[i * N_FEATURES + f];
            for (int l = 0; l < N_LABELS; l++) row[l] = f ? row[l] + (double)wr[l] : (double)wr[l];
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
    result = count;
done:
    if (result < 0) PyErr_NoMemory();
    PyMem_Free(hashes);
    PyMem_Free(shapes);
    PyMem_Free(context);
    PyMem_Free(rows);
    PyMem_Free(seen);
    return result;
}

/* The arguments both entry points take: (data, max_bytes, n_bits, table, intercepts,
 * threshold[, bag_bits, bag_weights]), checked. 0, or -1 with an exception set (the buffers
 * then released). */
typedef struct {
    Py_buffer data, weights, intercepts, bag;
    Py_ssize_t n;
    int n_bits, bag_bits;
    double threshold;
} TagArgs;

static void release_args(TagArgs *a) {
    PyBuffer_Release(&a->bag);
    PyBuffer_Release(&a->data);
    PyBuffer_Release(&a->weights);
    PyBuffer_Release(&a->intercepts);
}

static int parse_args(PyObject *args, TagArgs *a) {
    Py_ssize_t max_bytes;
    memset(a, 0, sizeof(*a));
    if (!PyArg_ParseTuple(args, "y*niy*y*d|iy*", &a->data, &max_bytes, &a->n_bits, &a->weights,
                          &a->intercepts, &a->threshold, &a->bag_bits, &a->bag))
        return -1;
    Py_ssize_t buckets = (Py_ssize_t)1 << a->n_bits;
    if (a->weights.len != buckets * N_LABELS * (Py_ssize_t)sizeof(float) ||
        a->intercepts.len != N_LABELS * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "table must be float32 (2**n_bits, 6), intercepts float64 (6,)");
        release_args(a);
        return -1;
    }
    if (a->bag.obj && check_bag(&a->bag, a->bag_bits) < 0) {
        release_args(a);
        return -1;
    }
    a->n = a->data.len < max_bytes ? a->data.len : max_bytes;
    return 0;
}

static Py_ssize_t score_args(TagArgs *a, double *bag_sum, int64_t *starts, int64_t *ends,
                             double *logits, unsigned char *labels) {
    return score_words((const unsigned char *)a->data.buf, a->n, a->n_bits,
                       (const float *)a->weights.buf, (const double *)a->intercepts.buf,
                       a->threshold, a->bag.obj ? (const float *)a->bag.buf : NULL, a->bag_bits,
                       bag_sum, starts, ends, logits, labels);
}

/* tag_scores(data, max_bytes, n_bits, table, intercepts, threshold[, bag_bits, bag_weights])
 *   -> (starts, ends, logits, labels, bag): as bytes, int64 word starts and ends, float64 logits
 * (n_words x 6, row-major) and one uint8 label per word (`score_words`); `bag` is the text
 * model's sum (0.0 without bag weights). What training and the numpy reference's tests read. */
PyObject *kernel_tag_scores(PyObject *self, PyObject *args) {
    TagArgs a;
    if (parse_args(args, &a) < 0) return NULL;
    double bag_sum = 0.0;
    PyObject *result = NULL;
    Py_ssize_t cap = a.n / 2 + 1;
    PyObject *starts_b = PyBytes_FromStringAndSize(NULL, cap * 8);
    PyObject *ends_b = PyBytes_FromStringAndSize(NULL, cap * 8);
    PyObject *logits_b = PyBytes_FromStringAndSize(NULL, cap * N_LABELS * sizeof(double));
    PyObject *labels_b = PyBytes_FromStringAndSize(NULL, cap);
    if (!starts_b || !ends_b || !logits_b || !labels_b) goto done;
    Py_ssize_t count = score_args(&a, &bag_sum, (int64_t *)PyBytes_AS_STRING(starts_b),
                                  (int64_t *)PyBytes_AS_STRING(ends_b),
                                  (double *)PyBytes_AS_STRING(logits_b),
                                  (unsigned char *)PyBytes_AS_STRING(labels_b));
    if (count < 0) goto done;
    if (_PyBytes_Resize(&starts_b, count * 8) == 0 && _PyBytes_Resize(&ends_b, count * 8) == 0 &&
        _PyBytes_Resize(&logits_b, count * N_LABELS * sizeof(double)) == 0 &&
        _PyBytes_Resize(&labels_b, count) == 0)
        result = Py_BuildValue("(OOOOd)", starts_b, ends_b, logits_b, labels_b, bag_sum);
done:
    Py_XDECREF(labels_b);
    Py_XDECREF(starts_b);
    Py_XDECREF(ends_b);
    Py_XDECREF(logits_b);
    release_args(&a);
    return result;
}

/* tagged_words(data, max_bytes, n_bits, table, intercepts, threshold[, bag_bits, bag_weights])
 *   -> (tagged, bag): what serving reads, `tag_scores` without the words left O. `tagged` is
 * int64 (label, start, end) triples as bytes, one per tagged word, in text order (most texts
 * tag none or a few words: no per-word arrays cross into Python). */
PyObject *kernel_tagged_words(PyObject *self, PyObject *args) {
    TagArgs a;
    if (parse_args(args, &a) < 0) return NULL;
    double bag_sum = 0.0;
    PyObject *result = NULL, *tagged_b = NULL;
    Py_ssize_t cap = a.n / 2 + 1;
    int64_t *offsets = PyMem_Malloc(cap * 2 * sizeof(int64_t));
    unsigned char *labels = PyMem_Malloc(cap);
    if (!offsets || !labels) {
        PyErr_NoMemory();
        goto done;
    }
    int64_t *starts = offsets, *ends = offsets + cap;
    Py_ssize_t count = score_args(&a, &bag_sum, starts, ends, NULL, labels);
    if (count < 0) goto done;
    Py_ssize_t hits = 0;
    for (Py_ssize_t i = 0; i < count; i++) hits += labels[i] != 0;
    tagged_b = PyBytes_FromStringAndSize(NULL, hits * 3 * 8);
    if (!tagged_b) goto done;
    int64_t *out = (int64_t *)PyBytes_AS_STRING(tagged_b);
    for (Py_ssize_t i = 0; i < count; i++)
        if (labels[i]) {
            *out++ = labels[i];
            *out++ = starts[i];
            *out++ = ends[i];
        }
    result = Py_BuildValue("(Od)", tagged_b, bag_sum);
done:
    Py_XDECREF(tagged_b);
    PyMem_Free(offsets);
    PyMem_Free(labels);
    release_args(&a);
    return result;
}

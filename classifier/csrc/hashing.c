/* Word hashes and the difficulty head's n-gram buckets. */
#include "kernels.h"

/* words(data, max_bytes) -> (starts, ends, hashes) as bytes of int64, int64, uint64 */
PyObject *kernel_words(PyObject *self, PyObject *args) {
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
PyObject *kernel_ngram_indices(PyObject *self, PyObject *args) {
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
    for (Py_ssize_t j = 0; j < total; j++) idx[j] = (int64_t)(ngram_hash(hashes, count, j) & mask);
done:
    PyMem_Free(offsets);
    PyMem_Free(hashes);
    PyBuffer_Release(&data);
    return out;
}

/* bag_sum(data, max_bytes, n_bits, weights) -> float: `bag_total` of data's words (the PII
 * text model's sum when the tagger does not run: tag_scores computes it in its own pass). */
PyObject *kernel_bag_sum(PyObject *self, PyObject *args) {
    Py_buffer data, weights;
    Py_ssize_t max_bytes;
    int n_bits;
    if (!PyArg_ParseTuple(args, "y*niy*", &data, &max_bytes, &n_bits, &weights)) return NULL;
    PyObject *out = NULL;
    int64_t *offsets = NULL;
    uint64_t *hashes = NULL, *seen = NULL;
    if (check_bag(&weights, n_bits) < 0) goto done;
    Py_ssize_t n = data.len < max_bytes ? data.len : max_bytes;
    Py_ssize_t cap = n / 2 + 1;
    offsets = PyMem_Malloc(cap * 2 * sizeof(int64_t));
    hashes = PyMem_Malloc(cap * sizeof(uint64_t));
    seen = PyMem_Calloc(((size_t)1 << n_bits) / 64, sizeof(uint64_t));
    if (!offsets || !hashes || !seen) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t count = scan_words((const unsigned char *)data.buf, n, offsets, offsets + cap,
                                  hashes);
    out = PyFloat_FromDouble(bag_total(hashes, count, n_bits, (const float *)weights.buf, seen));
done:
    PyMem_Free(offsets);
    PyMem_Free(hashes);
    PyMem_Free(seen);
    PyBuffer_Release(&data);
    PyBuffer_Release(&weights);
    return out;
}

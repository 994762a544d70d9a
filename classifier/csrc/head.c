/* The difficulty head after its dense features. */
#include "kernels.h"

/* gated_head(data, max_bytes, n_bits, base_weights, base_dense, base_intercept, gate_bits,
 *            by_bucket, gate_intercepts, gate_dense, domain_intercepts, expert_weights,
 *            expert_own, expert_intercepts, n_chars, n_turns) -> probability
 * The whole of `difficulty.GatedHead.probability` (the names and shapes are its fields'; the
 * text is `n_chars` characters long, in a conversation of `n_turns`): the dense features
 * (`dense_features`, from all of `data`), the n-gram logit z, the gate's and the domain heads' sums
 * over the folded buckets (`by_bucket`: per bucket, k gate weights then k domain-head
 * weights, so one n-gram's 2k weights are adjacent in memory), then the experts
 * over [z, dense, upper triangle of dense x dense, z * dense] plus own-domain logit, and the
 * gate-weighted mean of their sigmoids. `base_weights` and `by_bucket` are float32 (the
 * head's serving tables, 3 MB instead of 6); every sum is taken in double. Equal to the numpy
 * code on the same tables to rounding (~1e-15). */
PyObject *kernel_gated_head(PyObject *self, PyObject *args) {
    Py_buffer data, base_w, base_dense, by_bucket, gate_b, gate_dense, domain_b, expert_w,
        expert_own, expert_b;
    Py_ssize_t max_bytes;
    int n_bits, gate_bits;
    Py_ssize_t n_chars, n_turns;
    double base_intercept;
    if (!PyArg_ParseTuple(args, "y*niy*y*diy*y*y*y*y*y*y*nn", &data, &max_bytes, &n_bits,
                          &base_w, &base_dense, &base_intercept, &gate_bits, &by_bucket, &gate_b,
                          &gate_dense, &domain_b, &expert_w, &expert_own, &expert_b, &n_chars, &n_turns))
        return NULL;
    PyObject *result = NULL;
    int64_t *offsets = NULL;
    uint64_t *hashes = NULL;
    double *work = NULL;
    const Py_ssize_t f8 = (Py_ssize_t)sizeof(double);
    Py_ssize_t d_n = N_DENSE, k = gate_b.len / f8;
    Py_ssize_t n_stack = 1 + 2 * d_n + d_n * (d_n + 1) / 2;
    Py_ssize_t buckets = (Py_ssize_t)1 << n_bits, gate_buckets = (Py_ssize_t)1 << gate_bits;
    const Py_ssize_t f4 = (Py_ssize_t)sizeof(float);
    if (base_w.len != buckets * f4 || k < 1 || gate_bits > n_bits ||
        base_dense.len != d_n * f8 || by_bucket.len != 2 * k * gate_buckets * f4 ||
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
    const float *w = (const float *)base_w.buf, *g = (const float *)by_bucket.buf;
    double dense[N_DENSE];
    dense_features((const unsigned char *)data.buf, data.len, n_chars, n_turns, dense);
    const double *dw = (const double *)base_dense.buf;
    double *sums = work, *st = work + 2 * k; /* sums: k gate, then k domain-head */
    Py_ssize_t count = scan_words((const unsigned char *)data.buf, n, offsets, offsets + cap,
                                  hashes);
    Py_ssize_t total = count ? 2 * count - 1 : 0;
    uint64_t mask = (uint64_t)buckets - 1, gate_mask = (uint64_t)gate_buckets - 1;
    double wsum = 0.0;
    for (Py_ssize_t r = 0; r < 2 * k; r++) sums[r] = 0.0;
    for (Py_ssize_t j = 0; j < total; j++) {
        uint64_t bucket = ngram_hash(hashes, count, j) & mask;
        wsum += (double)w[bucket];
        const float *row = g + (bucket & gate_mask) * 2 * k;
        for (Py_ssize_t r = 0; r < 2 * k; r++) sums[r] += (double)row[r];
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
    PyBuffer_Release(&by_bucket);
    PyBuffer_Release(&gate_b);
    PyBuffer_Release(&gate_dense);
    PyBuffer_Release(&domain_b);
    PyBuffer_Release(&expert_w);
    PyBuffer_Release(&expert_own);
    PyBuffer_Release(&expert_b);
    return result;
}

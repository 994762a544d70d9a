/* fold_widths(text, blank_unspaced) -> str: `widths.fold` in one pass, one character for
 * one. Full-width forms U+FF01-U+FF5E become U+0021-U+007E, the ideographic space a space,
 * and every other decimal digit (what `re` calls `\d`, Unicode category Nd) its ASCII digit.
 * With `blank_unspaced`, the letters and marks of scripts written without spaces between
 * words (Han, kana, Hangul, Thai, Lao, Myanmar, Khmer) and CJK punctuation become spaces.
 * A text with none of them is returned as it is; a Latin-1 text (every ASCII prompt, and
 * most European ones) cannot hold one, and costs nothing. */
#include "kernels.h"

static inline int is_unspaced(Py_UCS4 c) {
    return (c >= 0x0E00 && c <= 0x0EFF) ||   /* Thai, Lao */
           (c >= 0x1000 && c <= 0x109F) ||   /* Myanmar */
           (c >= 0x1100 && c <= 0x11FF) ||   /* Hangul Jamo */
           (c >= 0x1780 && c <= 0x17FF) ||   /* Khmer */
           (c >= 0x3001 && c <= 0x30FF) ||   /* CJK punctuation, Hiragana, Katakana */
           (c >= 0x3130 && c <= 0x318F) ||   /* Hangul compatibility Jamo */
           (c >= 0x31F0 && c <= 0x31FF) ||   /* Katakana extensions */
           (c >= 0x3400 && c <= 0x4DBF) ||   /* CJK extension A */
           (c >= 0x4E00 && c <= 0x9FFF) ||   /* CJK unified ideographs */
           (c >= 0xAC00 && c <= 0xD7AF) ||   /* Hangul syllables */
           (c >= 0xF900 && c <= 0xFAFF) ||   /* CJK compatibility ideographs */
           (c >= 0xFF61 && c <= 0xFFDC) ||   /* half-width CJK punctuation, kana, Hangul */
           (c >= 0x20000 && c <= 0x3FFFF);   /* CJK extensions B and later */
}

static inline Py_UCS4 folded(Py_UCS4 c, int blank_unspaced) {
    if (c < 128) return c;
    if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFF01 + 0x21;
    if (c == 0x3000) return ' ';
    if (Py_UNICODE_ISDECIMAL(c)) return '0' + (Py_UCS4)Py_UNICODE_TODECIMAL(c);
    if (blank_unspaced && is_unspaced(c)) return ' ';
    return c;
}

PyObject *kernel_fold_widths(PyObject *self, PyObject *args) {
    PyObject *text;
    int blank_unspaced = 0;
    if (!PyArg_ParseTuple(args, "U|p", &text, &blank_unspaced)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), first = 0;
    if (kind != PyUnicode_1BYTE_KIND) /* Latin-1 holds none of the characters folded */
        for (; first < n; first++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, first);
            if (folded(c, blank_unspaced) != c) break;
        }
    if (kind == PyUnicode_1BYTE_KIND || first == n) {
        Py_INCREF(text);
        return text;
    }
    Py_UCS4 *out = PyMem_Malloc(n * sizeof(Py_UCS4));
    if (!out) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++)
        out[i] = folded(PyUnicode_READ(kind, data, i), blank_unspaced);
    /* the canonical (most compact) form of the result, as every str must be */
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, n);
    PyMem_Free(out);
    return result;
}

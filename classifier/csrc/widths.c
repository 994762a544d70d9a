/* fold_widths(text, blank_unspaced) -> str: `widths.fold` in one pass, one character for
 * one. Full-width forms U+FF01-U+FF5E become U+0021-U+007E, every other space separator
 * (category Zs: the no-break space, the narrow one French writes in numbers, the ideographic
 * one) a space, the Unicode hyphens, dashes and minus signs "-", and every other decimal
 * digit (what `re` calls `\d`, category Nd) its ASCII digit. With `blank_unspaced`, the
 * letters and marks of scripts written without spaces between words (Han, kana, Hangul,
 * Thai, Lao, Myanmar, Khmer) and CJK punctuation become spaces. A text with none of them is
 * returned as it is; a Latin-1 text can only hold the no-break space U+00A0, sought by
 * memchr. */
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

static inline int is_space_separator(Py_UCS4 c) { /* category Zs, less the ASCII space */
    return c == 0x00A0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

static inline int is_dash(Py_UCS4 c) { /* hyphens, dashes, minus signs */
    return (c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xFE58 || c == 0xFE63;
}

static inline Py_UCS4 folded(Py_UCS4 c, int blank_unspaced) {
    if (c < 128) return c;
    if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFF01 + 0x21;
    if (is_space_separator(c)) return ' ';
    if (is_dash(c)) return '-';
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
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), first = n;
    if (kind == PyUnicode_1BYTE_KIND) { /* of Latin-1, only the no-break space is folded */
        const unsigned char *nbsp = memchr(data, 0xA0, (size_t)n);
        if (nbsp) first = nbsp - (const unsigned char *)data;
    } else {
        for (first = 0; first < n; first++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, first);
            if (folded(c, blank_unspaced) != c) break;
        }
    }
    if (first == n) {
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

/* the invisible characters `drop_invisible` removes: the soft hyphen, the Mongolian vowel
 * separator, zero-width space, non-joiner and joiner, word joiner, invisible operators, and
 * the zero-width no-break space (byte-order mark) */
static inline int is_invisible(Py_UCS4 c) {
    return c == 0x00AD || c == 0x180E || (c >= 0x200B && c <= 0x200D) ||
           (c >= 0x2060 && c <= 0x2064) || c == 0xFEFF;
}

/* drop_invisible(text) -> None, or (text without its invisible characters, int64 offset in
 * `text` of each character kept, as bytes). A Latin-1 text can only hold the soft hyphen
 * U+00AD, sought by memchr. */
PyObject *kernel_drop_invisible(PyObject *self, PyObject *args) {
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), first = n;
    if (kind == PyUnicode_1BYTE_KIND) {
        const unsigned char *soft = memchr(data, 0xAD, (size_t)n);
        if (soft) first = soft - (const unsigned char *)data;
    } else {
        for (first = 0; first < n && !is_invisible(PyUnicode_READ(kind, data, first)); first++)
            ;
    }
    if (first == n) Py_RETURN_NONE;
    Py_UCS4 *out = PyMem_Malloc(n * sizeof(Py_UCS4));
    int64_t *kept = PyMem_Malloc(n * sizeof(int64_t));
    if (!out || !kept) {
        PyMem_Free(out);
        PyMem_Free(kept);
        return PyErr_NoMemory();
    }
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (is_invisible(c)) continue;
        out[count] = c;
        kept[count++] = i;
    }
    PyObject *visible = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, count);
    PyObject *offsets = PyBytes_FromStringAndSize((const char *)kept, count * sizeof(int64_t));
    PyMem_Free(out);
    PyMem_Free(kept);
    PyObject *result = visible && offsets ? PyTuple_Pack(2, visible, offsets) : NULL;
    Py_XDECREF(visible);
    Py_XDECREF(offsets);
    return result;
}

/* text_views(text) -> None, or (plain, detect_view, kept): `widths.views` in C.
 *
 * plain: `text` without its invisible characters (soft hyphen, zero-width space, joiners, word
 * joiner, BOM), and with its full-width forms U+FF01-U+FF5E as U+0021-U+007E, its other
 * space separators (category Zs) as spaces, its Unicode hyphens, dashes and minus signs as
 * "-", and its other decimal digits (what `re` calls `\d`, category Nd) as ASCII digits.
 * detect_view: `plain` with the letters and marks of scripts written without spaces between
 * words (Han, kana, Hangul, Thai, Lao, Myanmar, Khmer) and CJK punctuation as spaces.
 * kept: None, or the int64 offset in `text` of each character of `plain` (as bytes) when
 * invisible characters were dropped. None for all when nothing changes: a Latin-1 text can
 * only hold U+00A0 and U+00AD, sought by memchr; any other is read once, ~1 ns a character. */
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

/* the invisible characters dropped: the soft hyphen, the Mongolian vowel
 * separator, zero-width space, non-joiner and joiner, word joiner, invisible operators, and
 * the zero-width no-break space (byte-order mark) */
static inline int is_invisible(Py_UCS4 c) {
    return c == 0x00AD || c == 0x180E || (c >= 0x200B && c <= 0x200D) ||
           (c >= 0x2060 && c <= 0x2064) || c == 0xFEFF;
}

static inline int changes(Py_UCS4 c) { return is_invisible(c) || folded(c, 1) != c; }

PyObject *kernel_text_views(PyObject *self, PyObject *args) {
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), first = n, dropped = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        if (memchr(data, 0xA0, (size_t)n) || memchr(data, 0xAD, (size_t)n)) first = 0;
    } else if (kind == PyUnicode_2BYTE_KIND) { /* most non-Latin-1 prompts: one loop per kind, */
        const Py_UCS2 *u = data;                  /* ASCII characters skipped in two instructions */
        for (first = 0; first < n; first++)
            if (u[first] >= 128 && changes(u[first])) break;
    } else {
        const Py_UCS4 *u = data;
        for (first = 0; first < n; first++)
            if (u[first] >= 128 && changes(u[first])) break;
    }
    if (first == n) Py_RETURN_NONE;
    /* folding only lowers code points: the views fit the text's own kind (1, 2 or 4 bytes a
     * character, the kind's value) */
    char *plain = PyMem_Malloc(2 * n * kind + 1);
    int64_t *kept = PyMem_Malloc(n * sizeof(int64_t) + 1);
    if (!plain || !kept) {
        PyMem_Free(plain);
        PyMem_Free(kept);
        return PyErr_NoMemory();
    }
    char *blanked = plain + n * kind;
    int unspaced = 0;
    Py_ssize_t count = 0;
    /* one loop per kind: an ASCII character (most of any prompt) is copied as it is */
#define VIEWS_LOOP(T)                                                                    \
    do {                                                                                 \
        const T *in = data;                                                              \
        T *p = (T *)plain, *b = (T *)blanked;                                            \
        for (Py_ssize_t i = 0; i < n; i++) {                                             \
            Py_UCS4 c = in[i];                                                           \
            if (c < 128) {                                                               \
                p[count] = b[count] = (T)c;                                              \
                kept[count++] = i;                                                       \
                continue;                                                                \
            }                                                                            \
            if (is_invisible(c)) {                                                       \
                dropped = 1;                                                             \
                continue;                                                                \
            }                                                                            \
            Py_UCS4 f = folded(c, 0), u = folded(c, 1);                                  \
            unspaced |= u != f;                                                          \
            p[count] = (T)f;                                                             \
            b[count] = (T)u;                                                             \
            kept[count++] = i;                                                           \
        }                                                                                \
    } while (0)
    if (kind == PyUnicode_1BYTE_KIND)
        VIEWS_LOOP(Py_UCS1);
    else if (kind == PyUnicode_2BYTE_KIND)
        VIEWS_LOOP(Py_UCS2);
    else
        VIEWS_LOOP(Py_UCS4);
#undef VIEWS_LOOP
    /* the canonical (most compact) form of each result, as every str must be; the detectors'
     * view is the plain one itself when the text holds no unspaced script */
    PyObject *plain_s = PyUnicode_FromKindAndData(kind, plain, count);
    PyObject *blanked_s = unspaced ? PyUnicode_FromKindAndData(kind, blanked, count)
                                   : Py_XNewRef(plain_s);
    PyObject *kept_b = dropped ? PyBytes_FromStringAndSize((const char *)kept,
                                                           count * sizeof(int64_t))
                               : Py_NewRef(Py_None);
    PyMem_Free(plain);
    PyMem_Free(kept);
    PyObject *result =
        plain_s && blanked_s && kept_b ? PyTuple_Pack(3, plain_s, blanked_s, kept_b) : NULL;
    Py_XDECREF(plain_s);
    Py_XDECREF(blanked_s);
    Py_XDECREF(kept_b);
    return result;
}

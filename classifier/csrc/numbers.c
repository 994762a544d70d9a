/* Where the number patterns of `numeric` can match, so that `re` runs only there.
 *
 * number_shapes: the candidates of the card, SSN and IPv4 patterns, read off each run of
 * digits and separators. A card (12-19 digits, single spaces or dashes between, or four
 * dotted groups of four), an SSN (3-2-4 digits) and an IPv4 address (four dotted groups) are
 * made of digits, spaces, dashes and dots only, so each lies inside one maximal run of number
 * characters (digit_runs' runs; a match starts at a digit). Inside a run each pattern has at
 * most one way to match at a position, so `re`'s backtracking reduces to the few choices
 * written out below.
 *
 * phone_starts, iban_starts: the positions where the phone and IBAN patterns can begin a
 * match (`numeric._matches_at` tries them there, in order, as `finditer` would).
 *
 * `numeric.shape_candidates_reference` and the patterns themselves serve where the extension
 * is missing, and property tests (tests/unit/classifier/test_numeric.py) hold each kernel
 * to them. */
#include "kernels.h"

enum Shape { IPV4, CARD, SSN_SEPARATED, SSN_BARE };

/* `(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d|\w)` at i: the match's end, or -1. A group
 * of four or more digits fails whatever `re` backtracks to: a digit follows every shorter
 * one, where the pattern wants a dot (or, for the last group, no digit). */
static Py_ssize_t ipv4_at(const Text *t, Py_ssize_t i) {
    Py_UCS4 before = char_at(t, i - 1);
    if (is_word_char(before) || before == '.') return -1;
    Py_ssize_t q = i;
    for (int group = 0; group < 3; group++) {
        Py_ssize_t k = digits_from(t, q, 4);
        if (k < 1 || k > 3 || char_at(t, q + k) != '.') return -1;
        q += k + 1;
    }
    Py_ssize_t k = digits_from(t, q, 4);
    if (k < 1 || k > 3) return -1;
    Py_UCS4 after = char_at(t, q + k);
    if (is_word_char(after) || (after == '.' && is_digit_at(t, q + k + 1))) return -1;
    return q + k;
}

/* The second alternative, `(?<!\.)\d{4}(?:\.\d{4}){3}(?!\.?\d)(?![\w-])` at i (after the
 * first's look-behind): four groups of exactly four digits with dots between, no dot before
 * and no fifth group after. The end, or -1. */
static Py_ssize_t dotted_card_at(const Text *t, Py_ssize_t i) {
    if (char_at(t, i - 1) == '.') return -1;
    Py_ssize_t q = i;
    for (int group = 0; group < 4; group++, q += 5)
        if (digits_from(t, q, 4) < 4 || (group < 3 && char_at(t, q + 4) != '.')) return -1;
    Py_ssize_t end = q - 1; /* q ran one past the last group's dot position */
    Py_UCS4 after = char_at(t, end);
    if (is_digit_char(after) || (after == '.' && is_digit_at(t, end + 1))) return -1;
    return is_word_char(after) || after == '-' ? -1 : end;
}

/* `(?<![\w-])\d(?:[ -]?\d){11,18}(?![\w-])` at i: the greedy run of up to 19 digits with
 * single spaces or dashes between, then the longest of its 12-19 digit prefixes followed by
 * neither a word character nor a dash (what backtracking finds). The end, or -1. */
static Py_ssize_t card_at(const Text *t, Py_ssize_t i) {
    Py_UCS4 before = char_at(t, i - 1);
    if (is_word_char(before) || before == '-') return -1;
    Py_ssize_t ends[20], count = 1, pos = i + 1;
    ends[1] = pos;
    while (count < 19) {
        Py_UCS4 c = char_at(t, pos);
        if (is_digit_char(c))
            pos += 1;
        else if ((c == ' ' || c == '-') && is_digit_at(t, pos + 1))
            pos += 2;
        else
            break;
        ends[++count] = pos;
    }
    for (Py_ssize_t k = count; k >= 12; k--) {
        Py_UCS4 after = char_at(t, ends[k]);
        if (!is_word_char(after) && after != '-') return ends[k];
    }
    return dotted_card_at(t, i);
}

/* `(?<![\d-])\d{3}([- ]?)\d{2}\1\d{4}(?![\d-])` at i: the end, or -1; `*separated` says
 * whether the group holds a separator. The separator is taken when it is there (an empty
 * group would want a digit in its place). */
static Py_ssize_t ssn_at(const Text *t, Py_ssize_t i, int *separated) {
    Py_UCS4 before = char_at(t, i - 1);
    if (is_digit_char(before) || before == '-' || digits_from(t, i, 3) < 3) return -1;
    Py_UCS4 sep = char_at(t, i + 3);
    Py_ssize_t end;
    if (sep == '-' || sep == ' ') {
        if (digits_from(t, i + 4, 2) < 2 || char_at(t, i + 6) != sep ||
            digits_from(t, i + 7, 4) < 4)
            return -1;
        end = i + 11;
    } else {
        if (digits_from(t, i + 3, 6) < 6) return -1;
        end = i + 9;
    }
    Py_UCS4 after = char_at(t, end);
    if (is_digit_char(after) || after == '-') return -1;
    *separated = sep == '-' || sep == ' ';
    return end;
}

/* `finditer` of one shape over the run [start, end): a failed position moves on by one, a
 * match moves on to its end (every match is non-empty and starts at a digit) */
static int shapes_in_run(const Text *t, Py_ssize_t start, Py_ssize_t end, enum Shape shape,
                         Spans *out) {
    for (Py_ssize_t p = start; p < end;) {
        Py_ssize_t found = -1;
        int separated = 0;
        if (is_digit_at(t, p)) {
            found = shape == IPV4 ? ipv4_at(t, p) : shape == CARD ? card_at(t, p)
                                                                   : ssn_at(t, p, &separated);
        }
        if (found < 0) {
            p++;
            continue;
        }
        int64_t kind = shape != SSN_SEPARATED ? shape : separated ? SSN_SEPARATED : SSN_BARE;
        if (spans_push(out, kind) < 0 || spans_add(out, p, found) < 0) return -1;
        p = found;
    }
    return 0;
}

/* number_shapes(text, runs) -> int64 (shape, start, end) triples as bytes: per run of
 * number characters (`runs`: digit_runs' (start, end) pairs, in order), its IPv4 candidates,
 * then its card candidates, then its SSN candidates (shape SSN_SEPARATED or SSN_BARE), each
 * in text order. Runs too short for a shape (7, 12 and 9 characters) are not searched for
 * it. Only the runs are read, not the text between them. */
static int shapes_at_run(const Text *t, Py_ssize_t start, Py_ssize_t end, Spans *out) {
    Py_ssize_t dots = 0, length = end - start;
    for (Py_ssize_t i = start; i < end; i++) dots += PyUnicode_READ(t->kind, t->data, i) == '.';
    if (length >= 7 && dots >= 3 && shapes_in_run(t, start, end, IPV4, out) < 0) return -1;
    if (length >= 12 && shapes_in_run(t, start, end, CARD, out) < 0) return -1;
    if (length >= 9 && shapes_in_run(t, start, end, SSN_SEPARATED, out) < 0) return -1;
    return 0;
}

PyObject *kernel_number_shapes(PyObject *self, PyObject *args) {
    return over_runs(args, shapes_at_run);
}

/* the (text, start, end) arguments of the *_starts kernels: the text, and the range clipped
 * to it; -1 with an error set */
static int range_args(PyObject *args, Text *t, Py_ssize_t *start, Py_ssize_t *end) {
    PyObject *text;
    if (!PyArg_ParseTuple(args, "Unn", &text, start, end)) return -1;
    *t = (Text){PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text)};
    if (*start < 0) *start = 0;
    if (*end > t->n) *end = t->n;
    return 0;
}

/* phone_starts(text, start, end) -> int64 positions as bytes: every position in [start, end)
 * where `numeric`'s phone pattern can begin a match, in order. A superset of its match
 * starts, narrowed by what each branch needs first:
 *   - the look-behind: no word character, "+", "-" or "." before (or a literal "\n", "\r",
 *     "\t" escape); a "+" may also follow "-" or "." (the `\+\d{8,15}` branch);
 *   - at a digit: `\d{1,5}[ .-]\d{2,8}` - the digits there, at most five (a sixth would
 *     stand where the separator must), then a space, dot or dash, then two digits;
 *   - at "(": `\(\d{1,4}\)`; at "+": a digit next.
 * Tables of numbers hold hundreds of digits but few such starts, and prose none; `re`
 * tries the pattern at every position of a window otherwise. */
PyObject *kernel_phone_starts(PyObject *self, PyObject *args) {
    Text t;
    Py_ssize_t start, end;
    if (range_args(args, &t, &start, &end) < 0) return NULL;
    Spans out = {NULL, 0, 0};
    for (Py_ssize_t p = start; p < end; p++) {
        Py_UCS4 c = PyUnicode_READ(t.kind, t.data, p);
        int digit = is_digit_char(c);
        if (!digit && c != '+' && c != '(') continue;
        Py_UCS4 before = char_at(&t, p - 1);
        int escaped =
            char_at(&t, p - 2) == '\\' && (before == 'n' || before == 'r' || before == 't');
        int after_ok = !is_word_char(before) && before != '+' && before != '-' && before != '.';
        if (!(after_ok || escaped || (c == '+' && !is_word_char(before) && before != '+')))
            continue;
        int ok;
        if (digit) {
            Py_ssize_t k = digits_from(&t, p, 6);
            Py_UCS4 sep = char_at(&t, p + k);
            ok = k <= 5 && (sep == ' ' || sep == '.' || sep == '-') &&
                 digits_from(&t, p + k + 1, 2) == 2;
        } else if (c == '(') {
            Py_ssize_t k = digits_from(&t, p + 1, 5);
            ok = k >= 1 && k <= 4 && char_at(&t, p + 1 + k) == ')';
        } else {
            ok = is_digit_at(&t, p + 1);
        }
        if (ok && spans_push(&out, p) < 0) return spans_finish(&out, 1);
    }
    return spans_finish(&out, 0);
}

/* iban_starts(text, start, end) -> int64 positions as bytes: every position in [start, end)
 * where `numeric`'s IBAN pattern can begin a match (`\b[A-Za-z]{2}\d{2}`: two ASCII letters
 * after no word character, then two digits), in order. */
PyObject *kernel_iban_starts(PyObject *self, PyObject *args) {
    Text t;
    Py_ssize_t start, end;
    if (range_args(args, &t, &start, &end) < 0) return NULL;
    Spans out = {NULL, 0, 0};
    for (Py_ssize_t p = start; p + 3 < end; p++) {
        Py_UCS4 c = PyUnicode_READ(t.kind, t.data, p);
        if (!is_ascii_letter(c)) continue;
        if (!is_ascii_letter(char_at(&t, p + 1)) || digits_from(&t, p + 2, 2) < 2 ||
            is_word_char(char_at(&t, p - 1)))
            continue;
        if (spans_push(&out, p) < 0) return spans_finish(&out, 1);
    }
    return spans_finish(&out, 0);
}

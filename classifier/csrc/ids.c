/* Where `national_ids`' pattern can begin a match: other countries' identity numbers. */
#include "kernels.h"

/* A layout that opens with its digits can start at p: a digit after no word character or
 * "-" (the pattern's look-behind), whose digits and the character after them open one of
 * the layouts: 8 (a DNI), 13 or 15 (an NIR, its key apart or not), 17 or 18 (China), 3 and
 * "." (a CPF), 6 and "-" (an RRN), or a lone 1 or 2 and a space (a spaced NIR). */
static int digit_led(const Text *t, Py_ssize_t p) {
    Py_UCS4 before = char_at(t, p - 1), c = char_at(t, p);
    if (is_word_char(before) || before == '-') return 0;
    Py_ssize_t k = digits_from(t, p, 19);
    Py_UCS4 next = char_at(t, p + k);
    return k == 8 || k == 13 || k == 15 || k == 17 || k == 18 || (k == 3 && next == '.') ||
           (k == 6 && next == '-') || (k == 1 && (c == '1' || c == '2') && next == ' ');
}

static inline int is_upper(Py_UCS4 c) { return c >= 'A' && c <= 'Z'; }

static inline int is_nie_letter(Py_UCS4 c) { return (c | 0x20) >= 'x' && (c | 0x20) <= 'z'; }

/* A layout that opens with letters can start at p, before the run at `start`: an NIE's X, Y
 * or Z right before the run or before a "-" there; a NINO's two capitals right before it or
 * before a space there. */
static int letter_led(const Text *t, Py_ssize_t p, Py_ssize_t start) {
    Py_UCS4 c = char_at(t, p), next = char_at(t, p + 1);
    if (p == start - 1) return is_nie_letter(c);
    if (p == start - 2)
        return (is_nie_letter(c) && next == '-') || (is_upper(c) && is_upper(next));
    return is_upper(c) && is_upper(next) && char_at(t, p + 2) == ' ';
}

/* The starts in and before one run (`id_starts`). */
static int starts_at_run(const Text *t, Py_ssize_t start, Py_ssize_t end, Spans *out) {
    for (Py_ssize_t p = start - 3; p < start; p++)
        if (p >= 0 && letter_led(t, p, start) && spans_push(out, p) < 0) return -1;
    for (Py_ssize_t p = start; p < end; p++)
        if (is_digit_at(t, p) && digit_led(t, p) && spans_push(out, p) < 0) return -1;
    return 0;
}

/* id_starts(text, runs) -> int64 positions as bytes: a superset of the match starts of
 * `national_ids`' pattern, given the digit runs of the text (`numeric.number_runs`, in
 * order; every layout holds six digits or more, so its digits lie in a run). The layouts
 * that open with letters (an NIE's X, Y or Z; a NINO's two capitals) begin one to three
 * characters before a run (`letter_led`); the others at a digit of a run (`digit_led`). A
 * table of numbers holds hundreds of digits and few such starts. Positions may repeat and
 * are in order within a run. */
PyObject *kernel_id_starts(PyObject *self, PyObject *args) {
    return over_runs(args, starts_at_run);
}

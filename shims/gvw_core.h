/*
 * gvw_core.h: the selection rules of the native shims that do not touch the system,
 * shared by windows_shim.c and posix_shim.c (README "Version selection"; the table in
 * tests/selection_cases.py runs against both).
 *
 * Pure functions over byte strings: the version grammar and Go's ordering, what a
 * spec means, the first word of a version file, how a word is shown in a message.
 * Finding files, reading them, the environment and starting the toolchain are each
 * shim's platform layer. Only <stddef.h>: the Windows shim has no C runtime.
 */
#ifndef GVW_CORE_H
#define GVW_CORE_H

#include <stddef.h>

/* Exit codes shared with gvw (gvw/base/errors.py, README "Exit codes"). */
#define EXIT_ERROR 1
#define EXIT_INVALID_VERSION 3
#define EXIT_NOT_INSTALLED 4
#define EXIT_NO_VERSION 5
#define EXIT_SHIM_LOOP 6

#define MAX_DEPTH 16
#define VERSION_FILE_MAX 4096
#define WORD_SHOWN_MAX 64

static const char HINT_EXPECTED[] =
    "gvw: expected a version such as 1.22.10, 1.22, latest or system";
static const char HINT_BROKEN[] = "gvw: it is not a readable regular file: fix or remove it";

static size_t blen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* ------------------------------------------------------------------ versions */

typedef struct {
    unsigned major, minor;
    int kind;     /* Go's order within a minor: 1.21 < 1.21beta1 < 1.21rc1 < 1.21.0 */
    unsigned num; /* the patch or pre-release number */
} Version;

enum { K_PLAIN = 0, K_BETA = 1, K_RC = 2, K_PATCH = 3 };

/* 1-9 digits without leading zeros (README "Version specs"). */
static int parse_num(const char *s, size_t n, size_t *pos, unsigned *out) {
    size_t i = *pos, start = i;
    unsigned v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (i - start >= 9) return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
        i++;
    }
    if (i == start) return 0;
    if (s[start] == '0' && i - start > 1) return 0;
    *pos = i;
    *out = v;
    return 1;
}

static int has_at(const char *s, size_t n, size_t pos, const char *lit) {
    size_t l = blen(lit), i;
    if (pos + l > n) return 0;
    for (i = 0; i < l; i++)
        if (s[pos + i] != lit[i]) return 0;
    return 1;
}

/* N.N, N.N.N, N.NrcN, N.NbetaN (pre-release numbers start at 1) */
static int parse_version(const char *s, size_t n, Version *v) {
    size_t i = 0;
    if (!parse_num(s, n, &i, &v->major) || i >= n || s[i++] != '.') return 0;
    if (!parse_num(s, n, &i, &v->minor)) return 0;
    v->kind = K_PLAIN;
    v->num = 0;
    if (i == n) return 1;
    if (s[i] == '.') {
        i++;
        v->kind = K_PATCH;
    } else if (has_at(s, n, i, "rc")) {
        i += 2;
        v->kind = K_RC;
    } else if (has_at(s, n, i, "beta")) {
        i += 4;
        v->kind = K_BETA;
    } else {
        return 0;
    }
    if (!parse_num(s, n, &i, &v->num) || i != n) return 0;
    if ((v->kind == K_RC || v->kind == K_BETA) && v->num == 0) return 0;
    return 1;
}

static int version_cmp(const Version *a, const Version *b) {
    if (a->major != b->major) return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor) return a->minor < b->minor ? -1 : 1;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    if (a->num != b->num) return a->num < b->num ? -1 : 1;
    return 0;
}

static int is_stable(const Version *v) { return v->kind == K_PLAIN || v->kind == K_PATCH; }

/* ------------------------------------------------------------------ specs */

enum { S_EXACT, S_FAMILY, S_LATEST, S_SYSTEM };

typedef struct {
    const char *spec; /* without the go prefix, for "not installed" messages */
    size_t spec_len;
    int kind;
    Version v;
} Spec;

static int parse_spec(const char *word, size_t n, Spec *sp) {
    /* one leading "go" before a digit: go1.22 is 1.22, golatest is invalid */
    if (n >= 3 && word[0] == 'g' && word[1] == 'o' && word[2] >= '0' && word[2] <= '9') {
        word += 2;
        n -= 2;
    }
    sp->spec = word;
    sp->spec_len = n;
    if (n == 6 && has_at(word, n, 0, "latest")) {
        sp->kind = S_LATEST;
        return 1;
    }
    if (n == 6 && has_at(word, n, 0, "system")) {
        sp->kind = S_SYSTEM;
        return 1;
    }
    if (!parse_version(word, n, &sp->v)) return 0;
    sp->kind = sp->v.kind == K_PLAIN ? S_FAMILY : S_EXACT;
    return 1;
}

/* Does an installed version directory named ``name`` count for ``sp`` (a family or
 * latest)? Only canonical stable names do: staging or trash entries never parse. */
static int counts_for(const Spec *sp, const char *name, size_t n, Version *v) {
    if (!parse_version(name, n, v) || !is_stable(v)) return 0;
    return sp->kind != S_FAMILY || (v->major == sp->v.major && v->minor == sp->v.minor);
}

/* ------------------------------------------------------------------ version files */

/* The spec in a version file's first bytes (README: a BOM is ignored, LF or CRLF, the
 * first word of the first line that is neither blank nor a # comment). Returns 0 when
 * there is none: the caller reports "no Go version in". */
static size_t bom_length(const char *data, size_t got) {
    return got >= 3 && (unsigned char)data[0] == 0xef && (unsigned char)data[1] == 0xbb &&
                   (unsigned char)data[2] == 0xbf
               ? 3
               : 0;
}

static int first_word(const char *data, size_t got, size_t *start, size_t *len) {
    size_t i = bom_length(data, got), end;
    while (i < got) {
        /* one line: [i, end) */
        for (end = i; end < got && data[end] != '\n'; end++) {
        }
        while (i < end && is_space(data[i])) i++;
        if (i < end && data[i] != '#') {
            size_t w = i;
            while (w < end && !is_space(data[w])) w++;
            *start = i;
            *len = w - i;
            return 1;
        }
        i = end + 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ auto-install */

/* <root>/gvw-command (written by gvw rehash, README "Auto-install"): how to run gvw, one
 * argument per line. A file that does not fit is refused rather than cut: a cut path
 * would run some other program. */
#define GVW_COMMAND_MAX 32768

/* The next argument of gvw-command from ``*pos`` on: LF or CRLF line ends, a UTF-8 BOM
 * ignored, blank lines skipped. Returns 0 when there is none left. */
static int next_command_arg(const char *data, size_t got, size_t *pos, size_t *start,
                            size_t *len) {
    size_t i = *pos ? *pos : bom_length(data, got), end, n;
    while (i < got) {
        for (end = i; end < got && data[end] != '\n'; end++) {
        }
        n = end - i;
        if (n && data[end - 1] == '\r') n--;
        if (n) {
            *start = i;
            *len = n;
            *pos = end;
            return 1;
        }
        i = end + 1;
    }
    *pos = got;
    return 0;
}

/* A word as the user wrote it, for messages: bytes outside printable ASCII become
 * '?' (escape sequences from a hostile .go-version never reach the terminal), and at
 * most 64 of them are shown. Writes at most WORD_SHOWN_MAX bytes to ``out``. */
static size_t shown_word(const char *w, size_t n, char *out) {
    size_t i;
    if (n > WORD_SHOWN_MAX) n = WORD_SHOWN_MAX;
    for (i = 0; i < n; i++) out[i] = (w[i] >= 0x20 && w[i] <= 0x7e) ? w[i] : '?';
    return n;
}

#endif

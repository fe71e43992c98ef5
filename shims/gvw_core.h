/*
 * gvw_core.h: everything the native shims decide and say, shared by posix_shim.c
 * (Linux, macOS) and windows_shim.c (docs/selection.md; the table in
 * tests/selection_cases.py runs against both).
 *
 * A shim learns its own name, finds the selected version (GVW_GO_VERSION, the nearest
 * .go-version, the global file, else the system go), and runs that toolchain, the
 * system go, or `gvw install` first; or it says what is wrong and exits with a code
 * of its own. All of that, and every message, is here. What touches the system -
 * files, the environment, processes - is the table of platform operations below,
 * which each platform file fills in and nothing else. One message or rule therefore
 * changes in one place.
 *
 * Strings are NUL-terminated bytes: UTF-8 file names on Linux and macOS as the system
 * gives them, and WTF-8 on Windows (UTF-8 that also carries a lone surrogate, so that
 * every UTF-16 file name goes through unchanged). Memory is never freed: a shim is
 * short-lived and ends by running the toolchain or exiting.
 *
 * Only <stddef.h>: the Windows shim has no C runtime.
 */
#ifndef GVW_CORE_H
#define GVW_CORE_H

#include <stddef.h>

/* Each platform file defines these before including this header:
 *   GVW_IS_SEP(c)          c separates path components
 *   GVW_SEP                the separator joins write
 *   GVW_EXE                the suffix of programs ("" or ".exe")
 *   GVW_NAMES_IGNORE_CASE  1 where GO.EXE is go.exe
 *   GVW_UTF16_NAMES        1 where a file name is UTF-16 (a character outside ASCII
 *                          counts once per UTF-16 unit, as the system counts it) */

/* Exit codes shared with gvw (gvw/base/errors.py, docs/exit-codes.md). */
#define EXIT_ERROR 1
#define EXIT_INVALID_VERSION 3
#define EXIT_NOT_INSTALLED 4
#define EXIT_NO_VERSION 5
#define EXIT_SHIM_LOOP 6

#define MAX_DEPTH 16
#define VERSION_FILE_MAX 4096
#define WORD_SHOWN_MAX 64

/* <root>/gvw-command (written by gvw rehash, docs/selection.md "Auto-install"): how to run gvw, one
 * argument per line. A file that does not fit is refused rather than cut: a cut path
 * would run some other program. */
#define GVW_COMMAND_MAX 32768

/* ================================================================= platform table */

typedef struct Shim Shim;

/* What a name in a directory holds (plat_name_holds): nothing (or nothing this user
 * can see), a directory, or something else to read, which may be a broken pin: a
 * dangling link, a link loop, a FIFO, a socket, a device. */
enum { NAME_ABSENT, NAME_DIR, NAME_OTHER };
/* What a path leads to, links followed (plat_kind). */
enum { KIND_ABSENT, KIND_DIR, KIND_FILE };

/* memory and the end */
static void *plat_alloc(size_t n); /* calls gvw_out_of_memory() when there is none */
static void plat_write_error(const char *text, size_t n); /* all of it, to stderr */
static void plat_exit(unsigned long code);                /* does not return */

/* the environment: NULL when the variable is not set; 0 when setting failed */
static const char *plat_get_env(const char *name);
static int plat_set_env(const char *name, const char *value);

/* paths and files */
static char *plat_own_path(void); /* the shim's file as the system knows it, or NULL */
/* GVW_ROOT or GVW_MACHINE_ROOT, as an absolute path */
static char *plat_root_from_env(const char *value);
/* Where a store is when no variable names it (docs/machine-store.md): with ``machine``
 * the machine store's default, else the user data directory's store, or NULL when the
 * environment does not say where that is. */
static char *plat_default_root(int machine);
/* Whether two directories are one (any spelling of it); 0 when one does not exist. */
static int plat_same_dir(const char *a, const char *b);
/* The physical current directory into *dir, and in *root_len how much of it the walk
 * up never removes ("/", "C:\", "\\server\share\"). 1: done; 0: there is no path to
 * walk from; -1: it cannot be read. */
static int plat_current_dir(char **dir, size_t *root_len);
static int plat_name_holds(const char *path);
static int plat_kind(const char *path);
/* Up to ``cap`` first bytes of a readable regular file into ``buf``: how many, or -1
 * when the name is not a readable regular file (never blocks on a FIFO). */
static long plat_read_head(const char *path, char *buf, size_t cap);
/* Calls found(ctx, name, length, is_dir) for each entry of ``dir`` that is or may be
 * a directory: is_dir 1 when it is one, -1 when the platform did not look. */
typedef void (*EntryFound)(void *ctx, const char *name, size_t n, int is_dir);
static void plat_each_subdir(const char *dir, EntryFound found, void *ctx);
/* The first shim->bin on PATH that is in none of the shims directories (shims_dir(),
 * SHIMS_DIRS of them), or NULL. */
static char *plat_find_system(const Shim *shim);

/* processes */
/* Runs ``target`` with the shim's arguments, streams and environment and ends with
 * its exit code; returns only when it cannot be started, with the system's error. */
static unsigned long plat_run(const char *target);
/* Runs args[0] with args (NULL-terminated), its stdout on the shim's stderr, and
 * waits: 1 and its exit code in *status, or 0 and the system's error when it cannot
 * be started. */
static int plat_run_install(char **args, unsigned long *status);
/* The system's words for an error that stopped a program from starting (NULL: it has
 * none, the number is shown), and the exit code that says so. */
static const char *plat_error_text(unsigned long err, unsigned long *exit_code);

/* ================================================================= strings */

static const char HINT_EXPECTED[] =
    "gvw: expected a version such as 1.22.10, 1.22, latest or system";
static const char HINT_BROKEN[] = "gvw: it is not a readable regular file: fix or remove it";

static size_t blen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

static void copy_bytes(char *dst, const char *src, size_t n) {
    while (n--) *dst++ = *src++;
}

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

static int is_digit(char c) { return c >= '0' && c <= '9'; }

typedef struct {
    char *p;
    size_t n, cap;
} Buf;

static void buf_bytes(Buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        char *p = (char *)plat_alloc(cap);
        if (b->n) copy_bytes(p, b->p, b->n);
        b->p = p;
        b->cap = cap;
    }
    copy_bytes(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void buf_str(Buf *b, const char *s) { buf_bytes(b, s, blen(s)); }

static void buf_uint(Buf *b, unsigned long v) {
    char tmp[24];
    int i = (int)sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    buf_bytes(b, tmp + i, sizeof tmp - (size_t)i);
}

static char *dup_n(const char *s, size_t n) {
    Buf r = {0, 0, 0};
    buf_bytes(&r, s, n);
    return r.p;
}

static char *cat(const char *a, const char *b) {
    Buf r = {0, 0, 0};
    buf_str(&r, a);
    buf_str(&r, b);
    return r.p;
}

/* dir + separator + name, without doubling the separator of a root such as C:\ or /
 * ("" is the POSIX root: "" + "versions" is /versions) */
static char *join(const char *dir, const char *name) {
    size_t n = blen(dir);
    Buf r = {0, 0, 0};
    buf_str(&r, dir);
    if (!n || !GVW_IS_SEP(dir[n - 1])) {
        char sep = GVW_SEP;
        buf_bytes(&r, &sep, 1);
    }
    buf_str(&r, name);
    return r.p;
}

static int has_at(const char *s, size_t n, size_t pos, const char *lit) {
    size_t l = blen(lit), i;
    if (pos + l > n) return 0;
    for (i = 0; i < l; i++)
        if (s[pos + i] != lit[i]) return 0;
    return 1;
}

/* A name compared as the platform compares file names. */
static int name_is(const char *s, size_t n, const char *lit) {
    size_t i;
    if (n != blen(lit)) return 0;
    for (i = 0; i < n; i++)
        if ((GVW_NAMES_IGNORE_CASE ? lower(s[i]) : s[i]) != lit[i]) return 0;
    return 1;
}

/* ================================================================= messages */

static void die(unsigned long code, const Buf *b) {
    if (b->n) plat_write_error(b->p, b->n);
    plat_exit(code);
}

static void die_text(unsigned long code, const char *text) {
    plat_write_error(text, blen(text));
    plat_exit(code);
}

/* Called by the platform when allocation fails: allocates nothing itself. */
static void gvw_out_of_memory(void) {
    static const char msg[] = "gvw: out of memory\n";
    static int dying;
    if (!dying) {
        dying = 1; /* a platform whose output needs memory must not come back here */
        plat_write_error(msg, sizeof msg - 1);
    }
    plat_exit(EXIT_ERROR);
}

/* "gvw: <first><path>" and "<second>" on two lines. */
static void die_two(unsigned long code, const char *first, const char *path, const char *second) {
    Buf b = {0, 0, 0};
    buf_str(&b, first);
    buf_str(&b, path);
    buf_str(&b, "\n");
    buf_str(&b, second);
    buf_str(&b, "\n");
    die(code, &b);
}

/* What a shell says for a command it cannot run, with its exit codes where the system
 * has them (127: no such file, 126: any other reason). */
static void gvw_die_cannot_run(const char *target, unsigned long err) {
    Buf b = {0, 0, 0};
    unsigned long code = EXIT_ERROR;
    const char *text = plat_error_text(err, &code);
    buf_str(&b, "gvw: cannot run ");
    buf_str(&b, target);
    if (text) {
        buf_str(&b, " (");
        buf_str(&b, text);
    } else {
        buf_str(&b, " (error ");
        buf_uint(&b, err);
    }
    buf_str(&b, ")\n");
    die(code, &b);
}

/* A word as the user wrote it, for messages: bytes outside printable ASCII become
 * '?' (escape sequences from a hostile .go-version never reach the terminal), and at
 * most 64 of them are shown. */
static void buf_word(Buf *b, const char *w, size_t n) {
    char shown[WORD_SHOWN_MAX];
    size_t i;
    if (n > WORD_SHOWN_MAX) n = WORD_SHOWN_MAX;
    for (i = 0; i < n; i++) shown[i] = (w[i] >= 0x20 && w[i] <= 0x7e) ? w[i] : '?';
    buf_bytes(b, shown, n);
}

/* ================================================================= versions */

typedef struct {
    unsigned major, minor;
    int kind;     /* Go's order within a minor: 1.21 < 1.21beta1 < 1.21rc1 < 1.21.0 */
    unsigned num; /* the patch or pre-release number */
} Version;

enum { K_PLAIN = 0, K_BETA = 1, K_RC = 2, K_PATCH = 3 };

/* 1-9 digits without leading zeros (docs/selection.md "Version specs"). */
static int parse_num(const char *s, size_t n, size_t *pos, unsigned *out) {
    size_t i = *pos, start = i;
    unsigned v = 0;
    while (i < n && is_digit(s[i])) {
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

/* ================================================================= specs */

enum { S_EXACT, S_FAMILY, S_LATEST, S_SYSTEM };

typedef struct {
    const char *spec; /* without the go prefix, for "not installed" messages */
    size_t spec_len;
    int kind;
    Version v;
} Spec;

static int parse_spec(const char *word, size_t n, Spec *sp) {
    /* one leading "go" before a digit: go1.22 is 1.22, golatest is invalid */
    if (n >= 3 && word[0] == 'g' && word[1] == 'o' && is_digit(word[2])) {
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

/* ================================================================= version files */

static size_t bom_length(const char *data, size_t got) {
    return got >= 3 && (unsigned char)data[0] == 0xef && (unsigned char)data[1] == 0xbb &&
                   (unsigned char)data[2] == 0xbf
               ? 3
               : 0;
}

/* The spec in a version file's first bytes (docs/selection.md: a BOM is ignored, LF or CRLF, the
 * first word of the first line that is neither blank nor a # comment). Returns 0 when
 * there is none: the caller reports "no Go version in". */
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

/* ================================================================= the shim */

/* The shim's own directory, the user store's and the machine store's: a system go is
 * looked for past all three (docs/machine-store.md). */
#define SHIMS_DIRS 3

struct Shim {
    const char *self;      /* the shim's own file, by the name it was started as */
    const char *shims_dir; /* its directory */
    const char *root;      /* the user store; "" is the POSIX file system root */
    const char *machine;   /* the machine store, looked in after the user store */
    const char *name;      /* go, gofmt or go<version> as the file is named */
    size_t name_len;
    const char *bin;  /* what runs in a toolchain's bin/: go or gofmt (+ GVW_EXE) */
    int launcher;     /* go<version>: always that version */
    int auto_tried;   /* auto-install ran once: a version still missing is an error */
    unsigned depth;   /* GVW_SHIM_DEPTH as it came */
};

typedef struct {
    const char *word; /* the spec as written */
    size_t word_len;
    const char *origin; /* where it was set, for messages */
} Selection;

/* The i-th shims directory a system go is looked for past (i < SHIMS_DIRS). */
static char *shims_dir(const Shim *shim, int i) {
    return i == 0 ? (char *)shim->shims_dir : join(i == 1 ? shim->root : shim->machine, "shims");
}

static void buf_origin(Buf *b, const Selection *sel) {
    buf_str(b, " (set by ");
    buf_str(b, sel->origin);
    buf_str(b, ")\n");
}

static void die_invalid(const Selection *sel) {
    Buf b = {0, 0, 0};
    buf_str(&b, "gvw: invalid Go version \"");
    buf_word(&b, sel->word, sel->word_len);
    buf_str(&b, "\"");
    buf_origin(&b, sel);
    buf_str(&b, HINT_EXPECTED);
    buf_str(&b, "\n");
    die(EXIT_INVALID_VERSION, &b);
}

static void buf_missing(Buf *b, const Spec *sp, const Selection *sel) {
    buf_str(b, "gvw: Go ");
    buf_bytes(b, sp->spec, sp->spec_len);
    buf_str(b, " is not installed");
    buf_origin(b, sel);
    buf_str(b, "gvw: install it with: gvw install ");
    buf_bytes(b, sp->spec, sp->spec_len);
    buf_str(b, "\n");
}

/* ----------------------------------------------------------------- the shim's name */

static int is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

/* The shim's file name as gvw wrote it (go, go.exe, go1.22.10), from the last
 * component of its own path (``base``, ``n`` bytes): sets *start and returns the end.
 * Issue 20: gvw rehash replaces a shim while it may be starting, and the system then
 * names the running file in two other ways.
 * - Linux calls a file that was replaced (renamed over) or removed "NAME (deleted)"
 *   in /proc/self/exe. No shim name holds a space, so the mark can only be that.
 * - gvw moves a shim aside as .NAME.old-HEX before it puts the new one in place or
 *   removes a launcher (gvw/store/shims.py, _retire: Windows lets a running .exe be renamed
 *   but not replaced), and the system may report the new name.
 * argv[0] is no way out: Go's own toolchain switch starts the go1.X.Y launcher with
 * the argv[0] of the go that switches (src/cmd/go/internal/toolchain/exec.go,
 * syscall.Exec(exe, os.Args, ...)), and any caller may pass anything there. */
static size_t shim_file_name(const char *base, size_t n, size_t *start) {
    static const char deleted[] = " (deleted)", aside[] = ".old-";
    size_t i;
    *start = 0;
    if (n > sizeof deleted - 1 && has_at(base, n, n - (sizeof deleted - 1), deleted))
        n -= sizeof deleted - 1;
    if (n && base[0] == '.') {
        for (i = n; i > 0 && is_lower_hex(base[i - 1]);) i--;
        /* at least one hex digit, and a name before the mark */
        if (i < n && i > sizeof aside && has_at(base, n, i - (sizeof aside - 1), aside)) {
            *start = 1;
            n = i - (sizeof aside - 1);
        }
    }
    return n;
}

/* The length of a file name without the program suffix: go.exe is go (any case on
 * Windows). */
static size_t program_name_length(const char *file, size_t n) {
    size_t e = blen(GVW_EXE);
    return e && n > e && name_is(file + n - e, e, GVW_EXE) ? n - e : n;
}

/* The version word of a launcher, from its name: "go" in lower case (GO1.22.10.EXE
 * is the same file on Windows), and what is not ASCII made a byte that is never
 * printed, once per unit the system counts in the name. Such a name never parses:
 * this only decides how many '?' the message shows. */
static char *launcher_word(const char *name, size_t n, size_t *len) {
    char *w = (char *)plat_alloc(n + 1);
    size_t i, k = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x80) {
            w[k++] = (char)c;
        } else if (!GVW_UTF16_NAMES || c >= 0xc0) {
            w[k++] = (char)0x80;
            if (GVW_UTF16_NAMES && c >= 0xf0) w[k++] = (char)0x80; /* a surrogate pair */
        }
    }
    w[0] = 'g';
    w[1] = 'o';
    *len = k;
    return w;
}

/* ----------------------------------------------------------------- selection */

static void read_version_file(const char *path, Selection *sel) {
    static char data[VERSION_FILE_MAX]; /* read once per call: no allocation on the hot path */
    long got = plat_read_head(path, data, VERSION_FILE_MAX);
    size_t start, len;
    if (got < 0) die_two(EXIT_INVALID_VERSION, "gvw: cannot read version file ", path, HINT_BROKEN);
    if (!first_word(data, (size_t)got, &start, &len))
        die_two(EXIT_INVALID_VERSION, "gvw: no Go version in ", path, HINT_EXPECTED);
    sel->word = data + start;
    sel->word_len = len;
    sel->origin = path;
}

/* The nearest .go-version from the physical current directory up to the file system,
 * drive or UNC share root; NULL when there is none. A directory of that name is
 * ignored; anything else is returned, broken or not: a broken pin is an error. */
static char *find_version_file(void) {
    char *dir, *file;
    size_t root_len, len;
    int got = plat_current_dir(&dir, &root_len);
    if (got < 0) die_text(EXIT_ERROR, "gvw: cannot read the current directory\n");
    if (!got) return NULL;
    for (;;) {
        file = join(dir, ".go-version");
        if (plat_name_holds(file) == NAME_OTHER) return file;
        len = blen(dir);
        if (len <= root_len) return NULL;
        while (len > root_len && !GVW_IS_SEP(dir[len - 1])) len--;
        /* drop the separator too, unless it ends the root ("/", "C:\", "\\srv\share\") */
        if (len > root_len) len--;
        if (len < root_len || len == 0) len = root_len;
        if (len == 0) return NULL;
        dir[len] = 0;
    }
}

/* GVW_GO_VERSION, then the nearest .go-version, then <root>/version. Returns 0 when
 * nothing is selected. */
static int select_version(const Shim *shim, Selection *sel) {
    const char *env = plat_get_env("GVW_GO_VERSION");
    char *file;
    if (env) {
        size_t a = 0, e = blen(env);
        while (a < e && is_space(env[a])) a++;
        while (e > a && is_space(env[e - 1])) e--;
        /* empty (or only white space) means unset: the whole stripped value is the spec */
        if (e > a) {
            sel->word = env + a;
            sel->word_len = e - a;
            sel->origin = "GVW_GO_VERSION environment variable";
            return 1;
        }
    }
    file = find_version_file();
    if (!file) {
        /* the user store's global file, else the machine store's */
        int holds = plat_name_holds(file = join(shim->root, "version"));
        if (holds == NAME_ABSENT) holds = plat_name_holds(file = join(shim->machine, "version"));
        if (holds == NAME_ABSENT) return 0;
        /* the global file has no directory to skip */
        if (holds == NAME_DIR)
            die_two(EXIT_INVALID_VERSION, "gvw: cannot read version file ", file, HINT_BROKEN);
    }
    read_version_file(file, sel);
    return 1;
}

/* An installed version's directory: the user store's, else the machine store's; NULL
 * when neither has it. */
static char *version_home(const Shim *shim, const char *name) {
    char *home = join(join(shim->root, "versions"), name);
    if (plat_kind(home) == KIND_DIR) return home;
    home = join(join(shim->machine, "versions"), name);
    return plat_kind(home) == KIND_DIR ? home : 0;
}

typedef struct {
    const Spec *sp;
    const char *versions_dir;
    char *best; /* the newest one's directory */
    Version best_v;
} Newest;

static void consider_version(void *ctx, const char *name, size_t n, int is_dir) {
    Newest *newest = (Newest *)ctx;
    Version v;
    char *home;
    if (!counts_for(newest->sp, name, n, &v)) return;
    /* only a newer one: of two copies, the user store's (seen first) stays */
    if (newest->best && version_cmp(&v, &newest->best_v) <= 0) return;
    home = join(newest->versions_dir, dup_n(name, n));
    /* a directory, through links, as the sh shim's `test -d` */
    if (is_dir < 0 && plat_kind(home) != KIND_DIR) return;
    newest->best = home;
    newest->best_v = v;
}

/* The directory of the newest installed stable release for a family or latest, in
 * either store, or NULL. */
static char *newest_installed(const Shim *shim, const Spec *sp) {
    Newest newest = {sp, 0, 0, {0, 0, 0, 0}};
    plat_each_subdir(newest.versions_dir = join(shim->root, "versions"), consider_version, &newest);
    plat_each_subdir(newest.versions_dir = join(shim->machine, "versions"), consider_version,
                     &newest);
    return newest.best;
}

/* ----------------------------------------------------------------- running */

/* Runs a toolchain (or the system go) in place of the shim; the loop guard's depth is
 * one more for it (gvw install, below, gets the environment unchanged). */
static void run_program(const Shim *shim, const char *target) {
    Buf depth = {0, 0, 0};
    buf_uint(&depth, shim->depth + 1);
    if (!plat_set_env("GVW_SHIM_DEPTH", depth.p)) gvw_out_of_memory();
    gvw_die_cannot_run(target, plat_run(target));
}

/* GVW_AUTO_INSTALL decides when it is set and not empty (exactly "1" is on), else the
 * marker <root>/auto-install that gvw rehash writes when the config says so. */
static int auto_install_on(const Shim *shim) {
    const char *env = plat_get_env("GVW_AUTO_INSTALL");
    if (env && env[0]) return env[0] == '1' && !env[1];
    return plat_kind(join(shim->root, "auto-install")) != KIND_ABSENT;
}

/* <root>/gvw-command's arguments followed by `install <spec>`, or NULL when the file
 * is missing, not a readable regular file, too long or empty. */
static char **install_command(const Shim *shim, const Spec *sp) {
    char *data = (char *)plat_alloc(GVW_COMMAND_MAX);
    long got = plat_read_head(join(shim->root, "gvw-command"), data, GVW_COMMAND_MAX);
    char **args = 0, **grown;
    size_t pos = 0, start, len, n = 0, cap = 0, i;
    if (got < 0 || got >= GVW_COMMAND_MAX) return 0;
    while (next_command_arg(data, (size_t)got, &pos, &start, &len)) {
        if (n + 3 > cap) { /* room for this one, install, the spec and the NULL */
            cap = (n + 4) * 2;
            grown = (char **)plat_alloc(cap * sizeof *args);
            for (i = 0; i < n; i++) grown[i] = args[i];
            args = grown;
        }
        args[n++] = dup_n(data + start, len);
    }
    if (!n) return 0;
    args[n++] = (char *)"install";
    args[n++] = dup_n(sp->spec, sp->spec_len);
    args[n] = 0;
    return args;
}

/* Runs gvw install for the missing version and returns when it succeeded; otherwise
 * ends with its exit code. Its stdout goes to the shim's stderr, so that the output
 * of `go` is never mixed with install's; stdin and the environment are the shim's. */
static void install_missing(const Shim *shim, const Spec *sp, const Selection *sel) {
    char **args = install_command(shim, sp);
    unsigned long status;
    if (!args) {
        Buf b = {0, 0, 0};
        buf_missing(&b, sp, sel);
        buf_str(&b, "gvw: auto-install is on but ");
        buf_str(&b, join(shim->root, "gvw-command"));
        buf_str(&b, " is missing; run: gvw rehash\n");
        die(EXIT_NOT_INSTALLED, &b);
    }
    if (!plat_run_install(args, &status)) gvw_die_cannot_run(args[0], status);
    if (status != 0) plat_exit(status);
}

static void resolve_and_run(Shim *shim);

/* The selected version is not installed: with auto-install on, install it and resolve
 * again (once); else the error. */
static void missing(Shim *shim, const Spec *sp, const Selection *sel) {
    Buf b = {0, 0, 0};
    if (!shim->auto_tried && auto_install_on(shim)) {
        shim->auto_tried = 1;
        install_missing(shim, sp, sel);
        resolve_and_run(shim);
    }
    buf_missing(&b, sp, sel);
    die(EXIT_NOT_INSTALLED, &b);
}

static void resolve_and_run(Shim *shim) {
    Selection sel = {0, 0, 0};
    Spec sp;
    char *goroot = 0;

    if (shim->launcher) {
        /* go1.22.10 always runs 1.22.10, whatever is selected: this is what Go's own
         * GOTOOLCHAIN switch finds on PATH. */
        sel.word = launcher_word(shim->name, shim->name_len, &sel.word_len);
        sel.origin = cat("launcher ", dup_n(shim->name, shim->name_len));
        if (!parse_spec(sel.word, sel.word_len, &sp) || (sp.kind != S_EXACT && sp.kind != S_FAMILY))
            die_invalid(&sel);
        goroot = version_home(shim, dup_n(sp.spec, sp.spec_len));
        if (!goroot) missing(shim, &sp, &sel);
    } else if (!select_version(shim, &sel)) {
        char *sys = plat_find_system(shim);
        Buf b = {0, 0, 0};
        if (sys) run_program(shim, sys);
        buf_str(&b, "gvw: no Go version selected and no other go on PATH\n");
        buf_str(&b, "gvw: install one with: gvw install latest\n");
        die(EXIT_NO_VERSION, &b);
    } else {
        if (!parse_spec(sel.word, sel.word_len, &sp)) die_invalid(&sel);
        if (sp.kind == S_SYSTEM) {
            /* the system Go knows its own GOROOT: the environment is left alone */
            char *sys = plat_find_system(shim);
            Buf b = {0, 0, 0};
            if (sys) run_program(shim, sys);
            buf_str(&b, "gvw: no system Go found on PATH");
            buf_origin(&b, &sel);
            buf_str(&b, "gvw: select a version with: gvw global <version>\n");
            die(EXIT_NOT_INSTALLED, &b);
        }
        goroot = sp.kind == S_EXACT ? version_home(shim, dup_n(sp.spec, sp.spec_len))
                                    : newest_installed(shim, &sp);
        if (!goroot) missing(shim, &sp, &sel);
    }

    /* An inherited GOROOT of another version gives "compile: version X does not
     * match go tool version Y" (golang/go#26933). */
    if (!plat_set_env("GOROOT", goroot)) gvw_out_of_memory();
    run_program(shim, join(join(goroot, "bin"), shim->bin));
}

/* ----------------------------------------------------------------- main */

/* GVW_SHIM_DEPTH as a number: anything but digits counts as 0; saturates instead of
 * overflowing. */
static unsigned parse_depth(const char *text) {
    unsigned d = 0;
    size_t i;
    if (!text) return 0;
    for (i = 0; text[i]; i++)
        if (!is_digit(text[i])) return 0;
    for (i = 0; text[i]; i++) {
        d = d * 10 + (unsigned)(text[i] - '0');
        if (d > 1000000) d = 1000000;
    }
    return d;
}

/* The shim: called by the platform's entry point once its arguments are stored.
 * Does not return. */
static void gvw_main(void) {
    Shim shim;
    const char *depth_text = plat_get_env("GVW_SHIM_DEPTH"), *root_env, *machine_env, *own;
    char *path, *file;
    size_t n, slash, start, end;

    /* Loop guard: a shim that finds itself (PATH or a broken store) would otherwise
     * start itself forever. */
    shim.depth = parse_depth(depth_text);
    if (shim.depth >= MAX_DEPTH) {
        Buf b = {0, 0, 0};
        buf_str(&b, "gvw: shim recursion detected (GVW_SHIM_DEPTH=");
        buf_str(&b, depth_text);
        buf_str(&b, "); check PATH and the selected version\n");
        die(EXIT_SHIM_LOOP, &b);
    }
    shim.auto_tried = 0;

    path = plat_own_path();
    if (!path) die_text(EXIT_ERROR, "gvw: cannot find the shim's own path\n");
    n = blen(path);
    for (slash = n; slash > 0 && !GVW_IS_SEP(path[slash - 1]);) slash--;
    shim.shims_dir = dup_n(path, slash ? slash - 1 : 0);
    end = shim_file_name(path + slash, n - slash, &start);
    file = dup_n(path + slash + start, end - start);
    /* by the name it was started as: a replaced shim's file is the new one */
    shim.self = join(shim.shims_dir, file);
    shim.name = file;
    shim.name_len = program_name_length(file, end - start);

    shim.launcher = 0;
    if (name_is(shim.name, shim.name_len, "go")) {
        shim.bin = "go" GVW_EXE;
    } else if (name_is(shim.name, shim.name_len, "gofmt")) {
        shim.bin = "gofmt" GVW_EXE;
    } else if (shim.name_len > 2 && name_is(shim.name, 2, "go") && is_digit(shim.name[2])) {
        shim.bin = "go" GVW_EXE;
        shim.launcher = 1;
    } else {
        Buf b = {0, 0, 0};
        buf_str(&b, "gvw: unknown shim name \"");
        buf_bytes(&b, shim.name, shim.name_len);
        buf_str(&b, "\" (expected go, gofmt or go<version>)\n");
        die(EXIT_ERROR, &b);
    }

    /* The stores (docs/machine-store.md): the machine store is GVW_MACHINE_ROOT or the
     * platform's; the user store is GVW_ROOT, else the parent of the shims directory,
     * unless that is the machine store: then the user data directory's (the machine
     * store again where the environment names none). */
    machine_env = plat_get_env("GVW_MACHINE_ROOT");
    shim.machine = machine_env && machine_env[0] ? plat_root_from_env(machine_env)
                                                 : plat_default_root(1);
    root_env = plat_get_env("GVW_ROOT");
    if (root_env && root_env[0]) {
        shim.root = plat_root_from_env(root_env);
    } else {
        for (slash = blen(shim.shims_dir); slash > 0 && !GVW_IS_SEP(shim.shims_dir[slash - 1]);)
            slash--;
        own = dup_n(shim.shims_dir, slash ? slash - 1 : 0);
        shim.root = plat_same_dir(own, shim.machine) ? plat_default_root(0) : own;
        if (!shim.root) shim.root = shim.machine;
    }
    resolve_and_run(&shim);
}

#endif

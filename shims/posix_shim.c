/*
 * gvw native shim for Linux and macOS: installed as go, gofmt and go<version>.
 *
 * The same rules as the sh shim and the Windows shim (README "Version selection"; the
 * table in tests/selection_cases.py runs against all of them), with the platform-free
 * part in gvw_core.h. It finds the selected version, sets GOROOT and the loop guard's
 * depth, and execv()s the toolchain: no fork and no shell, the toolchain replaces the
 * shim, so signals, the terminal and the exit code are simply the toolchain's. A shim
 * call then costs one process start, which is the floor (issue 13: a one-line sh exec
 * wrapper alone costs 1.6x a direct `go version`). Only auto-install, the slow path
 * for a version that is not installed, starts a child: gvw install.
 *
 * libc only. Built with zig cc by scripts/build_native_shims.py: static against musl
 * for Linux (runs on any distribution), against libSystem for macOS.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#define _DEFAULT_SOURCE   /* d_type (musl) */
#ifdef __APPLE__
#define _DARWIN_C_SOURCE
#include <mach-o/dyld.h>
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gvw_core.h"

/* ------------------------------------------------------------------ strings */

typedef struct {
    char *p;
    size_t n, cap;
} Buf;

static void fail_oom(void) {
    static const char msg[] = "gvw: out of memory\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(EXIT_ERROR);
}

static void buf_bytes(Buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) fail_oom();
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void buf_str(Buf *b, const char *s) { buf_bytes(b, s, strlen(s)); }

/* a + b + c, freshly allocated (allocations are never freed: the process execs) */
static char *cat3(const char *a, const char *b, const char *c) {
    Buf r = {0};
    buf_str(&r, a);
    buf_str(&r, b);
    buf_str(&r, c);
    return r.p;
}

static char *dup_n(const char *s, size_t n) {
    Buf r = {0};
    buf_bytes(&r, s, n);
    return r.p;
}

/* Writes the message to stderr and exits. */
static void die(int code, Buf *b) {
    size_t off = 0;
    while (off < b->n) {
        ssize_t done = write(2, b->p + off, b->n - off);
        if (done < 0 && errno == EINTR) continue;
        if (done <= 0) break;
        off += (size_t)done;
    }
    _exit(code);
}

/* ------------------------------------------------------------------ the shim */

typedef struct {
    char *self;      /* the shim's own file, links resolved */
    char *shims_dir; /* its directory */
    char *root;      /* the store; "" is the file system root */
    const char *tool;
    int launcher;     /* go<version>: always that version */
    int auto_tried;   /* auto-install ran once: a version still missing is an error */
} Shim;

typedef struct {
    const char *word; /* the spec as written */
    size_t word_len;
    const char *origin; /* where it was set, for messages */
} Selection;

static void buf_origin(Buf *b, const Selection *sel) {
    buf_str(b, " (set by ");
    buf_str(b, sel->origin);
    buf_str(b, ")\n");
}

static void die_invalid(const Selection *sel) {
    Buf b = {0};
    char shown[WORD_SHOWN_MAX];
    buf_str(&b, "gvw: invalid Go version \"");
    buf_bytes(&b, shown, shown_word(sel->word, sel->word_len, shown));
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

static void die_missing(const Spec *sp, const Selection *sel) {
    Buf b = {0};
    buf_missing(&b, sp, sel);
    die(EXIT_NOT_INSTALLED, &b);
}

/* What a shell says for a command it cannot run, with its codes (127: no such file). */
static void die_cannot_run(const char *target, int err) {
    Buf b = {0};
    buf_str(&b, "gvw: cannot run ");
    buf_str(&b, target);
    buf_str(&b, " (");
    buf_str(&b, strerror(err));
    buf_str(&b, ")\n");
    die(err == ENOENT ? 127 : 126, &b);
}

static void die_two(int code, const char *first, const char *path, const char *second) {
    Buf b = {0};
    buf_str(&b, first);
    buf_str(&b, path);
    buf_str(&b, "\n");
    buf_str(&b, second);
    buf_str(&b, "\n");
    die(code, &b);
}

/* ------------------------------------------------------------------ files */

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

enum { NAME_ABSENT, NAME_DIR, NAME_OTHER };

/* What a version file's name holds: nothing (or nothing this user can see), a
 * directory, or something else to read, which may be a broken pin: a dangling link or
 * a loop (stat fails where lstat does not), a FIFO, socket or device. */
static int name_holds(const char *path) {
    struct stat st;
    if (stat(path, &st) == 0) return S_ISDIR(st.st_mode) ? NAME_DIR : NAME_OTHER;
    return lstat(path, &st) == 0 ? NAME_OTHER : NAME_ABSENT;
}

/* The first word of a version file into ``sel``, or the broken-pin / no-version
 * error. Opened non-blocking and checked to be a regular file before a byte is read:
 * opening a FIFO for reading would otherwise wait for a writer forever. */
static void read_version_file(const char *path, Selection *sel) {
    static char data[VERSION_FILE_MAX];
    size_t got = 0, start, len;
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        die_two(EXIT_INVALID_VERSION, "gvw: cannot read version file ", path, HINT_BROKEN);
    while (got < sizeof data) {
        ssize_t n = read(fd, data + got, sizeof data - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            die_two(EXIT_INVALID_VERSION, "gvw: cannot read version file ", path, HINT_BROKEN);
        if (n == 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (!first_word(data, got, &start, &len))
        die_two(EXIT_INVALID_VERSION, "gvw: no Go version in ", path, HINT_EXPECTED);
    sel->word = data + start;
    sel->word_len = len;
    sel->origin = path;
}

/* The nearest .go-version from the physical current directory up (README: symlinks
 * resolved, to the file system root); NULL when there is none. A directory of that
 * name is ignored; anything else is returned, broken or not. */
static char *find_version_file(void) {
    char *cwd = getcwd(NULL, 0);
    char *dir, *file;
    size_t len;
    if (!cwd) {
        /* a deleted current directory has no path: walk ./.. until the root, as the
         * sh shim does, and name the file by its physical path */
        struct stat here, up;
        dir = dup_n(".", 1);
        while (strlen(dir) < 3000) {
            file = cat3(dir, "/.go-version", "");
            if (name_holds(file) == NAME_OTHER) {
                char *real = realpath(dir, NULL);
                return real ? cat3(strcmp(real, "/") ? real : "", "/.go-version", "") : file;
            }
            if (stat(dir, &here) != 0 || stat(cat3(dir, "/..", ""), &up) != 0) break;
            if (here.st_dev == up.st_dev && here.st_ino == up.st_ino) break;
            dir = cat3(dir, "/..", "");
        }
        return NULL;
    }
    len = strlen(cwd);
    if (len && cwd[len - 1] == '/') cwd[--len] = 0; /* "/" becomes "" */
    for (;;) {
        file = cat3(cwd, "/.go-version", "");
        if (name_holds(file) == NAME_OTHER) return file;
        if (!len) return NULL;
        while (len && cwd[len - 1] != '/') len--;
        if (len) len--;
        cwd[len] = 0;
    }
}

/* GVW_GO_VERSION, then the nearest .go-version, then <root>/version. Returns 0 when
 * nothing is selected. */
static int select_version(const Shim *shim, Selection *sel) {
    const char *env = getenv("GVW_GO_VERSION");
    char *file;
    if (env) {
        size_t a = 0, e = strlen(env);
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
        file = cat3(shim->root, "/version", "");
        if (name_holds(file) == NAME_ABSENT) return 0;
        /* the global file has no directory to skip: read_version_file refuses one */
    }
    read_version_file(file, sel);
    return 1;
}

/* The newest installed stable release for a family or latest, or NULL. */
static char *newest_installed(const char *versions_dir, const Spec *sp) {
    DIR *d = opendir(versions_dir);
    struct dirent *e;
    char *best = NULL;
    Version best_v = {0, 0, 0, 0}, v;
    if (!d) return NULL;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (!counts_for(sp, e->d_name, n, &v)) continue;
        if (best && version_cmp(&v, &best_v) <= 0) continue;
        /* a directory, through links, as the sh shim's `test -d` */
        if (e->d_type != DT_DIR && !is_dir(cat3(versions_dir, "/", e->d_name))) continue;
        best = dup_n(e->d_name, n);
        best_v = v;
    }
    closedir(d);
    return best;
}

static int same_file(const char *a, const struct stat *b) {
    struct stat st;
    return stat(a, &st) == 0 && st.st_dev == b->st_dev && st.st_ino == b->st_ino;
}

/* The first executable regular file named ``tool`` on PATH outside the shims
 * directory, by the sh shim's rules: an empty entry is the current directory; the
 * shims directory is skipped in any spelling (compared by identity), and so is a file
 * that is this very shim (/usr/local/bin/go -> shims/go). */
static char *find_system(const Shim *shim, const char *tool) {
    const char *path = getenv("PATH"), *p;
    struct stat shims_st, self_st, st;
    int have_shims = stat(shim->shims_dir, &shims_st) == 0;
    int have_self = stat(shim->self, &self_st) == 0;
    if (!path) return NULL;
    for (p = path;; p++) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *entry = n ? dup_n(p, n) : dup_n(".", 1);
        char *cand = cat3(entry, "/", tool);
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0 &&
            !(have_shims && same_file(entry, &shims_st)) &&
            !(have_self && st.st_dev == self_st.st_dev && st.st_ino == self_st.st_ino))
            return cand;
        if (!end) return NULL;
        p = end;
    }
}

/* ------------------------------------------------------------------ running */

static unsigned g_depth; /* GVW_SHIM_DEPTH as it came */

/* Replace this process with ``target``; only GVW_SHIM_DEPTH (and GOROOT, set by the
 * caller for an installed version) change in the environment. */
static void run(const char *target, char **argv) {
    char depth[16];
    unsigned d = g_depth + 1;
    int i = (int)sizeof depth - 1;
    depth[i] = 0;
    do {
        depth[--i] = (char)('0' + d % 10);
        d /= 10;
    } while (d);
    if (setenv("GVW_SHIM_DEPTH", depth + i, 1) != 0) fail_oom();
    argv[0] = (char *)target; /* as the sh shim's exec: the toolchain sees its own path */
    execv(target, argv);
    die_cannot_run(target, errno);
}

/* ------------------------------------------------------------------ auto-install */

/* GVW_AUTO_INSTALL decides when it is set and not empty (exactly "1" is on), else the
 * marker <root>/auto-install that gvw rehash writes when the config says so. */
static int auto_install_on(const Shim *shim) {
    const char *env = getenv("GVW_AUTO_INSTALL");
    struct stat st;
    if (env && env[0]) return strcmp(env, "1") == 0;
    return stat(cat3(shim->root, "/auto-install", ""), &st) == 0;
}

/* <root>/gvw-command's arguments followed by `install <spec>`, or NULL when the file
 * is missing, not a readable regular file, too long or empty. */
static char **install_command(const Shim *shim, const Spec *sp) {
    static char data[GVW_COMMAND_MAX];
    char **args = NULL;
    size_t got = 0, pos = 0, start, len, n = 0;
    struct stat st;
    int fd = open(cat3(shim->root, "/gvw-command", ""), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size >= (off_t)sizeof data) {
        close(fd);
        return NULL;
    }
    while (got < sizeof data) {
        ssize_t r = read(fd, data + got, sizeof data - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) got = sizeof data; /* unreadable: refused below */
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (got >= sizeof data) return NULL;
    while (next_command_arg(data, got, &pos, &start, &len)) {
        char **grown = realloc(args, (n + 4) * sizeof *args);
        if (!grown) fail_oom();
        args = grown;
        args[n++] = dup_n(data + start, len);
    }
    if (!n) return NULL;
    args[n++] = "install";
    args[n++] = dup_n(sp->spec, sp->spec_len);
    args[n] = NULL;
    return args;
}

static pid_t g_installer;

/* A TERM or HUP sent to the shim is meant for the install it waits for. */
static void forward_signal(int sig) {
    if (g_installer > 0) kill(g_installer, sig);
}

/* Runs gvw install for the missing version and returns when it succeeded; otherwise
 * exits with its exit code. Its stdout goes to the shim's stderr, so that the output
 * of `go` is never mixed with install's; stdin and the environment are the shim's.
 * Ctrl+C and Ctrl+\ reach the install from the terminal; the shim ignores them while
 * it waits, as system(3) does, and ends with the install's code. */
static void install_missing(const Shim *shim, const Spec *sp, const Selection *sel) {
    static const int signals[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};
    struct sigaction act, saved[4];
    char **args = install_command(shim, sp);
    int status, i;
    if (!args) {
        Buf b = {0};
        buf_missing(&b, sp, sel);
        buf_str(&b, "gvw: auto-install is on but ");
        buf_str(&b, shim->root);
        buf_str(&b, "/gvw-command is missing; run: gvw rehash\n");
        die(EXIT_NOT_INSTALLED, &b);
    }
    g_installer = fork();
    if (g_installer < 0) die_cannot_run(args[0], errno);
    if (g_installer == 0) {
        if (dup2(2, 1) < 0) _exit(EXIT_ERROR);
        execv(args[0], args);
        die_cannot_run(args[0], errno);
    }
    memset(&act, 0, sizeof act);
    sigemptyset(&act.sa_mask);
    for (i = 0; i < 4; i++) {
        act.sa_handler = signals[i] == SIGINT || signals[i] == SIGQUIT ? SIG_IGN : forward_signal;
        sigaction(signals[i], &act, &saved[i]);
    }
    while (waitpid(g_installer, &status, 0) < 0) {
        if (errno != EINTR) die_cannot_run(args[0], errno);
    }
    /* the toolchain gets the signal dispositions the shim was started with */
    for (i = 0; i < 4; i++) sigaction(signals[i], &saved[i], NULL);
    if (WIFSIGNALED(status)) _exit(128 + WTERMSIG(status));
    if (WEXITSTATUS(status) != 0) _exit(WEXITSTATUS(status));
}

static void resolve_and_run(Shim *shim, char **argv);

/* The selected version is not installed: with auto-install on, install it and resolve
 * again (once); else the error. */
static void missing(Shim *shim, const Spec *sp, const Selection *sel, char **argv) {
    if (!shim->auto_tried && auto_install_on(shim)) {
        shim->auto_tried = 1;
        install_missing(shim, sp, sel);
        resolve_and_run(shim, argv);
    }
    die_missing(sp, sel);
}

static void resolve_and_run(Shim *shim, char **argv) {
    Selection sel = {0};
    Spec sp;
    const char *bin_name = shim->launcher ? "go" : shim->tool;
    char *versions_dir = cat3(shim->root, "/versions", "");
    char *chosen = NULL, *goroot;

    if (shim->launcher) {
        /* go1.22.10 always runs 1.22.10, whatever is selected: this is what Go's own
         * GOTOOLCHAIN switch finds on PATH. */
        sel.word = shim->tool;
        sel.word_len = strlen(shim->tool);
        sel.origin = cat3("launcher ", shim->tool, "");
        if (!parse_spec(sel.word, sel.word_len, &sp) || (sp.kind != S_EXACT && sp.kind != S_FAMILY))
            die_invalid(&sel);
        chosen = dup_n(sp.spec, sp.spec_len);
        if (!is_dir(cat3(versions_dir, "/", chosen))) missing(shim, &sp, &sel, argv);
    } else if (!select_version(shim, &sel)) {
        char *sys = find_system(shim, bin_name);
        Buf b = {0};
        if (sys) run(sys, argv);
        buf_str(&b, "gvw: no Go version selected and no other go on PATH\n");
        buf_str(&b, "gvw: select one with: gvw global <version> or gvw local <version>\n");
        die(EXIT_NO_VERSION, &b);
    } else {
        if (!parse_spec(sel.word, sel.word_len, &sp)) die_invalid(&sel);
        if (sp.kind == S_SYSTEM) {
            /* the system Go knows its own GOROOT: the environment is left alone */
            char *sys = find_system(shim, bin_name);
            Buf b = {0};
            if (sys) run(sys, argv);
            buf_str(&b, "gvw: no system Go found on PATH");
            buf_origin(&b, &sel);
            buf_str(&b, "gvw: select a version with: gvw global <version>\n");
            die(EXIT_NOT_INSTALLED, &b);
        }
        if (sp.kind == S_EXACT) {
            chosen = dup_n(sp.spec, sp.spec_len);
            if (!is_dir(cat3(versions_dir, "/", chosen))) chosen = NULL;
        } else {
            chosen = newest_installed(versions_dir, &sp);
        }
        if (!chosen) missing(shim, &sp, &sel, argv);
    }

    goroot = cat3(versions_dir, "/", chosen);
    /* An inherited GOROOT of another version gives "compile: version X does not
     * match go tool version Y" (golang/go#26933). */
    if (setenv("GOROOT", goroot, 1) != 0) fail_oom();
    run(cat3(goroot, "/bin/", bin_name), argv);
}

/* ------------------------------------------------------------------ main */

/* The shim's own file with links resolved: its name says what it is, its directory
 * where the store is (as the Windows shim's GetModuleFileNameW). */
static char *own_path(const char *argv0) {
    char *real = NULL;
#ifdef __APPLE__
    uint32_t size = 0;
    char *buf;
    _NSGetExecutablePath(NULL, &size);
    buf = malloc(size + 1);
    if (buf && _NSGetExecutablePath(buf, &size) == 0) real = realpath(buf, NULL);
#else
    /* the kernel's own answer, links resolved (qemu-user answers for the guest) */
    size_t cap = 256;
    for (;;) {
        char *buf = malloc(cap);
        ssize_t n = buf ? readlink("/proc/self/exe", buf, cap) : -1;
        if (n >= 0 && (size_t)n < cap) {
            buf[n] = 0;
            real = buf;
            break;
        }
        free(buf);
        if (n < 0) break;
        cap *= 2;
    }
#endif
    /* without /proc (or a path for it): argv[0], as a shell passes it */
    if (!real && argv0 && strchr(argv0, '/')) real = realpath(argv0, NULL);
    if (!real) {
        static const char msg[] = "gvw: cannot find the shim's own path\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(EXIT_ERROR);
    }
    return real;
}

/* GVW_ROOT as the sh shim takes it: "~" and "~/..." are the home directory; a clean
 * absolute path is used as written, anything else by its physical path. */
static char *root_from_env(const char *value) {
    char *root;
    size_t n;
    const char *home = getenv("HOME");
    if (value[0] == '~' && (!value[1] || value[1] == '/'))
        value = cat3(home ? home : "", value + 1, "");
    root = dup_n(value, strlen(value));
    n = strlen(root);
    if (root[0] != '/' || strstr(root, "//") || strstr(root, "/./") || strstr(root, "/../") ||
        (n >= 2 && !strcmp(root + n - 2, "/.")) || (n >= 3 && !strcmp(root + n - 3, "/.."))) {
        char *real = realpath(root, NULL);
        if (real) root = real;
    }
    n = strlen(root);
    while (n && root[n - 1] == '/') root[--n] = 0; /* "" for / */
    return root;
}

int main(int argc, char **argv) {
    Shim shim;
    const char *depth_text = getenv("GVW_SHIM_DEPTH"), *root_env = getenv("GVW_ROOT");
    char *slash;
    size_t i;
    (void)argc;

    /* Loop guard: anything but digits counts as 0; saturates instead of overflowing. */
    g_depth = 0;
    for (i = 0; depth_text && depth_text[i] >= '0' && depth_text[i] <= '9'; i++)
        if (g_depth < 1000000) g_depth = g_depth * 10 + (unsigned)(depth_text[i] - '0');
    if (!depth_text || depth_text[i]) g_depth = 0;
    if (g_depth >= MAX_DEPTH) {
        Buf b = {0};
        buf_str(&b, "gvw: shim recursion detected (GVW_SHIM_DEPTH=");
        buf_str(&b, depth_text);
        buf_str(&b, "); check PATH and the selected version\n");
        die(EXIT_SHIM_LOOP, &b);
    }

    shim.self = own_path(argv[0]);
    slash = strrchr(shim.self, '/');
    shim.tool = slash + 1;
    shim.shims_dir = dup_n(shim.self, (size_t)(slash - shim.self));
    shim.launcher = 0;
    shim.auto_tried = 0;
    if (strcmp(shim.tool, "go") && strcmp(shim.tool, "gofmt")) {
        const char *t = shim.tool;
        if (t[0] == 'g' && t[1] == 'o' && t[2] >= '0' && t[2] <= '9') {
            shim.launcher = 1;
        } else {
            Buf b = {0};
            buf_str(&b, "gvw: unknown shim name \"");
            buf_str(&b, shim.tool);
            buf_str(&b, "\" (expected go, gofmt or go<version>)\n");
            die(EXIT_ERROR, &b);
        }
    }

    /* The store is the parent of the shims directory unless GVW_ROOT says otherwise. */
    if (root_env && root_env[0]) {
        shim.root = root_from_env(root_env);
    } else {
        slash = strrchr(shim.shims_dir, '/');
        shim.root = dup_n(shim.shims_dir, slash ? (size_t)(slash - shim.shims_dir) : 0);
    }
    resolve_and_run(&shim, argv);
    return EXIT_ERROR;
}

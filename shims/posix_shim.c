/*
 * gvw native shim for Linux and macOS: installed as go, gofmt and go<version>.
 *
 * What the shim decides and says is gvw_core.h, shared with the Windows shim; this
 * file is its table of platform operations: files, the environment and processes,
 * with libc. The toolchain is execv()ed: no fork and no shell, the toolchain replaces
 * the shim, so signals, the terminal and the exit code are simply the toolchain's. A
 * shim call then costs one process start, which is the floor (issue 13: a one-line sh
 * exec wrapper alone costs 1.6x a direct `go version`). Only auto-install, the slow
 * path for a version that is not installed, starts a child: gvw install.
 *
 * Built with zig cc by scripts/build_native_shims.py: static against musl for Linux
 * (runs on any distribution), against libSystem for macOS.
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
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define GVW_IS_SEP(c) ((c) == '/')
#define GVW_SEP '/'
#define GVW_EXE ""
#define GVW_NAMES_IGNORE_CASE 0
#define GVW_UTF16_NAMES 0
#include "gvw_core.h"

static char **g_argv; /* the shim's arguments, passed on as they came */

/* ------------------------------------------------------------------ memory, the end */

static void *plat_alloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) gvw_out_of_memory();
    return p;
}

static void plat_write_error(const char *text, size_t n) {
    size_t off = 0;
    while (off < n) {
        ssize_t done = write(2, text + off, n - off);
        if (done < 0 && errno == EINTR) continue;
        if (done <= 0) break;
        off += (size_t)done;
    }
}

static void plat_exit(unsigned long code) { _exit((int)code); }

/* ------------------------------------------------------------------ environment */

static const char *plat_get_env(const char *name) { return getenv(name); }

static int plat_set_env(const char *name, const char *value) {
    return setenv(name, value, 1) == 0;
}

/* ------------------------------------------------------------------ paths and files */

/* The shim's own file with links resolved, as the kernel knows it: its name says what
 * it is, its directory where the store is (gvw_core.h, shim_file_name, for what the
 * name looks like while the file is replaced). */
static char *plat_own_path(void) {
    char *real = NULL;
#ifdef __APPLE__
    /* the path it was started by: realpath fails once the file is gone, and that path
     * still names the shim */
    uint32_t size = 0;
    char *buf;
    _NSGetExecutablePath(NULL, &size);
    buf = plat_alloc(size + 1);
    if (_NSGetExecutablePath(buf, &size) == 0) {
        real = realpath(buf, NULL);
        if (!real && buf[0] == '/') real = buf;
    }
#else
    /* the kernel's own answer, links resolved (qemu-user answers for the guest) */
    size_t cap = 256;
    for (;;) {
        char *buf = plat_alloc(cap);
        ssize_t n = readlink("/proc/self/exe", buf, cap);
        if (n >= 0 && (size_t)n < cap) {
            buf[n] = 0;
            real = buf;
            break;
        }
        if (n < 0) break;
        cap *= 2;
    }
#endif
    /* without /proc (or a path for it): argv[0], as a shell passes it */
    if (!real && g_argv[0] && strchr(g_argv[0], '/')) real = realpath(g_argv[0], NULL);
    return real;
}

/* GVW_ROOT as the sh shim takes it: "~" and "~/..." are the home directory; a clean
 * absolute path is used as written, anything else by its physical path. */
static char *plat_root_from_env(const char *value) {
    char *root;
    size_t n;
    const char *home = getenv("HOME");
    if (value[0] == '~' && (!value[1] || value[1] == '/')) value = cat(home ? home : "", value + 1);
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

static int same_file(const struct stat *a, const struct stat *b) {
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* As gvw/base/paths.py: /opt/gvw for the machine; the user's is $XDG_DATA_HOME/gvw
 * (an absolute one) or ~/.local/share/gvw, on macOS ~/Library/Application Support/gvw,
 * where ~ is HOME, else the password database's home (a service may have no HOME). */
static char *plat_default_root(int machine) {
    const char *home = getenv("HOME");
    struct passwd *pw;
#ifndef __APPLE__
    const char *data = getenv("XDG_DATA_HOME");
    if (!machine && data && data[0] == '/') return plat_root_from_env(join(data, "gvw"));
#define GVW_USER_DATA ".local/share/gvw"
#else
#define GVW_USER_DATA "Library/Application Support/gvw"
#endif
    if (machine) return (char *)"/opt/gvw";
    if (!home || home[0] != '/') home = (pw = getpwuid(getuid())) ? pw->pw_dir : NULL;
    return home && home[0] == '/' ? plat_root_from_env(join(home, GVW_USER_DATA)) : NULL;
}

/* The same spelling, or the same directory: the machine store is stat()ed first, as
 * it usually does not exist (one failed call). */
static int plat_same_dir(const char *a, const char *b) {
    struct stat sa, sb;
    if (!strcmp(a, b)) return 1;
    return stat(b, &sb) == 0 && stat(a, &sa) == 0 && same_file(&sa, &sb);
}

/* The path of an open directory, or NULL. */
static char *path_of(int fd) {
#ifdef __APPLE__
    char *buf = plat_alloc(PATH_MAX);
    return fcntl(fd, F_GETPATH, buf) == 0 ? buf : NULL;
#else
    Buf link = {0, 0, 0};
    size_t cap = 256;
    buf_str(&link, "/proc/self/fd/");
    buf_uint(&link, (unsigned long)fd);
    for (;;) {
        char *buf = plat_alloc(cap);
        ssize_t n = readlink(link.p, buf, cap);
        if (n < 0) return NULL;
        if ((size_t)n < cap) {
            buf[n] = 0;
            return buf;
        }
        cap *= 2;
    }
#endif
}

/* A deleted current directory has no path (getcwd: ENOENT), and it is empty: the walk
 * up starts at the nearest directory above it that still has one (its path checked
 * against the directory itself: a new directory may have taken the old name). */
static char *nearest_living_parent(void) {
    Buf up = {0, 0, 0};
    struct stat st, last, named;
    int levels;
    buf_str(&up, "..");
    for (levels = 0; levels < 1000; levels++) {
        int fd = open(up.p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char *path;
        if (fd < 0) return NULL;
        path = fstat(fd, &st) == 0 ? path_of(fd) : NULL;
        close(fd);
        if (path && path[0] == '/' && stat(path, &named) == 0 && same_file(&st, &named))
            return path;
        if (levels && same_file(&st, &last)) return NULL; /* the root, and no path */
        last = st;
        buf_str(&up, "/..");
    }
    return NULL;
}

static int plat_current_dir(char **dir, size_t *root_len) {
    char *cwd = getcwd(NULL, 0);
    size_t len;
    if (!cwd) cwd = nearest_living_parent();
    if (!cwd) return 0;
    len = strlen(cwd);
    while (len > 1 && cwd[len - 1] == '/') cwd[--len] = 0;
    *dir = cwd;
    *root_len = 1;
    return 1;
}

/* A broken pin is a name stat cannot follow but lstat sees: a dangling link or a
 * loop; a FIFO, socket or device is NAME_OTHER and refused when read. */
static int plat_name_holds(const char *path) {
    struct stat st;
    if (stat(path, &st) == 0) return S_ISDIR(st.st_mode) ? NAME_DIR : NAME_OTHER;
    return lstat(path, &st) == 0 ? NAME_OTHER : NAME_ABSENT;
}

static int plat_kind(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return KIND_ABSENT;
    return S_ISDIR(st.st_mode) ? KIND_DIR : KIND_FILE;
}

/* Opened non-blocking and checked to be a regular file before a byte is read: opening
 * a FIFO for reading would otherwise wait for a writer forever. */
static long plat_read_head(const char *path, char *buf, size_t cap) {
    size_t got = 0;
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            close(fd);
            return -1;
        }
        if (n == 0) break;
        got += (size_t)n;
    }
    close(fd);
    return (long)got;
}

static void plat_each_subdir(const char *dir, EntryFound found, void *ctx) {
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        /* a link or an unknown type may lead to a directory: the core looks, if it
         * would take it */
        if (e->d_type == DT_DIR || e->d_type == DT_LNK || e->d_type == DT_UNKNOWN)
            found(ctx, e->d_name, strlen(e->d_name), e->d_type == DT_DIR ? 1 : -1);
    }
    closedir(d);
}

/* By the sh shim's rules: an empty PATH entry is the current directory; the shims
 * directories are skipped in any spelling (compared by identity), and so is a file
 * that is one of their shims (/usr/local/bin/go -> shims/go). */
static char *plat_find_system(const Shim *shim) {
    const char *path = getenv("PATH"), *p;
    struct stat dirs[SHIMS_DIRS], shims[SHIMS_DIRS], st, entry_st;
    int have_dir[SHIMS_DIRS], have_shim[SHIMS_DIRS], i, skip;
    for (i = 0; i < SHIMS_DIRS; i++) {
        char *dir = shims_dir(shim, i);
        have_dir[i] = stat(dir, &dirs[i]) == 0;
        have_shim[i] = stat(i ? join(dir, shim->bin) : shim->self, &shims[i]) == 0;
    }
    if (!path) return NULL;
    for (p = path;; p++) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *entry = n ? dup_n(p, n) : dup_n(".", 1);
        char *cand = join(entry, shim->bin);
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
            int have_entry = stat(entry, &entry_st) == 0;
            for (skip = 0, i = 0; i < SHIMS_DIRS; i++)
                skip |= (have_dir[i] && have_entry && same_file(&entry_st, &dirs[i])) ||
                        (have_shim[i] && same_file(&st, &shims[i]));
            if (!skip) return cand;
        }
        if (!end) return NULL;
        p = end;
    }
}

/* ------------------------------------------------------------------ processes */

static unsigned long plat_run(const char *target) {
    g_argv[0] = (char *)target; /* as the sh shim's exec: the toolchain sees its own path */
    execv(target, g_argv);
    return (unsigned long)errno;
}

static const char *plat_error_text(unsigned long err, unsigned long *exit_code) {
    *exit_code = err == ENOENT ? 127 : 126;
    return strerror((int)err);
}

static pid_t g_installer;

/* A TERM or HUP sent to the shim is meant for the install it waits for. */
static void forward_signal(int sig) {
    if (g_installer > 0) kill(g_installer, sig);
}

/* Ctrl+C and Ctrl+\ reach the install from the terminal; the shim ignores them while
 * it waits, as system(3) does, and ends with the install's code. */
static int plat_run_install(char **args, unsigned long *status) {
    static const int signals[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};
    struct sigaction act, saved[4];
    int wstatus, i;
    g_installer = fork();
    if (g_installer < 0) {
        *status = (unsigned long)errno;
        return 0;
    }
    if (g_installer == 0) {
        if (dup2(2, 1) < 0) _exit(EXIT_ERROR);
        execv(args[0], args);
        gvw_die_cannot_run(args[0], (unsigned long)errno);
    }
    memset(&act, 0, sizeof act);
    sigemptyset(&act.sa_mask);
    for (i = 0; i < 4; i++) {
        act.sa_handler = signals[i] == SIGINT || signals[i] == SIGQUIT ? SIG_IGN : forward_signal;
        sigaction(signals[i], &act, &saved[i]);
    }
    while (waitpid(g_installer, &wstatus, 0) < 0) {
        if (errno != EINTR) {
            *status = (unsigned long)errno;
            return 0;
        }
    }
    /* the toolchain gets the signal dispositions the shim was started with */
    for (i = 0; i < 4; i++) sigaction(signals[i], &saved[i], NULL);
    *status = WIFSIGNALED(wstatus) ? 128 + (unsigned long)WTERMSIG(wstatus)
                                   : (unsigned long)WEXITSTATUS(wstatus);
    return 1;
}

int main(int argc, char **argv) {
    (void)argc;
    g_argv = argv;
    gvw_main();
    return EXIT_ERROR;
}

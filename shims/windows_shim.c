/*
 * gvw Windows shim: installed as go.exe, gofmt.exe and go<version>.exe.
 *
 * It resolves the selected Go version itself (README "Version selection"; the same
 * table of cases, tests/selection_cases.py, runs against it under Wine) and runs
 * <root>\versions\<v>\bin\<tool>.exe. No cmd.exe and no .bat: batch shims break
 * quoting, print "Terminate batch job (Y/N)?" and cannot be started by CreateProcess
 * callers (nodejs/node#52681, golang/go#69939, pyenv-win#352).
 *
 * Built with mingw-w64 against kernel32 only, without a C runtime
 * (scripts/build_windows_shim.py): no CRT start-up, no code page changes
 * (pyenv-win#270), a few KB. Wide-character (W) APIs everywhere, so that non-ASCII
 * user names and paths longer than MAX_PATH work (nvm-windows#41, #881).
 *
 * Only auto-install, the slow path for a version that is not installed, starts another
 * child first: gvw install, from the command recorded in <root>\gvw-command.
 */
#define WIN32_LEAN_AND_MEAN
#define UNICODE
#define _UNICODE
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0601
#endif
#include <windows.h>

#include "gvw_core.h"


/* ------------------------------------------------------------------ memory */

/* Without a C runtime the compiler may still emit calls to these for struct
 * initialisation; the build passes -fno-tree-loop-distribute-patterns so the loops
 * below are not turned back into calls to themselves. */
void *memset(void *dst, int c, SIZE_T n) {
    unsigned char *d = (unsigned char *)dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

void *memcpy(void *dst, const void *src, SIZE_T n) {
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    while (n--) *d++ = *s++;
    return dst;
}

static void fail_simple(const char *msg);

/* Allocations are never freed: the process is short-lived and exits with the child. */
static void *xalloc(SIZE_T n) {
    void *p = HeapAlloc(GetProcessHeap(), 0, n ? n : 1);
    if (!p) fail_simple("gvw: out of memory\n");
    return p;
}

static SIZE_T wlen(const WCHAR *s) {
    SIZE_T n = 0;
    while (s[n]) n++;
    return n;
}

static WCHAR *wdup_n(const WCHAR *s, SIZE_T n) {
    WCHAR *r = (WCHAR *)xalloc((n + 1) * sizeof(WCHAR));
    memcpy(r, s, n * sizeof(WCHAR));
    r[n] = 0;
    return r;
}

/* a + b + c, any of them may be NULL */
static WCHAR *wcat3(const WCHAR *a, const WCHAR *b, const WCHAR *c) {
    SIZE_T la = a ? wlen(a) : 0, lb = b ? wlen(b) : 0, lc = c ? wlen(c) : 0;
    WCHAR *r = (WCHAR *)xalloc((la + lb + lc + 1) * sizeof(WCHAR));
    if (la) memcpy(r, a, la * sizeof(WCHAR));
    if (lb) memcpy(r + la, b, lb * sizeof(WCHAR));
    if (lc) memcpy(r + la + lb, c, lc * sizeof(WCHAR));
    r[la + lb + lc] = 0;
    return r;
}

/* dir + "\" + name, without doubling the separator of a root such as C:\ */
static WCHAR *wjoin(const WCHAR *dir, const WCHAR *name) {
    SIZE_T n = wlen(dir);
    if (n && (dir[n - 1] == L'\\' || dir[n - 1] == L'/')) return wcat3(dir, NULL, name);
    return wcat3(dir, L"\\", name);
}

static WCHAR *ascii_to_wide(const char *s, SIZE_T n) {
    WCHAR *r = (WCHAR *)xalloc((n + 1) * sizeof(WCHAR));
    SIZE_T i;
    for (i = 0; i < n; i++) r[i] = (WCHAR)(unsigned char)s[i];
    r[n] = 0;
    return r;
}

static WCHAR wlower(WCHAR c) { return (c >= L'A' && c <= L'Z') ? (WCHAR)(c + 32) : c; }

static int wieq_ascii(const WCHAR *a, SIZE_T n, const char *b) {
    SIZE_T i;
    if (n != blen(b)) return 0;
    for (i = 0; i < n; i++)
        if (wlower(a[i]) != (WCHAR)b[i]) return 0;
    return 1;
}

/* ------------------------------------------------------------------ output */

typedef struct {
    char *p;
    SIZE_T n, cap;
} Buf;

static void buf_bytes(Buf *b, const char *s, SIZE_T n) {
    if (b->n + n + 1 > b->cap) {
        SIZE_T cap = (b->n + n + 1) * 2;
        char *p = (char *)xalloc(cap);
        if (b->n) memcpy(p, b->p, b->n);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void buf_str(Buf *b, const char *s) { buf_bytes(b, s, blen(s)); }

static void buf_uint(Buf *b, DWORD v) {
    char tmp[12];
    int i = 11;
    tmp[i] = 0;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    buf_str(b, tmp + i);
}

/* Paths may hold any Unicode character: they are written as UTF-8. */
static void buf_wide(Buf *b, const WCHAR *w) {
    int n = WideCharToMultiByte(CP_UTF8, 0, w, (int)wlen(w), NULL, 0, NULL, NULL);
    char *tmp;
    if (n <= 0) return;
    tmp = (char *)xalloc((SIZE_T)n);
    WideCharToMultiByte(CP_UTF8, 0, w, (int)wlen(w), tmp, n, NULL, NULL);
    buf_bytes(b, tmp, (SIZE_T)n);
}

static void buf_word(Buf *b, const char *w, SIZE_T n) {
    char shown[WORD_SHOWN_MAX];
    buf_bytes(b, shown, shown_word(w, n, shown));
}

/* Writes to stderr and exits. A console gets UTF-16 through WriteConsoleW, so the
 * text is right whatever the console code page (which the shim never changes,
 * pyenv-win#270); a pipe or file gets UTF-8 bytes. */
static void die(UINT code, Buf *b) {
    HANDLE h = GetStdHandle(STD_ERROR_HANDLE);
    DWORD mode, done;
    if (h && h != INVALID_HANDLE_VALUE && b->n) {
        if (GetConsoleMode(h, &mode)) {
            int n = MultiByteToWideChar(CP_UTF8, 0, b->p, (int)b->n, NULL, 0);
            WCHAR *w = (WCHAR *)xalloc(((SIZE_T)n + 1) * sizeof(WCHAR));
            MultiByteToWideChar(CP_UTF8, 0, b->p, (int)b->n, w, n);
            WriteConsoleW(h, w, (DWORD)n, &done, NULL);
        } else {
            SIZE_T off = 0;
            while (off < b->n && WriteFile(h, b->p + off, (DWORD)(b->n - off), &done, NULL) &&
                   done)
                off += done;
        }
    }
    ExitProcess(code);
}

static void fail_simple(const char *msg) {
    /* no allocation here: used when allocation fails */
    static Buf b;
    b.p = (char *)msg;
    b.n = blen(msg);
    b.cap = b.n;
    die(EXIT_ERROR, &b);
}

/* ------------------------------------------------------------------ Windows */

/* Returns NULL when the variable is not set. */
static WCHAR *get_env(const WCHAR *name) {
    DWORD cap = 256, n;
    for (;;) {
        WCHAR *buf = (WCHAR *)xalloc(cap * sizeof(WCHAR));
        SetLastError(0);
        n = GetEnvironmentVariableW(name, buf, cap);
        if (n == 0) {
            if (GetLastError() == ERROR_ENVVAR_NOT_FOUND) return NULL;
            buf[0] = 0;
            return buf;
        }
        if (n < cap) return buf;
        cap = n + 1;
    }
}

/* GetModuleFileNameW truncates silently when the buffer is too small: grow it until
 * the result fits (paths can exceed MAX_PATH). */
static WCHAR *module_path(void) {
    DWORD cap = MAX_PATH, n;
    for (;;) {
        WCHAR *buf = (WCHAR *)xalloc(cap * sizeof(WCHAR));
        n = GetModuleFileNameW(NULL, buf, cap);
        if (n == 0) fail_simple("gvw: cannot find the shim's own path\n");
        if (n < cap - 1) return buf;
        cap *= 2;
    }
}

/* "\\?\C:\x" -> "C:\x", "\\?\UNC\srv\share" -> "\\srv\share": the plain spelling is
 * used for messages, GOROOT and the child's argv[0]; long_path() adds the prefix
 * back where an API needs it. */
static WCHAR *unprefix(WCHAR *p) {
    if (p[0] == L'\\' && p[1] == L'\\' && p[2] == L'?' && p[3] == L'\\') {
        if (wlower(p[4]) == L'u' && wlower(p[5]) == L'n' && wlower(p[6]) == L'c' &&
            p[7] == L'\\')
            return wcat3(L"\\\\", p + 8, NULL);
        return wdup_n(p + 4, wlen(p + 4));
    }
    return p;
}

/* File APIs reject paths of MAX_PATH characters or more unless they carry the \\?\
 * prefix (and the path is absolute and normalised, as all paths here are). */
static const WCHAR *long_path(const WCHAR *p) {
    SIZE_T n = wlen(p);
    if (n < MAX_PATH - 12) return p;
    if (p[0] == L'\\' && p[1] == L'\\' && (p[2] == L'?' || p[2] == L'.') && p[3] == L'\\')
        return p;
    if (p[0] == L'\\' && p[1] == L'\\') return wcat3(L"\\\\?\\UNC\\", p + 2, NULL);
    if (p[0] && p[1] == L':') return wcat3(L"\\\\?\\", p, NULL);
    return p;
}

static DWORD attributes(const WCHAR *path) { return GetFileAttributesW(long_path(path)); }

static int is_dir(const WCHAR *path) {
    DWORD a = attributes(path);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

static int is_file(const WCHAR *path) {
    DWORD a = attributes(path);
    return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}

/* Absolute, normalised ("." and ".." removed, "/" -> "\"), without trailing
 * separators except for a root such as C:\. */
static WCHAR *full_path(const WCHAR *p) {
    DWORD cap = MAX_PATH, n;
    WCHAR *buf;
    SIZE_T len;
    for (;;) {
        buf = (WCHAR *)xalloc(cap * sizeof(WCHAR));
        n = GetFullPathNameW(p, cap, buf, NULL);
        if (n == 0) return wdup_n(p, wlen(p));
        if (n < cap) break;
        cap = n + 1;
    }
    buf = unprefix(buf);
    len = wlen(buf);
    while (len > 3 && (buf[len - 1] == L'\\' || buf[len - 1] == L'/')) buf[--len] = 0;
    return buf;
}

/* 8.3 short names (C:\Users\ZOSMIT~1) name the same directory as the long ones: a
 * PATH entry or the shim's own path may use either. Only paths with a '~' can hold
 * a short name; the others are left as they are without a file system call. */
static WCHAR *long_name(WCHAR *p) {
    DWORD cap = MAX_PATH, n;
    SIZE_T i;
    int tilde = 0;
    for (i = 0; p[i]; i++)
        if (p[i] == L'~') tilde = 1;
    if (!tilde) return p;
    for (;;) {
        WCHAR *buf = (WCHAR *)xalloc(cap * sizeof(WCHAR));
        n = GetLongPathNameW(long_path(p), buf, cap);
        if (n == 0) return p;
        if (n < cap) return full_path(unprefix(buf));
        cap = n + 1;
    }
}

/* Length of the part of an absolute path that the walk up never removes: "C:\" or
 * the share root "\\server\share\" (README: walk up to the drive or UNC share root). */
static SIZE_T root_length(const WCHAR *p) {
    SIZE_T i, n = wlen(p);
    int parts;
    if (n >= 2 && p[0] == L'\\' && p[1] == L'\\') {
        /* \\server\share\ : skip two components */
        i = 2;
        for (parts = 0; parts < 2; parts++) {
            while (i < n && p[i] != L'\\') i++;
            if (i < n) i++;
        }
        return i;
    }
    if (n >= 2 && p[1] == L':') return (n >= 3 && p[2] == L'\\') ? 3 : 2;
    return 0;
}

/* The current directory as the physical path (README: "symlinks resolved"), via
 * GetFinalPathNameByHandleW on the directory; the logical path when that fails. */
static WCHAR *current_dir(void) {
    DWORD cap = MAX_PATH, n;
    WCHAR *cwd;
    HANDLE h;
    for (;;) {
        cwd = (WCHAR *)xalloc(cap * sizeof(WCHAR));
        n = GetCurrentDirectoryW(cap, cwd);
        if (n == 0) fail_simple("gvw: cannot read the current directory\n");
        if (n < cap) break;
        cap = n + 1;
    }
    cwd = full_path(cwd);
    /* FILE_FLAG_BACKUP_SEMANTICS is required to open a directory. */
    h = CreateFileW(long_path(cwd), FILE_READ_ATTRIBUTES,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                    FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (h != INVALID_HANDLE_VALUE) {
        cap = MAX_PATH;
        for (;;) {
            WCHAR *buf = (WCHAR *)xalloc(cap * sizeof(WCHAR));
            n = GetFinalPathNameByHandleW(h, buf, cap, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
            if (n == 0) break;
            if (n < cap) {
                cwd = full_path(unprefix(buf));
                break;
            }
            cap = n + 1;
        }
        CloseHandle(h);
    }
    return cwd;
}

/* ------------------------------------------------------------------ versions */

/* The newest installed stable release matching the family (S_FAMILY) or any
 * (S_LATEST); returns its directory name or NULL. */
static WCHAR *newest_installed(const WCHAR *versions_dir, const Spec *sp) {
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(long_path(wjoin(versions_dir, L"*")), &fd);
    WCHAR *best = NULL;
    Version best_v = {0, 0, 0, 0};
    if (h == INVALID_HANDLE_VALUE) return NULL;
    do {
        char name[64];
        SIZE_T i, n = wlen(fd.cFileName);
        Version v;
        int ascii = n < sizeof(name);
        if (!(fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) || !ascii) continue;
        for (i = 0; i < n; i++) {
            if (fd.cFileName[i] > 0x7e) ascii = 0;
            name[i] = (char)fd.cFileName[i];
        }
        if (!ascii || !counts_for(sp, name, n, &v)) continue;
        if (!best || version_cmp(&v, &best_v) > 0) {
            best = wdup_n(fd.cFileName, n);
            best_v = v;
        }
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    return best;
}

/* ------------------------------------------------------------------ selection */

typedef struct {
    const WCHAR *root;
    const WCHAR *shims_dir;
    WCHAR *tool; /* go, gofmt, or go<version> as named */
    int launcher;
    int auto_tried; /* auto-install ran once: a version still missing is an error */
} Shim;

typedef struct {
    char *word;
    SIZE_T word_len;
    const WCHAR *origin_path; /* the version file, or NULL */
    const char *origin_text;  /* or a fixed origin */
    const WCHAR *origin_name; /* launcher name after origin_text */
} Selection;

static void buf_origin(Buf *b, const Selection *sel) {
    buf_str(b, " (set by ");
    if (sel->origin_path) buf_wide(b, sel->origin_path);
    if (sel->origin_text) buf_str(b, sel->origin_text);
    if (sel->origin_name) buf_wide(b, sel->origin_name);
    buf_str(b, ")\n");
}

enum { NAME_ABSENT, NAME_DIR, NAME_OTHER };

/* What a version file's name holds: nothing, a directory, or something else to read
 * (which may turn out to be a broken pin: README "broken pins"). */
static int name_holds(const WCHAR *path) {
    DWORD a = attributes(path), err = GetLastError();
    WIN32_FIND_DATAW fd;
    HANDLE h;
    if (a != INVALID_FILE_ATTRIBUTES) return (a & FILE_ATTRIBUTE_DIRECTORY) ? NAME_DIR : NAME_OTHER;
    if (err == ERROR_PATH_NOT_FOUND || err == ERROR_ACCESS_DENIED) return NAME_ABSENT;
    /* anything else names something that cannot be resolved: a link loop (1921), and
     * under Wine a Unix FIFO, socket or device (87) */
    if (err != ERROR_FILE_NOT_FOUND) return NAME_OTHER;
    /* Windows reports a dangling link as the link itself; Wine reports a dangling Unix
     * link as missing, but its directory listing still holds the name */
    h = FindFirstFileW(long_path(path), &fd);
    if (h != INVALID_HANDLE_VALUE) {
        FindClose(h);
        return NAME_OTHER;
    }
    err = GetLastError();
    return (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND ||
            err == ERROR_ACCESS_DENIED)
               ? NAME_ABSENT
               : NAME_OTHER;
}

static void die_broken(const WCHAR *path) {
    Buf b = {0};
    buf_str(&b, "gvw: cannot read version file ");
    buf_wide(&b, path);
    buf_str(&b, "\n");
    buf_str(&b, HINT_BROKEN);
    buf_str(&b, "\n");
    die(EXIT_INVALID_VERSION, &b);
}

/* Reads the first word of a version file (README: first 4096 bytes, BOM, CRLF, the
 * first line that is neither blank nor a # comment). A file without one is an error,
 * and so is a name that is no readable regular file: a broken pin should be seen, not
 * skipped. Only a disk file is read (GetFileType): under Wine a Unix FIFO opens as a
 * pipe, and reading it could wait for a writer. */
static void read_version_file(const WCHAR *path, Selection *sel) {
    HANDLE h = CreateFileW(long_path(path), GENERIC_READ,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    char *data = (char *)xalloc(VERSION_FILE_MAX);
    DWORD got = 0, n;
    SIZE_T start, len;
    Buf b = {0};
    if (h == INVALID_HANDLE_VALUE || GetFileType(h) != FILE_TYPE_DISK) die_broken(path);
    while (got < VERSION_FILE_MAX) {
        if (!ReadFile(h, data + got, VERSION_FILE_MAX - got, &n, NULL)) die_broken(path);
        if (!n) break;
        got += n;
    }
    CloseHandle(h);
    if (first_word(data, got, &start, &len)) {
        sel->word = data + start;
        sel->word_len = len;
        sel->origin_path = path;
        return;
    }
    buf_str(&b, "gvw: no Go version in ");
    buf_wide(&b, path);
    buf_str(&b, "\n");
    buf_str(&b, HINT_EXPECTED);
    buf_str(&b, "\n");
    die(EXIT_INVALID_VERSION, &b);
}

/* GVW_GO_VERSION, then the nearest .go-version, then <root>\version.
 * Returns 0 when nothing is selected. */
static int select_version(const Shim *shim, Selection *sel) {
    WCHAR *env = get_env(L"GVW_GO_VERSION");
    WCHAR *dir, *file;
    SIZE_T root_len, len;
    int holds;
    if (env) {
        int n = WideCharToMultiByte(CP_UTF8, 0, env, (int)wlen(env), NULL, 0, NULL, NULL);
        char *s = (char *)xalloc((SIZE_T)n + 1);
        SIZE_T a = 0, e;
        if (n > 0) WideCharToMultiByte(CP_UTF8, 0, env, (int)wlen(env), s, n, NULL, NULL);
        e = n > 0 ? (SIZE_T)n : 0;
        while (a < e && is_space(s[a])) a++;
        while (e > a && is_space(s[e - 1])) e--;
        /* empty (or only white space) means unset: the whole stripped value is the spec */
        if (e > a) {
            sel->word = s + a;
            sel->word_len = e - a;
            sel->origin_text = "GVW_GO_VERSION environment variable";
            return 1;
        }
    }

    dir = current_dir();
    root_len = root_length(dir);
    for (;;) {
        file = wjoin(dir, L".go-version");
        if (name_holds(file) == NAME_OTHER) { /* a directory named .go-version is ignored */
            read_version_file(file, sel);
            return 1;
        }
        len = wlen(dir);
        if (len <= root_len) break;
        while (len > root_len && dir[len - 1] != L'\\') len--;
        /* drop the separator too, unless it ends the root ("C:\", "\\srv\share\") */
        if (len > root_len) len--;
        if (len < root_len || len == 0) len = root_len;
        if (len == 0) break;
        dir[len] = 0;
    }

    file = wjoin(shim->root, L"version");
    holds = name_holds(file);
    if (holds == NAME_DIR) die_broken(file); /* the global file has no directory to skip */
    if (holds == NAME_OTHER) {
        read_version_file(file, sel);
        return 1;
    }
    return 0;
}

/* The first <tool>.exe on PATH whose directory is not the shims directory (compared
 * as normalised full paths, case-insensitively, ignoring trailing separators). */
static WCHAR *find_system(const Shim *shim, const WCHAR *exe_name) {
    WCHAR *path = get_env(L"PATH");
    const WCHAR *shims = long_name(full_path(shim->shims_dir));
    SIZE_T i = 0, n;
    if (!path) return NULL;
    n = wlen(path);
    while (i < n) {
        SIZE_T start = i, k = 0, j;
        WCHAR *entry, *dir, *cand;
        while (i < n && path[i] != L';') i++;
        /* quotes in a PATH entry only protect ';' and are not part of the name */
        entry = (WCHAR *)xalloc((i - start + 1) * sizeof(WCHAR));
        for (j = start; j < i; j++)
            if (path[j] != L'"') entry[k++] = path[j];
        entry[k] = 0;
        i++;
        if (k == 0) continue;
        dir = long_name(full_path(entry));
        if (CompareStringOrdinal(dir, -1, shims, -1, TRUE) == CSTR_EQUAL) continue;
        cand = wjoin(dir, exe_name);
        if (is_file(cand)) return cand;
    }
    return NULL;
}

/* ------------------------------------------------------------------ errors */

static void die_invalid(const Selection *sel) {
    Buf b = {0};
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

static void die_missing(const Spec *sp, const Selection *sel) {
    Buf b = {0};
    buf_missing(&b, sp, sel);
    die(EXIT_NOT_INSTALLED, &b);
}

/* ------------------------------------------------------------------ running */

static HANDLE g_child;
static WCHAR *g_depth; /* GVW_SHIM_DEPTH for the toolchain: one more than the shim got */

/* Ctrl+C and Ctrl+Break reach every process on the console; the child decides what
 * they mean and the shim waits for its exit code (Scoop#1896, volta#543). A handler
 * routine is used rather than SetConsoleCtrlHandler(NULL, TRUE), whose "ignore"
 * flag is inherited by the child. On close/logoff/shutdown the shim waits for the
 * child, which gets the same event, so that the job does not kill it early. */
static BOOL WINAPI on_console_event(DWORD event) {
    if (event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT) return TRUE;
    if (g_child) WaitForSingleObject(g_child, INFINITE);
    return FALSE;
}

/* The command line after argv[0], verbatim, parsed the way the Microsoft C runtime
 * does: quotes toggle, argv[0] ends at the first space or tab outside quotes
 * ("Parsing C command-line arguments"; for the usual "C:\x y\go.exe" args or
 * go args this is the same as "a quoted string, or up to the first space"). */
static const WCHAR *command_tail(void) {
    const WCHAR *p = GetCommandLineW();
    int quoted = 0;
    if (!p) return L"";
    while (*p) {
        if (*p == L'"')
            quoted = !quoted;
        else if (!quoted && (*p == L' ' || *p == L'\t'))
            break;
        p++;
    }
    return p;
}

/* The std handles are duplicated as inheritable: a handle the shim got without the
 * inherit flag would otherwise be invalid in the child (pip#10444, distlib launcher). */
static HANDLE inheritable(DWORD which) {
    HANDLE h = GetStdHandle(which), dup = NULL;
    HANDLE self = GetCurrentProcess();
    if (!h || h == INVALID_HANDLE_VALUE) return h;
    if (DuplicateHandle(self, h, self, &dup, 0, TRUE, DUPLICATE_SAME_ACCESS)) return dup;
    return h;
}

/* Starts ``app`` with ``cmdline`` (which CreateProcessW may write to) and the shim's
 * stdin and stderr, stdout going to ``out``; waits for it and returns its exit code. */
static DWORD start_and_wait(const WCHAR *app, WCHAR *cmdline, HANDLE out) {
    static int handler_set;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
    HANDLE job;
    DWORD code = EXIT_ERROR;

    /* Keep the STARTUPINFO the shim got (window settings, and the C runtime's
     * inherited descriptors in lpReserved2), but pass the std handles explicitly. */
    GetStartupInfoW(&si);
    si.cb = sizeof(si);
    si.dwFlags &= ~(DWORD)(STARTF_USEHOTKEY | 0x400 /* STARTF_HASSHELLDATA */);
    si.dwFlags |= STARTF_USESTDHANDLES;
    si.hStdInput = inheritable(STD_INPUT_HANDLE);
    si.hStdOutput = out;
    si.hStdError = inheritable(STD_ERROR_HANDLE);

    /* The child dies with the shim (Scoop#3294: killing a shim orphaned its child).
     * SILENT_BREAKAWAY_OK keeps only the direct child in the job, as the Python and
     * distlib launchers do: what go.exe starts lives as if go.exe had been started
     * directly. */
    job = CreateJobObjectW(NULL, NULL);
    if (job) {
        memset(&limits, 0, sizeof(limits));
        limits.BasicLimitInformation.LimitFlags =
            JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK;
        if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits,
                                     sizeof(limits))) {
            CloseHandle(job);
            job = NULL;
        }
    }

    if (!handler_set) handler_set = SetConsoleCtrlHandler(on_console_event, TRUE);

    /* lpApplicationName is the exact file: no search of the shims directory, the
     * current directory or PATH. CREATE_SUSPENDED so that the child is in the job
     * before it runs a single instruction or starts a process of its own (distlib
     * issue 175). */
    if (!CreateProcessW(long_path(app), cmdline, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL,
                        &si, &pi)) {
        Buf b = {0};
        DWORD err = GetLastError();
        buf_str(&b, "gvw: cannot run ");
        buf_wide(&b, app);
        buf_str(&b, " (error ");
        buf_uint(&b, err);
        buf_str(&b, ")\n");
        die(EXIT_ERROR, &b);
    }
    g_child = pi.hProcess;
    /* Assignment fails where jobs cannot nest (before Windows 8, inside a job that
     * forbids breakaway); the child then runs without the guarantee rather than not
     * at all. */
    if (job) AssignProcessToJobObject(job, pi.hProcess);
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    WaitForSingleObject(pi.hProcess, INFINITE);
    /* the full 32-bit code, e.g. 0xC0000005 (mise-shim truncated it to 8 bits) */
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    g_child = NULL;
    if (job) CloseHandle(job);
    return code;
}

static void run(const WCHAR *target) {
    /* "target" tail: the caller's arguments exactly as they were written */
    WCHAR *cmdline = wcat3(wcat3(L"\"", target, L"\""), command_tail(), NULL);
    SetEnvironmentVariableW(L"GVW_SHIM_DEPTH", g_depth);
    ExitProcess(start_and_wait(target, cmdline, inheritable(STD_OUTPUT_HANDLE)));
}

/* ------------------------------------------------------------------ auto-install */

/* GVW_AUTO_INSTALL decides when it is set and not empty (exactly "1" is on), else the
 * marker <root>\auto-install that gvw rehash writes when the config says so. */
static int auto_install_on(const Shim *shim) {
    WCHAR *env = get_env(L"GVW_AUTO_INSTALL");
    if (env && env[0]) return env[0] == L'1' && !env[1];
    return attributes(wjoin(shim->root, L"auto-install")) != INVALID_FILE_ATTRIBUTES;
}

/* One argument as the Microsoft C runtime parses it back (quote_arg in
 * tests/support/wine.py): quoted when it holds white space or a quote, backslashes
 * doubled only before a quote. */
static WCHAR *quote_arg(const WCHAR *a) {
    SIZE_T n = wlen(a), i, k = 0, slashes = 0;
    WCHAR *q;
    int plain = n > 0;
    for (i = 0; i < n; i++)
        if (a[i] == L' ' || a[i] == L'\t' || a[i] == L'\n' || a[i] == L'\v' || a[i] == L'"')
            plain = 0;
    if (plain) return (WCHAR *)a;
    q = (WCHAR *)xalloc((2 * n + 3) * sizeof(WCHAR));
    q[k++] = L'"';
    for (i = 0; i < n; i++) {
        if (a[i] == L'\\') {
            slashes++;
            continue;
        }
        if (a[i] == L'"') slashes = slashes * 2 + 1; /* escape them and the quote */
        for (; slashes; slashes--) q[k++] = L'\\';
        q[k++] = a[i];
    }
    for (slashes *= 2; slashes; slashes--) q[k++] = L'\\'; /* before the closing quote */
    q[k++] = L'"';
    q[k] = 0;
    return q;
}

/* The program and command line of <root>\gvw-command's arguments followed by
 * `install <spec>`; 0 when the file is missing, no readable disk file, too long or
 * empty. The first argument is the program's full path (no search). */
static int install_command(const Shim *shim, const Spec *sp, WCHAR **app, WCHAR **cmdline) {
    HANDLE h = CreateFileW(long_path(wjoin(shim->root, L"gvw-command")), GENERIC_READ,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    char *data = (char *)xalloc(GVW_COMMAND_MAX);
    DWORD got = 0, n;
    SIZE_T pos = 0, start, len;
    if (h == INVALID_HANDLE_VALUE) return 0;
    if (GetFileType(h) != FILE_TYPE_DISK) got = GVW_COMMAND_MAX;
    while (got < GVW_COMMAND_MAX) {
        if (!ReadFile(h, data + got, GVW_COMMAND_MAX - got, &n, NULL)) got = GVW_COMMAND_MAX;
        else if (!n) break;
        else got += n;
    }
    CloseHandle(h);
    if (got >= GVW_COMMAND_MAX) return 0;
    *app = NULL;
    *cmdline = NULL;
    while (next_command_arg(data, got, &pos, &start, &len)) {
        int wn = MultiByteToWideChar(CP_UTF8, 0, data + start, (int)len, NULL, 0);
        WCHAR *arg = (WCHAR *)xalloc(((SIZE_T)wn + 1) * sizeof(WCHAR));
        MultiByteToWideChar(CP_UTF8, 0, data + start, (int)len, arg, wn);
        arg[wn > 0 ? wn : 0] = 0;
        if (!*app) *app = arg;
        *cmdline = *cmdline ? wcat3(*cmdline, L" ", quote_arg(arg)) : quote_arg(arg);
    }
    if (!*app) return 0;
    *cmdline = wcat3(*cmdline, L" install ", ascii_to_wide(sp->spec, sp->spec_len));
    return 1;
}

/* Runs gvw install for the missing version and returns when it succeeded; otherwise
 * exits with its full exit code. Its stdout goes to the shim's stderr, so that the
 * output of `go` is never mixed with install's; stdin and the environment are the
 * shim's (the depth is set only for the toolchain). In a kill-on-close job like the
 * toolchain, and Ctrl+C is its to handle, as for the toolchain. */
static void install_missing(const Shim *shim, const Spec *sp, const Selection *sel) {
    WCHAR *app, *cmdline;
    DWORD code;
    if (!install_command(shim, sp, &app, &cmdline)) {
        Buf b = {0};
        buf_missing(&b, sp, sel);
        buf_str(&b, "gvw: auto-install is on but ");
        buf_wide(&b, wjoin(shim->root, L"gvw-command"));
        buf_str(&b, " is missing; run: gvw rehash\n");
        die(EXIT_NOT_INSTALLED, &b);
    }
    code = start_and_wait(app, cmdline, inheritable(STD_ERROR_HANDLE));
    if (code != 0) ExitProcess(code);
}

/* ------------------------------------------------------------------ main */

/* GVW_SHIM_DEPTH as a number; anything but digits counts as 0 (as in the POSIX shim).
 * Saturates instead of overflowing. */
static DWORD shim_depth(const WCHAR *v) {
    DWORD d = 0;
    SIZE_T i;
    if (!v || !v[0]) return 0;
    for (i = 0; v[i]; i++)
        if (v[i] < L'0' || v[i] > L'9') return 0;
    for (i = 0; v[i]; i++) {
        d = d * 10 + (DWORD)(v[i] - L'0');
        if (d > 1000000) d = 1000000;
    }
    return d;
}

static void resolve_and_run(Shim *shim);

/* The selected version is not installed: with auto-install on, install it and resolve
 * again (once); else the error. */
static void missing(Shim *shim, const Spec *sp, const Selection *sel) {
    if (!shim->auto_tried && auto_install_on(shim)) {
        shim->auto_tried = 1;
        install_missing(shim, sp, sel);
        resolve_and_run(shim);
    }
    die_missing(sp, sel);
}

static void resolve_and_run(Shim *shim) {
    Selection sel = {0};
    Spec sp;
    const WCHAR *bin_name = shim->launcher ? L"go.exe" : wcat3(shim->tool, L".exe", NULL);
    WCHAR *versions_dir = wjoin(shim->root, L"versions");
    WCHAR *chosen = NULL, *goroot, *target;

    if (shim->launcher) {
        /* go1.22.10 always runs 1.22.10, whatever is selected: this is what Go's own
         * GOTOOLCHAIN switch finds on PATH. */
        SIZE_T n = wlen(shim->tool), i;
        char *w = (char *)xalloc(n + 1);
        for (i = 0; i < n; i++) w[i] = shim->tool[i] < 0x80 ? (char)shim->tool[i] : '\x80';
        w[0] = 'g'; /* GO1.22.10.EXE is the same file on Windows */
        w[1] = 'o';
        sel.word = w;
        sel.word_len = n;
        sel.origin_text = "launcher ";
        sel.origin_name = shim->tool;
        if (!parse_spec(w, n, &sp) || (sp.kind != S_EXACT && sp.kind != S_FAMILY))
            die_invalid(&sel);
        chosen = ascii_to_wide(sp.spec, sp.spec_len);
        if (!is_dir(wjoin(versions_dir, chosen))) missing(shim, &sp, &sel);
    } else if (!select_version(shim, &sel)) {
        WCHAR *sys = find_system(shim, bin_name);
        Buf b = {0};
        if (sys) run(sys);
        buf_str(&b, "gvw: no Go version selected and no other go on PATH\n");
        buf_str(&b, "gvw: select one with: gvw global <version> or gvw local <version>\n");
        die(EXIT_NO_VERSION, &b);
    } else {
        if (!parse_spec(sel.word, sel.word_len, &sp)) die_invalid(&sel);
        if (sp.kind == S_SYSTEM) {
            /* the system Go knows its own GOROOT: the environment is left alone */
            WCHAR *sys = find_system(shim, bin_name);
            Buf b = {0};
            if (sys) run(sys);
            buf_str(&b, "gvw: no system Go found on PATH");
            buf_origin(&b, &sel);
            buf_str(&b, "gvw: select a version with: gvw global <version>\n");
            die(EXIT_NOT_INSTALLED, &b);
        }
        if (sp.kind == S_EXACT) {
            chosen = ascii_to_wide(sp.spec, sp.spec_len);
            if (!is_dir(wjoin(versions_dir, chosen))) chosen = NULL;
        } else {
            chosen = newest_installed(versions_dir, &sp);
        }
        if (!chosen) missing(shim, &sp, &sel);
    }

    goroot = wjoin(versions_dir, chosen);
    /* An inherited GOROOT of another version gives "compile: version X does not
     * match go tool version Y" (golang/go#26933). */
    SetEnvironmentVariableW(L"GOROOT", goroot);
    target = wjoin(wjoin(goroot, L"bin"), bin_name);
    run(target);
}

void entry(void) {
    Shim shim;
    WCHAR *self = long_name(unprefix(module_path()));
    SIZE_T n = wlen(self), slash = n, name_len;
    WCHAR *depth_text = get_env(L"GVW_SHIM_DEPTH");
    DWORD depth = shim_depth(depth_text);
    static WCHAR buf[12];
    WCHAR *root_env;
    int i;

    /* Loop guard: a shim that finds itself (PATH or a broken store) would otherwise
     * start itself forever. */
    if (depth >= MAX_DEPTH) {
        Buf b = {0};
        buf_str(&b, "gvw: shim recursion detected (GVW_SHIM_DEPTH=");
        buf_wide(&b, depth_text);
        buf_str(&b, "); check PATH and the selected version\n");
        die(EXIT_SHIM_LOOP, &b);
    }
    i = 11;
    buf[i] = 0;
    depth++;
    do {
        buf[--i] = (WCHAR)(L'0' + depth % 10);
        depth /= 10;
    } while (depth);
    g_depth = buf + i; /* set by run(): gvw install gets the environment unchanged */
    shim.auto_tried = 0;

    /* The tool is the shim's own file name without ".exe" (any case). */
    while (slash > 0 && self[slash - 1] != L'\\' && self[slash - 1] != L'/') slash--;
    name_len = n - slash;
    if (name_len > 4 && wieq_ascii(self + n - 4, 4, ".exe")) name_len -= 4;
    shim.tool = wdup_n(self + slash, name_len);
    shim.shims_dir = wdup_n(self, slash ? slash - 1 : 0);

    if (wieq_ascii(shim.tool, name_len, "go")) {
        shim.tool = L"go";
        shim.launcher = 0;
    } else if (wieq_ascii(shim.tool, name_len, "gofmt")) {
        shim.tool = L"gofmt";
        shim.launcher = 0;
    } else if (name_len > 2 && wlower(shim.tool[0]) == L'g' && wlower(shim.tool[1]) == L'o' &&
               shim.tool[2] >= L'0' && shim.tool[2] <= L'9') {
        shim.launcher = 1;
    } else {
        Buf b = {0};
        buf_str(&b, "gvw: unknown shim name \"");
        buf_wide(&b, shim.tool);
        buf_str(&b, "\" (expected go, gofmt or go<version>)\n");
        die(EXIT_ERROR, &b);
    }

    /* The store is the parent of the shims directory unless GVW_ROOT says otherwise. */
    root_env = get_env(L"GVW_ROOT");
    if (root_env && root_env[0]) {
        /* "~" and "~\..." mean the user profile, as in gvw (Path.expanduser) */
        if (root_env[0] == L'~' && (!root_env[1] || root_env[1] == L'\\' || root_env[1] == L'/')) {
            WCHAR *home = get_env(L"USERPROFILE");
            if (home && home[0]) root_env = wcat3(home, root_env + 1, NULL);
        }
        shim.root = full_path(root_env);
    } else {
        WCHAR *parent = wdup_n(shim.shims_dir, wlen(shim.shims_dir));
        SIZE_T k = wlen(parent);
        while (k > 0 && parent[k - 1] != L'\\' && parent[k - 1] != L'/') k--;
        if (k > 0) parent[k - 1] = 0;
        shim.root = full_path(parent);
    }

    resolve_and_run(&shim);
}

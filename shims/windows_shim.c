/*
 * gvw Windows shim: installed as go.exe, gofmt.exe and go<version>.exe.
 *
 * What the shim decides and says is gvw_core.h, shared with the POSIX native shim
 * (the same table of cases, tests/selection_cases.py, runs against it under Wine);
 * this file is its table of platform operations: files, the environment and
 * processes, with kernel32. It runs <root>\versions\<v>\bin\<tool>.exe itself. No
 * cmd.exe and no .bat: batch shims break quoting, print "Terminate batch job (Y/N)?"
 * and cannot be started by CreateProcess callers (nodejs/node#52681, golang/go#69939,
 * pyenv-win#352).
 *
 * Built with mingw-w64 against kernel32 only, without a C runtime
 * (scripts/build_windows_shim.py): no CRT start-up, no code page changes
 * (pyenv-win#270), a few KB. Wide-character (W) APIs everywhere, so that non-ASCII
 * user names and paths longer than MAX_PATH work (nvm-windows#41, #881); the core's
 * strings are WTF-8, which carries every UTF-16 name, lone surrogates included.
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

#define GVW_IS_SEP(c) ((c) == '\\' || (c) == '/')
#define GVW_SEP '\\'
#define GVW_EXE ".exe"
#define GVW_NAMES_IGNORE_CASE 1
#define GVW_UTF16_NAMES 1
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

static void *plat_alloc(size_t n) {
    void *p = HeapAlloc(GetProcessHeap(), 0, n ? n : 1);
    if (!p) gvw_out_of_memory();
    return p;
}

static void plat_exit(unsigned long code) { ExitProcess((UINT)code); }

/* ------------------------------------------------------------------ wide strings */

static SIZE_T wlen(const WCHAR *s) {
    SIZE_T n = 0;
    while (s[n]) n++;
    return n;
}

static WCHAR *wdup_n(const WCHAR *s, SIZE_T n) {
    WCHAR *r = (WCHAR *)plat_alloc((n + 1) * sizeof(WCHAR));
    memcpy(r, s, n * sizeof(WCHAR));
    r[n] = 0;
    return r;
}

/* a + b + c, any of them may be NULL */
static WCHAR *wcat3(const WCHAR *a, const WCHAR *b, const WCHAR *c) {
    SIZE_T la = a ? wlen(a) : 0, lb = b ? wlen(b) : 0, lc = c ? wlen(c) : 0;
    WCHAR *r = (WCHAR *)plat_alloc((la + lb + lc + 1) * sizeof(WCHAR));
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

static WCHAR wlower(WCHAR c) { return (c >= L'A' && c <= L'Z') ? (WCHAR)(c + 32) : c; }

/* WTF-8 -> UTF-16 (``n`` bytes; *len units). What is not WTF-8 becomes U+FFFD, a
 * byte at a time. */
static WCHAR *wide_n(const char *s, SIZE_T n, SIZE_T *len) {
    WCHAR *w = (WCHAR *)plat_alloc((n + 1) * sizeof(WCHAR)); /* never more units than bytes */
    SIZE_T i = 0, k = 0, more, j;
    while (i < n) {
        unsigned c = (unsigned char)s[i];
        unsigned long cp;
        if (c < 0x80) {
            w[k++] = (WCHAR)c;
            i++;
            continue;
        }
        /* how many continuation bytes follow; 0: no valid lead byte */
        more = c < 0xc2 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf5 ? 3 : 0;
        cp = c & (0x3f >> more);
        for (j = 1; more && j <= more; j++) {
            if (i + j >= n || ((unsigned char)s[i + j] & 0xc0) != 0x80) break;
            cp = (cp << 6) | ((unsigned char)s[i + j] & 0x3f);
        }
        /* cut short, or an overlong or too large encoding */
        if (!more || j <= more || (more == 2 && cp < 0x800) ||
            (more == 3 && (cp < 0x10000 || cp > 0x10ffff))) {
            w[k++] = 0xfffd;
            i++;
            continue;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            w[k++] = (WCHAR)(0xd800 + (cp >> 10));
            w[k++] = (WCHAR)(0xdc00 + (cp & 0x3ff));
        } else {
            w[k++] = (WCHAR)cp;
        }
        i += more + 1;
    }
    w[k] = 0;
    if (len) *len = k;
    return w;
}

static WCHAR *wide(const char *s) { return wide_n(s, blen(s), NULL); }

/* UTF-16 -> WTF-8: a surrogate pair is one character, a lone surrogate is kept. */
static char *narrow(const WCHAR *w) {
    SIZE_T n = wlen(w), i, k = 0;
    char *s = (char *)plat_alloc(3 * n + 1);
    for (i = 0; i < n; i++) {
        unsigned long c = w[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && w[i + 1] >= 0xdc00 && w[i + 1] < 0xe000)
            c = 0x10000 + ((c - 0xd800) << 10) + (w[++i] - 0xdc00);
        if (c < 0x80) {
            s[k++] = (char)c;
        } else if (c < 0x800) {
            s[k++] = (char)(0xc0 | (c >> 6));
            s[k++] = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            s[k++] = (char)(0xe0 | (c >> 12));
            s[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
            s[k++] = (char)(0x80 | (c & 0x3f));
        } else {
            s[k++] = (char)(0xf0 | (c >> 18));
            s[k++] = (char)(0x80 | ((c >> 12) & 0x3f));
            s[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
            s[k++] = (char)(0x80 | (c & 0x3f));
        }
    }
    s[k] = 0;
    return s;
}

/* ------------------------------------------------------------------ output */

/* A console gets UTF-16 through WriteConsoleW, so the text is right whatever the
 * console code page (which the shim never changes, pyenv-win#270); a pipe or file gets
 * UTF-8 bytes. A lone surrogate of a path becomes U+FFFD on the way. */
static void plat_write_error(const char *text, size_t n) {
    HANDLE h = GetStdHandle(STD_ERROR_HANDLE);
    DWORD mode, done;
    SIZE_T units, off = 0;
    WCHAR *w;
    char *utf8;
    int bytes;
    if (!h || h == INVALID_HANDLE_VALUE || !n) return;
    w = wide_n(text, n, &units);
    bytes = WideCharToMultiByte(CP_UTF8, 0, w, (int)units, NULL, 0, NULL, NULL);
    if (bytes <= 0) return;
    utf8 = (char *)plat_alloc((SIZE_T)bytes);
    WideCharToMultiByte(CP_UTF8, 0, w, (int)units, utf8, bytes, NULL, NULL);
    if (GetConsoleMode(h, &mode)) {
        int wn = MultiByteToWideChar(CP_UTF8, 0, utf8, bytes, NULL, 0);
        WCHAR *shown = (WCHAR *)plat_alloc(((SIZE_T)wn + 1) * sizeof(WCHAR));
        MultiByteToWideChar(CP_UTF8, 0, utf8, bytes, shown, wn);
        WriteConsoleW(h, shown, (DWORD)wn, &done, NULL);
        return;
    }
    while (off < (SIZE_T)bytes &&
           WriteFile(h, utf8 + off, (DWORD)((SIZE_T)bytes - off), &done, NULL) && done)
        off += done;
}

/* ------------------------------------------------------------------ environment */

/* Returns NULL when the variable is not set. */
static WCHAR *get_env(const WCHAR *name) {
    DWORD cap = 256, n;
    for (;;) {
        WCHAR *buf = (WCHAR *)plat_alloc(cap * sizeof(WCHAR));
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

static const char *plat_get_env(const char *name) {
    WCHAR *value = get_env(wide(name));
    return value ? narrow(value) : NULL;
}

static int plat_set_env(const char *name, const char *value) {
    return SetEnvironmentVariableW(wide(name), wide(value)) != 0;
}

/* ------------------------------------------------------------------ paths */

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
        buf = (WCHAR *)plat_alloc(cap * sizeof(WCHAR));
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
        WCHAR *buf = (WCHAR *)plat_alloc(cap * sizeof(WCHAR));
        n = GetLongPathNameW(long_path(p), buf, cap);
        if (n == 0) return p;
        if (n < cap) return full_path(unprefix(buf));
        cap = n + 1;
    }
}

/* GetModuleFileNameW truncates silently when the buffer is too small: grow it until
 * the result fits (paths can exceed MAX_PATH). */
static char *plat_own_path(void) {
    DWORD cap = MAX_PATH, n;
    for (;;) {
        WCHAR *buf = (WCHAR *)plat_alloc(cap * sizeof(WCHAR));
        n = GetModuleFileNameW(NULL, buf, cap);
        if (n == 0) return NULL;
        if (n < cap - 1) return narrow(long_name(unprefix(buf)));
        cap *= 2;
    }
}

/* "~" and "~\..." mean the user profile, as in gvw (Path.expanduser). */
static char *plat_root_from_env(const char *value) {
    WCHAR *root = wide(value);
    if (root[0] == L'~' && (!root[1] || root[1] == L'\\' || root[1] == L'/')) {
        WCHAR *home = get_env(L"USERPROFILE");
        if (home && home[0]) root = wcat3(home, root + 1, NULL);
    }
    return narrow(full_path(root));
}

/* As gvw/base/paths.py: %ProgramData%\gvw (C:\ProgramData\gvw where it is not set)
 * for the machine; %LOCALAPPDATA%\gvw for the user, none without that variable. */
static char *plat_default_root(int machine) {
    WCHAR *base = get_env(machine ? L"PROGRAMDATA" : L"LOCALAPPDATA");
    if (!base || !base[0]) {
        if (!machine) return NULL;
        base = (WCHAR *)L"C:\\ProgramData";
    }
    return narrow(full_path(wjoin(base, L"gvw")));
}

/* Directories compared as the system names them: full, long names, any case. */
static WCHAR *dir_key(const char *path) { return long_name(full_path(wide(path))); }

static int plat_same_dir(const char *a, const char *b) {
    return CompareStringOrdinal(dir_key(a), -1, dir_key(b), -1, TRUE) == CSTR_EQUAL;
}

/* Length of the part of an absolute path that the walk up never removes: "C:\" or
 * the share root "\\server\share\" (docs/selection.md: walk up to the drive or UNC share root). */
static size_t root_length(const char *p) {
    size_t i, n = blen(p);
    int parts;
    if (n >= 2 && p[0] == '\\' && p[1] == '\\') {
        /* \\server\share\ : skip two components */
        i = 2;
        for (parts = 0; parts < 2; parts++) {
            while (i < n && p[i] != '\\') i++;
            if (i < n) i++;
        }
        return i;
    }
    if (n >= 2 && p[1] == ':') return (n >= 3 && p[2] == '\\') ? 3 : 2;
    return 0;
}

/* The current directory as the physical path (docs/selection.md: "symlinks resolved"), via
 * GetFinalPathNameByHandleW on the directory; the logical path when that fails. */
static int plat_current_dir(char **dir, size_t *root_len) {
    DWORD cap = MAX_PATH, n;
    WCHAR *cwd;
    HANDLE h;
    for (;;) {
        cwd = (WCHAR *)plat_alloc(cap * sizeof(WCHAR));
        n = GetCurrentDirectoryW(cap, cwd);
        if (n == 0) return -1;
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
            WCHAR *buf = (WCHAR *)plat_alloc(cap * sizeof(WCHAR));
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
    *dir = narrow(cwd);
    *root_len = root_length(*dir);
    return 1;
}

/* ------------------------------------------------------------------ files */

static int plat_name_holds(const char *name) {
    WCHAR *path = wide(name);
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

static int plat_kind(const char *path) {
    DWORD a = attributes(wide(path));
    if (a == INVALID_FILE_ATTRIBUTES) return KIND_ABSENT;
    return (a & FILE_ATTRIBUTE_DIRECTORY) ? KIND_DIR : KIND_FILE;
}

/* Only a disk file is read (GetFileType): under Wine a Unix FIFO opens as a pipe, and
 * reading it could wait for a writer. A directory does not open without
 * FILE_FLAG_BACKUP_SEMANTICS. */
static long plat_read_head(const char *path, char *buf, size_t cap) {
    HANDLE h = CreateFileW(long_path(wide(path)), GENERIC_READ,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    DWORD got = 0, n;
    if (h == INVALID_HANDLE_VALUE) return -1;
    if (GetFileType(h) != FILE_TYPE_DISK) got = (DWORD)cap + 1;
    while (got < cap) {
        if (!ReadFile(h, buf + got, (DWORD)cap - got, &n, NULL)) got = (DWORD)cap + 1;
        else if (!n) break;
        else got += n;
    }
    CloseHandle(h);
    return got > cap ? -1 : (long)got;
}

/* Only names a version can have are passed on: ASCII and short. */
static void plat_each_subdir(const char *dir, EntryFound found, void *ctx) {
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(long_path(wjoin(wide(dir), L"*")), &fd);
    if (h == INVALID_HANDLE_VALUE) return;
    do {
        char name[64];
        SIZE_T i, n = wlen(fd.cFileName);
        int ascii = n < sizeof(name);
        if (!(fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) || !ascii) continue;
        for (i = 0; i < n; i++) {
            if (fd.cFileName[i] > 0x7e) ascii = 0;
            name[i] = (char)fd.cFileName[i];
        }
        if (ascii) found(ctx, name, n, 1);
    } while (FindNextFileW(h, &fd));
    FindClose(h);
}

/* The first <tool>.exe on PATH whose directory is none of the shims directories
 * (compared as normalised full paths, case-insensitively, ignoring trailing
 * separators). */
static char *plat_find_system(const Shim *shim) {
    WCHAR *path = get_env(L"PATH");
    WCHAR *shims[SHIMS_DIRS];
    const WCHAR *exe = wide(shim->bin);
    SIZE_T i = 0, n;
    int d, skip;
    for (d = 0; d < SHIMS_DIRS; d++) shims[d] = dir_key(shims_dir(shim, d));
    if (!path) return NULL;
    n = wlen(path);
    while (i < n) {
        SIZE_T start = i, k = 0, j;
        WCHAR *entry, *dir, *cand;
        while (i < n && path[i] != L';') i++;
        /* quotes in a PATH entry only protect ';' and are not part of the name */
        entry = (WCHAR *)plat_alloc((i - start + 1) * sizeof(WCHAR));
        for (j = start; j < i; j++)
            if (path[j] != L'"') entry[k++] = path[j];
        entry[k] = 0;
        i++;
        if (k == 0) continue;
        dir = long_name(full_path(entry));
        for (skip = 0, d = 0; d < SHIMS_DIRS; d++)
            skip |= CompareStringOrdinal(dir, -1, shims[d], -1, TRUE) == CSTR_EQUAL;
        if (skip) continue;
        cand = wjoin(dir, exe);
        if (is_file(cand)) return narrow(cand);
    }
    return NULL;
}

/* ------------------------------------------------------------------ processes */

static HANDLE g_child;

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
 * stdin and stderr, stdout going to ``out``, and waits for it: 1 and its exit code in
 * *result, or 0 and the error when it cannot be started. */
static int start_and_wait(const WCHAR *app, WCHAR *cmdline, HANDLE out, unsigned long *result) {
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
        *result = GetLastError();
        return 0;
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
    *result = code;
    return 1;
}

static unsigned long plat_run(const char *target) {
    /* "target" tail: the caller's arguments exactly as they were written */
    WCHAR *app = wide(target);
    WCHAR *cmdline = wcat3(wcat3(L"\"", app, L"\""), command_tail(), NULL);
    unsigned long result;
    if (start_and_wait(app, cmdline, inheritable(STD_OUTPUT_HANDLE), &result))
        ExitProcess((UINT)result);
    return result;
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
    q = (WCHAR *)plat_alloc((2 * n + 3) * sizeof(WCHAR));
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

/* The first argument is the program's full path (no search). In a kill-on-close job
 * like the toolchain, and Ctrl+C is its to handle, as for the toolchain. */
static int plat_run_install(char **args, unsigned long *status) {
    WCHAR *cmdline = quote_arg(wide(args[0]));
    char **arg;
    for (arg = args + 1; *arg; arg++) cmdline = wcat3(cmdline, L" ", quote_arg(wide(*arg)));
    return start_and_wait(wide(args[0]), cmdline, inheritable(STD_ERROR_HANDLE), status);
}

/* Windows errors are shown by number, and the shim exits 1. */
static const char *plat_error_text(unsigned long err, unsigned long *exit_code) {
    (void)err;
    *exit_code = EXIT_ERROR;
    return NULL;
}

void entry(void) {
    gvw_main();
    ExitProcess(EXIT_ERROR);
}

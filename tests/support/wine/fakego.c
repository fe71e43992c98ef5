/*
 * A fake go.exe / gofmt.exe for the Windows shim tests (built with mingw-w64, run
 * under Wine). It reports what the shim gave it, one `key "json string"` line each on
 * stdout (UTF-8):
 *
 *   exe    its own path (GetModuleFileNameW): which toolchain the shim selected
 *   goroot GOROOT, depth GVW_SHIM_DEPTH (or null when unset)
 *   tail   the command line after argv[0] (Microsoft C runtime rule)
 *   arg    each argv[i], i >= 1, as the C runtime parsed them
 *
 * then acts on its arguments:
 *   exit N          exit with code N (decimal or 0x hex; the full 32 bits)
 *   sleep PIDFILE   write its pid to PIDFILE, then sleep 60 s (job object test)
 *   ctrl FILE READY install a console handler, create READY, wait; on Ctrl+C exit 42
 *                   and on Ctrl+Break exit 43, after writing the event to FILE
 *   gvw-install ROOT TOOLCHAIN install SPEC
 *                   a fake `gvw install SPEC` for the shim's auto-install: writes
 *                   "fake gvw: progress" on stderr, then exits with FAKE_GVW_EXIT when
 *                   it is set, else copies TOOLCHAIN to ROOT\versions\SPEC\bin\go.exe
 *
 * As a helper, `fakego shortpath PATH` prints only `short "<8.3 spelling of PATH>"`.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static void put_json(const char *key, const wchar_t *w) {
    int n;
    char *u;
    int i;
    fputs(key, stdout);
    if (!w) {
        fputs(" null\n", stdout);
        return;
    }
    n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    u = malloc((size_t)n + 1);
    WideCharToMultiByte(CP_UTF8, 0, w, -1, u, n, NULL, NULL);
    fputs(" \"", stdout);
    for (i = 0; u[i]; i++) {
        unsigned char c = (unsigned char)u[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    fputs("\"\n", stdout);
    free(u);
}

static wchar_t *env(const wchar_t *name) {
    DWORD n = GetEnvironmentVariableW(name, NULL, 0);
    wchar_t *v;
    if (n == 0) return GetLastError() == ERROR_ENVVAR_NOT_FOUND ? NULL : L"";
    v = malloc(n * sizeof(wchar_t));
    GetEnvironmentVariableW(name, v, n);
    return v;
}

static const wchar_t *tail(void) {
    const wchar_t *p = GetCommandLineW();
    int quoted = 0;
    while (*p) {
        if (*p == L'"')
            quoted = !quoted;
        else if (!quoted && (*p == L' ' || *p == L'\t'))
            break;
        p++;
    }
    return p;
}

static HANDLE g_file;

static BOOL WINAPI on_ctrl(DWORD event) {
    const char *what = event == CTRL_C_EVENT ? "ctrl-c" : event == CTRL_BREAK_EVENT ? "ctrl-break"
                                                                                     : "other";
    DWORD done;
    WriteFile(g_file, what, (DWORD)strlen(what), &done, NULL);
    CloseHandle(g_file);
    ExitProcess(event == CTRL_C_EVENT ? 42 : event == CTRL_BREAK_EVENT ? 43 : 44);
    return TRUE;
}

static HANDLE create(const wchar_t *path) {
    return CreateFileW(path, GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS,
                       FILE_ATTRIBUTE_NORMAL, NULL);
}

int wmain(int argc, wchar_t **argv) {
    wchar_t self[32768];
    int i;
    if (argc >= 3 && wcscmp(argv[1], L"shortpath") == 0) {
        /* a helper for the tests, not a report: the 8.3 spelling of argv[2] */
        GetShortPathNameW(argv[2], self, 32768);
        put_json("short", self);
        return 0;
    }
    GetModuleFileNameW(NULL, self, 32768);
    put_json("exe", self);
    put_json("goroot", env(L"GOROOT"));
    put_json("depth", env(L"GVW_SHIM_DEPTH"));
    put_json("tail", tail());
    for (i = 1; i < argc; i++) put_json("arg", argv[i]);
    fflush(stdout);

    if (argc >= 3 && wcscmp(argv[1], L"exit") == 0) {
        ExitProcess((UINT)wcstoul(argv[2], NULL, 0));
    }
    if (argc >= 3 && wcscmp(argv[1], L"sleep") == 0) {
        HANDLE h = create(argv[2]);
        char buf[32];
        DWORD done;
        int n = sprintf(buf, "%lu", GetCurrentProcessId());
        WriteFile(h, buf, (DWORD)n, &done, NULL);
        CloseHandle(h);
        Sleep(60000);
        return 0;
    }
    if (argc == 6 && wcscmp(argv[1], L"gvw-install") == 0) {
        wchar_t *code = env(L"FAKE_GVW_EXIT");
        fputs("fake gvw: progress\n", stderr);
        fflush(stderr);
        if (code) ExitProcess((UINT)wcstoul(code, NULL, 0));
        swprintf(self, 32768, L"%ls\\versions\\%ls", argv[2], argv[5]);
        CreateDirectoryW(self, NULL);
        wcscat(self, L"\\bin");
        CreateDirectoryW(self, NULL);
        wcscat(self, L"\\go.exe");
        return CopyFileW(argv[3], self, FALSE) ? 0 : 97;
    }
    if (argc >= 4 && wcscmp(argv[1], L"ctrl") == 0) {
        g_file = create(argv[2]);
        SetConsoleCtrlHandler(on_ctrl, TRUE);
        CloseHandle(create(argv[3]));
        Sleep(30000);
        return 7;
    }
    return 0;
}

/*
 * A Windows-side parent for the shim tests (built with mingw-w64, run under Wine).
 *
 * Under Wine the exit code of a Windows process reaches Linux truncated to 8 bits,
 * and `wine prog args` builds the Windows command line itself. This program starts
 * processes with an exact command line through CreateProcessW and reports the full
 * 32-bit exit code, and it runs many jobs in one Wine start (each Wine start costs
 * a few hundred milliseconds).
 *
 *   runner.exe REQUEST RESULTS
 *
 * REQUEST holds lines "key HEX" (HEX: the UTF-8 value, hex encoded, so that any
 * character survives); a line "end" runs the job described since the last one:
 *   mode      run | kill | ctrl-c | ctrl-break      (default run)
 *   app       lpApplicationName (default: none)
 *   cmd       the command line, exactly
 *   cwd       the working directory
 *   set       NAME=VALUE in the child's environment (restored after the job)
 *   unset     NAME
 *   stdout    file for the child's stdout, stderr: for its stderr
 *   pidfile   (kill) the file where the grandchild writes its pid
 *   ready     (ctrl-*) the file the grandchild creates once its handler is set
 *   timeout   milliseconds (default 60000)
 * RESULTS gets one line per job, "STATUS CODE key=value ...", CODE unsigned decimal:
 *   exit      the process ended by itself (or as the mode below ended it)
 *   timeout   it was still running after `timeout` ms: the runner killed it (CODE is
 *             then the runner's 0xDEAD, never the program's own)
 *   waitfail  waiting for it failed (wait_error=N): the runner killed it, as above
 *   startfail CreateProcessW failed; CODE is the Windows error
 * and always ms=N, the time from CreateProcessW to the end of the job.
 *
 *   kill:      start the job, wait for pidfile, open the grandchild, TerminateProcess
 *              the started process; report child_alive (before), child_gone (after)
 *   ctrl-c:    start the job in this console, wait for ready, GenerateConsoleCtrlEvent
 *              (CTRL_C_EVENT, 0) to every process on it; report the exit code
 *   ctrl-break: the same with CTRL_BREAK_EVENT
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define MAX_VARS 64

typedef struct {
    char mode[16];
    wchar_t *app, *cmd, *cwd, *out, *err, *pidfile, *ready;
    wchar_t *set[MAX_VARS];
    int nset;
    DWORD timeout;
} Job;

static FILE *g_results;

static wchar_t *from_hex(const char *hex) {
    size_t n = strlen(hex) / 2, i;
    char *bytes = malloc(n + 1);
    int wn;
    wchar_t *w;
    for (i = 0; i < n; i++) {
        unsigned int b;
        sscanf(hex + 2 * i, "%2x", &b);
        bytes[i] = (char)b;
    }
    bytes[n] = 0;
    wn = MultiByteToWideChar(CP_UTF8, 0, bytes, (int)n + 1, NULL, 0);
    w = malloc((size_t)wn * sizeof(wchar_t));
    MultiByteToWideChar(CP_UTF8, 0, bytes, (int)n + 1, w, wn);
    free(bytes);
    return w;
}

static HANDLE open_out(const wchar_t *path) {
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    if (!path) return INVALID_HANDLE_VALUE;
    return CreateFileW(path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                       CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
}

static BOOL WINAPI ignore_ctrl(DWORD event) {
    (void)event;
    return TRUE;
}

static int wait_for_file(const wchar_t *path, DWORD timeout, char *content, size_t cap) {
    DWORD waited = 0;
    for (;;) {
        HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                               OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
        if (h != INVALID_HANDLE_VALUE) {
            DWORD got = 0;
            if (content) {
                ReadFile(h, content, (DWORD)cap - 1, &got, NULL);
                content[got] = 0;
            }
            CloseHandle(h);
            if (!content || got > 0) return 1;
        }
        if (waited >= timeout) return 0;
        Sleep(50);
        waited += 50;
    }
}

static void run_job(Job *job) {
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    wchar_t *saved[MAX_VARS];
    wchar_t *names[MAX_VARS];
    HANDLE out, err, in;
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    DWORD flags = 0, code = 0, rc;
    ULONGLONG started;
    const char *status = "exit";
    int i;
    char extra[512] = "";

    for (i = 0; i < job->nset; i++) {
        wchar_t *eq = wcschr(job->set[i], L'=');
        wchar_t *name = job->set[i];
        DWORD n;
        if (eq == job->set[i]) eq = wcschr(job->set[i] + 1, L'=');
        if (eq) *eq = 0;
        names[i] = name;
        n = GetEnvironmentVariableW(name, NULL, 0);
        saved[i] = NULL;
        if (n) {
            saved[i] = malloc(n * sizeof(wchar_t));
            GetEnvironmentVariableW(name, saved[i], n);
        }
        SetEnvironmentVariableW(name, eq ? eq + 1 : NULL);
    }

    in = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING,
                     0, NULL);
    out = open_out(job->out);
    err = open_out(job->err);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = in;
    si.hStdOutput = out;
    si.hStdError = err;

    started = GetTickCount64();
    if (!CreateProcessW(job->app, job->cmd, NULL, NULL, TRUE, flags, NULL, job->cwd, &si, &pi)) {
        DWORD error = GetLastError();
        fprintf(g_results, "startfail %lu ms=%lu\n", error, (DWORD)(GetTickCount64() - started));
        goto done;
    }
    CloseHandle(pi.hThread);

    if (strcmp(job->mode, "kill") == 0) {
        char pidtext[32];
        HANDLE child = NULL;
        if (wait_for_file(job->pidfile, job->timeout, pidtext, sizeof(pidtext))) {
            DWORD pid = strtoul(pidtext, NULL, 10);
            child = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_INFORMATION | PROCESS_TERMINATE,
                                FALSE, pid);
        }
        if (!child) {
            TerminateProcess(pi.hProcess, 99);
            snprintf(extra, sizeof(extra), " child_found=0");
        } else {
            int alive = WaitForSingleObject(child, 0) == WAIT_TIMEOUT;
            int gone;
            DWORD child_code = 0;
            TerminateProcess(pi.hProcess, 99);
            WaitForSingleObject(pi.hProcess, job->timeout);
            gone = WaitForSingleObject(child, 3000) == WAIT_OBJECT_0;
            GetExitCodeProcess(child, &child_code);
            if (!gone) TerminateProcess(child, 98); /* leave nothing behind */
            snprintf(extra, sizeof(extra), " child_found=1 child_alive=%d child_gone=%d child_exit=%lu",
                     alive, gone, child_code);
            CloseHandle(child);
        }
    } else if (strncmp(job->mode, "ctrl-", 5) == 0) {
        int ready = wait_for_file(job->ready, job->timeout, NULL, 0);
        BOOL sent = FALSE;
        if (ready) {
            /* group 0: every process on the console, as the keys do. (Wine 8 fails
             * CTRL_BREAK_EVENT sent to one process group with ERROR_INVALID_HANDLE.) */
            sent = GenerateConsoleCtrlEvent(
                strcmp(job->mode, "ctrl-c") == 0 ? CTRL_C_EVENT : CTRL_BREAK_EVENT, 0);
        }
        snprintf(extra, sizeof(extra), " ready=%d sent=%d sent_error=%lu", ready, sent,
                 sent ? 0 : GetLastError());
        if (!sent) TerminateProcess(pi.hProcess, 0xDEAD); /* nothing will end it */
    }

    rc = WaitForSingleObject(pi.hProcess, job->timeout);
    if (rc != WAIT_OBJECT_0) {
        /* reported as such, never as an exit code of the job's own */
        char note[32];
        if (rc == WAIT_TIMEOUT) {
            status = "timeout";
        } else {
            status = "waitfail";
            snprintf(note, sizeof(note), " wait_error=%lu", GetLastError());
            strncat(extra, note, sizeof(extra) - strlen(extra) - 1);
        }
        TerminateProcess(pi.hProcess, 0xDEAD);
        WaitForSingleObject(pi.hProcess, 5000);
    }
    if (!GetExitCodeProcess(pi.hProcess, &code)) code = 0xDEAD;
    CloseHandle(pi.hProcess);
    fprintf(g_results, "%s %lu ms=%lu%s\n", status, code, (DWORD)(GetTickCount64() - started),
            extra);

done:
    fflush(g_results);
    if (out != INVALID_HANDLE_VALUE) CloseHandle(out);
    if (err != INVALID_HANDLE_VALUE) CloseHandle(err);
    if (in != INVALID_HANDLE_VALUE) CloseHandle(in);
    for (i = job->nset - 1; i >= 0; i--) SetEnvironmentVariableW(names[i], saved[i]);
}

int wmain(int argc, wchar_t **argv) {
    FILE *req;
    static char line[1 << 20];
    Job job;
    if (argc < 3) {
        fprintf(stderr, "usage: runner REQUEST RESULTS\n");
        return 2;
    }
    req = _wfopen(argv[1], L"rb");
    g_results = _wfopen(argv[2], L"wb");
    if (!req || !g_results) {
        fprintf(stderr, "runner: cannot open %ls or %ls\n", argv[1], argv[2]);
        return 2;
    }
    /* The ctrl-* jobs need a console shared with the children. Under Wine 8 a program
     * started with its output redirected has a console on which
     * GenerateConsoleCtrlEvent fails (ERROR_INVALID_ACCESS); a fresh one from
     * FreeConsole + AllocConsole delivers events. This process itself must survive
     * the events it sends: a handler routine, not SetConsoleCtrlHandler(NULL, TRUE),
     * which the children would inherit. */
    FreeConsole();
    AllocConsole();
    SetConsoleCtrlHandler(ignore_ctrl, TRUE);

    memset(&job, 0, sizeof(job));
    strcpy(job.mode, "run");
    job.timeout = 60000;
    while (fgets(line, sizeof(line), req)) {
        char *key = line, *value;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        value = strchr(line, ' ');
        if (value) *value++ = 0;
        if (strcmp(key, "end") == 0) {
            run_job(&job);
            memset(&job, 0, sizeof(job));
            strcpy(job.mode, "run");
            job.timeout = 60000;
        } else if (!value) {
            continue;
        } else if (strcmp(key, "mode") == 0) {
            wchar_t *w = from_hex(value);
            WideCharToMultiByte(CP_UTF8, 0, w, -1, job.mode, sizeof(job.mode), NULL, NULL);
        } else if (strcmp(key, "app") == 0) {
            job.app = from_hex(value);
        } else if (strcmp(key, "cmd") == 0) {
            job.cmd = from_hex(value);
        } else if (strcmp(key, "cwd") == 0) {
            job.cwd = from_hex(value);
        } else if (strcmp(key, "stdout") == 0) {
            job.out = from_hex(value);
        } else if (strcmp(key, "stderr") == 0) {
            job.err = from_hex(value);
        } else if (strcmp(key, "pidfile") == 0) {
            job.pidfile = from_hex(value);
        } else if (strcmp(key, "ready") == 0) {
            job.ready = from_hex(value);
        } else if (strcmp(key, "timeout") == 0) {
            job.timeout = (DWORD)_wtoi(from_hex(value));
        } else if ((strcmp(key, "set") == 0 || strcmp(key, "unset") == 0) &&
                   job.nset < MAX_VARS) {
            job.set[job.nset++] = from_hex(value);
        }
    }
    fclose(req);
    fclose(g_results);
    return 0;
}

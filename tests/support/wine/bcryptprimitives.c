/*
 * A stand-in bcryptprimitives.dll for Wine 8, which lacks it.
 *
 * Go 1.21.? and later call ProcessPrng at start-up (runtime/os_windows.go,
 * loadOptionalSyscalls) and throw "bcryptprimitives.dll not found" without it. The
 * runtime loads the DLL with LoadLibraryExW(..., LOAD_LIBRARY_SEARCH_SYSTEM32), so the
 * test set-up copies this file into the Wine prefix's system32; Wine 8 has no builtin
 * of that name, so no WINEDLLOVERRIDES entry is needed for the native one to load.
 *
 * ProcessPrng is documented as always returning TRUE; it fills the buffer from
 * RtlGenRandom (advapi32!SystemFunction036), which Wine implements.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
    while (size > 0) {
        ULONG chunk = size > 0x40000000 ? 0x40000000 : (ULONG)size;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
    (void)instance;
    (void)reason;
    (void)reserved;
    return TRUE;
}

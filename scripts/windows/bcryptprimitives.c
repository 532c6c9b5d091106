/* A stand-in for Windows' bcryptprimitives.dll, for running Windows test binaries under Wine 8
 * (Debian 12), which lacks it. Rust's standard library (1.78 and later) imports ProcessPrng from
 * it for random bytes (HashMap seeds, temporary file names); without the DLL no Rust program
 * starts. This one fills the buffer from RtlGenRandom (advapi32's SystemFunction036), which Wine
 * has. Only the Wine prefix of scripts/windows-check.sh gets it; real Windows has its own. */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!RtlGenRandom(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}

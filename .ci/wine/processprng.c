/*
 * bcryptprimitives.dll for Wine 8, which lacks it.
 *
 * Go's Windows runtime (1.24 and later) loads bcryptprimitives.dll from
 * System32 at start-up and takes its randomness from ProcessPrng; without
 * the DLL every Go program dies before main. This one export fills the
 * buffer from BCryptGenRandom with the system-preferred generator, which
 * Wine does implement. Test harness only: never shipped with aztoken.
 */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer harness for the 9P2000.L decoder (gofer/p9.c), the gofer's
 * first contact with untrusted bytes. The input becomes one message (its
 * size field patched to fit, so that the fuzzer explores bodies rather than
 * framing) and one Rreaddir payload. Whatever decodes must encode back to
 * the same bytes. test_p9.c runs it on random inputs too.
 *
 * Build as a fuzzer: add ['fuzz_p9', files('../unit/gofer/fuzz_p9.c',
 * '../../gofer/p9.c')] to tests/fuzz/meson.build's fuzz_targets.
 */
#include <stdlib.h>
#include <string.h>

#include "gofer/p9.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static void check_message(const u8 *data, size_t size)
{
	/* An exact-size copy: a sanitizer sees any read past the end. */
	u8 *msg = malloc(size ?: 1), *out;
	struct p9_msg m;
	ssize_t n;

	if (!msg)
		return;
	memcpy(msg, data, size);
	if (size >= 4) {
		u32 len = size;
		for (int i = 0; i < 4; i++)
			msg[i] = len >> (8 * i);
	}
	if (p9_decode(msg, size, &m) == 0) {
		n = p9_msg_size(&m);
		if (n != (ssize_t)size)
			abort();
		out = malloc(n);
		if (!out || p9_encode(&m, out, n) != n || memcmp(out, msg, n))
			abort();
		free(out);
	}
	free(msg);
}

static void check_dirents(const u8 *data, size_t size)
{
	u8 *buf = malloc(size ?: 1);
	size_t pos = 0;

	if (!buf)
		return;
	memcpy(buf, data, size);
	while (pos < size) {
		struct p9_dirent d;
		u8 again[P9_QIDSZ + 8 + 1 + 2 + 65535];
		ssize_t n = p9_dirent_decode(buf + pos, size - pos, &d);

		if (n < 0)
			break;
		if (p9_dirent_encode(&d, again, sizeof(again)) != n || memcmp(again, buf + pos, n))
			abort();
		pos += n;
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	check_message(data, size);
	check_dirents(data, size);
	return 0;
}

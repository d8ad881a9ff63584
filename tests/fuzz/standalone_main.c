// SPDX-License-Identifier: Apache-2.0
/*
 * Runs a libFuzzer harness over the files named on the command line, so
 * that compilers without libFuzzer can build the harness and replay a
 * corpus or a crash reproducer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/compiler.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	u8 *buf = NULL, *grown;
	size_t len = 0, cap = 0, n;

	if (!fp) {
		perror(path);
		return 1;
	}
	do {
		if (len == cap) {
			cap = cap ? 2 * cap : 65536;
			grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				fclose(fp);
				return 1;
			}
			buf = grown;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int i, failed = 0;

	for (i = 1; i < argc; i++)
		failed |= run_file(argv[i]);
	return failed;
}

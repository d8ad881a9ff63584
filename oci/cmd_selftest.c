// SPDX-License-Identifier: Apache-2.0
/* runsk selftest: the KVM platform's self-tests on this host's /dev/kvm. */
#include <stdio.h>

#include "cli.h"
#include "lib/log.h"
#include "mm/memfile.h"
#include "platform/platform.h"

int cmd_selftest(const struct global_opts *g, int argc, char **argv)
{
	if (log_init(g->debug_log, g->debug))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct memfile *mf = memfile_create(256ULL << 20);
	if (IS_ERR(mf))
		return 1;
	struct platform_memory pm = memfile_platform_memory(mf);
	struct platform_config pc = {.ncpus = 1, .mem = &pm};
	int ret = platform_kvm_selftest(&pc);
	memfile_destroy(mf);
	return ret;
}

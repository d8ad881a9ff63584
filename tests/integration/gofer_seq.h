/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One sequence of file operations through the client library, written down
 * as a transcript of results: what the same calls give against `runsk
 * gofer` and against diod must be the same text, and both must match what
 * the host says.
 */
#ifndef TESTS_INTEGRATION_GOFER_SEQ_H
#define TESTS_INTEGRATION_GOFER_SEQ_H

#include "gofer/client.h"

/* Lay out the tree the sequence expects under scratch/rel. */
void seq_prepare(const char *rel);
/*
 * Run the sequence on the tree attached as root; returns the transcript
 * (malloc'd). The tree is left as seq_prepare made it, plus a few files.
 */
char *seq_run(struct gofer_client *c, u32 root);

#endif

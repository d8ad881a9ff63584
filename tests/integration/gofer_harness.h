/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the gofer integration tests share: a scratch tree on the host, 9P
 * servers started on one end of a socketpair (`runsk gofer`, or diod), and
 * raw access to the socket for the tests that speak bytes, not calls.
 */
#ifndef TESTS_INTEGRATION_GOFER_HARNESS_H
#define TESTS_INTEGRATION_GOFER_HARNESS_H

#include <sys/types.h>

#include "gofer/client.h"

struct server {
	pid_t pid;
	int sock; /* our end; -1 once a client owns it */
	struct gofer_client *c;
	u32 root; /* the attached root fid */
	const char *aname;
};

/* A new scratch directory under /tmp; every path below is relative to it. */
const char *scratch_make(void);
void scratch_remove(void);
/* scratch/rel, in a static buffer (one at a time). */
const char *scratch_path(const char *rel);

/* Host-side helpers; fail the test on error. */
void host_write(const char *rel, const char *data);
void host_mkdir(const char *rel);
void host_rename(const char *from, const char *to);

/*
 * Start `runsk gofer --root=scratch/rel [--ro] --fd=3` with the other end of
 * a new socketpair. Only the socket is set up: see server_connect.
 */
void gofer_start(struct server *s, const char *runsk, const char *rel, bool ro);
/* Start argv (a server speaking on fd 3) the same way, aname "/". */
void server_start(struct server *s, char *const argv[]);
/* diod serving scratch/rel over the socketpair; false if diod is missing. */
bool diod_start(struct server *s, const char *rel);
/* Version and attach as root with the client library. */
void server_connect(struct server *s);
/*
 * Close the connection and reap the server; returns its wait status. Fails
 * the test if it does not exit within 10 seconds.
 */
int server_stop(struct server *s);

/* Raw messages on s->sock: send one encoded message; receive one (NULL if
 * the server closed the connection or sent nothing within 5 s). */
void raw_send(struct server *s, const struct p9_msg *m);
void raw_send_bytes(struct server *s, const void *buf, size_t len);
u8 *raw_recv(struct server *s, struct p9_msg *m);

#endif

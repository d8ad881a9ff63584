// SPDX-License-Identifier: Apache-2.0
/* `runsk gofer`: confine, then serve (gofer.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gofer_internal.h"
#include "lib/log.h"

/* Replies are framed by their size field, so the socket must be a byte
 * stream: a datagram socket would cut a message at our first read. */
static int check_socket(int sock)
{
	int type;
	socklen_t len = sizeof(type);

	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
		int err = -errno;

		pr_err("gofer: fd %d is not a socket: %s", sock, strerror(-err));
		return err;
	}
	if (type != SOCK_STREAM) {
		pr_err("gofer: fd %d is not a stream socket (give one end of "
		       "socketpair(AF_UNIX, SOCK_STREAM))",
		       sock);
		return -EINVAL;
	}
	return 0;
}

const char *gofer_bind_aname(unsigned i, char buf[GOFER_ANAME_MAX])
{
	snprintf(buf, GOFER_ANAME_MAX, "bind%u", i);
	return buf;
}

int gofer_run(const struct gofer_config *cfg)
{
	static char bind_names[GOFER_MAX_BINDS][GOFER_ANAME_MAX];
	struct gofer_server srv = {.sock = cfg->sock};
	int err;

	if (cfg->nbinds > GOFER_MAX_BINDS) {
		pr_err("gofer: %u bind mounts; at most %d are served", cfg->nbinds,
		       GOFER_MAX_BINDS);
		return -E2BIG;
	}
	err = check_socket(cfg->sock);
	if (err)
		return err;
	err = gofer_confine(cfg, &srv.root.fd, srv.binds);
	if (err)
		return err;
	srv.root.aname = "/";
	srv.root.dirfd = -1;
	srv.root.ro = cfg->ro;
	srv.root.hides = true;
	for (unsigned i = 0; i < cfg->nbinds; i++) {
		srv.binds[i].aname = gofer_bind_aname(i, bind_names[i]);
		srv.binds[i].ro = cfg->binds[i].ro;
	}
	srv.nbinds = cfg->nbinds;
	err = gofer_drop_privileges();
	if (err)
		return err;
	err = fid_table_init(&srv.fids);
	if (err)
		return err;
	pthread_mutex_init(&srv.lock, NULL);
	pthread_mutex_init(&srv.send_lock, NULL);
	pthread_mutex_init(&srv.names_lock, NULL);
	pthread_cond_init(&srv.work_cv, NULL);
	pthread_cond_init(&srv.done_cv, NULL);
	list_init(&srv.nodes);

	err = gofer_serve(&srv);
	fid_table_destroy(&srv, &srv.fids);
	close(srv.root.fd);
	for (unsigned i = 0; i < srv.nbinds; i++) {
		close(srv.binds[i].fd);
		if (srv.binds[i].dirfd >= 0)
			close(srv.binds[i].dirfd);
	}
	close(srv.sock);
	return err;
}

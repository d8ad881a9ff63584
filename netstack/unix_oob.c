// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX out-of-band data (unix_internal.h), as Linux since 5.15 with
 * CONFIG_AF_UNIX_OOB: send(MSG_OOB) on a stream socket queues its last
 * byte as a message of its own and makes it the receiver's urgent byte
 * (a newer one takes over; the older stays as plain data). recv(MSG_OOB)
 * takes it out of band; plain reads stop at it and then pass over it,
 * unless SO_OOBINLINE keeps it in line. Once read out of band, the byte
 * leaves an empty message behind: the mark, where reads still stop and
 * SIOCATMARK says yes. The receiver's owner (F_SETOWN) gets SIGURG.
 */
#include <errno.h>
#include <stdlib.h>

#include "unix_internal.h"

static struct unix_skb *next_skb(struct unix_sk *u, struct unix_skb *skb)
{
	return skb->node.next == &u->rcvq ? NULL
					  : list_entry(skb->node.next, struct unix_skb, node);
}

static size_t skb_left(const struct unix_skb *skb)
{
	return skb->len - skb->off;
}

/* Take skb off u's queue, to be freed later from drop. */
static void unlink_to(struct unix_sk *u, struct unix_skb *skb, struct list_head *drop)
{
	unix_skb_unlink_locked(u, skb);
	list_add_tail(&skb->node, drop);
}

/* Linux's manage_oob. */
struct unix_skb *unix_manage_oob(struct unix_sk *u, struct unix_skb *skb, bool peek, size_t copied,
				 size_t *passed, struct list_head *drop)
{
	struct unix_skb *next;

	*passed = 0;
	if (skb_left(skb) && skb != u->oob_skb)
		return skb;
	if (!skb_left(skb)) {
		/* A mark: a read that has data stops here. */
		if (copied && (!u->oob_skb || skb == u->oob_skb))
			return NULL;
		next = next_skb(u, skb);
		if (!peek)
			unlink_to(u, skb, drop);
		if (!(skb = next))
			return NULL;
	}
	if (skb != u->oob_skb)
		return skb;
	if (copied)
		return NULL;
	if (!peek) {
		u->oob_skb = NULL;
		if (!u->oobinline) {
			unlink_to(u, skb, drop);
			skb = list_empty(&u->rcvq)
				      ? NULL
				      : list_entry(u->rcvq.next, struct unix_skb, node);
		}
	} else if (!u->oobinline) {
		*passed = skb_left(skb);
		skb = next_skb(u, skb);
	}
	return skb;
}

ssize_t unix_stream_recv_urg(struct socket *sock, struct sock_msg *m, int flags)
{
	struct unix_sk *u = unix_sk(sock);
	struct list_head drop;
	ssize_t ret = 1;
	u8 byte = 0;

	list_init(&drop);
	pthread_mutex_lock(&u->iolock);
	pthread_mutex_lock(&unix_lock);
	struct unix_skb *skb = u->oob_skb;
	if (u->oobinline || !skb) {
		ret = -EINVAL;
	} else {
		byte = skb->data[skb->off];
		if (!(flags & LINUX_MSG_PEEK)) {
			u->oob_skb = NULL;
			/* An older mark right before it has done its job. */
			struct unix_skb *prev =
				skb->node.prev == &u->rcvq
					? NULL
					: list_entry(skb->node.prev, struct unix_skb, node);
			if (prev && !skb_left(prev))
				unlink_to(u, prev, &drop);
			skb->off++;
		}
	}
	pthread_mutex_unlock(&unix_lock);
	if (ret > 0) {
		if (m->iter.left && msg_iter_copy_to(&m->iter, &byte, 1))
			ret = -EFAULT;
		else
			m->flags_out |= LINUX_MSG_OOB;
	}
	pthread_mutex_unlock(&u->iolock);
	unix_skb_free_list(&drop);
	return ret;
}

int unix_at_mark_locked(struct unix_sk *u)
{
	if (list_empty(&u->rcvq))
		return 0;
	struct unix_skb *skb = list_entry(u->rcvq.next, struct unix_skb, node);
	struct unix_skb *next = next_skb(u, skb);
	return skb == u->oob_skb || (!skb_left(skb) && (!u->oob_skb || next == u->oob_skb));
}

void unix_skb_free_list(struct list_head *skbs)
{
	while (!list_empty(skbs)) {
		struct unix_skb *skb = list_entry(skbs->next, struct unix_skb, node);
		list_del(&skb->node);
		unix_skb_free(skb);
	}
}

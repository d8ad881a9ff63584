/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host threads for guest threads, reused.
 *
 * Each guest thread runs on a host thread of its own while it lives (the
 * design's one-to-one model), but a host thread whose guest thread exited
 * waits to run the next one instead of exiting. What a host thread
 * accumulates is expensive to rebuild: the KVM platform binds a vCPU to
 * it (a vCPU that changes host thread costs KVM a synchronize_rcu), and
 * hostio its io_uring. A bounded number of idle threads is kept.
 */
#ifndef SENTRY_KERNEL_THREADPOOL_H
#define SENTRY_KERNEL_THREADPOOL_H

/* Run fn(arg) on an idle pooled thread, or a new one. 0 or -errno. */
int threadpool_run(void (*fn)(void *arg), void *arg);
/* Called from fn: this thread exits when fn returns instead of idling (it is unfit for reuse). */
void threadpool_retire_self(void);

#endif

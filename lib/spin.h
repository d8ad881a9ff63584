/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounded spinning, for a host thread that waits for another guest
 * thread's hand-over (sentry/kernel/wait.c: its wake-up; platform/kvm/
 * pool.c: a vCPU). The other side is one or two VM exits away (~25-55 us
 * on kvm_pvm); a host wake-up of a sleeping thread costs about as much
 * again in a VM and lies on the hand-over's critical path, where spinning
 * on a CPU that would idle anyway costs nothing. So a spinner must leave
 * the running vCPUs their CPUs: callers spin only where the process may
 * use more host CPUs than vCPUs run at once (spin_host_cpus).
 */
#ifndef LIB_SPIN_H
#define LIB_SPIN_H

#include <stdbool.h>

#include "compiler.h"

/* How long a hand-over waiter spins at most before it sleeps. */
#define SPIN_HANDOVER_NS (100 * 1000)

/* The host CPUs this process may run on (its affinity), 1 if unknown. */
int spin_host_cpus(void);

/*
 * Spin (with pause) until done(arg) is true, for max_ns at most: whether
 * it became true. done is read without a lock: the caller checks again
 * under its own.
 */
bool spin_until(bool (*done)(void *arg), void *arg, s64 max_ns);

#endif

// SPDX-License-Identifier: Apache-2.0
/*
 * TLB shoot-down: after a present page-table entry of an address space
 * changed, no vCPU may run user code of that space with the old
 * translation cached -- the frame it named may be freed and reused next.
 *
 * A vCPU that is not in the guest owes a CR3 reload before its next entry
 * into the space (resume_prepare compares as->flush_gen with its own
 * flushed_gen), so only vCPUs in KVM_RUN need anything: they are kicked
 * out and waited for, as Linux waits for its flush IPIs. The owner's run
 * loop publishes in_guest before it reads flush_gen, and this side
 * publishes flush_gen before it reads in_guest, so of a racing entry and
 * change at least one side sees the other (run.c).
 *
 * Only when vCPUs may run at once (max_running > 1): with one, nobody is
 * in the guest while the tables change.
 */
#include <sched.h>

#include "kvm_internal.h"

void kvm_as_shootdown(struct kvm_as *as)
{
	struct kvm_platform *kp = as->kp;
	struct {
		struct kvm_vcpu *v;
		u64 exits;
	} out[R0_MAX_VCPUS];
	unsigned n = 0;

	if (kp->max_running < 2)
		return;
	struct kvm_vcpu *self = kvm_held_vcpu(kp);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* flush_gen before in_guest */
	pthread_mutex_lock(&kp->lock);
	for (unsigned i = 0; i < kp->nvcpus; i++) {
		struct kvm_vcpu *v = kp->vcpus[i];
		if (v == self || !v->busy || (v->cur_as != as && v->prev_as != as))
			continue;
		if (!__atomic_load_n(&v->in_guest, __ATOMIC_SEQ_CST))
			continue;
		out[n].v = v;
		out[n].exits = __atomic_load_n(&v->guest_exits, __ATOMIC_SEQ_CST);
		n++;
		/* The owner is alive while it holds v (release takes kp->lock). */
		kvm_kick_thread(v->owner->thread);
	}
	pthread_mutex_unlock(&kp->lock);
	if (n && self)
		self->stats.shootdowns++;
	for (unsigned i = 0; i < n; i++)
		while (__atomic_load_n(&out[i].v->in_guest, __ATOMIC_SEQ_CST) &&
		       __atomic_load_n(&out[i].v->guest_exits, __ATOMIC_SEQ_CST) == out[i].exits)
			sched_yield();
}

/* Scheduling of the hashing pipelines (custody-acquire, custody-verify, the
 * read-back of an image). MD5 is the one sequential step no thread can share and
 * the slowest of the three hashes, so it bounds the throughput on two cores:
 * every other thread of a pipeline (reading, inflating, compressing, writing,
 * SHA-1, SHA-256) lowers its own priority so that the MD5 thread keeps a core to
 * itself whenever it has work, and the others share what is left. */
#ifndef CUSTODY_THREAD_PRIO_H
#define CUSTODY_THREAD_PRIO_H

/* How much lower than the MD5 thread (nice units; Linux nice is per thread). */
#define THREAD_HELPER_NICE 10

/* Called first by a helper thread: raise the calling thread's nice value by
 * THREAD_HELPER_NICE. Best effort (only throughput depends on it); the thread
 * keeps the value until it ends, so call it only from threads a pipeline
 * created, never from the main thread. */
void thread_prio_helper(void);

#endif

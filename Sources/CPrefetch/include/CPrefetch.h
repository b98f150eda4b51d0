#ifndef NMF_CPREFETCH_H
#define NMF_CPREFETCH_H

/// Asks the processor to bring the cache line holding `p` into every cache level, for reading.
/// A hint only: it never faults, whatever `p` is, and changes no result.
static inline void nmf_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif

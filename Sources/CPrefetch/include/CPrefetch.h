#ifndef NMF_CPREFETCH_H
#define NMF_CPREFETCH_H

#include <stddef.h>
#include <stdint.h>

/// Asks the processor to bring the cache line `offset` bytes from `p` into every cache level,
/// for reading. A hint only: it never faults and changes no result, wherever the address
/// points (past the end of an array too), so the address is computed here on integers rather
/// than as a Swift pointer, which must stay within its allocation.
static inline void nmf_prefetch(const void *p, ptrdiff_t offset) {
    __builtin_prefetch((const void *)((uintptr_t)p + (uintptr_t)offset), 0, 3);
}

#endif

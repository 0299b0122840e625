#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

// Swaps two paths in one step (Linux renameat2 with RENAME_EXCHANGE): a
// reader sees one or the other, never neither. Through syscall(2), which
// Swift cannot call (variadic), and because glibc declares renameat2 only
// under _GNU_SOURCE. Returns 0, or -1 with errno set (ENOSYS or EINVAL where
// the kernel or file system cannot exchange).
static inline int medgym_exchange_paths(const char *a, const char *b) {
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
#else
    errno = ENOSYS;
    return -1;
#endif
}

// An LD_PRELOAD shim that makes one chosen write or sync fail, for brotr's fault tests.
//
//   BROTR_FAULT_DIR=/path   only calls on files under this directory count
//   BROTR_FAULT_ONLY=kind   count only writes, syncs or truncates (write, sync, truncate)
//   BROTR_FAULT_AT=N        the Nth counted call fails (1-based); 0 or unset: none does
//   BROTR_FAULT_ERRNO=E     the errno it fails with (default EIO; 28 is ENOSPC)
//   BROTR_FAULT_REPORT=file at exit, "<counted calls> <write calls> <sync calls> <truncate calls>" is written there
//
// Counted: write, pwrite, pwrite64, writev, pwritev, fsync, fdatasync, ftruncate,
// ftruncate64. A call on any other file (logs, sockets, pipes) passes through untouched.
// Built by the test that uses it: cc -shared -fPIC -o faultfs.so faultfs.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static atomic_long counted, writes, syncs, truncates;
static const char *dir;
static size_t dir_length;
static long fail_at;
static int fail_errno = EIO;
static atomic_long *only;

__attribute__((constructor)) static void setup(void) {
    dir = getenv("BROTR_FAULT_DIR");
    dir_length = dir ? strlen(dir) : 0;
    const char *at = getenv("BROTR_FAULT_AT");
    fail_at = at ? atol(at) : 0;
    const char *e = getenv("BROTR_FAULT_ERRNO");
    if (e) fail_errno = atoi(e);
    const char *kind = getenv("BROTR_FAULT_ONLY");
    if (kind && strcmp(kind, "write") == 0) only = &writes;
    if (kind && strcmp(kind, "sync") == 0) only = &syncs;
    if (kind && strcmp(kind, "truncate") == 0) only = &truncates;
}

__attribute__((destructor)) static void report(void) {
    const char *path = getenv("BROTR_FAULT_REPORT");
    if (!path) return;
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "%ld %ld %ld %ld\n", (long)counted, (long)writes, (long)syncs, (long)truncates);
    fclose(f);
}

static char target[4096];

// Whether fd is a file under the directory, from /proc/self/fd (its path is left in target).
static int watched(int fd) {
    if (!dir_length) return 0;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) return 0;
    target[n] = 0;
    return strncmp(target, dir, dir_length) == 0;
}

// Counts a call on a watched file; true when this one is to fail.
static int fails(int fd, atomic_long *kind) {
    if (!watched(fd)) return 0;
    atomic_fetch_add(kind, 1);
    if (only && only != kind) return 0;
    long n = atomic_fetch_add(&counted, 1) + 1;
    if (fail_at > 0 && n == fail_at) {
        // Said on standard error, so that a test can name the place that failed.
        dprintf(2, "faultfs: call %ld fails with errno %d: %s\n", n, fail_errno, target);
        errno = fail_errno;
        return 1;
    }
    return 0;
}

#define NEXT(name) static __typeof__(name) *real; if (!real) real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t count) {
    NEXT(write);
    if (fails(fd, &writes)) return -1;
    return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    NEXT(pwrite);
    if (fails(fd, &writes)) return -1;
    return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t offset) {
    NEXT(pwrite64);
    if (fails(fd, &writes)) return -1;
    return real(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec *iov, int count) {
    NEXT(writev);
    if (fails(fd, &writes)) return -1;
    return real(fd, iov, count);
}

ssize_t pwritev(int fd, const struct iovec *iov, int count, off_t offset) {
    NEXT(pwritev);
    if (fails(fd, &writes)) return -1;
    return real(fd, iov, count, offset);
}

int fsync(int fd) {
    NEXT(fsync);
    if (fails(fd, &syncs)) return -1;
    return real(fd);
}

int fdatasync(int fd) {
    NEXT(fdatasync);
    if (fails(fd, &syncs)) return -1;
    return real(fd);
}

int ftruncate(int fd, off_t length) {
    NEXT(ftruncate);
    if (fails(fd, &truncates)) return -1;
    return real(fd, length);
}

int ftruncate64(int fd, off64_t length) {
    NEXT(ftruncate64);
    if (fails(fd, &truncates)) return -1;
    return real(fd, length);
}

/*
 * clockshift: moves a process's wall clock by a fixed offset, and nothing else.
 *
 * The test suite runs its date-sensitive parts a second and a third time with
 * the wall clock 30 and 365 days ahead, so a test that writes a fixed date
 * fails on the day it is written instead of on the day that date crosses a
 * retention window. libfaketime does this too, but it also rewrites absolute
 * timerfd deadlines on monotonic clocks, which hangs Swift's concurrency
 * runtime (Task.sleep never returns); this shim leaves every clock but
 * CLOCK_REALTIME alone.
 *
 * Use: LD_PRELOAD=clockshift.so INFERMON_CLOCK_SHIFT_SECONDS=2592000 command
 * Children inherit both variables, so a spawned daemon sees the same clock.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long long shift_seconds(void) {
    static int read = 0;
    static long long shift = 0;
    if (!read) {
        const char *text = getenv("INFERMON_CLOCK_SHIFT_SECONDS");
        shift = text ? strtoll(text, NULL, 10) : 0;
        read = 1;
    }
    return shift;
}

static int is_wall_clock(clockid_t clock) {
    return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE;
}

int clock_gettime(clockid_t clock, struct timespec *spec) {
    static int (*real)(clockid_t, struct timespec *) = NULL;
    if (!real) real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    int result = real(clock, spec);
    if (result == 0 && spec && is_wall_clock(clock)) spec->tv_sec += shift_seconds();
    return result;
}

int gettimeofday(struct timeval *restrict value, void *restrict zone) {
    static int (*real)(struct timeval *restrict, void *restrict) = NULL;
    if (!real) real = (int (*)(struct timeval *restrict, void *restrict))dlsym(RTLD_NEXT, "gettimeofday");
    int result = real(value, zone);
    if (result == 0 && value) value->tv_sec += shift_seconds();
    return result;
}

time_t time(time_t *out) {
    struct timespec spec;
    clock_gettime(CLOCK_REALTIME, &spec);
    if (out) *out = spec.tv_sec;
    return spec.tv_sec;
}

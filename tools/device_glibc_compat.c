/* device_glibc_compat.c -- linked into the binaries tools/device_prepare.sh
 * builds for GPU machines, which may have an older glibc than this build
 * machine (Debian 12, glibc 2.36).  LLVM's support library and libstdc++
 * call arc4random*, new in glibc 2.36; defining them here resolves those
 * calls inside the executable, so the binaries need glibc 2.34 only (the
 * `__libc_start_main` of every binary built against 2.34+).  Not part of
 * the product build. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

void arc4random_buf(void *buf, size_t n) {
  unsigned char *p = buf;
  while (n > 0) {
    ssize_t got = getrandom(p, n, 0);
    if (got <= 0) { /* no entropy source: still fill, never block */
      for (size_t i = 0; i < n; i++) p[i] = (unsigned char)random();
      return;
    }
    p += got;
    n -= (size_t)got;
  }
}

uint32_t arc4random(void) {
  uint32_t v;
  arc4random_buf(&v, sizeof v);
  return v;
}

uint32_t arc4random_uniform(uint32_t upper) {
  if (upper < 2) return 0;
  uint32_t min = -upper % upper; /* reject the biased low range */
  for (;;) {
    uint32_t r = arc4random();
    if (r >= min) return r % upper;
  }
}

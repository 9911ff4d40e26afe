/*
 * Median time of one ccverify_verify_response call through the C ABI on the inputs the Rust
 * bench writes to target/bench-inputs/ (1 KB request, 4 KB response). Compare with the Rust
 * median printed by `cargo bench -p ccverify --bench ratio`.
 * Build: see `make bench-bindings`.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccverify.h"
#include "../tests/c/minijson.h"

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "target/bench-inputs";
  char path[4096];
  size_t req_len, resp_len, i;
  char *req, *resp, *hdr;
  jvalue h;
  const char *names[16], *values[16];
  enum { RUNS = 3000 };
  static double samples[RUNS];
  snprintf(path, sizeof path, "%s/request.json", dir);
  req = read_file(path, &req_len);
  snprintf(path, sizeof path, "%s/response.json", dir);
  resp = read_file(path, &resp_len);
  snprintf(path, sizeof path, "%s/headers.json", dir);
  hdr = read_file(path, NULL);
  if (!req || !resp || !hdr) { fprintf(stderr, "run cargo bench -p ccverify --bench exchange first\n"); return 2; }
  jparse(hdr, &h);
  for (i = 0; i < h.len && i < 16; i++) { names[i] = h.keys[i]; values[i] = h.items[i].str; }
  for (i = 0; i < RUNS; i++) {
    struct timespec t0, t1;
    ccverify_verdict *v = NULL;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (ccverify_verify_response((const uint8_t *)req, req_len, (const uint8_t *)resp, resp_len, names, values, h.len,
                                 "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", &v) != CCVERIFY_STATUS_OK ||
        !ccverify_verdict_verified(v)) {
      fprintf(stderr, "not verified\n");
      return 1;
    }
    ccverify_verdict_free(v);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    samples[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
  }
  qsort(samples, RUNS, sizeof(double), cmp);
  printf("C ABI verify_response (incl. verdict free) median %.1f us\n", samples[RUNS / 2]);
  jfree(&h);
  free(req); free(resp); free(hdr);
  return 0;
}

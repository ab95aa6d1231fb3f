/* The CPU's float32 FMA ceiling, for the benchmarks' arithmetic floor (floor.ts): every thread runs 16
 * independent fused multiply-adds per iteration on the widest vectors the compiler was told to use (enough
 * chains to cover the FMA latency on two pipes), so nothing but the FMA units limits it. No convolution or
 * GEMM can do its multiply-adds faster than this.
 *   cc -O2 -pthread -mavx512f -mfma fma-peak.c   (or -mavx2 -mfma; the vector width follows)
 *   ./a.out THREADS  ->  "GFLOPS <number> <vector bits>"  */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITERS 2000000000L /* about 0.3 s a thread at 200 GFLOP/s */

#if defined(__AVX512F__)
typedef __m512 vec;
#define WIDTH 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
static float sum(vec v) { return _mm512_reduce_add_ps(v); }
#else
typedef __m256 vec;
#define WIDTH 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
static float sum(vec v) { float t[8]; _mm256_storeu_ps(t, v); return t[0] + t[7]; }
#endif

static void *run(void *out) {
  vec a[16];
  const vec b = SET1(0.999999f), c = SET1(1e-7f);
  for (int i = 0; i < 16; i++) a[i] = SET1((float)i);
  for (long n = 0; n < ITERS / 16; n++) {
#define F(i) a[i] = FMA(a[i], b, c);
    F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12) F(13) F(14) F(15)
  }
  float s = 0;
  for (int i = 0; i < 16; i++) s += sum(a[i]);
  *(float *)out = s; /* keeps the loop alive */
  return 0;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (threads < 1 || threads > 256) return 2;
  pthread_t *t = malloc(sizeof(pthread_t) * threads);
  float *out = malloc(sizeof(float) * threads);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < threads; i++) pthread_create(&t[i], 0, run, &out[i]);
  for (int i = 0; i < threads; i++) pthread_join(t[i], 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
  printf("GFLOPS %.1f %d (checksum %g)\n", (double)ITERS * threads * 2 * WIDTH / s / 1e9, WIDTH * 32, out[0]);
  return 0;
}

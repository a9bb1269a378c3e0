/* Peak f32 FMA throughput of one core: 12 independent chains of 16-lane (AVX-512) or 8-lane
 * (AVX2) fused multiply-adds, enough to cover the FMA latency on current x86 cores.
 * docs/performance.md quotes it as the machine's peak. Build and run:
 *   gcc -O3 -march=native -fopenmp benches/compare/peak_flops.c -o /tmp/peak && /tmp/peak
 * Prints GFLOP/s per core (one thread) and for all threads (OMP_NUM_THREADS). */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>

#define CHAINS 12
#define ITERS 200000000L

#if defined(__AVX512F__)
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define ADD _mm512_add_ps
#define SUM(v) _mm512_reduce_add_ps(v)
#else
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define ADD _mm256_add_ps
static float SUM(__m256 v) { float a[8]; _mm256_storeu_ps(a, v); float s = 0; for (int i = 0; i < 8; i++) s += a[i]; return s; }
#endif

static float run(long iters) {
  vec acc[CHAINS];
  for (int c = 0; c < CHAINS; c++) acc[c] = SET1(0.001f * c);
  vec a = SET1(0.999999f), b = SET1(1e-7f);
  for (long i = 0; i < iters; i++)
    for (int c = 0; c < CHAINS; c++) acc[c] = FMA(acc[c], a, b);
  vec total = acc[0];
  for (int c = 1; c < CHAINS; c++) total = ADD(total, acc[c]);
  return SUM(total);
}

static double gflops(int threads, long iters) {
  float sink = 0;
  double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
  sink += run(iters);
  double t = omp_get_wtime() - t0;
  if (sink == 12345.0f) printf("!");
  return 2.0 * CHAINS * LANES * (double)iters * threads / t / 1e9;
}

int main(void) {
  int all = omp_get_max_threads();
  gflops(1, ITERS / 10); /* warm-up: clocks up */
  printf("%d-lane FMA: one core %.1f GFLOP/s, %d threads %.1f GFLOP/s\n", LANES,
         gflops(1, ITERS), all, gflops(all, ITERS));
  return 0;
}

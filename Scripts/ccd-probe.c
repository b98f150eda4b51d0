/* Development-time probe (not part of the tool): KL-NMF by cyclic coordinate descent with one
 * projected Newton step per coordinate (Hsieh & Dhillon, "Fast coordinate descent methods with
 * variable selection for non-negative matrix factorization", KDD 2011), to measure whether it
 * reaches scikit-learn's 200-iteration divergence sooner than the multiplicative updates.
 * H sweep: per frame n (in parallel), Λ = W·h_n, then for k = 1..K: g = Σ_f W_fk (1 − V_fn/Λ_f),
 * h = Σ_f W_fk² V_fn/Λ_f², h_kn ← max(0, h_kn − g/h), Λ += Δ·W_k. W sweep: the same per bin.
 * build: gcc -O3 -march=native -ffast-math -fopenmp Scripts/ccd-probe.c -o /tmp/ccd-probe -lm
 * run:   OMP_NUM_THREADS=2 /tmp/ccd-probe V.npy K SWEEPS TARGET [NEWTON_STEPS]
 *        (V.npy: float32, bins × frames, e.g. from Scripts/spectrogram-npy.py as compare-bench.sh makes it)
 * Prints the divergence after every sweep and the time spent in the sweeps (not in the checks).
 * Result (BENCHMARKS.md): no faster than over-relaxed multiplicative updates, so not adopted. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float *load_npy(const char *path, int *rows, int *cols) {
  FILE *fp = fopen(path, "rb");
  if (!fp) { perror(path); exit(1); }
  unsigned char pre[10];
  if (fread(pre, 1, 10, fp) != 10 || memcmp(pre, "\x93NUMPY", 6)) { fprintf(stderr, "%s: not .npy\n", path); exit(1); }
  int hlen = pre[8] | pre[9] << 8;                      /* version 1.0 header */
  char *h = calloc(hlen + 1, 1);
  if (fread(h, 1, hlen, fp) != (size_t)hlen || !strstr(h, "'<f4'")) { fprintf(stderr, "%s: need float32\n", path); exit(1); }
  int fortran = strstr(h, "'fortran_order': True") != NULL;
  if (sscanf(strstr(h, "'shape': (") + 10, "%d, %d", rows, cols) != 2) { fprintf(stderr, "%s: need 2-D\n", path); exit(1); }
  size_t n = (size_t)*rows * *cols;
  float *raw = malloc(n * 4), *out = malloc(n * 4);
  if (fread(raw, 4, n, fp) != n) { fprintf(stderr, "%s: truncated\n", path); exit(1); }
  fclose(fp);
  for (int r = 0; r < *rows; r++)                       /* to row-major: bins × frames */
    for (int c = 0; c < *cols; c++) out[(size_t)r * *cols + c] = fortran ? raw[(size_t)c * *rows + r] : raw[(size_t)r * *cols + c];
  free(raw); free(h);
  return out;
}

static unsigned long long state = 88172645463325252ULL;
static float urand(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return (state >> 40) / (float)(1 << 24); }

/* Generalised KL divergence Σ V log(V/Λ) − V + Λ; Wt is K × F (template k contiguous), H is K × N. */
static double divergence(int F, int N, int K, const float *Vnf, const float *Wt, const float *H) {
  double total = 0;
#pragma omp parallel for reduction(+ : total) schedule(static)
  for (int n = 0; n < N; n++) {
    float *lam = calloc(F, 4);
    for (int k = 0; k < K; k++) { float h = H[(size_t)k * N + n]; const float *w = Wt + (size_t)k * F; for (int f = 0; f < F; f++) lam[f] += h * w[f]; }
    double s = 0;
    for (int f = 0; f < F; f++) { float v = Vnf[(size_t)n * F + f], l = lam[f] + 1e-9f; s += (v > 0 ? v * log(v / l) : 0) - v + l; }
    total += s;
    free(lam);
  }
  return total;
}

/* Projected Newton steps on one coordinate `value` whose column x (length len) enters Λ. */
static inline void newton(int len, const float *x, const float *v, float *lam, float *value, int steps, float eps) {
  for (int it = 0; it < steps; it++) {
    float g = 0, h = 0;
#pragma omp simd reduction(+ : g, h)
    for (int i = 0; i < len; i++) { float il = 1.0f / lam[i], r = v[i] * il; g += x[i] * (1.0f - r); h += x[i] * x[i] * r * il; }
    if (!(h > 0)) return;
    float s = -g / h;
    if (*value + s < 0) s = -*value;
    if (s == 0) return;
    *value += s;
#pragma omp simd
    for (int i = 0; i < len; i++) { float l = lam[i] + s * x[i]; lam[i] = l < eps ? eps : l; }
  }
}

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: ccd-probe V.npy K SWEEPS TARGET [NEWTON_STEPS]\n"); return 64; }
  int F, N, K = atoi(argv[2]), sweeps = atoi(argv[3]), steps = argc > 5 ? atoi(argv[5]) : 1;
  double target = atof(argv[4]);
  float *Vfn = load_npy(argv[1], &F, &N), *Vnf = malloc((size_t)F * N * 4);
  for (int f = 0; f < F; f++) for (int n = 0; n < N; n++) Vnf[(size_t)n * F + f] = Vfn[(size_t)f * N + n];
  double mean = 0;
  for (size_t i = 0; i < (size_t)F * N; i++) mean += Vfn[i];
  float scale = sqrt(mean / ((double)F * N) / K), eps = 1e-12f;
  float *Wt = malloc((size_t)K * F * 4), *H = malloc((size_t)K * N * 4);
  for (size_t i = 0; i < (size_t)K * F; i++) Wt[i] = urand() * scale;
  for (size_t i = 0; i < (size_t)K * N; i++) H[i] = urand() * scale;
  printf("F=%d N=%d K=%d start divergence %.3f\n", F, N, K, divergence(F, N, K, Vnf, Wt, H));
  double spent = 0;
  for (int sweep = 1; sweep <= sweeps; sweep++) {
    double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
      float *lam = malloc(F * 4), *hv = malloc(K * 4);
      for (int k = 0; k < K; k++) hv[k] = H[(size_t)k * N + n];
      for (int f = 0; f < F; f++) lam[f] = eps;
      for (int k = 0; k < K; k++) { const float *w = Wt + (size_t)k * F; float h = hv[k]; for (int f = 0; f < F; f++) lam[f] += h * w[f]; }
      for (int k = 0; k < K; k++) newton(F, Wt + (size_t)k * F, Vnf + (size_t)n * F, lam, &hv[k], steps, eps);
      for (int k = 0; k < K; k++) H[(size_t)k * N + n] = hv[k];
      free(lam); free(hv);
    }
#pragma omp parallel for schedule(static)
    for (int f = 0; f < F; f++) {
      float *lam = malloc(N * 4), *wv = malloc(K * 4);
      for (int k = 0; k < K; k++) wv[k] = Wt[(size_t)k * F + f];
      for (int n = 0; n < N; n++) lam[n] = eps;
      for (int k = 0; k < K; k++) { const float *h = H + (size_t)k * N; float w = wv[k]; for (int n = 0; n < N; n++) lam[n] += w * h[n]; }
      for (int k = 0; k < K; k++) newton(N, H + (size_t)k * N, Vfn + (size_t)f * N, lam, &wv[k], steps, eps);
      for (int k = 0; k < K; k++) Wt[(size_t)k * F + f] = wv[k];
      free(lam); free(wv);
    }
    spent += omp_get_wtime() - t0;
    double d = divergence(F, N, K, Vnf, Wt, H);
    printf("sweep %d divergence %.3f after %.1f ms\n", sweep, d, spent * 1e3);
    if (d <= target) { printf("target %.3f reached after %d sweeps, %.1f ms\n", target, sweep, spent * 1e3); return 0; }
  }
  printf("target %.3f not reached in %d sweeps\n", target, sweeps);
  return 0;
}

/* Development-time probe (not part of the tool): KL-MU iteration with OpenBLAS sgemm over
 * blocks of B frames, to measure whether a BLAS path would beat the fused kernels at large K.
 * build: gcc -O3 -march=native -fopenmp Scripts/blas-probe.c -o /tmp/blas-probe -lopenblas -lm  (needs libopenblas-dev)
 * run:   OMP_NUM_THREADS=2 /tmp/blas-probe F N K ITERS [B]   (BT=2 OMP_NUM_THREADS=1 for threaded BLAS on one block)
 * Result (BENCHMARKS.md): it does not beat the fused kernels, so the tool does not link a BLAS. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include <time.h>
extern void openblas_set_num_threads(int);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define KMAX 1024   /* the column sums cs and rs below are stack arrays of KMAX */
int main(int argc,char**argv){
  if(argc<5||argc>6){fprintf(stderr,"usage: blas-probe F N K ITERS [B]   (F, N, ITERS, B >= 1; 1 <= K <= %d)\n",KMAX);return 64;}
  int F=atoi(argv[1]),N=atoi(argv[2]),K=atoi(argv[3]),IT=atoi(argv[4]),B=argc>5?atoi(argv[5]):256;
  if(F<1||N<1||K<1||K>KMAX||IT<1||B<1){fprintf(stderr,"blas-probe: need F, N, ITERS, B >= 1 and 1 <= K <= %d\n",KMAX);return 64;}
  openblas_set_num_threads(getenv("BT")?atoi(getenv("BT")):1);
  float*V=malloc(sizeof(float)*F*N),*W=malloc(sizeof(float)*F*K),*H=malloc(sizeof(float)*K*N);
  srand(1);for(long i=0;i<(long)F*N;i++)V[i]=rand()/(float)RAND_MAX;
  for(long i=0;i<(long)F*K;i++)W[i]=rand()/(float)RAND_MAX+0.01f;for(long i=0;i<(long)K*N;i++)H[i]=rand()/(float)RAND_MAX+0.01f;
  int nb=(N+B-1)/B; int T=omp_get_max_threads();
  float*acc=calloc((size_t)T*F*K,sizeof(float));
  double t0=now();
  for(int it=0;it<IT;it++){
    float cs[KMAX];for(int k=0;k<K;k++){float s=0;for(int f=0;f<F;f++)s+=W[k*F+f];cs[k]=1.0f/s;}
    memset(acc,0,sizeof(float)*T*F*K);
    #pragma omp parallel
    { int tid=omp_get_thread_num(); float*L=malloc(sizeof(float)*F*B),*Num=malloc(sizeof(float)*K*B); float*A=acc+(size_t)tid*F*K;
      #pragma omp for schedule(static)
      for(int b=0;b<nb;b++){int j0=b*B,nbk=(j0+B<=N?B:N-j0);float*Vb=V+(size_t)j0*F,*Hb=H+(size_t)j0*K;
        cblas_sgemm(CblasColMajor,CblasNoTrans,CblasNoTrans,F,nbk,K,1,W,F,Hb,K,0,L,F);
        for(long i=0;i<(long)F*nbk;i++){float l=L[i]>1e-9f?L[i]:1e-9f;L[i]=Vb[i]/l;}
        cblas_sgemm(CblasColMajor,CblasTrans,CblasNoTrans,K,nbk,F,1,W,F,L,F,0,Num,K);
        for(int j=0;j<nbk;j++)for(int k=0;k<K;k++)Hb[j*K+k]*=Num[j*K+k]*cs[k];
        cblas_sgemm(CblasColMajor,CblasNoTrans,CblasNoTrans,F,nbk,K,1,W,F,Hb,K,0,L,F);
        for(long i=0;i<(long)F*nbk;i++){float l=L[i]>1e-9f?L[i]:1e-9f;L[i]=Vb[i]/l;}
        cblas_sgemm(CblasColMajor,CblasNoTrans,CblasTrans,F,K,nbk,1,L,F,Hb,K,1,A,F);
      }
      free(L);free(Num);}
    float rs[KMAX];for(int k=0;k<K;k++){double s=0;for(int j=0;j<N;j++)s+=H[j*K+k];rs[k]=1.0f/s;}
    for(int k=0;k<K;k++){float s=0;for(int f=0;f<F;f++){float a=0;for(int t=0;t<T;t++)a+=acc[(size_t)t*F*K+k*F+f];W[k*F+f]*=a*rs[k];s+=W[k*F+f];}
      for(int f=0;f<F;f++)W[k*F+f]/=s; for(int j=0;j<N;j++)H[j*K+k]*=s;}
  }
  printf("F=%d N=%d K=%d B=%d threads=%d per_iter_ms=%.3f\n",F,N,K,B,T,(now()-t0)/IT*1e3);
}

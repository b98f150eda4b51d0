#!/usr/bin/env bash
# Speed comparison in one run: nmf-bench (this project) against scikit-learn, the NumPy
# float32 KL-NMF and the C probe (../shared/reference), then the whole command against
# ../shared/reference/ref_separate.py on a 3-minute stereo 44.1 kHz file, 3 sources, 200 iterations.
# usage: Scripts/compare-bench.sh [--quick] [--memory]
#   --quick   skips the 1-hour kernel size and shortens the Python runs
#   --memory  also separates a 1-hour stereo file and reports peak RSS (needs ~1 GB of disk)
# The inputs and outputs (a few GB) go to a temporary directory, removed at the end; with
# BENCH_DIR=DIR they go to DIR instead and are kept (and the generated WAVs reused).
# Needs: pip install numpy scipy scikit-learn soundfile; gcc with OpenMP; /usr/bin/time.
set -euo pipefail
quick=0; memory=0
for a in "$@"; do case "$a" in
  --quick) quick=1 ;; --memory) memory=1 ;;
  -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "unknown option $a (see --help)" >&2; exit 64 ;;
esac; done
if [ -n "${BENCH_DIR:-}" ]; then BENCH_DIR=$(realpath -m "$BENCH_DIR"); fi   # (relative to the caller, not the repository)
cd "$(dirname "$0")/.."
ref=../shared/reference
if [ -n "${BENCH_DIR:-}" ]; then
  work=$BENCH_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
fi
echo "# building (release)"
swift build -c release --product nmf-bench >/dev/null
swift build -c release --product nmf-separate >/dev/null
gcc -O3 -march=native -mprefer-vector-width=256 -ffast-math -fopenmp "$ref/limit/klmu.c" -o "$work/klmu" -lm
bench=.build/release/nmf-bench
field() { sed -n "s/.*$1=\([0-9.e+-]*\).*/\1/p" | head -1; }
best_py() {  # best_py SCRIPT ARGS...: the faster of 1 and 2 BLAS threads
  local t1 t2
  t1=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python3 "$@" | field per_iter_ms)
  t2=$(OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 python3 "$@" | field per_iter_ms)
  python3 -c "print(min($t1, $t2))"
}
ratio() { python3 -c "print(f'{$1 / $2:.1f}')"; }

rounds=3; [ $quick = 1 ] && rounds=1
minof() { python3 -c "import sys; print(min(float(x) for x in sys.argv[1:]))" "$@"; }
printf "\n## KL-MU iteration (ms per iteration, best of %s interleaved rounds; ratios = other / nmf-separate)\n" "$rounds"
printf "| F | N | K | nmf-separate 2 thr | 1 thr | same bits 1/2 thr | C probe 2 thr | C probe 1 thr | NumPy f32 | scikit-learn | vs sklearn | vs NumPy | vs C probe (2 thr) |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
sizes="1025,2587,3,50 1025,2587,32,20 1025,15500,8,10"
[ $quick = 1 ] || sizes="$sizes 513,620000,4,3"
spread=""
for s in $sizes; do
  IFS=, read -r F N K IT <<<"$s"
  v="$work/V_${F}x${N}.npy"
  o2=(); o1=(); p2=(); p1=(); nps=(); sks=(); same=yes
  # Each round times every tool once, so a slow spell of the shared machine hits all of them.
  for r in $(seq "$rounds"); do
    if [ "$r" = 1 ]; then line2=$($bench --size "$s" --threads 2 --runs 3 --write-v "$work"); else line2=$($bench --size "$s" --threads 2 --runs 3); fi
    line1=$($bench --size "$s" --threads 1 --runs 3)
    o2+=("$(echo "$line2" | field per_iter_ms)"); o1+=("$(echo "$line1" | field per_iter_ms)")
    bits2=$(echo "$line2" | sed -n 's/.*kl_bits=\([0-9a-f]*\).*/\1/p'); bits1=$(echo "$line1" | sed -n 's/.*kl_bits=\([0-9a-f]*\).*/\1/p')
    [ "$bits1" = "$bits2" ] || same="NO ($bits1 vs $bits2)"
    p2+=("$(OMP_NUM_THREADS=2 "$work/klmu" "$F" "$N" "$K" "$IT" | field per_iter_ms)")
    p1+=("$(OMP_NUM_THREADS=1 "$work/klmu" "$F" "$N" "$K" "$IT" | field per_iter_ms)")
    if [ "$N" -le 20000 ]; then
      pit=$IT; [ $quick = 1 ] && pit=5
      [ "$N" -gt 5000 ] && pit=5
      nps+=("$(best_py Scripts/numpy_bench.py "$v" "$K" "$pit")")
      sks+=("$(best_py Scripts/sklearn_bench.py "$v" "$K" "$pit")")
    fi
  done
  ours2=$(minof "${o2[@]}"); ours1=$(minof "${o1[@]}"); c2=$(minof "${p2[@]}"); c1=$(minof "${p1[@]}")
  if [ "$N" -le 20000 ]; then
    np=$(minof "${nps[@]}"); sk=$(minof "${sks[@]}")
    printf "| %s | %s | %s | %.2f | %.2f | %s | %.2f | %.2f | %.2f | %.2f | %s× | %s× | %s× |\n" "$F" "$N" "$K" "$ours2" "$ours1" "$same" "$c2" "$c1" "$np" "$sk" \
      "$(ratio "$sk" "$ours2")" "$(ratio "$np" "$ours2")" "$(ratio "$c2" "$ours2")"
  else
    printf "| %s | %s | %s | %.2f | %.2f | %s | %.2f | %.2f | – | – | – | – | %s× |\n" "$F" "$N" "$K" "$ours2" "$ours1" "$same" "$c2" "$c1" "$(ratio "$c2" "$ours2")"
  fi
  # Spread of the rounds, so that a noisy run shows (printed under the table).
  spread+="- K = $K, N = $N: nmf-separate 2 thr ${o2[*]}; C probe 2 thr ${p2[*]}; NumPy ${nps[*]:-–}; scikit-learn ${sks[*]:-–}"$'\n'
done
printf "\nThe rounds (ms per iteration):\n%s" "$spread"

# Time to a divergence: what a user waits for. scikit-learn's divergence after 200 iterations
# on a real spectrogram is the target; nmf-bench counts the iterations it needs (divergence
# measured after every one) with Lee–Seung steps and with over-relaxed ones (--step-exponent 1.5),
# times the ms per iteration it measures at that size.
mix="$work/long180.wav"
[ -f "$mix" ] || python3 Scripts/make-long-mixture.py "$mix" 180
python3 Scripts/spectrogram-npy.py "$mix" "$work/V_real.npy" 30
printf "\n## Time to scikit-learn's 200-iteration divergence (real spectrogram: first 30 s of the 3-minute file, mono, F = 1025, N = 2580; both from random starts, ours without multi-start)\n"
printf "| K | scikit-learn: 200 iterations | its divergence | nmf-separate ω = 1: iterations | time | vs sklearn | ω = 1.5: iterations | time | vs sklearn |\n|---|---|---|---|---|---|---|---|---|\n"
ks="3 12 32"; [ $quick = 1 ] && ks="3"
for K in $ks; do
  s1=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python3 Scripts/sklearn_bench.py "$work/V_real.npy" "$K" 200)
  s2=$(OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 python3 Scripts/sklearn_bench.py "$work/V_real.npy" "$K" 200)
  skms=$(minof "$(echo "$s1" | field per_iter_ms)" "$(echo "$s2" | field per_iter_ms)")
  skd=$(echo "$s2" | field kl)
  sktotal=$(python3 -c "print($skms * 200)")
  row="| $K | $(printf %.0f "$sktotal") ms | $skd"
  for e in 1 1.5; do
    line=$($bench --v "$work/V_real.npy" --size "0,0,$K,50" --threads 2 --runs 3 --step-exponent "$e" --target "$skd")
    it=$(echo "$line" | sed -n 's/.*iterations_to_target=\([0-9a-z]*\).*/\1/p')
    if [ "$it" = none ]; then row+=" | not within 500 | – | –"; else
      ms=$(echo "$line" | field ms_to_target); row+=" | $it | $ms ms | $(ratio "$sktotal" "$ms")×"; fi
  done
  echo "$row |"
done

printf "\n## Scaling (nmf-separate, 2 threads, ms per iteration, best of %s rounds)\n" "$rounds"; printf "| F | N | K | ms/iter | ms per (N·K/1e6) |\n|---|---|---|---|---|\n"
for s in 1025,2587,4,20 1025,5174,4,20 1025,10348,4,10 1025,2587,8,20 1025,2587,16,20 1025,2587,32,20 1025,2587,64,10; do
  IFS=, read -r F N K IT <<<"$s"
  t=$(minof $(for r in $(seq "$rounds"); do $bench --size "$s" --threads 2 --runs 3 | field per_iter_ms; done))
  printf "| %s | %s | %s | %.2f | %s |\n" "$F" "$N" "$K" "$t" "$(python3 -c "print(f'{$t / ($N * $K / 1e6):.2f}')")"
done

printf "\n## End to end: 3-minute stereo 44.1 kHz file, 3 sources, 200 iterations (seconds, wall; nmf-separate best of %s rounds)\n" "$rounds"
# Like for like with the reference (K = S = 3 components, one model of the channels' mean, as
# the reference's mono downmix), then with the defaults (4 per source, the channels jointly).
# Each is the best (lowest wall time) of the rounds; its JSON gives the stage breakdown.
e2e_best() {  # e2e_best JSON ARGS...: prints "wall rss" of the fastest round, keeps that round's JSON
  local out=$1 best="" line; shift
  for r in $(seq "$rounds"); do
    line=$( { /usr/bin/time -f "%e %M" .build/release/nmf-separate "$mix" "$@" -o "$work/out" --force --json -q >"$out.$r"; } 2>&1 | tail -1)
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if float('${line%% *}') < float('${best%% *}') else 1)"; then best=$line; cp "$out.$r" "$out"; fi
  done
  echo "$best"
}
ours=$(e2e_best "$work/e2e.json" --sources 3 --components 3 --iterations 200 --no-spatial)
ours_default=$(e2e_best "$work/e2e-default.json" --sources 3 --iterations 200)
ref_time() { local s; s=$(date +%s.%N); env "$@" python3 "$ref/ref_separate.py" "$mix" --sources 3 --iters 200 --out "$work/ref" >/dev/null; python3 -c "import time; print(time.time() - $s)"; }
r1=$(ref_time OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1)
r2=$(ref_time OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2)
rbest=$(python3 -c "print(min($r1, $r2))")
print_e2e() {
python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); wall, rss, ref, label = float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
s = d["seconds"]
print(f"nmf-separate {label}: {wall:.2f} s (read {s['read']:.2f}, stft {s['stft']:.2f}, nmf {s['nmf']:.2f}, grouping {s.get('grouping', 0):.2f}, masks+istft {s['masks_istft']:.2f}, write {s['write']:.2f}); peak RSS {rss/1024:.0f} MB; ratio to the reference {ref / wall:.1f}x")
PY
}
echo "ref_separate.py (K = 3, mono downmix, faster of 1/2 BLAS threads): $rbest s"
set -- $ours
print_e2e "$work/e2e.json" "$1" "$2" "$rbest" "(K = 3, the channels' mean, like the reference)"
set -- $ours_default
print_e2e "$work/e2e-default.json" "$1" "$2" "$rbest" "(defaults: K = 12, the channels jointly)"

if [ $memory = 1 ]; then
  printf "\n## Memory: 1-hour stereo 44.1 kHz file, 3 sources, 200 iterations\n"
  hour="$work/long3600.wav"
  [ -f "$hour" ] || python3 Scripts/make-long-mixture.py "$hour" 3600
  /usr/bin/time -v .build/release/nmf-separate "$hour" --sources 3 -o "$work/out" --force -q 2>"$work/time.txt"
  grep -E "Maximum resident|Elapsed" "$work/time.txt"
fi

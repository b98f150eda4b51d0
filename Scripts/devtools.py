"""What the development scripts share (dev-time only, never part of the tool): their help
from the module docstring, their own options before `--` and nmf-separate's after it, the
check of the binary, and the list of a set's mixture folders."""
import argparse
import glob
import os
import shutil
import sys


def parser(doc, **kwargs):
    """An ArgumentParser whose usage is the docstring's "usage: " line and whose description is
    the rest of the docstring, kept as written."""
    head, _, tail = doc.partition("\nusage: ")
    usage, _, tail = tail.partition("\n\n")
    return argparse.ArgumentParser(usage=usage, description=head + "\n\n" + tail,
                                   formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)


def parse_before_passthrough(ap):
    """Parses the script's own options, anywhere before `--`; returns them and the arguments
    after `--` (nmf-separate's options), without further `--`."""
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    a, unknown = ap.parse_known_args(argv[:cut])
    if unknown:
        opts = [x for x in unknown if x.startswith("-")]
        ap.error(f"unrecognized option(s) {' '.join(opts)} (nmf-separate's options go after --)" if opts else
                 f"unrecognized arguments: {' '.join(unknown)}")
    return a, [x for x in argv[cut + 1:] if x != "--"]


def refuse_seed(ap, extra, how):
    """Refuses `--seed` among nmf-separate's options, which would override the script's seeds."""
    if any(x == "--seed" or x.startswith("--seed=") for x in extra):
        ap.error(f"--seed after -- would override each run's seed: {how}")


def require_binary(ap, prog, path):
    """Exits with status 2 and one line unless `path` is an executable (or a name on PATH)."""
    if shutil.which(path) is None:
        ap.exit(2, f"{prog}: {path}: not an executable file (build it with `swift build -c release`, or give --binary PATH)\n")


def mixtures(ap, prog, set_dir, accept=None, need="mix.wav and ref_*.wav"):
    """The mixture folders of `set_dir` (sorted) that hold mix.wav and ref_*.wav, as (name,
    folder, references), and that `accept(folder, references)` takes when given (it returns
    the entry's extra item, or None to skip the folder). Names the skipped folders on stderr;
    exits with status 2 and one line when none is left."""
    found, skipped = [], []
    for mix_dir in sorted(glob.glob(os.path.join(set_dir, "*", ""))):
        name = os.path.basename(os.path.dirname(mix_dir))
        refs = sorted(glob.glob(os.path.join(mix_dir, "ref_*.wav")))
        extra = accept(mix_dir, refs) if accept and refs else None
        if refs and os.path.exists(os.path.join(mix_dir, "mix.wav")) and (accept is None or extra is not None):
            found.append((name, mix_dir, refs) + ((extra,) if accept else ()))
        else:
            skipped.append(name)
    if not found:
        ap.exit(2, f"{prog}: no mixtures with {need} in {set_dir}{'' if os.path.isdir(set_dir) else ' (no such directory)'}\n")
    if skipped:
        print(f"{prog}: skipped (no {need.replace(' and ', ' or ')}) in {set_dir}: {', '.join(skipped)}", file=sys.stderr)
    return found


def usage_error(usage, prog, why):
    """Prints the usage line and the reason on stderr and exits with status 2."""
    print(f"usage: {usage}\n{prog}: {why}", file=sys.stderr)
    sys.exit(2)


def help_if_asked(doc):
    """Prints the docstring and exits with status 0 when the only argument is -h or --help."""
    if sys.argv[1:] in (["-h"], ["--help"]):
        print(doc.strip())
        sys.exit(0)


def bench_arguments(prog, doc):
    """The checked arguments `V.npy K ITERS` of the benchmark scripts: (V, K, ITERS), V a 2-D
    float matrix (bins × frames) written by `nmf-bench --write-v`."""
    import numpy as np
    help_if_asked(doc)
    usage = f"{prog} V.npy K ITERS"
    if len(sys.argv) != 4:
        usage_error(usage, prog, "needs V.npy, K and ITERS")
    try:
        k, iters = int(sys.argv[2]), int(sys.argv[3])
    except ValueError:
        k = iters = 0
    if k < 1 or iters < 1:
        usage_error(usage, prog, f"K and ITERS must be whole numbers >= 1, not {sys.argv[2]} and {sys.argv[3]}")
    try:
        v = np.load(sys.argv[1])
    except OSError as e:
        usage_error(usage, prog, f"{sys.argv[1]}: {e.strerror or e}")
    except ValueError:
        usage_error(usage, prog, f"{sys.argv[1]}: not a .npy file of numbers")
    if v.ndim != 2 or v.dtype.kind != "f":
        usage_error(usage, prog, f"{sys.argv[1]}: needs a 2-D float matrix (bins × frames), not {v.dtype} {v.shape}")
    return v, k, iters

#!/usr/bin/env python3
"""Build a set of stereo mixtures with known true sources (dev-time tool, for --spatial).

usage: make-stereo-mixtures.py OUTDIR
       make-stereo-mixtures.py --validation OUTDIR
       make-stereo-mixtures.py --supervised OUTDIR

Every recording in ../shared/data/audio is mono, so this set takes its stereo material from
two Debian packages (install them first, as root):

    apt-get install -y fretsonfire-songs-sectoid sonic-pi-samples

- natural stereo (6 mixtures): the guitar stem against the rest of the band ("song.ogg") in
  four songs of fretsonfire-songs-sectoid, and two pairs of sonic-pi-samples sounds: a tabla
  loop against a guitar chord, an industrial drum loop against an ambient piano. Their stereo
  images are what the recordings have; most of these sources sit near the centre. (Until
  2026-11-27 the drum loop was `loop_amen_full`, the "Amen" break, which samples a commercial
  record that its uploader's CC0 cannot cover, as ../shared/data/audio/SOURCES.md says; that
  mixture, amen_piano_st, is now industrial_piano_st.)
- panned mono (6 mixtures): recordings of ../shared/data/audio placed in the image by
  constant-power panning, as a mixing desk's pan pot does (position -1 = left ... 1 = right):
  two and three speakers, speech against babble, saxophone against cello, singing against
  guitar, trumpet against piano.

With --validation it builds instead 10 other stereo mixtures, to check on material it was not
chosen on what was tuned on the first set (the grouping weight of the channel gains): four
pairs of other sonic-pi-samples loops and sounds (natural stereo, some of them wide), and six
panned mixtures of recordings the first set does not pan (sms-tools speech, singing, piano,
trumpet, guitar, tabla, cello; kitchen noise), at other positions.

With --supervised it builds instead the two dev mixtures that have training material,
speech_babble and speech_fan, made stereo: the shared builder's references (int16) panned,
speech to -0.5 and the noise to +0.5, their sum as the mix, and the same mono train_<i>.wav
files, for Scripts/supervised-quality.py.

Provenance (the packages' /usr/share/doc/*/copyright; nothing of them is committed, the sets
are built at development time only):
- fretsonfire-songs-sectoid: songs, performances and stems (c) 2006/2007 Carlos Viola Iborra,
  MIT-style licence: "Metal madness", "Feelings", "Escape from chaosland", "War of freedom".
- sonic-pi-samples, each from freesound.org under CC0 unless stated: loop_tabla (lezaarth,
  242591), guit_em9 (Sub-d, 46992), loop_industrial (godspine, 222072), ambi_piano (Rutger
  Muller, 51245); for --validation loop_compus (godspine, 212288), ambi_glass_hum (kaligari,
  35391), loop_garzul (Garzul, 213524), guit_e_slide (Suva, 2410), loop_mika (mika55, 188551),
  ambi_lunar_land (maqsim, 172157), ambi_haunted_hum (kaligari, 35392), and loop_perc1, which
  has no entry of its own and falls under the package's "Files: *" (2016 Samuel Aaron, MIT).
- the panned mono recordings: ../shared/data/audio (see its SOURCES.md).
Each mixture's manifest.json names every source's file, start and length.

Sources are scaled to equal RMS (0 dB), the mixture is scaled so that nothing peaks above
0.89 FS, every source is quantised to int16 and the mix is their integer sum, so
mix == sum of refs holds exactly, per channel. The layout is that of make_mixtures.py
(<name>/mix.wav, ref_<i>.wav, manifest.json), so Scripts/quality.py runs on it unchanged (its
scores average the channels).
"""
import json
import os
import sys

import numpy as np
import soundfile as sf

here = os.path.dirname(os.path.abspath(__file__))
shared_data = os.path.join(here, "..", "..", "shared", "data")
sys.path.insert(0, shared_data)
import make_mixtures  # noqa: E402  (the shared loader: mono files, resampling)

AUDIO = os.path.join(shared_data, "audio")
SECTOID = "/usr/share/games/fretsonfire/data/songs/sectoid"
SONIC_PI = "/usr/share/sonic-pi/samples"


def stereo_file(path, start, seconds, rate):
    """A stereo excerpt of a package file (repeated if shorter, e.g. a loop)."""
    x, r = sf.read(path, always_2d=True)
    if r != rate:
        sys.exit("%s: %d Hz, expected %d" % (path, r, rate))
    if x.shape[1] == 1:
        x = np.repeat(x, 2, axis=1)
    x = x[int(start * rate):, :2]
    if len(x) == 0:
        sys.exit("%s: starts after its end (%.1f s)" % (path, start))
    n = int(seconds * rate)
    while len(x) < n:
        x = np.concatenate([x, x])
    return x[:n]


def panned(name, start, seconds, rate, position):
    """A mono recording of ../shared/data/audio, constant-power panned to `position`."""
    x = make_mixtures.load(AUDIO, name, rate, start, seconds)
    angle = (position + 1) * np.pi / 4
    return np.stack([np.cos(angle) * x, np.sin(angle) * x], axis=1)


def pan_mix(rate, seconds, parts, what):
    """A SETS entry of mono recordings panned: parts are (label, file, position), all from 0 s."""
    return (rate, [(label, ("panned", f, 0, seconds, p)) for label, f, p in parts], what)


def make(origin, rate):
    """The stereo signal of a source: ("stereo", path, start, seconds) or ("panned", file, start, seconds, position)."""
    if origin[0] == "stereo":
        return stereo_file(origin[1], origin[2], origin[3], rate)
    return panned(origin[1], origin[2], origin[3], rate, origin[4])


def provenance(origin):
    """The manifest's record of where a source comes from."""
    record = {"origin": os.path.relpath(origin[1], "/usr/share") if origin[0] == "stereo" else "shared/data/audio/" + origin[1],
              "start_s": origin[2], "seconds": origin[3]}
    if origin[0] == "panned":
        record["pan_position"] = origin[4]
    return record


def song(title, start):
    return [("guitar stem", ("stereo", "%s/%s/guitar.ogg" % (SECTOID, title), start, 15)),
            ("band without the guitar", ("stereo", "%s/%s/song.ogg" % (SECTOID, title), start, 15))]


# name: (sample rate, [(label, origin)], what); origin as `make` takes it
SETS = {
    "sectoid_metal": (44100, song("Metal madness", 35), "guitar against band, natural stereo"),
    "sectoid_feelings": (44100, song("Feelings", 60), "guitar against band, natural stereo"),
    "sectoid_escape": (44100, song("Escape from chaosland", 60), "guitar against band, natural stereo"),
    "sectoid_war": (44100, song("War of freedom", 60), "guitar against band, natural stereo"),
    "tabla_guitar_st": (44100, [("tabla loop", ("stereo", SONIC_PI + "/loop_tabla.flac", 0, 6)),
                                ("guitar chord", ("stereo", SONIC_PI + "/guit_em9.flac", 0, 6))],
                        "tabla loop against a guitar chord, natural stereo"),
    "industrial_piano_st": (44100, [("industrial drum loop (repeated)", ("stereo", SONIC_PI + "/loop_industrial.flac", 0, 2.8)),
                                    ("ambient piano", ("stereo", SONIC_PI + "/ambi_piano.flac", 0, 2.8))],
                            "drum loop against piano, natural stereo"),
    "two_speakers_pan": pan_mix(16000, 13.9, [
        ("speech, female, at -0.5", "speech_libri_198_f.wav", -0.5),
        ("speech, male, at +0.5", "speech_libri_3436_m.wav", 0.5),
    ], "two speakers panned apart"),
    "speech_babble_pan": pan_mix(16000, 10, [
        ("speech at -0.3", "speech_libri_5703_m.wav", -0.3),
        ("babble at +0.6", "noise_blanket_coffee_shop.wav", 0.6),
    ], "speech and babble panned apart"),
    "sax_cello_pan": pan_mix(44100, 8.48, [
        ("saxophone at -0.5", "sax_sms_phrase.wav", -0.5),
        ("cello at +0.5", "cello_sms_phrase.wav", 0.5),
    ], "saxophone and cello panned apart"),
    "three_speakers_pan": pan_mix(16000, 8.4, [
        ("speech, female, at -0.6", "speech_arctic_axb_f.wav", -0.6),
        ("speech, male, centre", "speech_libri_3436_m.wav", 0.0),
        ("speech, male, at +0.6", "speech_arctic_aew_m.wav", 0.6),
    ], "three speakers, left, centre, right"),
    "singing_guitar_pan": pan_mix(44100, 5.95, [
        ("singing, centre", "singing_sms_female.wav", 0.0),
        ("guitar at +0.7", "guitar_sonicpi_e_fifths.wav", 0.7),
    ], "singing in the centre, guitar to the right"),
    "trumpet_piano_pan": pan_mix(44100, 3.8, [
        ("trumpet at -0.3", "trumpet_librosa.wav", -0.3),
        ("piano at +0.3", "piano_sms.wav", 0.3),
    ], "trumpet and piano, slightly apart"),
}


def supervised(out):
    """speech_babble and speech_fan of make_mixtures.py, references panned to -0.5 / +0.5."""
    import shutil
    import tempfile
    mono = tempfile.mkdtemp(prefix="stereo-supervised-")
    try:
        supervised_into(out, mono)
    finally:   # also when interrupted
        shutil.rmtree(mono, ignore_errors=True)


def supervised_into(out, mono):
    """The body of `supervised`, building the shared builder's mono mixtures in `mono`."""
    import shutil
    manifest = {}
    for name in ("speech_babble", "speech_fan"):
        make_mixtures.build(name, make_mixtures.MIXTURES[name], AUDIO, mono)
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        refs = []
        for i, position in ((1, -0.5), (2, 0.5)):
            x, rate = sf.read(os.path.join(mono, name, "ref_%d.wav" % i), dtype="int16")
            angle = (position + 1) * np.pi / 4
            ref = np.round(np.stack([np.cos(angle) * x, np.sin(angle) * x], axis=1)).astype(np.int64)
            refs.append(ref)
            sf.write(os.path.join(d, "ref_%d.wav" % i), ref.astype(np.int16), rate, subtype="PCM_16")
            shutil.copy(os.path.join(mono, name, "train_%d.wav" % i), os.path.join(d, "train_%d.wav" % i))
        sf.write(os.path.join(d, "mix.wav"), (refs[0] + refs[1]).astype(np.int16), rate, subtype="PCM_16")
        manifest[name] = {"what": "make_mixtures.py's %s, speech panned to -0.5 and the noise to +0.5" % name,
                          "sample_rate": rate, "channels": 2,
                          "sources": [{"file": "ref_1.wav", "pan_position": -0.5}, {"file": "ref_2.wav", "pan_position": 0.5}],
                          "shared_manifest": make_mixtures.MIXTURES[name]}
        print("%-20s speech at -0.5, noise at +0.5, train files copied" % name)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, default=str)


VALIDATION = {
    "compus_glass_st": (44100, [("percussion loop", ("stereo", SONIC_PI + "/loop_compus.flac", 0, 6)),
                                ("glass hum", ("stereo", SONIC_PI + "/ambi_glass_hum.flac", 0, 6))],
                        "percussion loop against a glass hum, natural stereo"),
    "garzul_slide_st": (44100, [("drum loop", ("stereo", SONIC_PI + "/loop_garzul.flac", 0, 4.3)),
                                ("guitar slide", ("stereo", SONIC_PI + "/guit_e_slide.flac", 0, 4.3))],
                        "drum loop against a guitar slide, natural stereo"),
    "mika_lunar_st": (44100, [("beat loop", ("stereo", SONIC_PI + "/loop_mika.flac", 0, 7)),
                              ("wide ambient pad", ("stereo", SONIC_PI + "/ambi_lunar_land.flac", 0, 7))],
                      "beat against a wide ambient pad, natural stereo"),
    "perc_haunted_st": (44100, [("percussion loop (repeated)", ("stereo", SONIC_PI + "/loop_perc1.flac", 0, 6)),
                                ("ambient hum", ("stereo", SONIC_PI + "/ambi_haunted_hum.flac", 0, 6))],
                        "percussion loop against an ambient hum, natural stereo"),
    "two_speakers_sms_pan": pan_mix(16000, 3.95, [
        ("speech, female, at +0.4", "speech_sms_female.wav", 0.4),
        ("speech, male, at -0.4", "speech_sms_male.wav", -0.4),
    ], "two speakers, slightly apart"),
    "speech_dishes_pan": pan_mix(16000, 5.6, [
        ("speech, centre", "speech_sms_male.wav", 0.0),
        ("dishes at +0.7", "noise_dishes.wav", 0.7),
    ], "speech in the centre, kitchen noise to the right"),
    "singing_piano_pan": pan_mix(44100, 3.8, [
        ("singing at -0.2", "singing_sms_female.wav", -0.2),
        ("piano at +0.5", "piano_sms.wav", 0.5),
    ], "singing and piano apart"),
    "cello_tabla_pan": pan_mix(44100, 8.4, [
        ("cello at +0.6", "cello_sms_phrase.wav", 0.6),
        ("tabla at -0.2", "drums_sonicpi_tabla.wav", -0.2),
    ], "cello and tabla apart"),
    "trumpet_singing_pan": pan_mix(44100, 5.3, [
        ("trumpet at +0.3", "trumpet_librosa.wav", 0.3),
        ("singing at -0.3", "singing_sms_female.wav", -0.3),
    ], "trumpet and singing, slightly apart"),
    "trumpet_guitar_tabla_pan": pan_mix(44100, 5.3, [
        ("trumpet at -0.5", "trumpet_librosa.wav", -0.5),
        ("tabla, centre", "drums_sonicpi_tabla.wav", 0.0),
        ("guitar at +0.5", "guitar_sonicpi_e_fifths.wav", 0.5),
    ], "trumpet, tabla and guitar, left, centre, right"),
}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--supervised":
        supervised(sys.argv[2])
        return
    sets = SETS
    if len(sys.argv) == 3 and sys.argv[1] == "--validation":
        sets = VALIDATION
        del sys.argv[1]
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__.strip().split("\n")[2])
    for path in (SECTOID, SONIC_PI):
        if not os.path.isdir(path):
            sys.exit("%s is missing: apt-get install -y fretsonfire-songs-sectoid sonic-pi-samples" % path)
    out = sys.argv[1]
    manifest = {}
    for name, (rate, sources, what) in sets.items():
        sigs = [make(origin, rate) for _, origin in sources]
        n = min(len(x) for x in sigs)
        sigs = [x[:n] / np.sqrt(np.mean(x[:n] ** 2)) for x in sigs]
        mix = np.sum(sigs, axis=0)
        top = max([np.abs(mix).max()] + [np.abs(x).max() for x in sigs])
        q = [np.round(x * (0.89 / top) * 32767).astype(np.int64) for x in sigs]
        qm = np.sum(q, axis=0)
        assert np.abs(qm).max() <= 32767
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        sf.write(os.path.join(d, "mix.wav"), qm.astype(np.int16), rate, subtype="PCM_16")
        for i, x in enumerate(q, 1):
            sf.write(os.path.join(d, "ref_%d.wav" % i), x.astype(np.int16), rate, subtype="PCM_16")
        manifest[name] = {"what": what, "sample_rate": rate, "duration_s": round(n / rate, 3), "channels": 2,
                          "sources": [dict({"file": "ref_%d.wav" % i, "label": label}, **provenance(origin))
                                      for i, (label, origin) in enumerate(sources, 1)]}
        print("%-20s %5d Hz %5.2f s  %d sources" % (name, rate, n / rate, len(sources)))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()

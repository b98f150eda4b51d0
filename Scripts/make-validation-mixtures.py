#!/usr/bin/env python3
"""Build a second, validation set of mixtures (dev-time tool).

usage: make-validation-mixtures.py [--supervised | --pairings | --foreground-noise | --two-foregrounds | --backgrounds] OUTDIR

The development mixtures of ../shared/data/make_mixtures.py are what the defaults were tuned
on. This set pairs recordings of ../shared/data/audio that those mixtures do not use (sms-tools
speech, singing, piano; the trumpet, guitar and tabla loops; kitchen noise), and five dev
recordings in new pairings (the saxophone and cello excerpts are those of the dev mixture
sax_cello; the bike noise is from speech_fan's training part; the LibriSpeech and street
excerpts are disjoint from the dev ones), so that a choice of default can be checked on
material it was not tuned on. Mixtures are built by make_mixtures.build (same levels, quantisation and resampling; every
source at equal RMS, mix == sum of refs); the layout is the same (<name>/mix.wav, ref_<i>.wav,
manifest.json), so Scripts/quality.py runs on it unchanged. With --supervised it builds instead
six held-out mixtures (four of speech against a background, two speakers, piano and drums) with train_<i>.wav files (SUPERVISED below)
for Scripts/supervised-quality.py; with --pairings, four new pairings of those recordings with
training parts for the speech only (PAIRINGS below; supervised-quality.py --first-only); with
--foreground-noise, six new pairings of a changing foreground (speech, piano, saxophone, flute,
cello) against a steady noise, with training parts for both (FOREGROUND_NOISE below), for
checking the automatic penalties of dictionaries (QUALITY.md); with --two-foregrounds, three
mixtures of two changing sources against a steady noise, with training parts for all three
(TWO_FOREGROUNDS below: two dictionaries and free components for the noise); with --backgrounds,
18 held-out mixtures for the steady-background model (BACKGROUNDS below: 12 foregrounds against a
steady noise at -5, 0 and +5 dB, and 6 controls without one).
One mode flag at most. OUTDIR may hold a set built before by the same mode (its mixtures are
rewritten), but no mixture folders of another set: quality.py would score them with this one.
"""
import glob
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
shared_data = os.path.join(here, "..", "..", "shared", "data")
sys.path.insert(0, shared_data)
import make_mixtures  # noqa: E402  (the shared builder: levels, resampling, int16 quantisation)

# name: (sample rate, [(file, start s, duration s, label)], what)
SETS = {
    "speech_dishes": (16000, [("speech_sms_male.wav", 0, 5.6, "speech, male"),
                              ("noise_dishes.wav", 0, 5.6, "kitchen noise")], "male speech + washing dishes"),
    "speech_bike_f": (16000, [("speech_sms_female.wav", 0, 3.95, "speech, female"),
                              ("noise_exercise_bike.wav", 12, 3.95, "exercise bike")], "female speech + exercise bike"),
    "speech_city_m": (16000, [("speech_libri_3436_m.wav", 14, 2.7, "speech, male"),
                              ("noise_blanket_city.wav", 9, 2.7, "street noise")], "male speech + street noise"),
    "two_speakers_sms": (16000, [("speech_sms_female.wav", 0, 3.95, "speech, female"),
                                 ("speech_sms_male.wav", 0, 3.95, "speech, male")], "female + male speech"),
    "singing_guitar": (44100, [("singing_sms_female.wav", 0, 5.95, "singing, female"),
                               ("guitar_sonicpi_e_fifths.wav", 0, 5.95, "electric guitar")], "singing + guitar"),
    "singing_piano": (44100, [("singing_sms_female.wav", 0, 3.8, "singing, female"),
                              ("piano_sms.wav", 0, 3.8, "piano")], "singing + piano"),
    "trumpet_tabla": (44100, [("trumpet_librosa.wav", 0, 5.3, "trumpet"),
                              ("drums_sonicpi_tabla.wav", 0, 5.3, "tabla loop")], "trumpet + tabla"),
    "trumpet_piano": (44100, [("trumpet_librosa.wav", 0, 3.8, "trumpet"),
                              ("piano_sms.wav", 0, 3.8, "piano")], "trumpet + piano"),
    "cello_tabla": (44100, [("cello_sms_phrase.wav", 0, 8.4, "cello"),
                            ("drums_sonicpi_tabla.wav", 0, 8.4, "tabla loop")], "cello + tabla"),
    "sax_guitar": (44100, [("sax_sms_phrase.wav", 0, 5.95, "saxophone"),
                           ("guitar_sonicpi_e_fifths.wav", 0, 5.95, "electric guitar")], "saxophone + guitar"),
    "trumpet_guitar_tabla": (44100, [("trumpet_librosa.wav", 0, 5.3, "trumpet"),
                                     ("guitar_sonicpi_e_fifths.wav", 0, 5.3, "electric guitar"),
                                     ("drums_sonicpi_tabla.wav", 0, 5.3, "tabla loop")], "trumpet + guitar + tabla"),
    "speech_piano": (44100, [("speech_sms_male.wav", 0, 3.8, "speech, male"),
                             ("piano_sms.wav", 0, 3.8, "piano")], "male speech + piano"),
}

# Held-out mixtures with training material (--supervised): speech against a background, each
# source's test excerpt first and its training part after it in the same recording (as the dev
# set's train_<i>.wav). Speakers and noises of the dev set's two supervised mixtures are not
# reused, except the bike noise for a new speaker (the dev set's speech_fan uses all of it).
# name: (sample rate, [(file, start s, duration s, label)], [(file, start s, duration s)], what)
SUPERVISED = {
    "sup_speech_dishes": (16000, [("speech_libri_198_f.wav", 0, 8, "speech, female"), ("noise_dishes.wav", 0, 8, "kitchen noise")],
                          [("speech_libri_198_f.wav", 8, 5.9), ("noise_dishes.wav", 8, 12)], "female speech + washing dishes"),
    "sup_speech_city": (16000, [("speech_libri_3436_m.wav", 0, 8, "speech, male"), ("noise_blanket_city.wav", 0, 8, "street noise")],
                        [("speech_libri_3436_m.wav", 8, 8.7), ("noise_blanket_city.wav", 8, 7)], "male speech + street noise"),
    "sup_speech_bike_f": (16000, [("speech_arctic_axb_f.wav", 0, 4.4, "speech, female"), ("noise_exercise_bike.wav", 0, 4.4, "exercise bike")],
                          [("speech_arctic_axb_f.wav", 4.4, 4.0), ("noise_exercise_bike.wav", 8, 12)], "female speech + exercise bike"),
    "sup_speech_piano": (16000, [("speech_sms_male.wav", 0, 3.0, "speech, male"), ("piano_abc_baym_rebin.wav", 0, 3.0, "piano")],
                         [("speech_sms_male.wav", 3.0, 2.6), ("piano_abc_baym_rebin.wav", 3.0, 12)], "male speech + piano music"),
    "sup_two_speakers": (16000, [("speech_libri_198_f.wav", 0, 8, "speech, female"), ("speech_libri_3436_m.wav", 0, 8, "speech, male")],
                         [("speech_libri_198_f.wav", 8, 5.9), ("speech_libri_3436_m.wav", 8, 8.7)], "female + male speech"),
    "sup_piano_drums": (44100, [("piano_abc_baym_rebin.wav", 0, 7, "piano"), ("drums_sonicpi_safari.wav", 0, 4, "percussion loop")],
                        [("piano_abc_baym_rebin.wav", 7, 8), ("drums_sonicpi_safari.wav", 4, 4)], "piano + percussion"),
}

# New pairings (--pairings) for checking recipes chosen on the supervised set: the speech test
# excerpts of SUPERVISED against noise excerpts that no mixture is scored on (the noises'
# training parts there), with the speech's training part only (for a speech dictionary plus
# free components). (sample rate, [(file, start s, duration s, label)], [(file, start s, duration s)], what)
PAIRINGS = {
    "pair_f198_city": (16000, [("speech_libri_198_f.wav", 0, 7, "speech, female"), ("noise_blanket_city.wav", 8, 7, "street noise")],
                       [("speech_libri_198_f.wav", 8, 5.9)], "female speech + street noise"),
    "pair_m3436_dishes": (16000, [("speech_libri_3436_m.wav", 0, 8, "speech, male"), ("noise_dishes.wav", 8, 8, "kitchen noise")],
                          [("speech_libri_3436_m.wav", 8, 8.7)], "male speech + washing dishes"),
    "pair_axb_cafe": (16000, [("speech_arctic_axb_f.wav", 0, 4.4, "speech, female"), ("noise_blanket_coffee_shop.wav", 10, 4.4, "babble")],
                      [("speech_arctic_axb_f.wav", 4.4, 4.0)], "female speech + coffee-shop babble"),
    "pair_smsm_bike": (16000, [("speech_sms_male.wav", 0, 3, "speech, male"), ("noise_exercise_bike.wav", 8, 3, "exercise bike")],
                       [("speech_sms_male.wav", 3, 2.6)], "male speech + exercise bike"),
}

# New pairings (--foreground-noise) for checking the automatic penalties on pairings they were not
# chosen on: a changing foreground (two speakers and four instruments) against a steady noise, each
# with a training part disjoint from its test excerpt. Not all new material: speech_libri_5703_m and
# the coffee-shop babble are the development mixture speech_babble's recordings (the babble's test
# and training regions swapped here), and fg_axb_cafe's test mixture is pair_axb_cafe's. (same layout as SUPERVISED)
FOREGROUND_NOISE = {
    "fg_axb_cafe": (16000, [("speech_arctic_axb_f.wav", 0, 4.4, "speech, female"), ("noise_blanket_coffee_shop.wav", 10, 4.4, "babble")],
                    [("speech_arctic_axb_f.wav", 4.4, 4.0), ("noise_blanket_coffee_shop.wav", 0, 8)], "female speech + coffee-shop babble"),
    "fg_5703_dishes": (16000, [("speech_libri_5703_m.wav", 0, 7, "speech, male"), ("noise_dishes.wav", 8, 7, "kitchen noise")],
                       [("speech_libri_5703_m.wav", 10, 4.8), ("noise_dishes.wav", 0, 8)], "male speech + washing dishes"),
    "fg_piano_bike": (44100, [("piano_abc_baym_rebin.wav", 0, 7, "piano"), ("noise_exercise_bike.wav", 0, 7, "exercise bike")],
                      [("piano_abc_baym_rebin.wav", 7, 8), ("noise_exercise_bike.wav", 8, 12)], "piano + exercise bike"),
    "fg_sax_cafe": (44100, [("sax_sms_phrase.wav", 0, 5, "saxophone"), ("noise_blanket_coffee_shop.wav", 0, 5, "babble")],
                    [("sax_sms_phrase.wav", 5, 4.35), ("noise_blanket_coffee_shop.wav", 5, 11)], "saxophone + coffee-shop babble"),
    "fg_flute_city": (22050, [("trio_araber_melody_flute.wav", 0, 7, "flute"), ("noise_blanket_city.wav", 0, 7, "street noise")],
                      [("trio_araber_melody_flute.wav", 7, 8), ("noise_blanket_city.wav", 7, 8)], "flute + street noise"),
    "fg_cello_dishes": (44100, [("cello_sms_phrase.wav", 0, 4, "cello"), ("noise_dishes.wav", 0, 4, "kitchen noise")],
                        [("cello_sms_phrase.wav", 4, 4.4), ("noise_dishes.wav", 4, 12)], "cello + washing dishes"),
}

# Two changing sources against a steady noise (--two-foregrounds), each source's training part
# disjoint from its test excerpt, for the automatic penalties with two dictionaries and free
# components. (same layout as SUPERVISED)
TWO_FOREGROUNDS = {
    "two_198_3436_city": (16000, [("speech_libri_198_f.wav", 0, 7, "speech, female"), ("speech_libri_3436_m.wav", 0, 7, "speech, male"),
                                  ("noise_blanket_city.wav", 8, 7, "street noise")],
                          [("speech_libri_198_f.wav", 8, 5.9), ("speech_libri_3436_m.wav", 8, 8.7), ("noise_blanket_city.wav", 0, 8)],
                          "female + male speech + street noise"),
    "two_axb_aew_bike": (16000, [("speech_arctic_axb_f.wav", 0, 4.4, "speech, female"), ("speech_arctic_aew_m.wav", 0, 4.4, "speech, male"),
                                 ("noise_exercise_bike.wav", 0, 4.4, "exercise bike")],
                         [("speech_arctic_axb_f.wav", 4.4, 4.0), ("speech_arctic_aew_m.wav", 4.4, 7.5), ("noise_exercise_bike.wav", 8, 12)],
                         "female + male speech + exercise bike"),
    "two_piano_sax_cafe": (44100, [("piano_abc_baym_rebin.wav", 0, 5, "piano"), ("sax_sms_phrase.wav", 0, 5, "saxophone"),
                                   ("noise_blanket_coffee_shop.wav", 0, 5, "babble")],
                           [("piano_abc_baym_rebin.wav", 5, 10), ("sax_sms_phrase.wav", 5, 4.35), ("noise_blanket_coffee_shop.wav", 5, 11)],
                           "piano + saxophone + coffee-shop babble"),
}

# Held-out mixtures for the steady-background model (--backgrounds; built after its settings were
# chosen, never tuned on): 12 of speech or an instrument against a steady noise at -5, 0 or +5 dB
# signal-to-noise ratio (the noise RMS 5 dB above, equal to, or 5 dB below the foreground's; the
# last part of each name), and 6 controls without a noise, two of them against an accompaniment
# that never stops. (name: (sample rate, [(file, start s, duration s, label)], levels in dB, what))
BACKGROUNDS = {
    "bg_aew_city_m5": (16000, [("speech_arctic_aew_m.wav", 0, 8, "speech, male"), ("noise_blanket_city.wav", 5, 8, "street noise")], [0, 5],
                       "male speech + street noise, -5 dB"),
    "bg_axb_bike_p5": (16000, [("speech_arctic_axb_f.wav", 0, 8, "speech, female"), ("noise_exercise_bike.wav", 10, 8, "exercise bike")],
                       [0, -5], "female speech + exercise bike, +5 dB"),
    "bg_198_dishes_0": (16000, [("speech_libri_198_f.wav", 0, 8, "speech, female"), ("noise_dishes.wav", 8, 8, "kitchen noise")], [0, 0],
                        "female speech + washing dishes, 0 dB"),
    "bg_5703_city_p5": (16000, [("speech_libri_5703_m.wav", 0, 10, "speech, male"), ("noise_blanket_city.wav", 0, 10, "street noise")],
                        [0, -5], "male speech + street noise, +5 dB"),
    "bg_3436_cafe_m5": (16000, [("speech_libri_3436_m.wav", 0, 10, "speech, male"), ("noise_blanket_coffee_shop.wav", 5, 10, "babble")],
                        [0, 5], "male speech + coffee-shop babble, -5 dB"),
    "bg_smsm_cafe_0": (44100, [("speech_sms_male.wav", 0, 5.6, "speech, male"), ("noise_blanket_coffee_shop.wav", 0, 5.6, "babble")],
                       [0, 0], "male speech + coffee-shop babble, 0 dB"),
    "bg_singing_city_0": (44100, [("singing_sms_female.wav", 0, 6, "singing, female"), ("noise_blanket_city.wav", 3, 6, "street noise")],
                          [0, 0], "singing + street noise, 0 dB"),
    "bg_trumpet_city_0": (44100, [("trumpet_librosa.wav", 0, 5.3, "trumpet"), ("noise_blanket_city.wav", 8, 5.3, "street noise")], [0, 0],
                          "trumpet + street noise, 0 dB"),
    "bg_guitar_cafe_p5": (44100, [("stems_sectoid_guitar.wav", 0, 10, "guitar stem"), ("noise_blanket_coffee_shop.wav", 6, 10, "babble")],
                          [0, -5], "guitar + coffee-shop babble, +5 dB"),
    "bg_piano_dishes_0": (16000, [("piano_abc_baym_rebin.wav", 0, 10, "piano"), ("noise_dishes.wav", 2, 10, "kitchen noise")], [0, 0],
                          "piano + washing dishes, 0 dB"),
    "bg_flute_bike_m5": (16000, [("trio_araber_melody_flute.wav", 0, 10, "flute"), ("noise_exercise_bike.wav", 5, 10, "exercise bike")],
                         [0, 5], "flute + exercise bike, -5 dB"),
    "bg_cello_city_p5": (44100, [("cello_sms_phrase.wav", 0, 8.4, "cello"), ("noise_blanket_city.wav", 6, 8.4, "street noise")], [0, -5],
                         "cello + street noise, +5 dB"),
    "ctl_singing_backing": (44100, [("singing_sms_female.wav", 0, 6, "singing, female"), ("stems_sectoid_backing.wav", 0, 6, "backing track")],
                            [0, 0], "singing + backing track"),
    "ctl_flute_accomp": (22050, [("trio_araber_melody_flute.wav", 0, 15, "flute"), ("trio_araber_accomp_bass_piano.wav", 0, 15, "bass + piano")],
                         [0, 0], "flute + bass and piano"),
    "ctl_198_piano": (16000, [("speech_libri_198_f.wav", 0, 10, "speech, female"), ("piano_abc_baym_rebin.wav", 0, 10, "piano")], [0, 0],
                      "female speech + piano"),
    "ctl_axb_safari": (16000, [("speech_arctic_axb_f.wav", 0, 8, "speech, female"), ("drums_sonicpi_safari.wav", 0, 8, "percussion loop")],
                       [0, 0], "female speech + percussion loop"),
    "ctl_aew_5703": (16000, [("speech_arctic_aew_m.wav", 0, 10, "speech, male"), ("speech_libri_5703_m.wav", 0, 10, "speech, male")], [0, 0],
                     "two male speakers"),
    "ctl_sax_backing": (44100, [("sax_sms_phrase.wav", 0, 9, "saxophone"), ("stems_sectoid_backing.wav", 0, 9, "backing track")], [0, 0],
                        "saxophone + backing track"),
}


def usage_error(why):
    print(f"{__doc__.strip().splitlines()[2]}\nmake-validation-mixtures.py: {why}", file=sys.stderr)
    sys.exit(2)


def main():
    modes = ("--supervised", "--pairings", "--foreground-noise", "--two-foregrounds", "--backgrounds")
    if "-h" in sys.argv[1:] or "--help" in sys.argv[1:]:
        print(__doc__.strip())
        return
    args = [a for a in sys.argv[1:] if a not in modes]
    if len(args) != 1 or args[0].startswith("-"):
        usage_error("needs one OUTDIR" if all(not a.startswith("-") for a in args) else
                    f"unknown option {next(a for a in args if a.startswith('-'))}")
    given = sorted({a for a in sys.argv[1:] if a in modes}, key=modes.index)
    if len(given) > 1:
        usage_error(f"{' and '.join(given)} build different sets: give one of them")
    out = args[0]
    if os.path.exists(out) and not os.path.isdir(out):
        usage_error(f"{out} is not a folder")
    audio = os.path.join(shared_data, "audio")
    manifest = {}
    chosen = SUPERVISED if "--supervised" in sys.argv else PAIRINGS if "--pairings" in sys.argv \
        else FOREGROUND_NOISE if "--foreground-noise" in sys.argv else TWO_FOREGROUNDS if "--two-foregrounds" in sys.argv else None
    names = BACKGROUNDS if "--backgrounds" in sys.argv else chosen if chosen is not None else SETS
    # Mixture folders of another set left in OUTDIR would be scored with this one (quality.py takes every folder).
    stale = []
    for d in sorted(glob.glob(os.path.join(glob.escape(out), "*", ""))):
        name = os.path.basename(os.path.dirname(d))
        if name not in names and (os.path.exists(os.path.join(d, "mix.wav")) or glob.glob(os.path.join(glob.escape(d), "ref_*.wav"))):
            stale.append(name)
    if stale:
        print(f"make-validation-mixtures.py: {out} holds mixtures that are not part of this set ({', '.join(stale)}): "
              f"build into a new or empty folder, or remove them", file=sys.stderr)
        sys.exit(2)
    os.makedirs(out, exist_ok=True)
    if "--backgrounds" in sys.argv:
        for name, (sr, sources, levels, what) in BACKGROUNDS.items():
            spec = dict(sr=sr, sources=sources, levels_db=levels, train=None, what=what)
            manifest[name] = make_mixtures.build(name, spec, audio, out)
            print("%-22s %5d Hz %5.2f s  %d sources" % (name, sr, manifest[name]["duration_s"], len(sources)))
        with open(os.path.join(out, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=1)
        return
    if chosen is not None:
        for name, (sr, sources, train, what) in chosen.items():
            spec = dict(sr=sr, sources=sources, levels_db=[0] * len(sources), train=train, what=what)
            manifest[name] = make_mixtures.build(name, spec, audio, out)
            print("%-22s %5d Hz %5.2f s  %d sources, training %s s" % (
                name, sr, manifest[name]["duration_s"], len(sources), "/".join(str(t["seconds"]) for t in manifest[name]["train"])))
        with open(os.path.join(out, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=1)
        return
    for name, (sr, sources, what) in SETS.items():
        spec = dict(sr=sr, sources=sources, levels_db=[0] * len(sources), train=None, what=what)
        manifest[name] = make_mixtures.build(name, spec, audio, out)
        print("%-22s %5d Hz %5.2f s  %d sources" % (name, sr, manifest[name]["duration_s"], len(sources)))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()

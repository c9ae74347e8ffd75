"""The sequencer: patterns, exact placement, swing, policies, limiter, MIDI, arrangement, CLI."""

import json

import numpy as np
import pytest
import soundfile as sf

from beatlib import dsp
from beatlib import sequencer as sq
from beatlib.errors import BeatlibError, ConfigError, DataError

SR = 48000  # at 120 bpm one 16th step is exactly 6000 samples
BPM = 120
STEP = 6000


def click(lead: int, length: int = 600, amp: float = 1.0) -> np.ndarray:
    """A one-shot that starts with ``lead`` samples of silence, then a unit impulse and a
    quiet decaying tail (always below the impulse)."""
    y = np.zeros(length, np.float32)
    y[lead] = amp
    y[lead + 1 :] = amp * 0.2 * np.exp(-np.arange(length - lead - 1) / 50.0)
    return y


def click_kit(n=8, leads=(0, 37, 211)):
    voices = ("kick", "snare", "hihat")
    return sq.Kit.from_arrays(
        {v: [click(leads[i] + j) for j in range(n)] for i, v in enumerate(voices)}, sample_rate=SR
    )


def impulse_positions(beat):
    """Samples where a rendered click's impulse is: the level jumps (a tail only decays)."""
    y = np.abs(beat.audio).max(axis=1).astype(np.float64)
    prev = np.concatenate([[0.0], y[:-1]])
    return np.nonzero(y > 2 * prev + 1e-4)[0]


# ----------------------------------------------------------------------------- patterns
def test_presets_are_valid_and_have_the_original():
    assert {"house", "techno", "breakbeat", "hip-hop", "simple-house"} <= set(sq.PRESETS)
    for p in sq.PRESETS.values():
        assert p.steps_per_bar == 16 and p.n_steps == 16
        assert set(p.voices) == {"kick", "snare", "hihat"}
    assert sq.preset("Hip Hop") is sq.PRESETS["hip-hop"]
    with pytest.raises(ConfigError, match="unknown pattern preset 'polka'"):
        sq.preset("polka")


def test_pattern_validation_names_the_problem():
    with pytest.raises(ConfigError, match="outside 0..1"):
        sq.Pattern(("kick",), ((1.5,) * 16,))
    with pytest.raises(ConfigError, match="whole number of bars"):
        sq.Pattern(("kick",), ((1.0,) * 15,))
    with pytest.raises(ConfigError, match="different lengths"):
        sq.Pattern(("kick", "snare"), ((1.0,) * 16, (1.0,) * 32))
    with pytest.raises(ConfigError, match="unknown step characters"):
        sq.Pattern.from_strings({"kick": "X...Y..........."})
    # any resolution: triplets, 3 beats per bar
    p = sq.Pattern.from_strings({"kick": "X..X..X.."}, steps_per_beat=3, beats_per_bar=3)
    assert p.n_bars == 1 and p.steps_per_bar == 9


def test_pattern_json_round_trip_and_errors(tmp_path):
    p = sq.preset("breakbeat").with_velocity("clap", 3, 0.25)
    path = sq.save_pattern(p, tmp_path / "p.json")
    assert sq.load_pattern(path) == p
    assert sq.load_pattern("house") == sq.preset("house")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError, match="bad.json: not valid JSON"):
        sq.load_pattern(tmp_path / "bad.json")
    (tmp_path / "vel.json").write_text(json.dumps({"voices": {"kick": [0, 2] + [0] * 14}}))
    with pytest.raises(ConfigError, match="vel.json.*outside 0..1"):
        sq.load_pattern(tmp_path / "vel.json")
    (tmp_path / "strings.json").write_text(json.dumps({"voices": {"kick": "X...|X...|X...|X..."}}))
    assert sq.load_pattern(tmp_path / "strings.json").grid()[0, ::4].tolist() == [1.0] * 4
    with pytest.raises(ConfigError, match="missing.json: no such pattern file"):
        sq.load_pattern(tmp_path / "missing.json")


# ----------------------------------------------------------------------------- timing
@pytest.mark.parametrize("bars", [1, 3])
def test_length_formula(bars):
    kit = click_kit(n=64)
    p = sq.preset("simple-house")
    expected = round(bars * 4 * 60 / BPM * SR)
    for tail in ("cut", "wrap"):
        b = sq.render(p, kit, BPM, bars, sample_rate=SR, tail=tail, seed=0)
        assert b.audio.shape == (expected, 2)
    # ring-out: exactly as far as the last sound reaches past the end
    long_kit = sq.Kit.from_arrays(
        {v: [click(0, length=20000) + 0 * j for j in range(64)] for v in ("kick", "snare", "hihat")},
        sample_rate=SR,
    )
    b = sq.render(p, long_kit, BPM, bars, sample_rate=SR, policy="random", seed=0)
    last_hit = (bars * 16 - 2) * STEP  # the last hihat is on step 14 of the last bar
    assert b.audio.shape[0] == last_hit + 20000 > expected
    # odd tempo: length is rounded once, not per bar
    b = sq.render(p, kit, 123.7, bars, sample_rate=44100, tail="cut", seed=0)
    assert b.audio.shape[0] == round(bars * 4 * 60 / 123.7 * 44100)


def test_each_hit_onset_lands_on_its_exact_sample():
    kit = click_kit(n=16)
    p = sq.preset("breakbeat")
    b = sq.render(p, kit, BPM, 2, sample_rate=SR, seed=3)
    expected = sorted({s * STEP for s in np.nonzero(p.tile(2).grid().max(axis=0))[0]})
    assert impulse_positions(b).tolist() == expected
    assert sorted({h.position for h in b.hits}) == expected
    # the leading silence of each file (0, 37, 211 samples + index) was skipped
    assert {h.voice for h in b.hits} == {"kick", "snare", "hihat"}


def test_onset_detection():
    assert dsp.detect_onset(click(123)) == 123
    rng = np.random.default_rng(0)
    y = np.concatenate([1e-4 * rng.standard_normal(500), np.hanning(64) * rng.standard_normal(64)])
    on = dsp.detect_onset(y.astype(np.float32))
    assert 495 <= on <= 510  # the attack, not the low noise before it
    stereo = np.zeros((100, 2), np.float32)
    stereo[40, 1] = 0.7
    assert dsp.detect_onset(stereo) == 40


def test_swing_moves_only_off_beats():
    kit = click_kit(n=40)
    p = sq.Pattern.from_strings({"hihat": "xxxxxxxxxxxxxxxx"})
    straight = sq.render(p, kit, BPM, 1, sample_rate=SR, seed=0)
    swung = sq.render(p, kit, BPM, 1, sample_rate=SR, swing=0.25, seed=0)
    a = np.array([h.position for h in straight.hits])
    b = np.array([h.position for h in swung.hits])
    assert (a == np.arange(16) * STEP).all()
    assert (b[0::2] == a[0::2]).all()  # on-beat 16ths never move
    assert (b[1::2] == a[1::2] + STEP // 4).all()  # off-beats move by swing * step
    assert impulse_positions(swung).tolist() == b.tolist()
    with pytest.raises(ConfigError, match="swing"):
        sq.render(p, kit, BPM, 1, sample_rate=SR, swing=0.7)
    triplets = sq.Pattern.from_strings({"hihat": "x" * 12}, steps_per_beat=3)
    with pytest.raises(ConfigError, match="even number of steps"):
        sq.render(triplets, kit, BPM, 1, sample_rate=SR, swing=0.2)


def test_humanize_stays_within_bounds_and_is_seeded():
    kit = click_kit(n=40)
    p = sq.Pattern.from_strings({"hihat": "X" * 16})
    ref = np.arange(16) * STEP
    b1 = sq.render(p, kit, BPM, 1, sample_rate=SR, humanize=0.5, seed=7)
    b2 = sq.render(p, kit, BPM, 1, sample_rate=SR, humanize=0.5, seed=7)
    pos = np.array([h.position for h in b1.hits])
    vel = np.array([h.velocity for h in b1.hits])
    bound = 0.5 * sq.HUMANIZE_MAX_MS * SR / 1000
    assert np.all(np.abs(pos - ref) <= bound) and np.any(pos != ref)
    assert np.all((vel <= 1.0) & (vel >= 1.0 - 0.5 * sq.HUMANIZE_MAX_VELOCITY)) and np.ptp(vel) > 0
    assert [h.position for h in b2.hits] == pos.tolist()
    np.testing.assert_array_equal(b1.audio, b2.audio)


def test_resampled_sounds_land_within_a_sample_or_two():
    low = {"kick": [click(20, 400)]}  # a 16 kHz click ...
    kit = sq.Kit.from_arrays(low, sample_rate=16000)
    p = sq.Pattern.from_strings({"kick": "X...X...X...X..."})
    b = sq.render(p, kit, BPM, 1, sample_rate=SR, policy="one-per-voice", seed=0)  # ... at 48 kHz
    peaks = [int(np.argmax(np.abs(b.audio[i * 4 * STEP : (i * 4 + 1) * STEP, 0]))) for i in range(4)]
    assert all(abs(pk) <= 2 for pk in peaks), peaks


# ----------------------------------------------------------------------------- policies
def test_unique_policy_never_reuses_and_says_how_many_are_needed():
    kit = click_kit(n=16)
    p = sq.preset("simple-house")  # 4 kicks, 2 snares, 4 hats per bar
    b = sq.render(p, kit, BPM, 4, sample_rate=SR, seed=1)
    for v in ("kick", "snare", "hihat"):
        used = [h.sample for h in b.hits if h.voice == v]
        assert len(used) == len(set(used)) == {"kick": 16, "snare": 8, "hihat": 16}[v]
    with pytest.raises(
        sq.NotEnoughSamplesError, match=r"kick needs 20 different samples, 16 exist.*hihat needs 20"
    ) as e:
        sq.render(p, kit, BPM, 5, sample_rate=SR, seed=1)
    assert e.value.needed == {"kick": 20, "hihat": 20} and e.value.available["kick"] == 16
    assert isinstance(e.value, BeatlibError)
    assert sq.fit_policy(p, kit, 5)[0] == "round-robin"
    assert sq.fit_policy(p, kit, 4) == ("unique", "")
    assert sq.samples_needed(p, 5) == {"kick": 20, "snare": 10, "hihat": 20}


def test_other_policies():
    kit = click_kit(n=3)
    p = sq.Pattern.from_strings({"kick": "X...X...X...X...", "hihat": "..x...x...x...x."})
    rr = sq.render(p, kit, BPM, 2, sample_rate=SR, policy="round-robin", seed=2)
    kicks = [h.sample_index for h in rr.hits if h.voice == "kick"]
    assert sorted(kicks[:3]) == [0, 1, 2] and kicks[3:6] == kicks[:3]  # all once before repeats
    one = sq.render(p, kit, BPM, 2, sample_rate=SR, policy="one-per-voice", seed=2)
    assert len({h.sample for h in one.hits if h.voice == "kick"}) == 1
    rnd = sq.render(p, kit, BPM, 2, sample_rate=SR, policy="random", seed=2)
    assert all(0 <= h.sample_index < 3 for h in rnd.hits)
    with pytest.raises(ConfigError, match="unknown sample policy 'best'"):
        sq.render(p, kit, BPM, 1, sample_rate=SR, policy="best")
    with pytest.raises(DataError, match=r"no sounds for voices \['clap'\]"):
        sq.render(p.with_velocity("clap", 0, 1.0), kit, BPM, 1, sample_rate=SR, policy="random")


# ----------------------------------------------------------------------------- mixing
def test_sixteen_loud_hits_at_once_never_clip(rng):
    voices = [f"v{i}" for i in range(16)]
    sounds = {v: [np.clip(rng.standard_normal((4000, 2)), -1, 1).astype(np.float32)] for v in voices}
    sounds["v0"] = [np.ones((4000, 2), np.float32)]  # and a full-scale DC block
    p = sq.Pattern.from_grid(np.tile([1.0] + [0.0] * 15, (16, 1)), voices)
    b = sq.render(p, sounds, BPM, 1, sample_rate=SR, gain_db=0.0, policy="random", seed=0)
    ceiling = 10 ** (-0.3 / 20)
    assert np.max(np.abs(b.audio)) <= ceiling + 1e-7
    # the limiter really reduced gain (the raw sum is many times full scale) and kept sound
    assert np.max(np.abs(b.audio)) > 0.5 * ceiling


def test_limiter_is_transparent_below_the_ceiling_and_smooth_above(rng):
    quiet = (0.5 * np.sin(np.arange(20000) / 10.0)).astype(np.float32)[:, None]
    np.testing.assert_array_equal(dsp.limit(quiet, sample_rate=SR), quiet)
    loud = quiet.copy()
    loud[10000:10010] = 3.0  # a burst 10 dB over
    out = dsp.limit(loud, sample_rate=SR, ceiling_db=-1.0)
    gain = out[:, 0] / np.where(np.abs(loud[:, 0]) > 1e-3, loud[:, 0], np.nan)
    assert np.nanmax(np.abs(out)) <= 10 ** (-1 / 20) + 1e-7
    assert np.nanmax(np.abs(np.diff(gain[9000:11000]))) < 0.02  # a ramp, not a jump
    np.testing.assert_array_equal(out[:9000], loud[:9000])  # far from the burst: untouched


def test_choke_cuts_to_one_step_with_a_fade():
    long = np.full(3 * STEP, 0.5, np.float32)
    long[0] = 1.0
    kit = sq.Kit.from_arrays({"hihat": [long] * 4}, sample_rate=SR)
    p = sq.Pattern.from_strings({"hihat": "X..............."})
    ring = sq.render(p, kit, BPM, 1, sample_rate=SR, policy="round-robin", seed=0)
    cut = sq.render(p, kit, BPM, 1, sample_rate=SR, policy="round-robin", choke=True, seed=0)
    assert np.abs(ring.audio[STEP + 10 : 2 * STEP]).min() > 0.1
    assert np.abs(cut.audio[STEP:]).max() == 0.0
    tail = np.abs(cut.audio[STEP - 200 : STEP, 0])
    assert tail[-1] < 0.01 and np.all(np.diff(tail) <= 1e-6)  # faded to silence, no step


def test_wrap_tail_folds_ring_out_to_the_start():
    y = np.zeros(9000, np.float32)
    y[0], y[8000] = 0.5, 0.25
    kit = sq.Kit.from_arrays({"kick": [y]}, sample_rate=SR)
    p = sq.Pattern.from_strings({"kick": "...............X"})  # last step, rings past the end
    b = sq.render(p, kit, BPM, 1, sample_rate=SR, tail="wrap", gain_db=0.0, policy="random", seed=0)
    assert b.audio.shape[0] == 16 * STEP
    assert b.audio[15 * STEP, 0] == 0.5 and b.audio[15 * STEP + 8000 - 16 * STEP, 0] == 0.25


# ----------------------------------------------------------------------------- MIDI
def test_midi_round_trips_to_the_same_pattern(tmp_path):
    import mido

    for name, pat in sq.PRESETS.items():
        path = sq.write_midi(pat, tmp_path / f"{name}.mid", bpm=124)
        back = sq.read_midi(path)
        assert back.voices == pat.voices and back.n_steps == pat.n_steps
        np.testing.assert_allclose(back.grid(), pat.grid(), atol=1 / 254)
    odd = sq.Pattern.from_strings(
        {"cowbell": "x..x..x..", "woodblock": "..X..X..X"}, steps_per_beat=3, beats_per_bar=3, name="waltz"
    )
    back = sq.read_midi(sq.write_midi(odd, tmp_path / "odd.mid", bpm=90, bars=2))
    assert (back.voices, back.steps_per_beat, back.beats_per_bar, back.name) == (odd.voices, 3, 3, "waltz")
    np.testing.assert_allclose(back.grid(), odd.tile(2).grid(), atol=1 / 254)
    # a standard file: GM drum notes on channel 10, the tempo, one note per hit
    mid = mido.MidiFile(tmp_path / "house.mid")
    msgs = list(mido.merge_tracks(mid.tracks))
    ons = [m for m in msgs if m.type == "note_on" and m.velocity > 0]
    assert {m.channel for m in ons} == {9}
    assert {m.note for m in ons} == {36, 38, 42}
    assert len(ons) == int(np.count_nonzero(sq.preset("house").grid()))
    tempo = [m.tempo for m in msgs if m.type == "set_tempo"][0]
    assert round(mido.tempo2bpm(tempo), 3) == 124


def test_read_midi_from_a_daw_file_without_beatlib_metadata(tmp_path):
    import mido

    mid = mido.MidiFile(ticks_per_beat=96)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    for i in range(4):  # kick on every beat, snare on 2 and 4
        track.append(mido.Message("note_on", channel=9, note=36, velocity=127, time=0 if i == 0 else 72))
        if i % 2:
            track.append(mido.Message("note_on", channel=9, note=38, velocity=64, time=0))
        track.append(mido.Message("note_off", channel=9, note=36, velocity=0, time=24))
    mid.save(tmp_path / "daw.mid")
    p = sq.read_midi(tmp_path / "daw.mid")
    assert p.voices == ("kick", "snare") and p.n_steps == 16
    assert p.to_strings() == {"kick": "X...X...X...X...", "snare": "....o.......o..."}
    (tmp_path / "junk.mid").write_bytes(b"not midi at all")
    with pytest.raises(ConfigError, match="junk.mid: not a readable MIDI file"):
        sq.read_midi(tmp_path / "junk.mid")


# ----------------------------------------------------------------------------- arrangement
def test_arrangement_structures():
    L, sr, w = 1000, 10000, 50  # crossfade 5 ms = 50 samples
    rng = np.random.default_rng(0)
    a = rng.uniform(-0.5, 0.5, (L, 2)).astype(np.float32)
    b = rng.uniform(-0.5, 0.5, (L, 2)).astype(np.float32)
    np.testing.assert_array_equal(
        sq.arrange([a, b], "AAAA", sample_rate=sr, crossfade_ms=5), np.tile(a, (4, 1))
    )
    for structure in sq.STRUCTURES:
        y = sq.arrange([a, b], structure, sample_rate=sr, crossfade_ms=5)
        assert y.shape == (4 * L, 2)
        for k, letter in enumerate(structure):
            src = a if letter == "A" else b
            nxt = structure[(k + 1) % 4]
            end = L - w if nxt != letter else L  # the crossfade sits before a change
            np.testing.assert_array_equal(y[k * L : k * L + end], src[:end])
            if nxt != letter:  # from this bar's end into the next's end
                other = a if nxt == "A" else b
                region = y[k * L + end : (k + 1) * L]
                assert not np.array_equal(region, src[end:])
                t = (np.arange(w) + 0.5) / w
                ref = (
                    src[end:] * np.cos(np.pi / 2 * t)[:, None] + other[end:] * np.sin(np.pi / 2 * t)[:, None]
                )
                np.testing.assert_allclose(region, ref, atol=1e-6)
    with pytest.raises(DataError, match="needs 2 distinct bars, got 1"):
        sq.arrange([a], "AABB", sample_rate=sr)
    with pytest.raises(DataError, match="same audio"):
        sq.arrange([a, a.copy()], "ABAB", sample_rate=sr)
    with pytest.raises(ConfigError, match="structure"):
        sq.arrange([a, b], "A1B2", sample_rate=sr)
    # a fractional bar length keeps every bar start on round(k * length)
    y = sq.arrange([a, b], "ABAB", sample_rate=sr, bar_length=999.5, crossfade_ms=0)
    assert y.shape[0] == round(4 * 999.5)
    np.testing.assert_array_equal(y[round(2 * 999.5) : round(2 * 999.5) + 10], a[:10])


def test_arrange_folder_uses_latest_batch_and_its_bpm(tmp_path):
    rng = np.random.default_rng(1)
    root = tmp_path / "wavegan"
    for n in (1, 2):
        d = root / f"batch-00{n}"
        (d / "loops").mkdir(parents=True)
        for i in range(3):
            sf.write(d / f"{i:04d}.wav", rng.uniform(-0.5, 0.5, (16384, 2)).astype(np.float32), 14700)
        sf.write(d / "loops" / "0000_4bar.wav", np.zeros((100, 2), np.float32), 14700)
        (d / "manifest.json").write_text(json.dumps({"bpm": 125}))
    arr = sq.arrange_folder(root, "AABB", seed=0, sample_rate=14700)
    assert all("batch-002" in s and "loops" not in s for s in arr.sources.values())
    assert arr.sources["A"] != arr.sources["B"]
    assert arr.bar_length == 14112  # 2 whole beats at 125 bpm, 14.7 kHz
    assert arr.audio.shape == (4 * 14112, 2)
    hi = sq.arrange_folder(root, "ABAB", seed=0, sample_rate=44100)
    assert hi.audio.shape[0] == 3 * 4 * 14112 and hi.sample_rate == 44100
    with pytest.raises(DataError, match="needs 4 distinct bars, found 3 clips"):
        sq.arrange_folder(root, "ABCD", seed=0)
    # silent clips (an untrained generator) are never picked
    sf.write(root / "batch-002" / "0001.wav", np.zeros((16384, 2), np.float32), 14700)
    for seed in range(5):
        assert "0001.wav" not in str(sq.arrange_folder(root, "AB", seed=seed, sample_rate=14700).sources)
    sf.write(root / "batch-002" / "0002.wav", np.zeros((16384, 2), np.float32), 14700)
    with pytest.raises(DataError, match="3 clips of which 1 are not silent"):
        sq.arrange_folder(root, "AB", seed=0)


# ----------------------------------------------------------------------------- files, kits, CLI
def write_kit(root, n=6, sr=22050):
    for v, f in (("kick", 60), ("snare", 200), ("hihat", 5000)):
        (root / v).mkdir(parents=True)
        for i in range(n):
            t = np.arange(int(0.1 * sr)) / sr
            y = 0.8 * np.sin(2 * np.pi * (f + 10 * i) * t) * np.exp(-t * 30)
            sf.write(root / v / f"{v}_{i:02d}.wav", np.concatenate([np.zeros(50), y]).astype(np.float32), sr)
    return root


def test_load_kit_layouts(tmp_path):
    kit = sq.load_kit(write_kit(tmp_path / "kit"), sample_rate=SR)
    assert kit.voices == ("hihat", "kick", "snare") and kit.count("kick") == 6
    snd = kit.sound("kick", 0)
    assert abs(snd.audio.shape[0] - (int(0.1 * 22050) + 50) * SR / 22050) <= 1
    assert abs(snd.onset - round(50 * SR / 22050)) <= 3
    # generated layout: <voice>/batch-NNN/*.wav, the latest batch is used
    gen = tmp_path / "wavenet"
    for n, count in ((1, 5), (2, 3)):
        d = gen / "kick" / f"batch-00{n}"
        d.mkdir(parents=True)
        for i in range(count):
            sf.write(d / f"{i}.wav", np.hanning(100).astype(np.float32), 16000)
    kit = sq.load_kit(gen, sample_rate=SR)
    assert kit.count("kick") == 3 and "batch-002" in kit.origin["kick"]
    with pytest.raises(DataError, match="no folder for voices \\['snare'\\]"):
        sq.load_kit(gen, voices=["kick", "snare"])
    with pytest.raises(DataError, match="sounds folder not found"):
        sq.load_kit(tmp_path / "nope")


def test_project_kit_falls_back_to_the_demo_kit(tmp_path, demo_kit_dir):
    from beatlib.paths import ProjectPaths

    paths = ProjectPaths(tmp_path)
    paths.data.mkdir(parents=True)
    (paths.demo_kit).symlink_to(demo_kit_dir, target_is_directory=True)
    batch = paths.generated_wavenet("kick") / "batch-001"
    batch.mkdir(parents=True)
    for i in range(2):
        sf.write(batch / f"{i:04d}.wav", np.hanning(1600).astype(np.float32), 16000)
    kit, notes = sq.project_kit(paths)
    assert kit.count("kick") == 2 and "generated WaveNet" in notes["kick"]
    assert kit.count("snare") == 20 and "demo kit" in notes["snare"]
    b = sq.render(sq.preset("simple-house"), kit, 124, 1, seed=0, policy="round-robin")
    assert b.audio.shape[1] == 2 and np.max(np.abs(b.audio)) <= 1.0
    # a kept favourite (notebook 04's keep button) takes over its voice
    from beatlib.generate import keep_clip

    keep_clip(batch / "0001.wav", paths.favourites, "kick")
    kit, notes = sq.project_kit(paths)
    assert kit.count("kick") == 1 and "kept favourites" in notes["kick"] and "demo kit" in notes["snare"]
    kit, notes = sq.project_kit(paths, favourites=False)
    assert kit.count("kick") == 2 and "generated WaveNet" in notes["kick"]


def test_save_beat_writes_wav_midi_and_manifest(tmp_path):
    kit = click_kit()
    b = sq.render(sq.preset("house").select(["kick", "snare"]), kit, BPM, 2, sample_rate=SR, seed=5)
    for bits, subtype in ((16, "PCM_16"), (24, "PCM_24")):
        out = sq.save_beat(b, tmp_path / f"beat{bits}.wav", bits=bits, midi=tmp_path / f"beat{bits}.mid")
        assert sf.info(out["wav"]).subtype == subtype and sf.info(out["wav"]).samplerate == SR
        assert sq.read_midi(out["midi"]).voices == ("kick", "snare")
    m = json.loads((tmp_path / "beat24.json").read_text())
    assert len(m["hits"]) == len(b.hits) and m["settings"]["seed"] == 5
    assert {"voice", "step", "bar", "position", "time_s", "velocity", "sample"} <= set(m["hits"][0])
    assert m["hits"][0]["sample"].startswith(m["hits"][0]["voice"])
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    with pytest.raises(ConfigError, match="bits must be 16 or 24"):
        sq.save_beat(b, tmp_path / "x.wav", bits=8)


def test_project_kit_never_builds_the_demo_kit(tmp_path):
    from beatlib.paths import ProjectPaths

    with pytest.raises(DataError, match="no sounds for 'kick'.*no demo kit one-shots"):
        sq.project_kit(tmp_path)
    assert not ProjectPaths(tmp_path).demo_kit.exists()


def test_save_new_beat_never_overwrites_also_with_concurrent_writers(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    kit = click_kit()
    beats = [
        sq.render(sq.preset("house").select(["kick"]), kit, BPM, 1, sample_rate=SR, seed=s, policy="random")
        for s in range(8)
    ]
    (tmp_path / "house-120bpm-001.json").write_text("{}")  # a leftover side file: 001 is taken
    with ThreadPoolExecutor(8) as pool:
        written = list(pool.map(lambda b: sq.save_new_beat(b, tmp_path), beats))
    names = sorted(w["wav"].name for w in written)
    assert names == [f"house-120bpm-{i:03d}.wav" for i in range(2, 10)]
    for b, w in zip(beats, written):
        assert w["midi"] == w["wav"].with_suffix(".mid") and w["manifest"] == w["wav"].with_suffix(".json")
        assert json.loads(w["manifest"].read_text())["settings"]["seed"] == b.settings["seed"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left
    arr = sq.arrange_folder(write_loops(tmp_path / "loops"), "ABAB", sample_rate=14700)
    assert [sq.save_new_arrangement(arr, tmp_path)["wav"].name for _ in range(2)] == [
        "arrangement-ABAB-001.wav",
        "arrangement-ABAB-002.wav",
    ]


def test_parallel_cli_sequence_runs_write_distinct_beats(tmp_path):
    """Issue 15: runs without --out at the same moment must not overwrite each other's files."""
    import subprocess
    import sys

    kit = write_kit(tmp_path / "kit", n=16)
    cmd = [
        sys.executable,
        "-m",
        "beatlib",
        "sequence",
        "--sounds",
        str(kit),
        "--project",
        str(tmp_path),
        "--pattern",
        "simple-house",
        "--bars",
        "1",
        "--sample-rate",
        "22050",
        "--midi",
    ]
    runs = [
        subprocess.Popen(cmd + ["--seed", str(seed)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for seed in range(4)
    ]
    for r in runs:
        _, err = r.communicate(timeout=120)
        assert r.returncode == 0, err.decode()
    beats = tmp_path / "generated_output" / "beats"
    wavs = sorted(beats.glob("*.wav"))
    assert [w.name for w in wavs] == [f"simple-house-124bpm-{i:03d}.wav" for i in range(1, 5)]
    seeds = set()
    for wav in wavs:
        manifest = json.loads(wav.with_suffix(".json").read_text())
        assert manifest["wav"] == str(wav) and manifest["midi"] == str(wav.with_suffix(".mid"))
        seeds.add(manifest["settings"]["seed"])
        again = sq.render(
            sq.preset("simple-house"), kit, 124, 1, sample_rate=22050, seed=manifest["settings"]["seed"]
        )
        audio, _ = sf.read(wav, dtype="float32", always_2d=True)
        assert audio.shape == again.audio.shape and np.abs(audio - again.audio).max() < 1e-4
    assert seeds == {0, 1, 2, 3}


def write_loops(root, n=2):
    root.mkdir(parents=True)
    for i in range(n):
        sf.write(root / f"{i}.wav", np.random.default_rng(i).uniform(-0.3, 0.3, (8000, 2)), 14700)
    return root


def test_cli_sequence_and_arrange(tmp_path, capsys):
    from beatlib.cli import main

    kit = write_kit(tmp_path / "kit", n=16)
    out = tmp_path / "beats" / "b.wav"
    rc = main(
        [
            "sequence",
            "--sounds",
            str(kit),
            "--pattern",
            "simple-house",
            "--bpm",
            "124",
            "--bars",
            "2",
            "--swing",
            "0.1",
            "--out",
            str(out),
            "--midi",
            str(tmp_path / "b.mid"),
            "--seed",
            "3",
            "--bits",
            "24",
        ]
    )
    assert rc == 0
    assert sf.info(out).subtype == "PCM_24" and (tmp_path / "b.mid").exists()
    assert out.with_suffix(".json").exists()
    assert "b.wav" in capsys.readouterr().out
    rc = main(["sequence", "--sounds", str(kit), "--bars", "8", "--out", str(tmp_path / "c.wav")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "kick needs 32 different samples, 16 exist" in err and "Traceback" not in err
    loops = tmp_path / "loops"
    loops.mkdir()
    for i in range(2):
        sf.write(loops / f"{i}.wav", np.random.default_rng(i).uniform(-0.3, 0.3, (8000, 2)), 14700)
    rc = main(
        [
            "arrange",
            "--loops",
            str(loops),
            "--structure",
            "ABAB",
            "--out",
            str(tmp_path / "a.wav"),
            "--sample-rate",
            "14700",
        ]
    )
    assert rc == 0 and sf.info(tmp_path / "a.wav").frames == 4 * 8000


# ----------------------------------------------------------------------------- widget
def test_sequencer_grid_builds_and_its_handlers_run_headless():
    from beatlib.widgets import SequencerGrid

    kit = click_kit(n=6)
    grid = SequencerGrid(kit, "simple-house", bpm=BPM, bars=1, seed=0, sample_rate=SR)
    assert [len(row) for row in grid.toggles.values()] == [16, 16, 16]
    assert grid.pattern == sq.preset("simple-house")
    assert grid.toggle("snare", 7) is True
    assert grid.pattern.grid()[1, 7] == 1.0
    grid.swing_slider.value = 0.25
    grid.render_button.click()  # the button's callback, as in a browser
    beat = grid.last_beat
    assert beat is not None and beat.settings["swing"] == 0.25 and beat.settings["seed"] == 0
    assert any(h.voice == "snare" and h.step == 7 for h in beat.hits)
    first = [h.sample for h in beat.hits]
    grid.new_button.click()
    assert grid.seed == 1 and [h.sample for h in grid.last_beat.hits] != first
    # too few samples for "unique": falls back with a note instead of failing
    small = SequencerGrid(click_kit(n=2), "house", bars=1, sample_rate=SR)
    assert small.render(show=False).settings["policy"] == "round-robin"
    assert "round-robin" in small.status.value
    # an empty grid: the error goes to the status line, nothing raises
    for voice in grid.toggles:
        for step in range(16):
            grid.toggle(voice, step, on=False)
    grid.render_button.click()
    assert "grid is empty" in grid.status.value


def test_a_silent_generated_sample_is_a_silent_hit_not_a_failed_render():
    kit = sq.Kit.from_arrays({"kick": [np.zeros(500, np.float32), click(0)]}, sample_rate=SR)
    p = sq.Pattern.from_strings({"kick": "X.......X......."})
    b = sq.render(p, kit, BPM, 1, sample_rate=SR, seed=0)
    assert sorted(h.sample_index for h in b.hits) == [0, 1]
    assert impulse_positions(b).size == 1
    with pytest.raises(BeatlibError, match=r"kick\[0\]: contains NaN"):
        sq.render(p, {"kick": [np.full(10, np.nan), click(0)]}, BPM, 1, sample_rate=SR, seed=0)

"""``beatlib sequence`` and ``arrange``: beats and loops from generated sounds."""

from __future__ import annotations

import argparse

from beatlib.cli.base import BITS, POSITIVE, arg, command, pick, sample_rate, seed

__all__: list[str] = []


@command(
    "sequence",
    "render a beat from one-shots (WAV + MIDI + manifest)",
    arg(
        "--sounds",
        required=True,
        metavar="DIR",
        help="folder with one sub-folder per voice, e.g. generated_output/wavenet or data/demo_kit/oneshots",
    ),
    arg(
        "--pattern",
        default="house",
        help="preset (house, techno, breakbeat, hip-hop, simple-house) or a pattern "
        ".json / .mid file (default: house)",
    ),
    arg("--bpm", type=POSITIVE, default=124.0, help="tempo (default 124)"),
    arg("--bars", type=int, default=4, help="bars to render (default 4)"),
    arg(
        "--swing",
        type=float,
        default=0.0,
        help="delay of the off-beat 16ths in steps, 0..0.5 (1/3: triplet shuffle)",
    ),
    arg("--humanize", type=float, default=0.0, help="0..1: timing (up to 10 ms) and velocity jitter"),
    arg(
        "--policy",
        default="unique",
        choices=("unique", "round-robin", "random", "one-per-voice"),
        help="sample choice (default unique: no sample twice in the beat)",
    ),
    arg(
        "--choke",
        nargs="*",
        default=None,
        metavar="VOICE",
        help="cut these voices' hits after one step (no voice given: all voices)",
    ),
    arg(
        "--tail",
        default="ring",
        choices=("ring", "cut", "wrap"),
        help="ring: let the last hits ring out (longer file); cut / wrap: exactly the bars",
    ),
    seed("sample choice and humanize (default: random)", default=None),
    sample_rate(44100, "output rate (default 44100)"),
    BITS,
    arg(
        "--out",
        default=None,
        metavar="FILE.wav",
        help="output WAV (default: a new file in PROJECT/generated_output/beats)",
    ),
    arg(
        "--midi",
        nargs="?",
        const=True,
        default=None,
        metavar="FILE.mid",
        help="also write the pattern as a MIDI file (no FILE: beside the WAV)",
    ),
    arg("--project", default=".", help="project folder for the default output (default: .)"),
    description="Render a step pattern with sounds from SOUNDS/<voice>/ (the latest batch-NNN "
    "folder of a voice is used). By default no sample plays twice in the beat.",
)
def _run_sequence(args: argparse.Namespace) -> int:
    from pathlib import Path

    from beatlib import sequencer
    from beatlib.files import check_writable
    from beatlib.paths import ProjectPaths

    pattern = sequencer.load_pattern(args.pattern)
    out = Path(args.out) if args.out else ProjectPaths(args.project).beats / "beat.wav"
    midi = out.with_suffix(".mid") if args.midi is True else args.midi
    for target in (out, out.with_suffix(".json"), *([Path(midi)] if midi else [])):
        check_writable(target)  # before rendering, not after writing the WAV
    choke = False if args.choke is None else (True if not args.choke else args.choke)
    beat = sequencer.render(
        pattern,
        args.sounds,
        args.bpm,
        args.bars,
        **pick(args, "sample_rate", "swing", "humanize", "seed", "policy", "tail"),
        choke=choke,
    )
    if args.out:
        written = sequencer.save_beat(beat, args.out, bits=args.bits, midi=midi)
    else:  # a new numbered file, also when other runs save at the same moment
        written = sequencer.save_new_beat(
            beat, ProjectPaths(args.project).beats, bits=args.bits, midi=args.midi or False
        )
    seconds = beat.audio.shape[0] / beat.sample_rate
    print(
        f"{len(beat.hits)} hits, {args.bars} bars at {args.bpm:g} bpm, {seconds:.2f} s "
        f"(seed {beat.settings['seed']}, policy {args.policy})"
    )
    for kind, path in written.items():
        print(f"{kind}: {path}")
    return 0


@command(
    "arrange",
    "stack generated WaveGAN bars into a loop (AAAA, AAAB, AABB, ABAB)",
    arg("--loops", required=True, metavar="DIR", help="e.g. generated_output/wavegan"),
    arg("--structure", default="AABB", help="AAAA, AAAB, AABB, ABAB or any letters (default AABB)"),
    arg("--out", required=True, metavar="FILE.wav", help="output WAV (+ a .json manifest)"),
    arg("--crossfade-ms", type=float, default=10.0, help="crossfade at joins (default 10 ms)"),
    arg(
        "--bpm",
        type=POSITIVE,
        default=None,
        help="tempo of the clips (default: the batch manifest's; none: whole clips)",
    ),
    seed("which clips are picked (default 0)"),
    sample_rate(44100, "output rate (default 44100)"),
    BITS,
    description="Pick distinct random clips from LOOPS (its latest batch-NNN folder, if any), cut "
    "each to whole beats at the batch's tempo, and stack them with crossfaded joins.",
)
def _run_arrange(args: argparse.Namespace) -> int:
    from beatlib import sequencer

    arr = sequencer.arrange_folder(
        args.loops, args.structure, **pick(args, "seed", "sample_rate", "crossfade_ms", "bpm")
    )
    written = sequencer.save_arrangement(arr, args.out, bits=args.bits)
    print(f"{arr.structure}: " + ", ".join(f"{k}={v}" for k, v in arr.sources.items()))
    for kind, path in written.items():
        print(f"{kind}: {path}")
    return 0

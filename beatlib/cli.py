"""The ``beatlib`` command: thin terminal faces of the library's functions.

Each sub-command parses its arguments, calls one or two beatlib functions and prints a
short summary. Heavy modules (TensorFlow) are imported inside the handlers so that
``beatlib --help`` stays fast. A :class:`~beatlib.errors.BeatlibError` is printed as one
line (no traceback) with exit code 2.

Example:
    $ beatlib demo-kit demo_kit/
    $ beatlib prepare-loops demo_kit/loops data/loops.npz
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from beatlib import __version__
from beatlib.errors import BeatlibError

# Each add_* function registers one sub-command on the sub-parsers object.
_REGISTRY: list[Callable[[argparse._SubParsersAction], None]] = []


def command(fn: Callable[[argparse._SubParsersAction], None]):
    """Decorator: register a function that adds one sub-command."""
    _REGISTRY.append(fn)
    return fn


# ============================================================ data (demo kit, preparation)
@command
def _add_demo_kit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo-kit", help="synthesise the built-in demo kit (one-shots and loops)")
    p.add_argument("out_dir", help="folder to write (e.g. data/demo_kit)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--oneshots", type=int, default=20, help="one-shots per instrument (default 20)")
    p.add_argument("--loops", type=int, default=60, help="number of 4-bar loops (default 60)")
    p.set_defaults(func=_run_demo_kit)


def _run_demo_kit(args: argparse.Namespace) -> int:
    from beatlib.demo_kit import make_demo_kit

    out = make_demo_kit(args.out_dir, seed=args.seed, oneshots_per_instrument=args.oneshots, loops=args.loops)
    print(f"demo kit written to {out} (one-shots in {out / 'oneshots'}, loops in {out / 'loops'})")
    return 0


@command
def _add_prepare_loops(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prepare-loops", help="cut drum loops into equal slices for WaveGAN (.npz)")
    p.add_argument("src_dir", help="folder of drum loops, bpm in the file names (never modified)")
    p.add_argument("out_npz", help="output dataset, e.g. data/loops.npz (+ .json manifest)")
    p.add_argument("--sample-rate", type=int, default=14700)
    p.add_argument("--slice-len", type=int, default=16384)
    cut = p.add_mutually_exclusive_group()
    cut.add_argument("--beats", type=int, help="beats to cut from each loop (default: as many as fit)")
    cut.add_argument("--bars", type=int, help="4/4 bars to cut from each loop")
    p.add_argument("--channels", type=int, default=2)
    p.add_argument("--estimate-bpm", action="store_true",
                   help="estimate the tempo with librosa when the file name has none")
    p.add_argument("--segments", choices=("first", "all"), default="first",
                   help="first: one slice per file (BeatGAN); all: consecutive slices through each file")
    p.set_defaults(func=_run_prepare_loops)


def _run_prepare_loops(args: argparse.Namespace) -> int:
    from beatlib.data import prepare_loops

    report = prepare_loops(args.src_dir, args.out_npz, sample_rate=args.sample_rate, slice_len=args.slice_len,
                           beats=args.beats, bars=args.bars, channels=args.channels,
                           estimate_tempo=args.estimate_bpm, segments=args.segments, progress=True)
    print(report.summary())
    return 0


@command
def _add_prepare_oneshots(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prepare-oneshots", help="collect kick/snare/hi-hat one-shots for WaveNet (.npz)")
    p.add_argument("src_dir", help="folder of one-shots in kick/, snare/, hihat/ folders or named so")
    p.add_argument("out_npz", help="output dataset, e.g. data/oneshots.npz (+ .json manifest)")
    p.add_argument("--sample-rate", type=int, default=16000)
    p.add_argument("--kick-s", type=float, default=0.2, help="kick length in seconds")
    p.add_argument("--snare-s", type=float, default=0.2, help="snare length in seconds")
    p.add_argument("--hihat-s", type=float, default=0.1, help="hi-hat length in seconds")
    p.set_defaults(func=_run_prepare_oneshots)


def _run_prepare_oneshots(args: argparse.Namespace) -> int:
    from beatlib.data import prepare_oneshots

    lengths = {"kick": args.kick_s, "snare": args.snare_s, "hihat": args.hihat_s}
    report = prepare_oneshots(args.src_dir, args.out_npz, sample_rate=args.sample_rate, lengths=lengths,
                              progress=True)
    print(report.summary())
    return 0

# ============================================================ wavenet
# (owned by the WaveNet work: train-wavenet, generate-wavenet)
@command
def _add_train_wavenet(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train-wavenet", help="train (or resume) the WaveNet of one instrument",
                       description="Train an unconditional WaveNet on one instrument's one-shots until the "
                                   "mean loss is below --threshold or --max-steps is reached. Rerun the same "
                                   "command to resume from the latest checkpoint.")
    p.add_argument("data", help="one-shots prepared by `beatlib prepare-oneshots` (.npz)")
    p.add_argument("--instrument", required=True, help="kick, snare or hihat")
    p.add_argument("--out", default=None, help="run folder (default: weights/wavenet/<instrument>)")
    p.add_argument("--profile", default=None,
                   help="model profile: default, cpu, demo or tiny (default: the saved one when resuming, "
                        "else default)")
    steps = p.add_mutually_exclusive_group()
    steps.add_argument("--max-steps", type=int, default=None, help="stop at this step (default: the profile's)")
    steps.add_argument("--more-steps", type=int, default=None, help="train this many steps beyond the checkpoint")
    p.add_argument("--threshold", type=float, default=None,
                   help="stop when the mean loss is below this (default: the profile's, 0.01)")
    p.add_argument("--keep", type=int, default=3, help="checkpoints to keep (default 3)")
    p.add_argument("--seed", type=int, default=0, help="initial weights and data order")
    p.set_defaults(func=_run_train_wavenet)


def _run_train_wavenet(args: argparse.Namespace) -> int:
    from pathlib import Path

    from beatlib.config import CONFIG_FILE, WaveNetConfig, load_config, wavenet_profile
    from beatlib.training import train_wavenet

    out = Path(args.out or Path("weights") / "wavenet" / args.instrument)
    if args.profile is not None:
        cfg = wavenet_profile(args.profile)
    elif (out / CONFIG_FILE).exists():
        cfg = load_config(WaveNetConfig, out)
    else:
        cfg = wavenet_profile("default")
    r = train_wavenet(args.data, args.instrument, out, cfg, max_steps=args.max_steps, more_steps=args.more_steps,
                      loss_threshold=args.threshold, max_to_keep=args.keep, seed=args.seed)
    print(f"trained {r.step - r.start_step} steps (now at step {r.step}, mean loss {r.loss:.4f}); "
          f"TensorBoard: tensorboard --logdir {out / 'logs'}")
    return 0


@command
def _add_generate_wavenet(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate-wavenet", help="generate one-shots with a trained WaveNet (fast, batched)")
    p.add_argument("weights", help="a WaveNet run folder, e.g. weights/wavenet/kick")
    p.add_argument("--n", type=int, default=1000, help="number of clips (default 1000)")
    p.add_argument("--out", default=None,
                   help="a new batch-NNN folder is made here (default: generated_output/wavenet/<instrument>)")
    p.add_argument("--temperature", type=float, default=1.0, help="softmax temperature (default 1.0)")
    p.add_argument("--greedy", action="store_true", help="always take the most likely class (repeats itself)")
    p.add_argument("--seed", type=int, default=0, help="seed of the batch")
    p.add_argument("--batch-size", type=int, default=None, help="clips per call (default: all, up to 1000)")
    p.add_argument("--data", default=None, help="take seeds from this one-shot dataset (default: seeds.npy)")
    p.set_defaults(func=_run_generate_wavenet)


def _run_generate_wavenet(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from beatlib.config import WaveNetConfig, load_config
    from beatlib.generate import generate_wavenet, use_generation_threads

    use_generation_threads()  # this process only generates: one thread per op, shards side by side
    out = args.out
    if out is None:
        instrument = load_config(WaveNetConfig, args.weights).instrument or Path(args.weights).name
        out = Path("generated_output") / "wavenet" / instrument
    t0 = time.perf_counter()
    batch = generate_wavenet(args.weights, args.n, out, temperature=args.temperature, seed=args.seed,
                             greedy=args.greedy, batch_size=args.batch_size, data_npz=args.data)
    print(f"wrote {args.n} clips to {batch} in {time.perf_counter() - t0:.1f} s")
    return 0

# ============================================================ wavegan
# (owned by the WaveGAN work: train-wavegan, generate-wavegan)
@command
def _add_train_wavegan(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train-wavegan", help="train (or resume) a WaveGAN on prepared drum loops",
                       description="Train a WaveGAN with WGAN-GP. A step is one generator update (after "
                                   "5 critic updates). Rerun the same command to resume.")
    p.add_argument("data", help="loops prepared by `beatlib prepare-loops` (.npz)")
    p.add_argument("--out", default="weights/wavegan", help="run folder (default: weights/wavegan)")
    p.add_argument("--profile", choices=("paper", "cpu", "tiny"), default=None,
                   help="model size (default: the saved config when resuming, else paper)")
    p.add_argument("--steps", type=int, default=None,
                   help="train until this step (default: 200000 for paper, 2000 for cpu, 10 for tiny)")
    p.add_argument("--strategy", choices=("auto", "mirrored", "multiworker", "none"), default="auto",
                   help="tf.distribute strategy (auto: mirrored when more than one GPU is visible)")
    p.add_argument("--checkpoint-every-s", type=float, default=600.0, help="seconds between checkpoints")
    p.add_argument("--checkpoint-every-steps", type=int, default=0, help="steps between checkpoints (0: off)")
    p.add_argument("--backup-every-s", type=float, default=3600.0, help="seconds between backup copies")
    p.add_argument("--preview-every", type=int, default=500, help="steps between TensorBoard audio previews")
    p.add_argument("--seed", type=int, default=0, help="data order and preview latents")
    p.set_defaults(func=_run_train_wavegan)


_WAVEGAN_DEFAULT_STEPS = {"paper": 200_000, "cpu": 2_000, "tiny": 10}


def _run_train_wavegan(args: argparse.Namespace) -> int:
    from pathlib import Path

    from beatlib.config import CONFIG_FILE, WaveGANConfig, load_config, wavegan_profile
    from beatlib.training import train_wavegan

    if args.profile is not None:
        cfg = wavegan_profile(args.profile)
    elif (Path(args.out) / CONFIG_FILE).exists():
        cfg = load_config(WaveGANConfig, args.out)
    else:
        cfg = wavegan_profile("paper")
    steps = args.steps if args.steps is not None else _WAVEGAN_DEFAULT_STEPS.get(cfg.name, 2_000)
    run = train_wavegan(args.data, args.out, cfg, steps=steps, strategy=args.strategy,
                        checkpoint_every_s=args.checkpoint_every_s,
                        checkpoint_every_steps=args.checkpoint_every_steps,
                        backup_every_s=args.backup_every_s, preview_every=args.preview_every, seed=args.seed)
    print(f"trained {run.step - run.start_step} steps; weights in {run.out_dir} "
          f"(TensorBoard: tensorboard --logdir {run.out_dir / 'logs'})")
    return 0


@command
def _add_generate_wavegan(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate-wavegan", help="sample drum loops from a trained WaveGAN")
    p.add_argument("weights", help="a WaveGAN run folder, e.g. weights/wavegan")
    p.add_argument("--n", type=int, default=40, help="number of clips (default 40)")
    p.add_argument("--out", default="generated_output/wavegan", help="a new batch-NNN folder is made here")
    p.add_argument("--seed", type=int, default=0, help="latent seed of the batch")
    p.add_argument("--batch-size", type=int, default=100, help="clips per forward pass")
    p.set_defaults(func=_run_generate_wavegan)


def _run_generate_wavegan(args: argparse.Namespace) -> int:
    from beatlib.generate import generate_wavegan

    batch = generate_wavegan(args.weights, args.n, args.out, seed=args.seed, batch_size=args.batch_size)
    print(f"wrote {args.n} clips to {batch}")
    return 0


# ============================================================ metrics
# (owned by the similarity work: score)
@command
def _add_score(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score", help="is the model copying its training data? similarity of a generated batch",
        description="Score generated clips against the clean training clips (BeatGAN's score, "
                    "shift-tolerant score, log-mel nearest neighbours, within-batch diversity).")
    p.add_argument("generated_dir", metavar="GENERATED_DIR",
                   help="a batch-NNN folder, or a folder holding them (the latest is used)")
    p.add_argument("data", metavar="DATA.npz", help="prepared dataset (loops, or one-shots with --instrument)")
    p.add_argument("--instrument", default=None, help="one-shot instrument (kick, snare, hihat) for WaveNet batches")
    p.add_argument("--threshold", type=float, default=0.1, help="best score <= this means similar (default 0.1)")
    p.add_argument("--examples", default=None, metavar="DIR",
                   help="also write exN/ example folders here (e.g. similarity_metric_examples)")
    p.add_argument("--n-examples", type=int, default=3, help="how many examples to write (default 3)")
    p.add_argument("--no-shift", action="store_true", help="skip the shift-tolerant score")
    p.add_argument("--no-mel", action="store_true", help="skip the log-mel nearest-neighbour distances")
    p.add_argument("--no-diversity", action="store_true", help="skip the within-set diversity figures")
    p.add_argument("--json", default=None, metavar="OUT.json", help="also write the per-clip results as JSON")
    p.set_defaults(func=_run_score)


def _run_score(args: argparse.Namespace) -> int:
    from beatlib import similarity
    from beatlib.files import write_json

    scored = similarity.score_folder(
        args.generated_dir, args.data, instrument=args.instrument, threshold=args.threshold,
        shift=not args.no_shift, mel=not args.no_mel, diversity=not args.no_diversity)
    print(similarity.summarize(scored))
    if args.json:
        print(f"results: {write_json(args.json, scored.report.to_dict())}")
    if args.examples:
        for d in similarity.write_examples(scored, args.examples, n=args.n_examples):
            print(f"example: {d}")
    return 0


# ============================================================ sequencer
# (owned by the sequencer work: sequence, arrange)
@command
def _add_sequence(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sequence", help="render a beat from one-shots (WAV + MIDI + manifest)",
        description="Render a step pattern with sounds from SOUNDS/<voice>/ (the latest batch-NNN "
                    "folder of a voice is used). By default no sample plays twice in the beat.")
    p.add_argument("--sounds", required=True, metavar="DIR",
                   help="folder with one sub-folder per voice, e.g. generated_output/wavenet or "
                        "data/demo_kit/oneshots")
    p.add_argument("--pattern", default="house",
                   help="preset (house, techno, breakbeat, hip-hop, simple-house) or a pattern "
                        ".json / .mid file (default: house)")
    p.add_argument("--bpm", type=float, default=124.0, help="tempo (default 124)")
    p.add_argument("--bars", type=int, default=4, help="bars to render (default 4)")
    p.add_argument("--swing", type=float, default=0.0,
                   help="delay of the off-beat 16ths in steps, 0..0.5 (1/3: triplet shuffle)")
    p.add_argument("--humanize", type=float, default=0.0, help="0..1: timing (up to 10 ms) and velocity jitter")
    p.add_argument("--policy", default="unique", choices=("unique", "round-robin", "random", "one-per-voice"),
                   help="sample choice (default unique: no sample twice in the beat)")
    p.add_argument("--choke", nargs="*", default=None, metavar="VOICE",
                   help="cut these voices' hits after one step (no voice given: all voices)")
    p.add_argument("--tail", default="ring", choices=("ring", "cut", "wrap"),
                   help="ring: let the last hits ring out (longer file); cut / wrap: exactly the bars")
    p.add_argument("--seed", type=int, default=None, help="sample choice and humanize (default: random)")
    p.add_argument("--sample-rate", type=int, default=44100, help="output rate (default 44100)")
    p.add_argument("--bits", type=int, default=16, choices=(16, 24), help="WAV bit depth (default 16)")
    p.add_argument("--out", default=None, metavar="FILE.wav",
                   help="output WAV (default: a new file in PROJECT/generated_output/beats)")
    p.add_argument("--midi", default=None, metavar="FILE.mid", help="also write the pattern as a MIDI file")
    p.add_argument("--project", default=".", help="project folder for the default output (default: .)")
    p.set_defaults(func=_run_sequence)


def _run_sequence(args: argparse.Namespace) -> int:
    from beatlib import sequencer
    from beatlib.paths import ProjectPaths

    pattern = sequencer.load_pattern(args.pattern)
    choke = False if args.choke is None else (True if not args.choke else args.choke)
    beat = sequencer.render(pattern, args.sounds, args.bpm, args.bars, sample_rate=args.sample_rate,
                            swing=args.swing, humanize=args.humanize, seed=args.seed, policy=args.policy,
                            choke=choke, tail=args.tail)
    out = args.out or sequencer.free_path(ProjectPaths(args.project).beats,
                                          f"{pattern.name}-{args.bpm:g}bpm")
    written = sequencer.save_beat(beat, out, bits=args.bits, midi=args.midi)
    seconds = beat.audio.shape[0] / beat.sample_rate
    print(f"{len(beat.hits)} hits, {args.bars} bars at {args.bpm:g} bpm, {seconds:.2f} s "
          f"(seed {beat.settings['seed']}, policy {args.policy})")
    for kind, path in written.items():
        print(f"{kind}: {path}")
    return 0


@command
def _add_arrange(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "arrange", help="stack generated WaveGAN bars into a loop (AAAA, AAAB, AABB, ABAB)",
        description="Pick distinct random clips from LOOPS (its latest batch-NNN folder, if any), cut "
                    "each to whole beats at the batch's tempo, and stack them with crossfaded joins.")
    p.add_argument("--loops", required=True, metavar="DIR", help="e.g. generated_output/wavegan")
    p.add_argument("--structure", default="AABB", help="AAAA, AAAB, AABB, ABAB or any letters (default AABB)")
    p.add_argument("--out", required=True, metavar="FILE.wav", help="output WAV (+ a .json manifest)")
    p.add_argument("--crossfade-ms", type=float, default=10.0, help="crossfade at joins (default 10 ms)")
    p.add_argument("--bpm", type=float, default=None,
                   help="tempo of the clips (default: the batch manifest's; none: whole clips)")
    p.add_argument("--seed", type=int, default=0, help="which clips are picked (default 0)")
    p.add_argument("--sample-rate", type=int, default=44100, help="output rate (default 44100)")
    p.add_argument("--bits", type=int, default=16, choices=(16, 24), help="WAV bit depth (default 16)")
    p.set_defaults(func=_run_arrange)


def _run_arrange(args: argparse.Namespace) -> int:
    from beatlib import sequencer

    arr = sequencer.arrange_folder(args.loops, args.structure, seed=args.seed, sample_rate=args.sample_rate,
                                   crossfade_ms=args.crossfade_ms, bpm=args.bpm)
    written = sequencer.save_arrangement(arr, args.out, bits=args.bits)
    print(f"{arr.structure}: " + ", ".join(f"{k}={v}" for k, v in arr.sources.items()))
    for kind, path in written.items():
        print(f"{kind}: {path}")
    return 0


# ============================================================ batch export
# (owned by the batch-export work: generate-all, export-loops)
@command
def _add_generate_all(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate-all", help="a batch from every trained model of a project (notebook 04)",
                       description="WaveNet one-shots per instrument and WaveGAN clips with DAW loops, "
                                   "from the latest checkpoints under PROJECT/weights; a model without a "
                                   "checkpoint is skipped with a note saying how to train it.")
    p.add_argument("--project", default=".", help="project folder (default: .)")
    p.add_argument("--wavenet-n", type=int, default=1000, help="one-shots per instrument (0: skip WaveNet)")
    p.add_argument("--wavegan-n", type=int, default=40, help="WaveGAN clips (0: skip WaveGAN)")
    p.add_argument("--temperature", type=float, default=1.0, help="WaveNet sampling temperature")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--instruments", nargs="+", default=["kick", "snare", "hihat"])
    p.add_argument("--loop-bars", type=int, nargs="*", default=[2, 4], help="DAW loop lengths in bars")
    p.add_argument("--loop-bpm", type=float, default=None, help="tempo of the clips (default: from the data)")
    p.add_argument("--resample-44k", action="store_true", help="also write the loops at 44.1 kHz")
    p.add_argument("--out", default=None, help="output folder (default: PROJECT/generated_output)")
    p.set_defaults(func=_run_generate_all)


def _run_generate_all(args: argparse.Namespace) -> int:
    from beatlib.generate import generate_all, use_generation_threads

    use_generation_threads()  # this process only generates: one thread per op, shards side by side
    report = generate_all(args.project, wavenet_n=args.wavenet_n, wavegan_n=args.wavegan_n,
                          temperature=args.temperature, seed=args.seed, instruments=tuple(args.instruments),
                          loop_bars=tuple(args.loop_bars), loop_bpm=args.loop_bpm,
                          resample_44k=args.resample_44k, out_dir=args.out, log=None)
    print(report)
    return 0 if report.batches or not report.skipped else 2


@command
def _add_export_loops(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-loops", help="write DAW-ready loops for a WaveGAN batch",
                       description="Cut each clip of BATCH_DIR to whole beats and repeat it into "
                                   "BARS-bar loops in BATCH_DIR/loops/ (recorded in its manifest).")
    p.add_argument("batch", help="a generated WaveGAN batch folder (batch-NNN)")
    p.add_argument("--bars", type=int, nargs="+", default=[2, 4])
    p.add_argument("--bpm", type=float, default=None, help="tempo of the clips (default: the manifest's, else 125)")
    p.add_argument("--resample-44k", action="store_true", help="also write the loops at 44.1 kHz")
    p.set_defaults(func=_run_export_loops)


def _run_export_loops(args: argparse.Namespace) -> int:
    from beatlib.generate import export_loops

    files = export_loops(args.batch, bars=tuple(args.bars), bpm=args.bpm, resample_44k=args.resample_44k)
    print(f"{len(files)} loops in {files[0].parent}")
    return 0


# ============================================================ demo
@command
def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the notebook series 01-06 on the built-in demo kit")
    p.add_argument("--project-dir", default=".", help="project folder (default: current folder)")
    p.add_argument("--only", nargs="*", default=(), metavar="NN",
                   help="run only these notebooks, e.g. --only 05 06")
    p.add_argument("--no-html", action="store_true", help="do not export HTML copies")
    p.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from beatlib import demo

    demo.run_series(args.project_dir, only=args.only, html=not args.no_html)
    print("\nWhere everything is:\n" + demo.where_everything_is(args.project_dir))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="beatlib", description="A neural drum machine.")
    parser.add_argument("--version", action="version", version=f"beatlib {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in _REGISTRY:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BeatlibError as e:
        print(f"beatlib {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"beatlib {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

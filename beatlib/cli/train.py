"""``beatlib train-wavenet`` and ``train-wavegan``."""

from __future__ import annotations

import argparse
from pathlib import Path

from beatlib.cli.base import NEW_DATA, Arg, arg, command, one_of, pick, seed
from beatlib.config import WAVEGAN_PROFILES

__all__: list[str] = []


def _run_config(out: Path, profile: str | None, default: str, kind: str, like: str | None = None):
    """The run's config: ``profile`` if given, else the one saved in ``out`` (resuming), else the
    one of the weights it starts from (``like``, ``--warm-start``), else ``default``."""
    from beatlib import config

    make = config.wavenet_profile if kind == "wavenet" else config.wavegan_profile
    cls = config.WaveNetConfig if kind == "wavenet" else config.WaveGANConfig
    if profile is not None:
        return make(profile)
    for folder in (out, Path(like) if like else None):
        if folder is not None and (folder / config.CONFIG_FILE).exists():
            return config.load_config(cls, folder)
    return make(default)


#: ``--learning-rate`` of both training commands.
_LEARNING_RATE = arg(
    "--learning-rate",
    type=float,
    default=None,
    help="Adam step size (default: the saved one when resuming, else the profile's); a resume may "
    "change it, e.g. a lower rate to fine-tune weights started with --warm-start or init_run_from",
)


def _with_learning_rate(cfg, rate: float | None):
    return cfg if rate is None else cfg.replace(learning_rate=rate)


def _evaluation(every: int, help: str, clips: str, n: int, clips_help: str) -> tuple[Arg, Arg, Arg]:
    """``--eval-every`` (steps between evaluations, 0: off), the clips one evaluation generates
    and ``--patience``."""
    return (
        arg("--eval-every", type=int, default=every, help=help),
        arg(clips, type=int, default=n, help=clips_help),
        arg(
            "--patience",
            type=int,
            default=0,
            help="with --eval-every: stop after this many evaluations in a row that do not beat "
            "the best checkpoint (default 0: train to the target step)",
        ),
    )


@command(
    "train-wavenet",
    "train (or resume) the WaveNet of one instrument",
    arg("data", help="one-shots prepared by `beatlib prepare-oneshots` (.npz)"),
    arg(
        "--instrument",
        required=True,
        nargs="+",
        help="kick, snare or hihat: one model of it; several names or 'all': ONE model of them, "
        "conditioned on the instrument",
    ),
    *_evaluation(
        0,
        "measure the quality report of a small generated batch every N steps (and at the start); "
        "the best-scoring checkpoint is kept in best/ and used by generation (default 0: off)",
        "--eval-clips",
        48,
        "clips per instrument per evaluation (48)",
    ),
    arg(
        "--warm-start",
        default=None,
        help="a new run starts from the weights of this WaveNet run folder where they fit "
        "(e.g. weights of another profile)",
    ),
    arg("--out", default=None, help="run folder (default: weights/wavenet/<instrument>)"),
    arg(
        "--profile",
        default=None,
        help="model profile: default, cpu, demo, demo-position or tiny (default: the saved one when "
        "resuming, else the --warm-start weights' own, else default)",
    ),
    one_of(
        arg("--max-steps", type=int, default=None, help="stop at this step (default: the profile's)"),
        arg("--more-steps", type=int, default=None, help="train this many steps beyond the checkpoint"),
    ),
    arg(
        "--threshold",
        type=float,
        default=None,
        help="stop when the mean loss is below this (default: the profile's, 0.01)",
    ),
    _LEARNING_RATE,
    arg("--keep", type=int, default=3, help="checkpoints to keep (default 3)"),
    seed("initial weights and data order"),
    NEW_DATA,
    description="Train an unconditional WaveNet on one instrument's one-shots until the "
    "mean loss is below --threshold or --max-steps is reached. Rerun the same "
    "command to resume from the latest checkpoint.",
)
def _run_train_wavenet(args: argparse.Namespace) -> int:
    from beatlib.training import train_wavenet

    instrument = args.instrument[0] if len(args.instrument) == 1 else list(args.instrument)
    folder = instrument if isinstance(instrument, str) else "all"
    out = Path(args.out or Path("weights") / "wavenet" / folder)
    r = train_wavenet(
        args.data,
        instrument,
        out,
        _with_learning_rate(
            _run_config(out, args.profile, "default", "wavenet", like=args.warm_start), args.learning_rate
        ),
        **pick(args, "max_steps", "more_steps", "seed", "new_data", "eval_every", "eval_clips", "patience"),
        loss_threshold=args.threshold,
        max_to_keep=args.keep,
        warm_start_from=args.warm_start,
    )
    print(
        f"trained {r.step - r.start_step} steps (now at step {r.step}, mean loss {r.loss:.4f}); "
        f"TensorBoard: tensorboard --logdir {out / 'logs'}"
    )
    return 0


_WAVEGAN_DEFAULT_STEPS = {"paper": 200_000, "cpu": 2_000, "cpu8": 5_000, "cpu16": 6_000, "tiny": 10}


@command(
    "train-wavegan",
    "train (or resume) a WaveGAN on prepared drum loops",
    arg("data", help="loops prepared by `beatlib prepare-loops` (.npz)"),
    arg("--out", default="weights/wavegan", help="run folder (default: weights/wavegan)"),
    arg(
        "--profile",
        choices=tuple(WAVEGAN_PROFILES),
        default=None,
        help="model size (default: the saved config when resuming, else paper)",
    ),
    arg(
        "--steps",
        type=int,
        default=None,
        help="train until this step (default: "
        + ", ".join(f"{n} for {p}" for p, n in _WAVEGAN_DEFAULT_STEPS.items())
        + ")",
    ),
    arg(
        "--strategy",
        choices=("auto", "mirrored", "multiworker", "none"),
        default="auto",
        help="tf.distribute strategy (auto: mirrored when more than one GPU is visible)",
    ),
    arg("--checkpoint-every-s", type=float, default=600.0, help="seconds between checkpoints"),
    arg("--checkpoint-every-steps", type=int, default=0, help="steps between checkpoints (0: off)"),
    arg("--backup-every-s", type=float, default=3600.0, help="seconds between backup copies"),
    arg("--preview-every", type=int, default=500, help="steps between TensorBoard audio previews"),
    _LEARNING_RATE,
    seed("data order and preview latents"),
    *_evaluation(
        500,
        "steps between measuring a generated batch (on-grid share, log-mel distances, copies; "
        "the best one is kept in best/ and generation uses it; 0: off). Default 500",
        "--eval-n",
        40,
        "clips per measurement (default 40)",
    ),
    arg(
        "--slice-len",
        type=int,
        choices=(16384, 32768, 65536),
        default=None,
        help="samples per generated clip; must match the prepared loops (default: the profile's, 16384)",
    ),
    arg(
        "--precision",
        choices=("auto", "float32", "bfloat16"),
        default=None,
        help="bfloat16: mixed precision (float32 weights, output, critic score and gradient penalty); "
        "auto: bfloat16 where the CPU has bf16 instructions (default: the profile's)",
    ),
    arg(
        "--spectral-weight",
        type=float,
        default=None,
        help="weight of the generator's log-spectral loss against the real batch (0: off, as in the "
        "paper; default: the profile's)",
    ),
    NEW_DATA,
    description="Train a WaveGAN with WGAN-GP. A step is one generator update (after "
    "5 critic updates). Rerun the same command to resume.",
)
def _run_train_wavegan(args: argparse.Namespace) -> int:
    from beatlib.training import train_wavegan

    cfg = _with_learning_rate(
        _run_config(Path(args.out), args.profile, "paper", "wavegan"), args.learning_rate
    )
    given = ("slice_len", "precision", "spectral_weight")  # else the profile's or the saved run's
    cfg = cfg.replace(**{k: getattr(args, k) for k in given if getattr(args, k) is not None})
    steps = args.steps if args.steps is not None else _WAVEGAN_DEFAULT_STEPS.get(cfg.name, 2_000)
    run = train_wavegan(
        args.data,
        args.out,
        cfg,
        steps=steps,
        **pick(args, "strategy", "checkpoint_every_s", "checkpoint_every_steps", "backup_every_s"),
        **pick(args, "preview_every", "seed", "new_data", "eval_every", "eval_n", "patience"),
    )
    print(
        f"trained {run.step - run.start_step} steps; weights in {run.out_dir} "
        f"(TensorBoard: tensorboard --logdir {run.out_dir / 'logs'})"
    )
    return 0

"""``beatlib train-wavenet`` and ``train-wavegan``."""

from __future__ import annotations

import argparse

from beatlib.cli.base import command

__all__: list[str] = []


@command
def _add_train_wavenet(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train-wavenet",
        help="train (or resume) the WaveNet of one instrument",
        description="Train an unconditional WaveNet on one instrument's one-shots until the "
        "mean loss is below --threshold or --max-steps is reached. Rerun the same "
        "command to resume from the latest checkpoint.",
    )
    p.add_argument("data", help="one-shots prepared by `beatlib prepare-oneshots` (.npz)")
    p.add_argument(
        "--instrument",
        required=True,
        nargs="+",
        help="kick, snare or hihat: one model of it; several names or 'all': ONE model of them, "
        "conditioned on the instrument",
    )
    p.add_argument(
        "--eval-every",
        type=int,
        default=0,
        help="measure the quality report of a small generated batch every N steps (and at the start); "
        "the best-scoring checkpoint is kept in best/ and used by generation (default 0: off)",
    )
    p.add_argument("--eval-clips", type=int, default=48, help="clips per instrument per evaluation (48)")
    p.add_argument(
        "--warm-start",
        default=None,
        help="a new run starts from the weights of this WaveNet run folder where they fit "
        "(e.g. weights of another profile)",
    )
    p.add_argument("--out", default=None, help="run folder (default: weights/wavenet/<instrument>)")
    p.add_argument(
        "--profile",
        default=None,
        help="model profile: default, cpu, demo or tiny (default: the saved one when resuming, else default)",
    )
    steps = p.add_mutually_exclusive_group()
    steps.add_argument(
        "--max-steps", type=int, default=None, help="stop at this step (default: the profile's)"
    )
    steps.add_argument(
        "--more-steps", type=int, default=None, help="train this many steps beyond the checkpoint"
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="stop when the mean loss is below this (default: the profile's, 0.01)",
    )
    p.add_argument("--keep", type=int, default=3, help="checkpoints to keep (default 3)")
    p.add_argument("--seed", type=int, default=0, help="initial weights and data order")
    p.add_argument(
        "--new-data",
        action="store_true",
        help="continue a run on a dataset other than the one it was trained on (noted in its history)",
    )
    p.set_defaults(func=_run_train_wavenet)


def _run_train_wavenet(args: argparse.Namespace) -> int:
    from pathlib import Path

    from beatlib.config import CONFIG_FILE, WaveNetConfig, load_config, wavenet_profile
    from beatlib.training import train_wavenet

    instrument = args.instrument[0] if len(args.instrument) == 1 else list(args.instrument)
    folder = instrument if isinstance(instrument, str) else "all"
    out = Path(args.out or Path("weights") / "wavenet" / folder)
    if args.profile is not None:
        cfg = wavenet_profile(args.profile)
    elif (out / CONFIG_FILE).exists():
        cfg = load_config(WaveNetConfig, out)
    else:
        cfg = wavenet_profile("default")
    r = train_wavenet(
        args.data,
        instrument,
        out,
        cfg,
        max_steps=args.max_steps,
        more_steps=args.more_steps,
        loss_threshold=args.threshold,
        max_to_keep=args.keep,
        seed=args.seed,
        new_data=args.new_data,
        eval_every=args.eval_every,
        eval_clips=args.eval_clips,
        warm_start_from=args.warm_start,
    )
    print(
        f"trained {r.step - r.start_step} steps (now at step {r.step}, mean loss {r.loss:.4f}); "
        f"TensorBoard: tensorboard --logdir {out / 'logs'}"
    )
    return 0


@command
def _add_train_wavegan(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train-wavegan",
        help="train (or resume) a WaveGAN on prepared drum loops",
        description="Train a WaveGAN with WGAN-GP. A step is one generator update (after "
        "5 critic updates). Rerun the same command to resume.",
    )
    p.add_argument("data", help="loops prepared by `beatlib prepare-loops` (.npz)")
    p.add_argument("--out", default="weights/wavegan", help="run folder (default: weights/wavegan)")
    p.add_argument(
        "--profile",
        choices=("paper", "cpu", "cpu8", "tiny"),
        default=None,
        help="model size (default: the saved config when resuming, else paper)",
    )
    p.add_argument(
        "--steps",
        type=int,
        default=None,
        help="train until this step (default: 200000 for paper, 2000 for cpu, 10 for tiny)",
    )
    p.add_argument(
        "--strategy",
        choices=("auto", "mirrored", "multiworker", "none"),
        default="auto",
        help="tf.distribute strategy (auto: mirrored when more than one GPU is visible)",
    )
    p.add_argument("--checkpoint-every-s", type=float, default=600.0, help="seconds between checkpoints")
    p.add_argument("--checkpoint-every-steps", type=int, default=0, help="steps between checkpoints (0: off)")
    p.add_argument("--backup-every-s", type=float, default=3600.0, help="seconds between backup copies")
    p.add_argument("--preview-every", type=int, default=500, help="steps between TensorBoard audio previews")
    p.add_argument("--seed", type=int, default=0, help="data order and preview latents")
    p.add_argument(
        "--eval-every",
        type=int,
        default=500,
        help="steps between measuring a generated batch (on-grid share, log-mel distances, copies; "
        "the best one is kept in best/ and generation uses it; 0: off). Default 500",
    )
    p.add_argument("--eval-n", type=int, default=40, help="clips per measurement (default 40)")
    p.add_argument(
        "--slice-len",
        type=int,
        choices=(16384, 32768, 65536),
        default=None,
        help="samples per generated clip; must match the prepared loops (default: the profile's, 16384)",
    )
    p.add_argument(
        "--new-data",
        action="store_true",
        help="continue a run on a dataset other than the one it was trained on (noted in its history)",
    )
    p.set_defaults(func=_run_train_wavegan)


_WAVEGAN_DEFAULT_STEPS = {
    "paper": 200_000,
    "cpu": 2_000,
    "cpu8": 5_000,
    "tiny": 10,
}


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
    if args.slice_len is not None:
        cfg = cfg.replace(slice_len=args.slice_len)
    steps = args.steps if args.steps is not None else _WAVEGAN_DEFAULT_STEPS.get(cfg.name, 2_000)
    run = train_wavegan(
        args.data,
        args.out,
        cfg,
        steps=steps,
        strategy=args.strategy,
        checkpoint_every_s=args.checkpoint_every_s,
        checkpoint_every_steps=args.checkpoint_every_steps,
        backup_every_s=args.backup_every_s,
        preview_every=args.preview_every,
        seed=args.seed,
        new_data=args.new_data,
        eval_every=args.eval_every,
        eval_n=args.eval_n,
    )
    print(
        f"trained {run.step - run.start_step} steps; weights in {run.out_dir} "
        f"(TensorBoard: tensorboard --logdir {run.out_dir / 'logs'})"
    )
    return 0

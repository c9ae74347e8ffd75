"""WaveNet one-shots: load a trained model, seed and sample it, finish the clips, save a batch.

Example:
    >>> batch = generate_wavenet("weights/demo/wavenet/kick", 8, "/tmp/gen")  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import numpy as np

from beatlib import dsp, tone
from beatlib.audio import mu_law_decode, mu_law_encode
from beatlib.batches import write_batch
from beatlib.checks import check_number
from beatlib.config import WaveNetConfig, load_config
from beatlib.errors import CheckpointError, ConfigError
from beatlib.files import check_writable
from beatlib.generate.checkpoints import require_checkpoint, restore
from beatlib.generate.sampling import FastWaveNetSampler

__all__ = [
    "DC_BLOCK_HZ",
    "FADE_OUT_MS",
    "SAMPLING_FILE",
    "WaveNetSamples",
    "chosen_temperature",
    "clip_length",
    "finish_oneshots",
    "generate_wavenet",
    "load_wavenet",
    "sample_oneshots",
    "sample_wavenet",
    "wavenet_colours",
    "wavenet_seed_clips",
]


def load_wavenet(weights_dir: str | os.PathLike, *, checkpoint: str = "best"):
    """The trained WaveNet of a run folder: ``(model, cfg, step)``.

    ``checkpoint``: ``"best"`` (the checkpoint training's evaluation scored best, ``best/``,
    when there is one, else the latest) or ``"latest"``.

    Raises:
        CheckpointError: no config or no checkpoint in ``weights_dir`` (the message says how to
            train one), or it cannot be read.
    """
    from beatlib.models.wavenet import build_wavenet

    if checkpoint not in ("best", "latest"):
        raise ConfigError(f"checkpoint must be 'best' or 'latest', got {checkpoint!r}")
    require_checkpoint(weights_dir, model="wavenet")
    cfg = load_config(WaveNetConfig, weights_dir)
    model = build_wavenet(cfg)
    which = "prefer_best" if checkpoint == "best" else "latest"
    step = restore(weights_dir, kind="wavenet", instrument=cfg.instrument, model=model, which=which)
    return model, cfg, step


def wavenet_seed_clips(
    weights_dir: str | os.PathLike, data_npz: str | os.PathLike | None = None, instrument: str | None = None
) -> np.ndarray:
    """Opening samples of the training clips ``[N, k]`` (float32) used to seed generation.

    From ``data_npz`` when given, else from the seeds saved beside the weights by training
    (``seeds.npy``; ``seeds-<instrument>.npy`` for a model of several instruments).
    """
    # beatlib.training imports TensorFlow
    from beatlib.training.wavenet import WAVENET_SEED_SAMPLES, WAVENET_SEEDS_FILE, load_training_clips

    if data_npz is not None:
        return load_training_clips(data_npz, instrument)[:, :WAVENET_SEED_SAMPLES]
    return _saved_array(weights_dir, WAVENET_SEEDS_FILE, instrument, "to seed the clips")


def _saved_array(weights_dir, name: str, instrument: str | None, what: str) -> np.ndarray:
    """``<stem>-<instrument>.npy`` (model of several instruments) or ``name`` beside the weights, float32."""
    own = Path(weights_dir) / f"{Path(name).stem}-{instrument}.npy"
    path = own if instrument and own.exists() else Path(weights_dir) / name
    if not path.exists():
        raise CheckpointError(f"{path}: missing; pass data_npz= (the training data) {what}")
    return np.load(path).astype(np.float32)


#: The training clips' colours saved beside the weights of a colour-conditioned WaveNet
#: (``colours-<instrument>.npy`` for a model of several instruments).
COLOURS_FILE = "colours.npy"


def wavenet_colours(
    weights_dir: str | os.PathLike,
    cfg: WaveNetConfig,
    data_npz: str | os.PathLike | None = None,
    instrument: str | None = None,
) -> np.ndarray | None:
    """The training clips' colours ``[N, G]`` a colour-conditioned WaveNet blends (None for other models).

    From ``data_npz`` when given (rows match :func:`wavenet_seed_clips`' rows), else from the
    colours training saved beside the weights (:data:`COLOURS_FILE`).
    """
    if not cfg.colour_bands:
        return None
    from beatlib.models.wavenet import clip_colours
    from beatlib.training.wavenet import load_training_clips

    if data_npz is not None:
        return clip_colours(load_training_clips(data_npz, instrument), cfg)
    colours = _saved_array(weights_dir, COLOURS_FILE, instrument, "for the clips' colours")
    if colours.ndim != 2 or colours.shape[1] != cfg.colour_bands or not np.all(np.isfinite(colours)):
        raise CheckpointError(
            f"{weights_dir}: expected finite colours [N, {cfg.colour_bands}], got {colours.shape}"
        )
    return colours


#: Default finishing of generated one-shots (see :func:`finish_oneshots`): a 10 Hz DC blocker
#: (the demo WaveNet's kicks wander off zero: its 48 ms receptive field cannot tell an offset
#: from a 40-60 Hz body) and the 5 ms fade-out ``prepare-oneshots`` gives cut training clips.
DC_BLOCK_HZ = 10.0
FADE_OUT_MS = 5.0


def _check_finishing(dc_block_hz: float, fade_out_ms: float, sample_rate: int) -> None:
    """ConfigError unless the :func:`finish_oneshots` settings make sense at ``sample_rate``."""
    if not (dc_block_hz >= 0 and fade_out_ms >= 0):
        raise ConfigError(f"dc_block_hz and fade_out_ms must be >= 0, got {dc_block_hz}, {fade_out_ms}")
    if dc_block_hz >= sample_rate / 4:
        raise ConfigError(
            f"dc_block_hz {dc_block_hz} is not a DC blocker at {sample_rate} Hz (use < {sample_rate / 4:g})"
        )


def finish_oneshots(
    audio: np.ndarray,
    *,
    sample_rate: int,
    dc_block_hz: float = 0.0,
    fade_out_ms: float = 0.0,
    tone_of_training: tone.Tone | None = None,
) -> np.ndarray:
    """Drum-machine finishing of generated one-shots ``[N, T] -> [N, T]`` (float32).

    ``tone_of_training`` (:class:`beatlib.tone.Tone` of the training clips): first the matching EQ
    of the whole set toward their spectrum (:func:`beatlib.tone.match_spectrum`, at most -20/+6 dB
    per band: the rumble of a wandering waveform, the hiss on average), then the matching dynamic
    EQ toward their level distribution (:func:`beatlib.tone.match_dynamics`, at most -30 dB: the
    hiss floor under a decaying tail); every clip keeps its peak.
    ``dc_block_hz > 0``: a one-pole DC blocker (``y[n] = x[n] - x[n-1] + r y[n-1]``, -3 dB at
    about ``dc_block_hz``; silence before the clip): removes a constant offset, which would
    click when the sequencer starts and stops the clip, and leaves a kick's 40-60 Hz body
    (-0.2 dB at 45 Hz for 10 Hz). ``fade_out_ms > 0``: a linear fade to zero over the last
    ``fade_out_ms`` (:func:`beatlib.dsp.fade_out`, the fade ``prepare-oneshots`` gives the training
    clips it cuts), so a clip that is still sounding at its end does not stop with a click.

    Example:
        >>> y = finish_oneshots(np.full([1, 16000], 0.5, np.float32), sample_rate=16000, dc_block_hz=10)
        >>> bool(abs(y[0, -1]) < 1e-3)
        True
    """
    _check_finishing(dc_block_hz, fade_out_ms, sample_rate)
    y = np.asarray(audio, np.float64)  # [N, T]; the caller's array is left alone
    if tone_of_training is not None:
        y = tone_of_training.apply(y, sample_rate=sample_rate)
    if dc_block_hz > 0:
        y = dsp.dc_block(y, sample_rate=sample_rate, cutoff_hz=dc_block_hz, axis=-1)
    y = dsp.fade_out(y, dsp.ms_to_samples(fade_out_ms, sample_rate=sample_rate), axis=-1)
    return np.clip(y, -1.0, 1.0).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class WaveNetSamples:
    """Clips from :func:`sample_wavenet`: ``audio [n, T]`` float32 and what made each one."""

    audio: np.ndarray
    source_clip: np.ndarray  # [n] index of the training clip whose opening seeded each clip
    cfg: object
    checkpoint_step: int
    settings: dict


def sample_oneshots(
    model,
    cfg: WaveNetConfig,
    source: np.ndarray,
    n: int,
    *,
    length: int,
    instrument: str | None = None,
    temperature: float = 1.0,
    seed: int = 0,
    greedy: bool = False,
    batch_size: int | None = None,
    seed_len: int = 1,
    seed_noise: float = 0.01,
    dc_block_hz: float = DC_BLOCK_HZ,
    fade_out_ms: float = FADE_OUT_MS,
    tone_of_training: tone.Tone | None = None,
    progress: bool = False,
    sampler: FastWaveNetSampler | None = None,
    colours: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` finished one-shots ``[n, length]`` of an in-memory WaveNet and the seed clip of each ``[n]``.

    Each clip opens with the first ``seed_len`` samples of a random row of ``source [N, k]``
    plus Gaussian noise (``seed_noise``); ``instrument`` names the instrument of a conditional
    model; ``tone_of_training`` the training tone the set is matched to (:func:`finish_oneshots`).
    This is what :func:`sample_wavenet` does after loading, and what training's evaluation
    samples from the weights being trained. ``sampler``: a :class:`FastWaveNetSampler` of this
    model to reuse (its graphs stay built; it reads ``model``'s weights again first).
    ``colours [N, G]``: for a colour-conditioned model, the colour of each row of ``source``; a
    clip is told a blend of its seed clip's colour (weight 0.5-1) and another random row's.
    """
    from beatlib.models.wavenet import instrument_ids

    if int(n) < 1:
        raise ConfigError(f"n must be >= 1, got {n}")
    temperature = check_number(temperature, "temperature", low=0, open_low=True)
    if int(seed_len) < 0:
        raise ConfigError(f"seed_len must be >= 0, got {seed_len}")
    _check_finishing(dc_block_hz, fade_out_ms, cfg.sample_rate)  # before the long part, not after
    if seed_len > min(length, source.shape[1]):
        raise ConfigError(f"seed_len {seed_len} is longer than the clips ({min(length, source.shape[1])})")
    batch_size = (
        min(int(n), 1000)
        if batch_size is None
        else check_number(batch_size, "batch_size", integer=True, low=1)
    )
    inst = None
    if cfg.instruments:
        if instrument is None:
            raise ConfigError(f"this WaveNet makes {list(cfg.instruments)}: pass instrument=")
        inst = int(instrument_ids(cfg, [instrument])[0])
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(source), size=int(n))  # the training clip behind each seed
    noisy = source[picks, :seed_len] + rng.normal(0.0, seed_noise, size=(int(n), seed_len))
    seeds_q = mu_law_encode(np.clip(noisy, -1, 1), cfg.quantization).astype(np.int32)  # [n, k]
    colour = None
    if cfg.colour_bands:
        if colours is None or len(colours) != len(source):
            raise ConfigError(f"this WaveNet is conditioned on colour: pass colours= [{len(source)}, G]")
        w = rng.uniform(0.5, 1.0, size=(int(n), 1))  # [n, 1]
        other = rng.integers(0, len(source), size=int(n))
        colour = w * colours[picks] + (1 - w) * colours[other]  # [n, G]
    if sampler is None:
        sampler = FastWaveNetSampler(model, cfg)
    else:
        sampler.refresh(model)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=int(n), desc=f"wavenet {instrument or cfg.instrument or 'generate'}", unit="clip")
    clips = []
    try:
        for s in range(0, int(n), batch_size):
            q = sampler.sample(
                seeds_q[s : s + batch_size],
                length,
                noise_seed=seed * 1_000_003 + s,
                temperature=temperature,
                greedy=greedy,
                instrument=inst,
                colour=None if colour is None else colour[s : s + batch_size],
            )
            clips.append(mu_law_decode(q, cfg.quantization))  # [b, T] float32
            if bar is not None:
                bar.update(len(q))
    finally:
        if bar is not None:
            bar.close()
    audio = finish_oneshots(
        np.concatenate(clips),
        sample_rate=cfg.sample_rate,
        dc_block_hz=dc_block_hz,
        fade_out_ms=fade_out_ms,
        tone_of_training=tone_of_training,
    )
    return audio, picks


#: Where training's evaluation records the sampling temperature it chose for the ``best/`` checkpoint
#: (:func:`beatlib.training.choose_temperature`), generation's default.
SAMPLING_FILE = "sampling.json"


def chosen_temperature(weights_dir: str | os.PathLike, step: int) -> float:
    """The temperature chosen for checkpoint ``step`` of a run (``sampling.json``), else 1.0.

    Example:
        >>> chosen_temperature("/nonexistent", 0)
        1.0
    """
    import json

    try:
        record = json.loads((Path(weights_dir) / SAMPLING_FILE).read_text())
        if int(record["step"]) == int(step):
            return check_number(record["temperature"], SAMPLING_FILE, low=0, open_low=True)
    except (OSError, ValueError, KeyError, TypeError, ConfigError):
        pass  # missing, unreadable, or chosen for another checkpoint
    return 1.0


def clip_length(cfg: WaveNetConfig, instrument: str | None = None) -> int:
    """Samples per clip the model was trained on (per instrument for a model of several)."""
    if cfg.instruments and cfg.clip_lens and instrument in cfg.instruments:
        return int(cfg.clip_lens[list(cfg.instruments).index(instrument)])
    return int(cfg.clip_len)


def sample_wavenet(
    weights_dir: str | os.PathLike,
    n: int,
    *,
    temperature: float | None = None,
    seed: int = 0,
    greedy: bool = False,
    batch_size: int | None = None,
    data_npz: str | os.PathLike | None = None,
    seed_len: int = 1,
    seed_noise: float = 0.01,
    n_samples: int | None = None,
    dc_block_hz: float = DC_BLOCK_HZ,
    fade_out_ms: float = FADE_OUT_MS,
    match_eq: bool = True,
    instrument: str | None = None,
    checkpoint: str = "best",
    progress: bool = False,
) -> WaveNetSamples:
    """Generate ``n`` one-shots in memory (see :func:`generate_wavenet`, which also saves them).

    ``dc_block_hz``, ``fade_out_ms`` and ``match_eq`` finish the clips (see :func:`finish_oneshots`;
    0 and False turn them off and give the model's raw output): ``match_eq`` matches the set to
    the training clips' tone the run saved (:data:`beatlib.tone.TONE_FILE`; runs without one skip it).
    ``instrument``: which instrument a model of several makes (a model of one makes its own).
    ``checkpoint``: ``"best"`` (default: the best-scoring checkpoint of training's evaluation,
    else the latest) or ``"latest"``. ``temperature``: None takes the one training's evaluation
    chose for this checkpoint (:func:`chosen_temperature`), else 1.0.

    Example:
        >>> s = sample_wavenet("weights/wavenet/kick", 4)  # doctest: +SKIP
        >>> s.audio.shape                                  # doctest: +SKIP
        (4, 3200)
    """
    if temperature is not None:
        check_number(temperature, "temperature", low=0, open_low=True)  # before loading, not after
    if batch_size is not None:
        check_number(batch_size, "batch_size", integer=True, low=1)
    model, cfg, step = load_wavenet(weights_dir, checkpoint=checkpoint)
    if temperature is None:
        temperature = chosen_temperature(weights_dir, step)
    if not cfg.instruments:
        if instrument not in (None, cfg.instrument):
            raise ConfigError(f"{weights_dir} makes {cfg.instrument!r}, not {instrument!r}")
        instrument = None
    elif instrument is None:
        raise ConfigError(f"{weights_dir} makes {list(cfg.instruments)}: pass instrument= (--instrument)")
    else:
        from beatlib.models.wavenet import instrument_ids

        instrument_ids(cfg, [instrument])  # ConfigError naming the instruments it knows
    length = int(n_samples or clip_length(cfg, instrument))
    source = wavenet_seed_clips(weights_dir, data_npz, instrument or cfg.instrument)
    colours = wavenet_colours(weights_dir, cfg, data_npz, instrument or cfg.instrument)
    target = None
    if match_eq:
        target = tone.load_tone(weights_dir, instrument or cfg.instrument, sample_rate=cfg.sample_rate)
    audio, picks = sample_oneshots(
        model,
        cfg,
        source,
        n,
        length=length,
        instrument=instrument,
        temperature=temperature,
        seed=seed,
        greedy=greedy,
        batch_size=batch_size,
        seed_len=seed_len,
        seed_noise=seed_noise,
        dc_block_hz=dc_block_hz,
        fade_out_ms=fade_out_ms,
        tone_of_training=target,
        progress=progress,
        colours=colours,
    )
    settings = {
        "n": int(n),
        "seed": int(seed),
        "temperature": float(temperature),
        "greedy": bool(greedy),
        "batch_size": min(int(n), 1000) if batch_size is None else int(batch_size),
        "seed_len": int(seed_len),
        "seed_noise": float(seed_noise),
        "samples": length,
        "sample_rate": cfg.sample_rate,
        "dc_block_hz": float(dc_block_hz),
        "fade_out_ms": float(fade_out_ms),
        "match_eq": target is not None,
        "match_dynamics": target is not None and target.levels_db is not None,
        "seed_source": str(data_npz) if data_npz is not None else "seeds.npy",
        "instrument": instrument or cfg.instrument,
        "checkpoint": checkpoint,
    }
    return WaveNetSamples(audio, picks, cfg, step, settings)


def generate_wavenet(
    weights_dir: str | os.PathLike,
    n: int,
    out_root: str | os.PathLike,
    *,
    progress: bool = True,
    **options: Any,
) -> Path:
    """Generate ``n`` one-shots with a trained WaveNet into a new ``out_root/batch-NNN`` folder.

    Each clip starts from the first ``seed_len`` sample(s) of a random training clip plus a
    little Gaussian noise (``seed_noise``), then samples from ``softmax(logits / temperature)``
    (by default the temperature training's evaluation chose, :func:`chosen_temperature`)
    (``greedy=True`` takes the argmax instead; not the default, since it repeats itself).
    All clips of a chunk of ``batch_size`` (default: all, up to 1000) are ONE call of the fast
    generator. Writes ``clip-NNNNN.wav`` (16-bit) and ``manifest.json``.

    Args:
        weights_dir: a run folder written by :func:`beatlib.training.train_wavenet`.
        n: number of clips. out_root: where batch folders go (never overwritten).
        options: the sampling settings of :func:`sample_wavenet` (``temperature``, ``seed``,
            ``greedy``, ``batch_size``, ``data_npz``, ``seed_len``, ``seed_noise``, ``n_samples``,
            ``dc_block_hz``, ``fade_out_ms``, ``match_eq``, ``instrument``, ``checkpoint``), recorded in
            the manifest:
        seed: the run seed; clip i of the chunk starting at index s draws its numbers from
            ``(seed, s)`` and its row, so the same call gives the same clips.
        data_npz: take seeds from the training data instead of ``seeds.npy``.
        n_samples: clip length (default: the trained clip length).
        dc_block_hz, fade_out_ms, match_eq: finishing of the clips (:func:`finish_oneshots`); 0
            and False turn them off (the model's raw output).
        instrument: the instrument of a model of several (``--instrument snare``).
        checkpoint: ``"best"`` (default; else the latest when training did not evaluate) or ``"latest"``.

    Returns:
        The batch folder.

    Example:
        >>> generate_wavenet("weights/wavenet/kick", 1000, "generated_output/wavenet/kick")  # doctest: +SKIP
        PosixPath('generated_output/wavenet/kick/batch-001')
    """
    check_writable(Path(out_root) / "batch-new")  # a read-only or full folder fails now, not after sampling
    res = sample_wavenet(weights_dir, n, progress=progress, **options)
    bs = res.settings["batch_size"]
    clips = [
        {
            "seed": res.settings["seed"],
            "chunk_start": i - i % bs,
            "row": i % bs,
            "source_clip": int(res.source_clip[i]),
            "temperature": res.settings["temperature"],
            "greedy": res.settings["greedy"],
        }
        for i in range(len(res.audio))
    ]
    return write_batch(
        out_root,
        res.audio,
        sample_rate=res.cfg.sample_rate,
        model="wavenet",
        weights=Path(weights_dir),
        step=res.checkpoint_step,
        config=res.cfg.to_dict(),
        clips=clips,
        **{k: v for k, v in res.settings.items() if k != "sample_rate"},
    )

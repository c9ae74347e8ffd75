"""Draw docs/generated_spectrograms.png from a project's newest generated batches.

Rows: WaveNet kick, snare and hi-hat one-shots, then WaveGAN clips (left channel); ``--n`` clips
per row, the first of each batch. Run after ``make demo`` (or notebook 04)::

    .venv/bin/python docs/make_spectrograms.py --project . --out docs/generated_spectrograms.png
"""

from __future__ import annotations

import argparse

import librosa
import librosa.display
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from beatlib.audio import load_audio  # noqa: E402
from beatlib.batches import batch_clips, latest_batch_dir  # noqa: E402
from beatlib.paths import ProjectPaths  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", default=".")
    ap.add_argument("--out", default="docs/generated_spectrograms.png")
    ap.add_argument("--n", type=int, default=6)
    args = ap.parse_args()
    paths = ProjectPaths(args.project)
    rows = [(f"WaveNet {i}", paths.generated_wavenet(i)) for i in ("kick", "snare", "hihat")]
    rows.append(("WaveGAN (2 beats)", paths.generated_wavegan))
    fig, axes = plt.subplots(len(rows), args.n, figsize=(2.2 * args.n, 2.0 * len(rows)), squeeze=False)
    for r, (label, root) in enumerate(rows):
        batch = latest_batch_dir(root)
        clips = batch_clips(batch)[: args.n] if batch is not None else []
        for c, ax in enumerate(axes[r]):
            ax.set_xticks([]), ax.set_yticks([])
            if c < len(clips):
                y, sr = load_audio(clips[c], allow_silent=True)
                y = y[:, 0] if y.ndim == 2 else y
                db = librosa.amplitude_to_db(np.abs(librosa.stft(y, n_fft=512, hop_length=64)), ref=np.max)
                librosa.display.specshow(
                    db, sr=sr, hop_length=64, ax=ax, y_axis="log", vmin=-60, vmax=0, cmap="magma"
                )
                ax.set_xlabel(""), ax.set_ylabel("")
        axes[r][0].set_ylabel(label, fontsize=9)
    fig.tight_layout()
    fig.savefig(args.out, dpi=80)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

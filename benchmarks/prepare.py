"""Preparing the demo loops: files per second (prints `name: value` lines).

python benchmarks/prepare.py
"""

import tempfile
import time
from pathlib import Path

from beatlib.data import prepare_loops, prepare_oneshots
from beatlib.demo_kit import make_demo_kit


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        kit = make_demo_kit(Path(tmp) / "kit", seed=0)
        kit_s = time.perf_counter() - t0
        best_loops = best_shots = float("inf")
        for i in range(3):
            t0 = time.perf_counter()
            r = prepare_loops(kit / "loops", Path(tmp) / f"loops{i}.npz")
            best_loops = min(best_loops, time.perf_counter() - t0)
            t0 = time.perf_counter()
            s = prepare_oneshots(kit / "oneshots", Path(tmp) / f"shots{i}.npz")
            best_shots = min(best_shots, time.perf_counter() - t0)
        print(f"demo_kit_build_s: {kit_s:.2f}")
        print(f"prepare_files_per_s: {len(r.used) / best_loops:.1f}")
        print(f"prepare_oneshots_files_per_s: {len(s.used) / best_shots:.1f}")


if __name__ == "__main__":
    main()

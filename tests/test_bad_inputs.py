"""The awkward corpus (issue 15): what a new user's folders really hold, through the real CLI.

The corpus is made here: tiny files, hot floats, odd names, a truncated file, garbage, a FIFO,
a dangling link, a link loop, an unreadable file and folder; outputs go to a normal folder, a
read-only folder and a full disk (a 64 KiB tmpfs when this machine lets us mount one, else a
write that fails with ENOSPC). Asserted: no traceback from ``python -m beatlib``, a reason for
every path that was not used, input folders byte-identical, outputs complete or absent.

As root, permission bits do not bind; the CLI then runs without CAP_DAC_OVERRIDE (setpriv), so
the unreadable file and the read-only folder are what they are for any user.
"""

import errno
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SR = 44100
REPO = Path(__file__).resolve().parents[1]
AS_USER = (
    ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    if os.geteuid() == 0 and shutil.which("setpriv")
    else []
)


def _loop(seconds=2.0, channels=2, seed=0, gain=1.0):
    rng = np.random.default_rng(seed)
    y = 0.01 * rng.standard_normal((int(seconds * SR), channels))
    y[:: int(0.1 * SR)] = 0.8
    return (gain * y).astype(np.float32)


def _hit(seconds=0.3, f=150.0, gain=1.0, dc=0.0):
    t = np.arange(int(seconds * SR)) / SR
    return (dc + gain * 0.8 * np.sin(2 * np.pi * f * t) * np.exp(-t / 0.05)).astype(np.float32)


def _write(path, y, sr=SR, **kw):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, sr, **kw)


def _awkward(folder: Path, good: dict[str, np.ndarray]) -> set[str]:
    """Write the good files and every kind of bad one; return the paths that must be reported."""
    for rel, y in good.items():
        _write(folder / rel, y, subtype="FLOAT" if np.abs(y).max() > 1 else "PCM_16")
    bad = {
        "tiny_124bpm.wav",
        "garbage_124bpm.wav",
        "empty_124bpm.wav",
        "nan_124bpm.wav",
        "pipe_124bpm.wav",
        "gone_124bpm.wav",
        "locked_124bpm.wav",
        "closed",
        "sub/loop",
    }
    _write(folder / "tiny_124bpm.wav", np.full((1, 1), 0.5, np.float32), sr=48000)
    (folder / "garbage_124bpm.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunk")
    (folder / "empty_124bpm.wav").write_bytes(b"")
    nan = _loop(0.5)
    nan[10] = np.nan
    _write(folder / "nan_124bpm.wav", nan, subtype="FLOAT")
    os.mkfifo(folder / "pipe_124bpm.wav")
    (folder / "gone_124bpm.wav").symlink_to(folder / "deleted_124bpm.wav")
    _write(folder / "locked_124bpm.wav", _loop())
    os.chmod(folder / "locked_124bpm.wav", 0)
    _write(folder / "closed" / "inside_124bpm.wav", _loop())
    os.chmod(folder / "closed", 0)
    (folder / "sub").mkdir(exist_ok=True)
    (folder / "sub" / "loop").symlink_to(folder)
    (folder / "README.txt").write_text("not audio: neither used nor reported")
    (folder / ".DS_Store").write_bytes(b"\0")
    return bad


def _snapshot(folder: Path) -> dict:
    """Every path under ``folder`` with its type, mode, mtime and content (or link target)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                what = os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                what = hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                what = None
            out[str(p.relative_to(folder))] = (st.st_mode, st.st_mtime_ns, what)
    return out


def _cli(*args, prefix=(), shell_after=""):
    """``python -m beatlib ARGS`` in a fresh process; returns (exit code, stdout, stderr)."""
    cmd = [*prefix, sys.executable, "-m", "beatlib", *map(str, args)]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("awkward")
    loops = root / "loops"
    loops_bad = _awkward(
        loops,
        {
            "good_124bpm.wav": _loop(),
            "Küche groove – 125 BPM.wav": _loop(seed=1),  # unicode, spaces, a dash
            "hot_124bpm.wav": _loop(seed=2, gain=4.0),  # float, 12 dB over full scale
            "cut_124bpm.wav": _loop(4.0, seed=3),  # truncated below
            "Loop_075.wav": _loop(seed=4),  # a take number, not a tempo
        },
    )
    raw = (loops / "cut_124bpm.wav").read_bytes()
    (loops / "cut_124bpm.wav").write_bytes(raw[: len(raw) // 2])
    loops_bad.add("Loop_075.wav")
    kit = root / "kit"
    kit_bad = _awkward(
        kit,
        {
            "kick/Phat 01.wav": _hit(),
            "snare/Shattered.wav": _hit(f=300.0),
            "hihat/hh.wav": _hit(0.2, f=3000.0),
            "kick/hot.wav": _hit(gain=4.0),
            "kick/dc.wav": _hit(dc=0.3, gain=0.5),
        },
    )
    yield root, {"loops": loops_bad, "kit": kit_bad}
    for folder in (loops / "closed", kit / "closed"):
        os.chmod(folder, 0o755)


def _reported(manifest: dict) -> dict[str, str]:
    return {s["file"]: s["reason"] for s in manifest["skipped"]}


@pytest.mark.skipif(os.geteuid() == 0 and not AS_USER, reason="root without setpriv: permissions do not bind")
def test_prepare_commands_on_the_awkward_corpus(corpus, tmp_path):
    root, bad = corpus
    before = _snapshot(root)
    out = tmp_path / "out"
    out.mkdir()
    results = {
        kind: _cli(cmd, root / kind, out / f"{kind}.npz", prefix=AS_USER)
        for kind, cmd in (("loops", "prepare-loops"), ("kit", "prepare-oneshots"))
    }
    assert _snapshot(root) == before  # inputs byte-identical
    for kind, (rc, stdout, stderr) in results.items():
        assert rc == 0 and "Traceback" not in stderr, stderr
        manifest = json.loads((out / f"{kind}.json").read_text())
        reasons = _reported(manifest)
        assert set(reasons) == bad[kind], (kind, reasons)  # a reason per skipped path
        assert all(reasons.values())
        assert set(manifest["files"]).isdisjoint(reasons)
        assert all(f in stdout for f in reasons)  # and the user sees them
    loops = _reported(json.loads((out / "loops.json").read_text()))
    assert loops["locked_124bpm.wav"] == "permission denied"
    assert loops["closed"] == "folder not read: permission denied"
    assert loops["pipe_124bpm.wav"] == "not a regular file (a FIFO)"
    assert loops["gone_124bpm.wav"] == "dangling symbolic link"
    used = json.loads((out / "loops.json").read_text())["files"]
    assert set(used) == {"good_124bpm.wav", "Küche groove – 125 BPM.wav", "hot_124bpm.wav", "cut_124bpm.wav"}
    assert "above full scale" in used["hot_124bpm.wav"]["notes"][0]
    assert used["cut_124bpm.wav"]["notes"][0].startswith("truncated")
    with np.load(out / "loops.npz") as z:  # complete and sane
        assert z["audio"].shape == (4, 16384, 2) and float(np.abs(z["audio"]).max()) <= 1.0
    with np.load(out / "kit.npz") as z:
        assert sorted(z["source"]) == [
            "hihat/hh.wav",
            "kick/Phat 01.wav",
            "kick/dc.wav",
            "kick/hot.wav",
            "snare/Shattered.wav",
        ]
        instrument = dict(zip(z["source"].astype(str), z["instrument"].astype(str)))
        assert instrument["kick/Phat 01.wav"] == "kick" and instrument["snare/Shattered.wav"] == "snare"
    assert sorted(p.name for p in out.iterdir()) == ["kit.json", "kit.npz", "loops.json", "loops.npz"]


@pytest.mark.skipif(os.geteuid() == 0 and not AS_USER, reason="root without setpriv: permissions do not bind")
def test_read_only_output_folder_is_one_line_and_writes_nothing(corpus, tmp_path):
    root, _ = corpus
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        rc, _, stderr = _cli("prepare-loops", root / "loops", ro / "loops.npz", prefix=AS_USER)
        assert rc == 2 and "Traceback" not in stderr
        assert stderr.strip().splitlines() == [
            f"beatlib prepare-loops: error: {ro / 'loops.json'}: cannot write there: permission denied"
        ]
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


def _can_mount_tmpfs(where: Path) -> bool:
    if not (shutil.which("unshare") and os.geteuid() == 0):
        return False
    p = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs '{where}'"], capture_output=True
    )
    return p.returncode == 0


def test_full_disk_is_one_line_and_leaves_nothing(corpus, tmp_path, monkeypatch):
    root, _ = corpus
    disk = tmp_path / "disk"
    disk.mkdir()
    out = disk / "loops.npz"
    if _can_mount_tmpfs(disk):
        # the CLI runs in a private mount namespace on a 64 KiB tmpfs; the folder is listed there
        script = (
            f"mount -t tmpfs -o size=64k tmpfs '{disk}' && "
            f"'{sys.executable}' -m beatlib prepare-loops '{root / 'loops'}' '{out}'; "
            f"echo \"rc=$?\"; ls -A '{disk}'"
        )
        p = subprocess.run(
            ["unshare", "-m", "sh", "-c", script],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(REPO)),
            timeout=300,
        )
        lines = p.stdout.strip().splitlines()
        rc_line = next(line for line in lines if line.startswith("rc="))
        assert rc_line == "rc=2" and "Traceback" not in p.stderr, p.stderr
        assert lines[lines.index(rc_line) + 1 :] == []  # nothing left on the disk
        assert p.stderr.strip().splitlines()[-1] == (
            f"beatlib prepare-loops: error: {out}: cannot write: no space left on device"
        )
    else:  # no mounting here: the same failure from inside the writer
        from beatlib.cli import main

        def full(*a, **kw):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(np, "savez", full)
        assert main(["prepare-loops", str(root / "loops"), str(out)]) == 2
        assert list(disk.iterdir()) == []


def test_impossible_output_paths_are_one_line_errors(corpus, tmp_path, capsys):
    # in-process (the same main() as the subprocess runs): a folder in the way, a file in the way
    from beatlib.cli import main

    root, _ = corpus
    (tmp_path / "taken.npz").mkdir()
    (tmp_path / "a_file").write_text("x")
    cases = {
        tmp_path / "taken.npz": "cannot write there: it is a folder",
        tmp_path / "a_file" / "x.npz": "cannot write there: a file is in the way of its folder",
        tmp_path / ("n" * 300 + ".npz"): "file name too long",
    }
    for out, reason in cases.items():
        assert main(["prepare-oneshots", str(root / "kit"), str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and reason in err[0], err
    long_ok = tmp_path / ("x" * 243 + ".npz")  # a valid 247-character name
    assert main(["prepare-oneshots", str(root / "kit"), str(long_ok)]) == 0
    assert long_ok.is_file() and long_ok.with_suffix(".json").is_file()

"""Outputs (issue 15 items 11 and 16): checked before the work, one-line errors naming the path,
stale temporaries of killed writers cleaned, data on disk before the rename, a dataset and its
manifest written as one unit."""

import errno
import os
import subprocess
import sys

import numpy as np
import pytest

from beatlib import batches, files
from beatlib.errors import OutputError


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_temporaries_of_dead_writers_are_removed_on_the_next_run(tmp_path):
    dead, alive = _dead_pid(), os.getppid()
    (tmp_path / f".loops.tmp{dead}.npz").write_bytes(b"half a dataset")  # old naming
    (tmp_path / f".loops.tmp{dead}-0123abcd.json").write_text("{")
    (tmp_path / f".batch-tmp{dead}-0123abcd").mkdir()
    (tmp_path / f".batch-tmp{dead}-0123abcd" / "0001.wav").write_bytes(b"x")
    (tmp_path / f".loops.tmp{alive}.npz").write_bytes(b"someone is writing this")  # a live writer's
    (tmp_path / ".mytmp1").write_text("a user's hidden file")
    files.write_json(tmp_path / "x.json", {"a": 1})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f".loops.tmp{alive}.npz", ".mytmp1", "x.json"]
    )


def test_stale_batch_folders_are_removed_by_the_next_batch(tmp_path):
    stale = tmp_path / f".batch-tmp{_dead_pid()}-89abcdef"
    stale.mkdir()
    with batches.new_batch_dir(tmp_path) as d:
        (d / "a.txt").write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch-001"]


def test_data_is_synced_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    files.write_json(tmp_path / "x.json", [1])
    assert events[:2] == ["fsync", "replace"]


def test_dataset_and_manifest_are_one_unit(tmp_path, monkeypatch):
    from beatlib import data

    src = tmp_path / "src"
    src.mkdir()
    t = np.arange(2 * 44100) / 44100
    import soundfile as sf

    sf.write(str(src / "a_124bpm.wav"), np.stack([0.5 * np.sin(2 * np.pi * 220 * t)] * 2, 1), 44100)
    out = tmp_path / "loops.npz"
    data.prepare_loops(src, out)
    before = out.read_bytes(), out.with_suffix(".json").read_bytes()

    def full_disk(path, obj):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(data.store, "write_json", full_disk)
    with pytest.raises(OutputError, match=r"loops\.json: cannot write: no space left on device"):
        data.prepare_loops(src, out, slice_len=8192)
    assert (out.read_bytes(), out.with_suffix(".json").read_bytes()) == before  # the old pair, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loops.json", "loops.npz", "src"]


def test_outputs_are_checked_before_the_work(tmp_path):
    (tmp_path / "a_file").write_text("x")
    (tmp_path / "taken.npz").mkdir()
    with pytest.raises(OutputError, match="taken.npz: cannot write there: it is a folder"):
        files.check_writable(tmp_path / "taken.npz")
    with pytest.raises(OutputError, match="a_file/x.npz: cannot write there: a file is in the way"):
        files.check_writable(tmp_path / "a_file" / "x.npz")
    with pytest.raises(OutputError, match="file name too long"):
        files.check_writable(tmp_path / ("n" * 300 + ".npz"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "taken.npz"]  # no probe left


def test_a_long_valid_name_is_written(tmp_path):
    # the temporary name used to add 10+ characters to a 248-character name (over 255)
    path = tmp_path / ("x" * 243 + ".json")
    files.write_json(path, {"ok": True})
    assert files.read_json(path) == {"ok": True}


def test_a_full_disk_is_one_line_naming_the_file(tmp_path, monkeypatch):
    from beatlib import audio

    def full(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", full)
    with pytest.raises(OutputError, match=r"y\.npy: cannot write: no space left on device"):
        with files.atomic_path(tmp_path / "y.npy") as tmp:
            np.save(tmp, np.zeros(3))
    assert list(tmp_path.iterdir()) == []
    assert audio.save_audio(tmp_path / "ok.wav", np.zeros(10), sample_rate=8000).exists()


def test_a_batch_folder_is_synced_once_before_it_appears(tmp_path, monkeypatch):
    from beatlib import audio

    events = []
    real_fsync, real_rename = os.fsync, os.rename
    monkeypatch.setattr(os, "sync", lambda: events.append("sync"))
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "rename", lambda a, b: (events.append("rename"), real_rename(a, b))[1])
    with batches.new_batch_dir(tmp_path) as d:
        for i in range(3):
            audio.save_audio(d / f"{i}.wav", np.zeros(10), sample_rate=8000)
    assert events == ["sync", "rename", "fsync"]  # no fsync per clip; the root folder after the rename


def test_the_cli_turns_a_stray_os_error_into_one_line(monkeypatch, capsys):
    from beatlib import cli

    def refuse(args):
        raise PermissionError(13, "Permission denied", "/somewhere/out.wav")

    parser = cli.build_parser()
    args = parser.parse_args(["demo-kit", "x"])
    args.func = refuse
    monkeypatch.setattr(parser, "parse_args", lambda argv=None: args)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    assert cli.main(["demo-kit", "x"]) == 2
    assert capsys.readouterr().err == "beatlib demo-kit: error: /somewhere/out.wav: permission denied\n"


def test_generation_checks_its_output_folder_before_sampling(tmp_path):
    from beatlib.generate import generate_wavenet

    (tmp_path / "a_file").write_text("x")
    # the weights do not exist either: the output is checked first, before minutes of sampling
    with pytest.raises(OutputError, match="a_file/kick/batch-new: cannot write there: a file is in the way"):
        generate_wavenet(tmp_path / "no-weights", 10, tmp_path / "a_file" / "kick")
    from beatlib.generate import generate_wavegan

    with pytest.raises(OutputError, match="a_file/wavegan/batch-new: cannot write there: a file is in"):
        generate_wavegan(tmp_path / "no-weights", 10, tmp_path / "a_file" / "wavegan")


def test_score_checks_its_outputs_before_scoring(tmp_path, capsys):
    from beatlib import cli

    (tmp_path / "a_file").write_text("x")
    # the batch does not exist either: the output is named first, before the scoring
    for extra in (
        ["--examples", str(tmp_path / "a_file" / "ex")],
        ["--json", str(tmp_path / "a_file" / "s.json")],
    ):
        assert cli.main(["score", str(tmp_path / "no-batch"), str(tmp_path / "no.npz"), *extra]) == 2
        assert "a_file" in capsys.readouterr().err

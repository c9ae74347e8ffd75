"""Bad numbers are refused up front, by the CLI and by the functions behind it (issue 15 items 13
and 19): one rule, beatlib.checks."""

import json

import numpy as np
import pytest
import soundfile as sf

from beatlib.checks import check_number
from beatlib.cli import main
from beatlib.errors import ConfigError, DataError


@pytest.mark.parametrize(
    "argv, says",
    [
        (["generate-wavenet", "no/weights", "--batch-size", "0"], "--batch-size: must be >= 1, got 0"),
        (
            ["generate-wavenet", "no/weights", "--temperature", "inf"],
            "--temperature: must be a finite number",
        ),
        (["generate-wavegan", "no/weights", "--batch-size", "-3"], "--batch-size: must be >= 1, got -3"),
        (["arrange", "--loops", "no/dir", "--out", "x.wav", "--bpm", "0"], "--bpm: must be > 0, got 0"),
        (["sequence", "--bpm", "nan"], "--bpm: must be a finite number, got nan"),
        (["export-loops", "no/batch", "--bpm", "nan"], "--bpm: must be a finite number, got nan"),
        (["prepare-loops", "in", "out.npz", "--channels", "3"], "--channels: invalid choice: 3"),
    ],
)
def test_the_cli_refuses_bad_numbers_before_any_work(argv, says, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and says in err and "Traceback" not in err


def test_the_functions_refuse_the_same_values(tmp_path):
    from beatlib.data import prepare_loops
    from beatlib.generate import sample_wavenet
    from beatlib.sequencer import arrange_folder

    # each would otherwise fail later on the missing input, or do something else (0 = "all")
    with pytest.raises(ConfigError, match="batch_size must be >= 1, got 0"):
        sample_wavenet(tmp_path / "none", 4, batch_size=0)
    with pytest.raises(ConfigError, match="temperature must be a finite number, got inf"):
        sample_wavenet(tmp_path / "none", 4, temperature=float("inf"))
    with pytest.raises(ConfigError, match="bpm must be > 0, got 0"):
        arrange_folder(tmp_path / "none", bpm=0)
    (tmp_path / "in").mkdir()
    with pytest.raises(ConfigError, match="channels must be one of 1, 2, got 3"):
        prepare_loops(tmp_path / "in", tmp_path / "o.npz", channels=3)


def test_check_number_rules():
    assert check_number("2", "n", integer=True, low=1) == 2
    cases = (
        (True, "a number"),
        ("x", "a number"),
        (1.5, "a whole number"),
        (float("nan"), "a finite number"),
    )
    for bad, says in cases:
        with pytest.raises(ConfigError, match=f"n must be {says}"):
            check_number(bad, "n", integer=True)
    with pytest.raises(ConfigError, match="must be <= 1"):
        check_number(2, "p", high=1)


def _batch(tmp_path, bpm):
    d = tmp_path / "batch-001"
    d.mkdir()
    sf.write(str(d / "0000.wav"), 0.5 * np.ones((16384, 2), np.float32), 14700)
    (d / "manifest.json").write_text(json.dumps({"bpm": bpm, "clips": []}))
    return d


def test_export_loops_bad_manifest_bpm_and_nan_bpm(tmp_path, capsys):
    # item 13 (export-loops): a non-numeric manifest bpm or bpm nan was a traceback
    from beatlib.generate import export_loops

    d = _batch(tmp_path, "fast")
    with pytest.raises(DataError, match=r"manifest.json: bpm 'fast' is not a tempo; give one \(--bpm\)"):
        export_loops(d, bars=(1,), progress=False)
    with pytest.raises(ConfigError, match="bpm must be a finite number, got nan"):
        export_loops(d, bars=(1,), bpm=float("nan"), progress=False)
    assert main(["export-loops", str(d), "--bars", "1"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"beatlib export-loops: error: {d / 'manifest.json'}: bpm 'fast' is not a tempo; give one (--bpm)"
    ]
    assert not (d / "loops").exists()
    assert [p.name for p in export_loops(d, bars=(1,), bpm=125, progress=False)] == ["0000_1bar_125bpm.wav"]

"""Issue 15, training side: nothing lost, nothing silently wrong (one test per item), and the loop's
evaluation hook with its best checkpoint."""

import json
import signal
import subprocess
import sys

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
import keras  # noqa: E402

from beatlib import cli, training  # noqa: E402
from beatlib.config import WaveNetConfig, load_config, wavegan_profile, wavenet_profile  # noqa: E402
from beatlib.errors import CheckpointError, ConfigError, DataError, RunInUseError, TrainingError  # noqa: E402
from beatlib.models.wavenet import build_wavenet  # noqa: E402

TINY = wavenet_profile("tiny")


def _clips(n=6, length=300, seed=0):
    t = np.arange(length) / 16000
    rng = np.random.default_rng(seed)
    return np.stack(
        [
            np.sin(2 * np.pi * (60 + 15 * i) * t) * np.exp(-t * 25) * 0.8 + 0.05 * rng.uniform(-1, 1, length)
            for i in range(n)
        ]
    ).astype(np.float32)


def _oneshots_npz(path, clips, rate=16000):
    np.savez(
        path,
        audio=clips,
        instrument=np.array(["kick"] * len(clips)),
        source=np.array([f"k{i}.wav" for i in range(len(clips))]),
        sample_rate=np.array(rate),
    )
    return path


def _quiet(**kw):
    return dict(progress=False, verbose=False, **kw)


def _small_run(directory, step=2):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    run = training.RunDir(directory, TINY, model=model)
    run.restore()
    run.save(step)
    return model


# ------------------------------------------------------------------ item 1
def test_init_run_from_keeps_backups_and_logs_of_dest(tmp_path):
    src, dest = tmp_path / "demo", tmp_path / "weights"
    _small_run(src)
    (dest / "backups" / "step-0000001").mkdir(parents=True)
    (dest / "backups" / "step-0000001" / "ckpt-1.index").write_text("mine")
    (dest / "logs").mkdir()
    (dest / "logs" / "events.out").write_text("my curves")
    assert training.init_run_from(src, dest)
    assert (dest / "backups" / "step-0000001" / "ckpt-1.index").read_text() == "mine"
    assert (dest / "logs" / "events.out").read_text() == "my curves"
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert training.load_checkpoint(dest, model=model) == 2


# ------------------------------------------------------------------ item 3
def test_second_writer_gets_a_clear_error_and_the_lock_is_released_on_crash(tmp_path):
    out = tmp_path / "run"
    with training.lock_run(out):
        with pytest.raises(RunInUseError, match=r"run: another training \(pid \d+\)"):
            train_wavenet_tiny(out, max_steps=1)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import fcntl, sys, time; f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); "
                "f.write('pid 4242'); f.flush(); print('locked', flush=True); time.sleep(60)"
            ),
            str(out / ".lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunInUseError, match="pid 4242"):
            train_wavenet_tiny(out, max_steps=1)
        assert not (out / "checkpoint").exists() and not (out / "history.jsonl").exists()
    finally:
        holder.send_signal(signal.SIGKILL)  # a crash: the OS releases the lock
        holder.wait()
    assert train_wavenet_tiny(out, max_steps=1).step == 1


def train_wavenet_tiny(out, clips=None, **kw):
    return training.train_wavenet(_clips() if clips is None else clips, "kick", out, TINY, **_quiet(**kw))


# ------------------------------------------------------------------ item 4
def test_resume_on_other_data_is_refused_unless_new_data(tmp_path):
    out = tmp_path / "run"
    a = _oneshots_npz(tmp_path / "a.npz", _clips(seed=0))
    b = _oneshots_npz(tmp_path / "b.npz", _clips(seed=1))
    training.train_wavenet(a, "kick", out, TINY, max_steps=2, **_quiet())
    seeds = (out / "seeds.npy").read_bytes()
    other = r"run was trained on other data .*a\.npz.* than .*b\.npz.*--new-data"
    with pytest.raises(CheckpointError, match=other):
        training.train_wavenet(b, "kick", out, TINY, max_steps=3, **_quiet())
    assert (out / "seeds.npy").read_bytes() == seeds
    assert json.loads((out / "dataset.json").read_text())["data"] == str(a)
    r = training.train_wavenet(b, "kick", out, TINY, max_steps=3, new_data=True, **_quiet())
    assert (r.start_step, r.step) == (2, 3)
    events = [row for row in training.read_history(out, events=True) if "event" in row]
    assert [(e["event"], e["step"], e["data"]) for e in events] == [("new_data", 2, str(b))]
    assert all("event" not in row for row in training.read_history(out))
    assert training.train_wavenet(b, "kick", out, TINY, max_steps=4, **_quiet()).step == 4  # b is the data


# ------------------------------------------------------------------ item 5
def test_wavenet_takes_the_sample_rate_of_the_dataset(tmp_path):
    npz = _oneshots_npz(tmp_path / "hi.npz", _clips(), rate=44100)
    training.train_wavenet(npz, "kick", tmp_path / "run", TINY, max_steps=1, **_quiet())
    assert load_config(WaveNetConfig, tmp_path / "run").sample_rate == 44100


# ------------------------------------------------------------------ item 6
def test_wavegan_never_crops_longer_clips_and_the_cli_takes_slice_len(tmp_path, capsys):
    rng = np.random.default_rng(0)
    npz = tmp_path / "long.npz"
    np.savez(
        npz,
        audio=(0.3 * rng.uniform(-1, 1, (4, 32768, 2))).astype(np.float32),
        source=np.array([f"l{i}_125bpm.wav" for i in range(4)]),
        bpm=np.full(4, 125.0),
        sample_rate=np.array(14700),
    )
    with pytest.raises(DataError, match=r"long\.npz: clips have 32768 samples .*--slice-len 32768"):
        training.train_wavegan(npz, tmp_path / "r1", wavegan_profile("tiny"), steps=1, log=None)
    out = tmp_path / "r2"
    assert (
        cli.main(
            [
                "train-wavegan",
                str(npz),
                "--out",
                str(out),
                "--profile",
                "tiny",
                "--steps",
                "1",
                "--slice-len",
                "32768",
            ]
        )
        == 0
    )
    assert json.loads((out / "config.json").read_text())["slice_len"] == 32768


# ------------------------------------------------------------------ item 7
def test_nan_weights_are_never_saved_nor_generated_from(tmp_path):
    out = tmp_path / "run"
    cfg = TINY.replace(learning_rate=1e39, checkpoint_every=1)  # one update overflows the weights
    with pytest.raises(TrainingError, match=r"NaN/Inf weights after step 1") as e:
        training.train_wavenet(_clips(), "kick", out, cfg, max_steps=3, **_quiet())
    assert "last good" not in str(e.value)
    assert not (out / "checkpoint").exists(), "a checkpoint with Inf weights was written"

    good = tmp_path / "good"
    train_wavenet_tiny(good, max_steps=1)
    model = build_wavenet(load_config(WaveNetConfig, good))
    training.load_checkpoint(good, model=model)
    model.get_layer("head_2").bias.assign(np.full([256], np.nan, np.float32))
    tf.train.Checkpoint(step=tf.Variable(1, dtype=tf.int64), model=model).write(str(good / "ckpt-1"))
    with pytest.raises(CheckpointError, match=r"ckpt-1: holds NaN/Inf weights"):
        training.load_checkpoint(good, model=build_wavenet(load_config(WaveNetConfig, good)))
    from beatlib.generate import generate_wavenet

    with pytest.raises(CheckpointError, match="NaN/Inf"):
        generate_wavenet(good, 2, tmp_path / "gen", progress=False)
    assert not (tmp_path / "gen").exists() or not any((tmp_path / "gen").glob("batch-*"))


# ------------------------------------------------------------------ item 13
def test_bad_run_files_and_settings_are_clear_errors(tmp_path, capsys):
    out = tmp_path / "run"
    train_wavenet_tiny(out, max_steps=2)
    saved = (out / "config.json").read_text()
    (out / "config.json").write_text(saved[: len(saved) // 2])
    with pytest.raises(ConfigError, match=r"run/config.json: not a readable config"):
        train_wavenet_tiny(out, max_steps=3)
    (out / "config.json").write_text(saved.replace('"batch_size": 4', '"batch_size": "4"'))
    with pytest.raises(ConfigError, match=r"config.json: WaveNetConfig.batch_size must be an int, got '4'"):
        load_config(WaveNetConfig, out)
    npz = _oneshots_npz(tmp_path / "k.npz", _clips())
    args = ["train-wavenet", str(npz), "--instrument", "kick", "--out", str(out), "--max-steps", "3"]
    assert cli.main(args) == 2
    assert "batch_size" in capsys.readouterr().err
    (out / "config.json").write_text(saved)

    data = next(out.glob("ckpt-2.data-*"))
    whole = data.read_bytes()
    for cut in (0, 7, len(whole) // 2):
        data.write_bytes(whole[:cut])
        with pytest.raises(CheckpointError, match=r"ckpt-2: cannot be restored"):
            train_wavenet_tiny(out, max_steps=3)
    data.write_bytes(whole)

    assert (
        cli.main(
            [
                "train-wavenet",
                str(npz),
                "--instrument",
                "kick",
                "--out",
                str(tmp_path / "k0"),
                "--profile",
                "tiny",
                "--keep",
                "0",
            ]
        )
        == 2
    )
    assert "--keep" in capsys.readouterr().err


# ------------------------------------------------------------------ item 23
def test_training_progress_does_not_reread_the_history(tmp_path, monkeypatch):
    reads = []
    original = training.run.read_history
    monkeypatch.setattr(training.run, "read_history", lambda *a, **k: reads.append(a) or original(*a, **k))
    seen = []
    train_wavenet_tiny(tmp_path, max_steps=12, log_every=1, on_progress=seen.append)
    assert [p.step for p in seen] == list(range(1, 13))
    assert all(p.history is seen[0].history for p in seen) and len(seen[-1].history) == 12
    assert len(reads) <= 2, f"history.jsonl read {len(reads)} times for 12 rows"


def test_history_reader_reads_only_new_lines(tmp_path):
    run = training.RunDir(tmp_path, TINY, model=keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    reader = training.HistoryReader(tmp_path)
    assert reader.read() == []
    run.log(1, loss=3.0)
    rows = reader.read()
    run.log(2, loss=2.0)
    with open(tmp_path / training.HISTORY_FILE, "a") as f:
        f.write('{"step": 3, "lo')  # a row being written
    assert reader.read() is rows and [r["step"] for r in rows] == [1, 2]
    with open(tmp_path / training.HISTORY_FILE, "a") as f:
        f.write('ss": 1.0}\n')
    assert [r["step"] for r in reader.read()] == [1, 2, 3]
    training.trim_history(tmp_path, 1)  # a resume rewrites a shorter file
    assert [r["step"] for r in reader.read()] == [1]


# ------------------------------------------------------------------ evaluation hook, best checkpoint
def test_evaluation_keeps_the_best_checkpoint_and_generation_prefers_it(tmp_path):
    scores = {0: 5.0, 2: 3.0, 4: 1.0, 6: 2.0}  # with eval_every, the starting weights are measured too
    r = train_wavenet_tiny(
        tmp_path, max_steps=6, eval_every=2, best="score", evaluate=lambda step: {"score": scores[step]}
    )
    assert r.step == 6
    assert json.loads((tmp_path / "best" / "best.json").read_text())["step"] == 4
    rows = [row for row in training.read_history(tmp_path) if "eval_score" in row]
    assert [(row["step"], row["eval_score"]) for row in rows] == [(0, 5.0), (2, 3.0), (4, 1.0), (6, 2.0)]
    cfg = load_config(WaveNetConfig, tmp_path)
    assert training.load_checkpoint(tmp_path, which="prefer_best", model=build_wavenet(cfg)) == 4
    assert training.load_checkpoint(tmp_path, model=build_wavenet(cfg)) == 6
    seen = []
    r = train_wavenet_tiny(  # training resumes from the latest; evaluations count from where it starts
        tmp_path,
        max_steps=11,
        eval_every=4,
        best="score",
        evaluate=lambda step: seen.append(step) or {"score": 9.0},
    )
    assert r.start_step == 6 and seen == [6, 10, 11]
    with pytest.raises(ConfigError, match="best_mode"):
        train_wavenet_tiny(
            tmp_path / "x",
            max_steps=1,
            best="score",
            best_mode="lowest",
            evaluate=lambda step: {"score": 0.0},
        )


def test_patience_stops_a_run_whose_evaluations_stopped_getting_better(tmp_path):
    scores = {0: 5.0, 2: 3.0, 4: 1.0, 6: 2.0, 8: 1.5, 10: 0.5}
    seen = []
    r = train_wavenet_tiny(
        tmp_path,
        max_steps=20,
        eval_every=2,
        best="score",
        patience=2,
        evaluate=lambda step: seen.append(step) or {"score": scores.get(step, 9.0)},
    )
    # 6 and 8 do not beat step 4's 1.0: the run stops at 8 and never sees 10's 0.5
    assert (r.step, r.stopped, seen) == (8, "patience", [0, 2, 4, 6, 8])
    assert json.loads((tmp_path / "best" / "best.json").read_text())["step"] == 4
    assert training.read_history(tmp_path)[-1]["step"] == 8  # the step reached is logged and saved
    with pytest.raises(ConfigError, match="patience"):
        training.Schedule(patience=3)  # nothing to watch

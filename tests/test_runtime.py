import json
import random

import numpy as np
import pytest
import torch

from ibnotes import runtime


def test_check_profile_accepts_known():
    assert runtime.check_profile("ci") == "ci"
    assert runtime.check_profile("full") == "full"


def test_check_profile_names_choices():
    with pytest.raises(ValueError, match=r"unknown profile 'gpu': use one of ci, full"):
        runtime.check_profile("gpu")


def test_choose_device_auto_on_cpu_machine():
    expected = "cuda" if torch.cuda.is_available() else None
    device = runtime.choose_device("auto")
    if expected:
        assert device.type == expected
    else:
        assert device.type in ("cpu", "mps")


def test_choose_device_rejects_unknown():
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        runtime.choose_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_choose_device_cuda_missing():
    with pytest.raises(ValueError, match="CUDA is not available"):
        runtime.choose_device("cuda")


def test_seed_everything_repeats_draws():
    draws = []
    for _ in range(2):
        runtime.seed_everything(7)
        draws.append((random.random(), np.random.rand(), torch.rand(1).item()))
    assert draws[0] == draws[1]


def test_seed_everything_rejects_float():
    with pytest.raises(ValueError, match="seed must be an integer"):
        runtime.seed_everything(1.5)


def test_setup_ci_limits_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "8")
    before = torch.get_num_threads()
    try:
        setup = runtime.setup("ci", "cpu", 3)
        assert setup.profile == "ci"
        assert setup.device == torch.device("cpu")
        assert setup.seed == 3
        assert torch.get_num_threads() == 1
        assert runtime.os.environ["OMP_NUM_THREADS"] == "1"
    finally:
        torch.set_num_threads(before)


def test_by_profile_picks_value():
    assert runtime.by_profile("ci", ci=1, full=2) == 1
    assert runtime.by_profile("full", ci=1, full=2) == 2


def test_record_saves_json(tmp_path, monkeypatch):
    monkeypatch.setenv(runtime.RECORD_DIR_ENV, str(tmp_path))
    record = runtime.ChapterRecord(chapter="demo", title="Demo", profile="ci", data="digits")
    record.number("error", 0.025)
    assert record.claim("rate falls", paper="yes", ours="yes", holds=True)
    assert not record.claim("robust", paper="yes", ours="no", holds=False)
    path = record.save()
    saved = json.loads(path.read_text())
    assert path.name == "demo.record.json"
    assert saved["numbers"] == {"error": 0.025}
    assert [claim["holds"] for claim in saved["claims"]] == [True, False]
    assert saved["claims"][0]["profile"] == "ci"
    assert saved["claims"][0]["data"] == "digits"


def test_record_without_folder_writes_nothing(monkeypatch, tmp_path):
    monkeypatch.delenv(runtime.RECORD_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    record = runtime.ChapterRecord(chapter="demo", title="Demo", profile="ci", data="digits")
    assert record.save() is None
    assert list(tmp_path.iterdir()) == []


def test_record_rejects_unknown_profile():
    with pytest.raises(ValueError, match="unknown profile"):
        runtime.ChapterRecord(chapter="demo", title="Demo", profile="big", data="x")

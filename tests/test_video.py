"""Tests of the sprite-video anomaly data in ibnotes.data."""

import pytest
import torch

from ibnotes.data import ANOMALY_KINDS, describe_clip, make_sprite_videos


def test_shapes_and_types():
    videos = make_sprite_videos(6, kinds=ANOMALY_KINDS, length=12, size=16, clip_length=4, seed=0)
    assert videos.frames.shape == (6, 12, 3, 16, 16)
    assert videos.frames.dtype == torch.float32
    assert videos.labels.shape == (6, 12)
    assert videos.labels.dtype == torch.bool
    assert len(videos.descriptions) == 6
    assert all(len(clips) == 3 for clips in videos.descriptions)
    assert len(videos) == 6


def test_same_seed_same_videos():
    first = make_sprite_videos(4, kinds=ANOMALY_KINDS, seed=3)
    second = make_sprite_videos(4, kinds=ANOMALY_KINDS, seed=3)
    assert torch.equal(first.frames, second.frames)
    assert first.descriptions == second.descriptions


def test_normal_videos_unlabelled():
    videos = make_sprite_videos(10, seed=1)
    assert not bool(videos.labels.any())
    assert bool((videos.kinds == 0).all())


def test_anomaly_starts_after_first_clip():
    videos = make_sprite_videos(24, kinds=ANOMALY_KINDS[1:], length=16, clip_length=4, seed=2)
    for labels in videos.labels:
        onset = int(labels.nonzero()[0])
        assert onset >= 4
        assert onset % 4 == 0
        assert bool(labels[onset:].all())


def test_descriptions_name_anomaly():
    videos = make_sprite_videos(12, kinds=ANOMALY_KINDS, length=16, clip_length=4, seed=4)
    words = {"speed": "fast", "shape": "triangle"}
    for kind, clips, labels in zip(videos.kinds, videos.descriptions, videos.labels):
        name = ANOMALY_KINDS[int(kind)]
        last = clips[-1]
        if name in words:
            assert words[name] in last
        if name == "colour":
            assert ("cyan" in last) or ("yellow" in last)
        if name == "normal":
            assert all(("slowly" in c) and ("triangle" not in c) for c in clips)


def test_colour_flip_uses_green():
    videos = make_sprite_videos(8, kinds=("colour",), noise=0.0, seed=5)
    green = videos.frames[:, :, 1]
    first_clip, last_frame = green[:, :4], green[:, -1]
    assert float(first_clip.max()) < 0.5
    assert bool((last_frame.amax(dim=(1, 2)) > 0.5).all())


def test_speed_anomaly_moves_faster():
    videos = make_sprite_videos(4, kinds=("speed",), length=8, clip_length=4, noise=0.0,
                                anomalous_speed=3, size=24, seed=6)
    for frames in videos.frames:
        mass = frames.sum(dim=(0, 1))
        assert float(mass.sum()) > 0
        rows = [(frame.sum(dim=(0, 2)) > 0).nonzero()[0].item() for frame in frames]
        steps = [abs(b - a) for a, b in zip(rows, rows[1:])]
        assert max(steps[:3]) <= 1
        assert max(steps[4:]) >= 2


def test_frame_descriptions_follow_clips():
    videos = make_sprite_videos(2, length=8, clip_length=4, seed=7)
    per_frame = videos.frame_descriptions()
    assert per_frame[0][:4] == [videos.descriptions[0][0]] * 4
    assert per_frame[0][4:] == [videos.descriptions[0][1]] * 4


def test_describe_clip_text():
    text = describe_clip("red", "plus", False, (-1, 1))
    assert text == "a red plus moves slowly towards the top right"


@pytest.mark.parametrize(
    "options",
    [
        dict(n=0),
        dict(kinds=("loud",)),
        dict(kinds=()),
        dict(length=6, clip_length=4),
        dict(length=4, clip_length=4),
        dict(anomalous_speed=20),
        dict(speed=2, anomalous_speed=2),
        dict(noise=-0.1),
    ],
)
def test_rejects_bad_arguments(options):
    arguments = dict(n=2) | options
    with pytest.raises(ValueError):
        make_sprite_videos(**arguments)

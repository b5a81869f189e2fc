import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from ibnotes import plot


def _figure(scale, shift=0.0):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [shift, scale + shift])
    ax.set_title(f"scale {scale}, shift {shift}")
    return fig


def test_figure_png_returns_png_bytes():
    data = plot.figure_png(_figure(1.0))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_figure_widget_swaps_images():
    widget = plot.figure_widget(_figure, {"scale": [1.0, 2.0, 3.0]})
    slider, image = widget.children
    assert slider.value == 2.0
    first = image.value
    slider.value = 3.0
    assert image.value != first


def test_figure_widget_two_controls():
    widget = plot.figure_widget(_figure, {"scale": [1.0, 2.0], "shift": [0.0, 1.0]}, {"scale": 1.0, "shift": 0.0})
    scale, shift, image = widget.children
    before = image.value
    shift.value = 1.0
    assert image.value != before


def test_figure_widget_rejects_empty_controls():
    with pytest.raises(ValueError, match="controls is empty"):
        plot.figure_widget(_figure, {})


def test_figure_widget_rejects_empty_values():
    with pytest.raises(ValueError, match="control 'scale' has no values"):
        plot.figure_widget(_figure, {"scale": []})


def test_embedding_rejects_wrong_shape():
    with pytest.raises(ValueError, match=r"shape \[n, 2\]"):
        plot.embedding([[1.0, 2.0, 3.0]], [0])

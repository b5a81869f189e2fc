"""Plots in one consistent style: curves over a parameter, embeddings, information planes.

Used by: every chapter (``use_style``, ``figure_widget``); 01-foundations/02-deep-vib
(``curves``, ``embedding``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

# A colour-blind-safe cycle (Okabe and Ito, 2008).
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

STYLE = {
    "figure.figsize": (6.0, 3.6),
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "legend.frameon": False,
    "font.size": 10,
}


def use_style() -> None:
    """Apply the book's matplotlib style to every later figure."""
    mpl.rcParams.update(STYLE)


def curves(
    x: Sequence[float],
    ys: Mapping[str, Sequence[float] | np.ndarray],
    *,
    errors: Mapping[str, Sequence[float] | np.ndarray] | None = None,
    xlabel: str = "",
    ylabel: str = "",
    logx: bool = False,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Plot one line per entry of ``ys`` against ``x``, with optional error bands.

    ``errors[name]`` is drawn as a band of plus or minus that value, for
    example the standard deviation over seeds.
    """
    ax = ax or plt.gca()
    for name, values in ys.items():
        values = np.asarray(values, dtype=float)
        (line,) = ax.plot(x, values, marker="o", markersize=4, label=name)
        if errors is not None and name in errors:
            spread = np.asarray(errors[name], dtype=float)
            ax.fill_between(x, values - spread, values + spread, color=line.get_color(), alpha=0.2)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(ys) > 1:
        ax.legend()
    return ax


def embedding(z: np.ndarray, labels: np.ndarray, *, ax: plt.Axes | None = None, title: str = "") -> plt.Axes:
    """Scatter a 2-D embedding [n, 2] coloured by integer class labels [n]."""
    z = np.asarray(z)
    if z.ndim != 2 or z.shape[1] != 2:
        raise ValueError(f"embedding expects z of shape [n, 2], got {z.shape}")
    ax = ax or plt.gca()
    points = ax.scatter(z[:, 0], z[:, 1], c=labels, cmap="tab10", s=6, alpha=0.7, vmin=-0.5, vmax=9.5)
    ax.set_title(title)
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.figure.colorbar(points, ax=ax, ticks=range(10), label="class")
    return ax


def information_plane(
    rate: Sequence[float],
    relevance: Sequence[float],
    *,
    color: Sequence[float] | None = None,
    color_label: str = "",
    xlabel: str = "I(X;Z) [nats]",
    ylabel: str = "I(Z;Y) [nats]",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Plot points of the information plane, coloured by ``color`` (for example beta or epoch)."""
    ax = ax or plt.gca()
    points = ax.scatter(rate, relevance, c=color, cmap="viridis", s=30, zorder=3)
    ax.plot(rate, relevance, color="grey", alpha=0.4, zorder=2)
    if color is not None:
        ax.figure.colorbar(points, ax=ax, label=color_label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def figure_png(figure: plt.Figure) -> bytes:
    """Render ``figure`` to PNG bytes and close it."""
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def figure_widget(
    render: Callable[..., plt.Figure],
    controls: Mapping[str, Sequence[Any]],
    value: Mapping[str, Any] | None = None,
):
    """Return sliders over ``controls`` that show the figure ``render(**values)``.

    Every combination of control values is rendered once, up front, into a
    PNG held by an ``ipywidgets.Image``; moving a slider swaps the image. The
    widget therefore needs no running kernel: the saved widget state shows
    the figure of the current values in the static HTML book. It uses no
    ``Output`` widget, whose output capture hung papermill runs of this
    book's chapters from time to time.

    Args:
        render: builds one figure from keyword arguments named as the controls.
        controls: control name to the list of values its slider offers.
        value: initial values (default: the middle of each list).

    Used by every chapter's Explore section.
    """
    import itertools

    import ipywidgets as widgets

    if not controls:
        raise ValueError("controls is empty: pass at least one name with its list of values")
    names = list(controls)
    options = {name: list(values) for name, values in controls.items()}
    for name, values in options.items():
        if not values:
            raise ValueError(f"control {name!r} has no values: pass a non-empty list")
    images = {combo: figure_png(render(**dict(zip(names, combo))))
              for combo in itertools.product(*(options[name] for name in names))}

    start = dict(value or {})
    sliders = {}
    for name in names:
        initial = start.get(name, options[name][len(options[name]) // 2])
        sliders[name] = widgets.SelectionSlider(
            options=[(f"{v:g}" if isinstance(v, (int, float)) else str(v), v) for v in options[name]],
            value=initial, description=name, continuous_update=False,
        )
    image = widgets.Image(value=images[tuple(sliders[name].value for name in names)], format="png")

    def update(_change: Any) -> None:
        image.value = images[tuple(sliders[name].value for name in names)]

    for slider in sliders.values():
        slider.observe(update, names="value")
    return widgets.VBox([*sliders.values(), image])

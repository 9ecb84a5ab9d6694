"""One palette for the explorers, their stills and the experiments' figures.

Colours are Okabe and Ito's (2008), chosen to stay apart for the common colour-vision
deficiencies; every colour that carries meaning also has a second cue (a marker shape, a
number, a line style) given beside it here, so nothing is told by colour alone.

One colour per idea: in every comparison the approach the lecture recommends (log-uniform,
random search, coarse to fine, batch norm) is vermillion with round markers, the baseline it
is compared with (uniform, a grid, flat search, no batch norm) blue with squares.
"""

from __future__ import annotations

import numpy as np

BLACK, ORANGE, SKY_BLUE, GREEN = "#000000", "#E69F00", "#56B4E9", "#009E73"
YELLOW, BLUE, VERMILLION, PURPLE = "#F0E442", "#0072B2", "#D55E00", "#CC79A7"

RECOMMENDED, BASELINE = VERMILLION, BLUE
RECOMMENDED_MARKER, BASELINE_MARKER = "o", "s"

#: Each idea's colour, the same in the explorers and the experiments' figures.
IDEAS = {
    "log": RECOMMENDED, "uniform": BASELINE,
    "random": RECOMMENDED, "grid": BASELINE, "sobol": GREEN,
    "c2f": RECOMMENDED, "flat": BASELINE,
    "bn": RECOMMENDED, "plain": BASELINE,
}
#: Markers of the same ideas (the second cue).
MARKERS = {"log": "o", "uniform": "s", "random": "o", "grid": "s", "sobol": "^",
           "c2f": "o", "flat": "s", "bn": "o", "plain": "s"}

#: Categories in order (classes, rounds): colours, and the markers drawn with them.
CATEGORIES = (BLUE, ORANGE, GREEN, PURPLE, SKY_BLUE, VERMILLION)
CATEGORY_MARKERS = ("o", "s", "^", "D", "v", "P")

# Machado, Oliveira and Fernandes (2009), severity 1: linear RGB -> linear RGB as seen.
DEFICIENCIES = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
}


def _linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def simulate(rgb, deficiency: str) -> np.ndarray:
    """sRGB colours (..., 3) in [0, 1] as a person with ``deficiency`` sees them (sRGB)."""
    linear = np.clip(_linear(np.asarray(rgb, dtype=float)) @ DEFICIENCIES[deficiency].T, 0, 1)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def lab(rgb) -> np.ndarray:
    """CIELAB (D65) of sRGB colours (..., 3) in [0, 1]: distances there are perceived ones."""
    xyz = _linear(np.asarray(rgb, dtype=float)) @ np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    ).T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def min_distance(colors, deficiency: str | None = None) -> float:
    """The smallest CIELAB distance (ΔE 1976) between any two of ``colors`` (names or hex),
    as seen with ``deficiency`` (or with typical colour vision)."""
    from matplotlib.colors import to_rgb

    rgb = np.array([to_rgb(c) for c in colors])
    points = lab(simulate(rgb, deficiency) if deficiency else rgb)
    gaps = np.linalg.norm(points[:, None] - points[None, :], axis=-1)
    return float(gaps[np.triu_indices(len(colors), 1)].min())

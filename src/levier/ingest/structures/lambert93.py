"""Lambert-93 (EPSG:2154) ↔ WGS84 in pure Python, for the X/Y coordinates of the raw FINESS extraction.

Lambert-93 is a Lambert conformal conic projection with two standard parallels on the GRS80 ellipsoid
(IGN, "Projections cartographiques", ALG0002/ALG0004). RGF93 and WGS84 differ by less than a metre,
far below what a directory needs, so no datum shift is applied. Accuracy of the inverse: a few
millimetres (the latitude iteration runs to 1e-12 rad).
"""

from __future__ import annotations

import math

# GRS80 ellipsoid.
_A = 6_378_137.0
_F = 1 / 298.257222101
_E = math.sqrt(_F * (2 - _F))

# Lambert-93 parameters.
_LAT_1 = math.radians(44.0)
_LAT_2 = math.radians(49.0)
_LAT_0 = math.radians(46.5)
_LON_0 = math.radians(3.0)
_X_0 = 700_000.0
_Y_0 = 6_600_000.0


def _m(lat: float) -> float:
    return math.cos(lat) / math.sqrt(1 - (_E * math.sin(lat)) ** 2)


def _t(lat: float) -> float:
    e_sin = _E * math.sin(lat)
    return math.tan(math.pi / 4 - lat / 2) / ((1 - e_sin) / (1 + e_sin)) ** (_E / 2)


_N = (math.log(_m(_LAT_1)) - math.log(_m(_LAT_2))) / (math.log(_t(_LAT_1)) - math.log(_t(_LAT_2)))
_AF = _A * _m(_LAT_1) / (_N * _t(_LAT_1) ** _N)
_RHO_0 = _AF * _t(_LAT_0) ** _N

# Metropolitan France and Corsica with a margin; outside, an X/Y pair is not Lambert-93.
X_RANGE = (0.0, 1_300_000.0)
Y_RANGE = (6_000_000.0, 7_200_000.0)


def in_lambert93_bounds(x: float, y: float) -> bool:
    return X_RANGE[0] <= x <= X_RANGE[1] and Y_RANGE[0] <= y <= Y_RANGE[1]


def lambert93_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """(latitude, longitude) in decimal degrees of a Lambert-93 point (metres)."""
    dx = x - _X_0
    dy = _RHO_0 - (y - _Y_0)
    rho = math.copysign(math.hypot(dx, dy), _N)
    t = (rho / _AF) ** (1 / _N)
    theta = math.atan2(dx, dy)
    lon = theta / _N + _LON_0
    lat = math.pi / 2 - 2 * math.atan(t)
    for _ in range(50):
        e_sin = _E * math.sin(lat)
        next_lat = math.pi / 2 - 2 * math.atan(t * ((1 - e_sin) / (1 + e_sin)) ** (_E / 2))
        if abs(next_lat - lat) < 1e-12:
            lat = next_lat
            break
        lat = next_lat
    return math.degrees(lat), math.degrees(lon)


def wgs84_to_lambert93(lat: float, lon: float) -> tuple[float, float]:
    """(X, Y) in metres of a WGS84 point; the forward projection, used to test the inverse."""
    rho = _AF * _t(math.radians(lat)) ** _N
    theta = _N * (math.radians(lon) - _LON_0)
    return _X_0 + rho * math.sin(theta), _Y_0 + _RHO_0 - rho * math.cos(theta)

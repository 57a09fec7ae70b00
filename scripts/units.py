"""How a time is written for a reader, the one formatter every script uses (charts, compare)."""


def fmt_ns(ns, digits=3):
    """A time in ns with its unit scaled and `digits` significant digits: '1.4 µs', '2.8 ms';
    '-' for nothing."""
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= scale:
            return f"{ns / scale:.{digits}g} {unit}"
    return f"{ns:.{digits}g} ns"

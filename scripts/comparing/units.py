"""How numbers are written in a report: one formatter for times, changes and p-values."""


def fmt_ns(ns):
    """A time in ns with its unit scaled: '1.234 us'; '-' for nothing."""
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if abs(ns) >= scale:
            return f"{ns / scale:.4g} {unit}"
    return f"{ns:.4g} ns"


def fmt_change(change):
    return "-" if change is None else f"{change * 100:+.1f} %"


def fmt_p(p):
    return "-" if p is None else "<0.001" if p < 0.001 else f"{p:.3f}"

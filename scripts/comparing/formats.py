"""How figures are written in a report: times (scripts/units.py's fmt_ns), changes and p-values."""

# A table of changes puts two times side by side: 4 significant digits keep a 0.1 % step visible.
TIME_DIGITS = 4


def fmt_change(change):
    return "-" if change is None else f"{change * 100:+.1f} %"


def fmt_p(p):
    return "-" if p is None else "<0.001" if p < 0.001 else f"{p:.3f}"

"""`ring`: the cost of one token pass in a ring of N tasks, against N."""
from .curves import curve_chart
from .common import Chart, fmt_count, fmt_ns, real_time_ns


def draw(runs, args):
    fig, _ = curve_chart(runs, args, "ring", "N", real_time_ns,
                         "Switch cost in a ring of N tasks passing a token",
                         "N = tasks in the ring (log scale)", "time per token pass (one switch)",
                         fmt_count, fmt_ns)
    reading = ("Time of one token pass (one switch) in a ring of N tasks; a flat line means the "
               "mechanism scales with the number of tasks, a rising one that it does not.")
    return fig, reading


FAMILIES = ("ring",)
CHART = Chart("ring", "Switch cost in a ring of N tasks", draw, families=FAMILIES, curves=True)

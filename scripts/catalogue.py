"""The catalogue of what bench_switch measures (bench/catalogue.cpp; docs/JSON.md): its families
(what each figure is, the charts each feeds), mechanisms (kind, task, placements) and placements.
A run's JSON carries it (context.bench_switch.catalogue), `bench_switch --list=json` prints it; the
scripts read it from there and keep no list of their own. A file written before it existed gets one
made from its entries' own fields (catalogue_of).
"""
import bsjson


def catalogue_of(data):
    """The catalogue of the run `data`: its own copy, else one made from its entries (made_from)."""
    given = bsjson.bs_context(data).get("catalogue")
    return given if well_formed(given) else made_from(data.get("benchmarks") or [])


def well_formed(given):
    """Whether `given` has the shape the scripts read (a damaged one is replaced, never trusted)."""
    def named(items):
        return isinstance(items, list) and all(isinstance(i, dict) and _named(i.get("name")) for i in items)
    return (isinstance(given, dict) and all(named(given.get(k)) for k in ("families", "mechanisms", "placements"))
            and all(named(f.get("mechanisms")) and all(isinstance(m.get("placements"), list) for m in f["mechanisms"])
                    for f in given["families"]))


def made_from(benchmarks):
    """What entries show of a catalogue: families and mechanisms in the order the entries first name
    them. Placements: those of the switch family's C++ entries, in their order (the family reports
    them nearest first), else of every entry; pinned when an entry of it names its CPUs or what
    they share (`cpus`, `relation`)."""
    entries = [b for b in benchmarks if isinstance(b, dict) and _named(b.get("family")) and _named(b.get("mechanism"))]
    families, mechanisms = {}, {}
    for b in entries:
        family = families.setdefault(b["family"], {"name": b["family"], "figure": "", "charts": [], "mechanisms": {}})
        for m in (mechanisms.setdefault(b["mechanism"], _mechanism(b, families=[])),
                  family["mechanisms"].setdefault(b["mechanism"], _mechanism(b))):
            _add(m["placements"], b.get("placement"))
            _add(m.get("families", []), b["family"])
    for family in families.values():
        family["mechanisms"] = list(family["mechanisms"].values())
    switch = [b for b in entries if b["family"] == "switch" and b.get("language", "c++") == "c++"]
    placements = {}
    for b in switch or entries:
        if _named(b.get("placement")):
            placements.setdefault(b["placement"], {"name": b["placement"], "pinned": False})
    for b in entries:
        if b.get("placement") in placements and ("cpus" in b or "relation" in b):
            placements[b["placement"]]["pinned"] = True
    return {"families": list(families.values()), "mechanisms": list(mechanisms.values()),
            "placements": list(placements.values())}


def _mechanism(entry, **more):
    return {"name": entry["mechanism"], "kind": entry.get("kind", ""), "task": entry.get("task", ""),
            "placements": [], **more}


def _named(value):
    return isinstance(value, str) and value != ""


def _add(names, name):
    if _named(name) and name not in names:
        names.append(name)


def placement_order(catalogues):
    """The placements of the catalogues, nearest first: the first catalogue's, then any other's."""
    return list(dict.fromkeys(p["name"] for c in catalogues for p in c["placements"]))


def pinned(catalogue):
    """The placements whose tasks the run pins to CPUs it names."""
    return {p["name"] for p in catalogue["placements"] if p.get("pinned")}


def family_names(catalogue):
    return [f["name"] for f in catalogue["families"]]


def mechanisms_of(catalogue, family):
    """The mechanisms of `family`, each {name, kind, task, placements}."""
    return next((f["mechanisms"] for f in catalogue["families"] if f["name"] == family), [])

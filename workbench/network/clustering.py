"""Matched pairs into resolved entities, honouring analysts' verdicts, with ids that stay put.

Pairs join greedily, most certain first (single linkage), but never across an analyst's
"not the same" verdict: two records an analyst separated cannot end up in one entity through a
chain of other matches. "The same" verdicts join first, whatever the scores say.

>>> groups = cluster(["a", "b", "c", "d"], [("a", "b", 0.99), ("b", "c", 0.9)], cannot=[("a", "c")])
>>> sorted(sorted(g) for g in groups)
[['a', 'b'], ['c'], ['d']]

Entity ids are handed out by :func:`assign_ids`: an entity keeps the id most of its records had
in the previous run, so re-running resolution (or adding new records) does not renumber the
world; a new entity is named after its smallest party id, and an id once used is never given to
another entity.

>>> assign_ids([["p1", "p2"], ["p3"]], previous={}, used=set())
{'p1': 'p1', 'p2': 'p1', 'p3': 'p3'}
>>> assign_ids([["p0", "p1", "p2"], ["p3"]], previous={"p1": "p1", "p2": "p1", "p3": "p3"}, used={"p1", "p3"})
{'p0': 'p1', 'p1': 'p1', 'p2': 'p1', 'p3': 'p3'}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping


class _Groups:
    def __init__(self, ids: Iterable[str]):
        self.parent = {i: i for i in ids}
        self.cannot: dict[str, set[str]] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def forbidden(self, ra: str, rb: str) -> bool:
        small, other = (ra, rb) if len(self.cannot.get(ra, ())) <= len(self.cannot.get(rb, ())) else (rb, ra)
        return any(self.find(x) == other for x in self.cannot.get(small, ()))

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.forbidden(ra, rb):
            return False
        self.parent[rb] = ra
        merged = self.cannot.pop(rb, set())
        if merged:
            self.cannot.setdefault(ra, set()).update(merged)
        return True


def cluster(
    ids: Iterable[str],
    pairs: Iterable[tuple[str, str, float]],
    *,
    threshold: float = 0.5,
    must: Iterable[tuple[str, str]] = (),
    cannot: Iterable[tuple[str, str]] = (),
) -> list[list[str]]:
    """Groups of ids: pairs with probability >= ``threshold`` joined, strongest first; ``must``
    pairs joined before any score; ``cannot`` pairs never in one group (a ``must`` that
    contradicts a ``cannot`` loses)."""
    groups = _Groups(ids)
    for a, b in cannot:
        if a in groups.parent and b in groups.parent:
            groups.cannot.setdefault(a, set()).add(b)
            groups.cannot.setdefault(b, set()).add(a)
    for a, b in must:
        if a in groups.parent and b in groups.parent:
            groups.union(a, b)
    for a, b, p in sorted(pairs, key=lambda x: (-x[2], x[0], x[1])):
        if p >= threshold:
            groups.union(a, b)
    out: dict[str, list[str]] = {}
    for i in groups.parent:
        out.setdefault(groups.find(i), []).append(i)
    return [sorted(g) for g in out.values()]


def assign_ids(
    groups: Iterable[list[str]], *, previous: Mapping[str, str], used: set[str]
) -> dict[str, str]:
    """party id -> entity id, reusing the previous run's ids where the records stayed together."""
    ordered = sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g[0]))
    taken: set[str] = set()
    out: dict[str, str] = {}
    for g in ordered:
        votes = Counter(previous[p] for p in g if p in previous)
        choice = next((eid for eid, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])) if eid not in taken),
                      None)
        if choice is None:
            choice = g[0]
            k = 1
            while choice in taken or (choice in used and choice not in votes):
                k += 1
                choice = f"{g[0]}~{k}"
        taken.add(choice)
        out.update((p, choice) for p in g)
    return out

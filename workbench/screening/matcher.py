"""Fuzzy matching of names against a watch list, with blocking so that 100k names stay fast.

Each listed name and alias is normalised (:mod:`workbench.screening.normalise`). A name to
screen is compared only with listed names that share distinctive words with it, where "share"
tolerates spelling noise: each word of the name is matched against the list's vocabulary with
``rapidfuzz`` (all distinct words at once, ``cdist``), so "Mohamad" still finds "Mohammad".
Candidates must share words carrying at least half of the name's weight (words weighted by
how rare they are in the list), then are scored with ``rapidfuzz.fuzz.token_sort_ratio``
(0–100, the whole name with word order ignored; or ``ratio`` with the order kept, when higher,
since a misspelt first letter moves a word when words are sorted). Two words run together
('MEHRANSHIPPING') find both, and misspelt legal forms ('LIMITD') are dropped before scoring.
A listed name that merely *contains* the
screened one ("GRAND" in "GROUP GRAND LIMITED GENERAL TRADING") does not score high: partial
names are a job for an analyst's search, not for an indicator that fires on its own.

The kind says what matched: ``exact`` (the same words once normalised, in any order),
``alias`` (the same as an alias), ``fuzzy`` / ``fuzzy alias`` (spelling differs).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.screening.normalise import normalise_name, sorted_tokens

DEFAULT_THRESHOLD = 88.0
TOKEN_CUTOFF = 80.0          # a word matches a listed word at this similarity or more
MIN_FUZZY_TOKEN = 4          # shorter words must match exactly
MAX_DF = 150                 # words in more listed names than this do not make candidates
MIN_SHARED_WEIGHT = 0.5      # candidates share words with at least this share of the name's weight
MAX_CANDIDATES = 40


@dataclass(frozen=True)
class Entry:
    """One listed party (one version of a watch-list entry)."""

    entry_id: str
    version: int
    list_name: str
    kind: str | None
    name: str
    program: str | None = None
    known_at: Any = None
    delisted_at: Any = None


@dataclass(frozen=True)
class Match:
    """A screened name that matched a listed name."""

    entry: Entry
    matched_name: str          # the listed name or alias, as listed
    is_alias: bool
    score: float
    kind: str                  # 'exact' | 'alias' | 'fuzzy' | 'fuzzy alias'

    def reason(self, screened: str) -> str:
        what = "alias" if self.is_alias else "name"
        of = f" of {self.entry.name!r}" if self.is_alias else ""
        program = f", program {self.entry.program}" if self.entry.program else ""
        how = {"exact": "the same name once normalised",
               "alias": "the same as a listed alias once normalised"}.get(self.kind, f"fuzzy match {self.score:.0f}/100")
        return (f"{screened!r} matches the listed {what} {self.matched_name!r}{of} "
                f"({self.entry.list_name} entry {self.entry.entry_id}{program}): {how}")


LONG_FORMS = ("LIMITED", "COMPANY", "CORPORATION", "INCORPORATED", "ESTABLISHMENT")


def _without_misspelt_forms(norm: str, listed_words: dict) -> str:
    """Drop words the list does not know that are misspelt legal forms ('LIMITD', 'CMPANY')."""
    from rapidfuzz import fuzz, process

    words = norm.split()
    kept = [w for w in words if w in listed_words or len(w) < 5
            or process.extractOne(w, LONG_FORMS, scorer=fuzz.ratio, score_cutoff=85) is None]
    return " ".join(kept) if kept else norm


class WatchIndex:
    """Listed names and aliases, normalised and indexed by word."""

    def __init__(self, entries: Sequence[Entry], names: Sequence[tuple[int, str, bool]]):
        self.entries = list(entries)
        self.names: list[tuple[int, str, bool, str]] = []      # (entry index, as listed, is alias, normalised)
        seen: set[tuple[int, str]] = set()
        for idx, text, is_alias in names:
            norm = normalise_name(text)
            if norm and (idx, norm) not in seen:
                seen.add((idx, norm))
                self.names.append((idx, text, is_alias, norm))
        self.postings: dict[str, list[int]] = defaultdict(list)
        for n, (_, _, _, norm) in enumerate(self.names):
            for token in set(norm.split()):
                self.postings[token].append(n)
        self.vocab = sorted(self.postings)
        total = max(len(self.names), 1)
        self.idf = {t: math.log(total / len(p)) for t, p in self.postings.items()}
        self.max_idf = math.log(total) if total > 1 else 1.0
        self.exact: dict[str, list[int]] = defaultdict(list)    # by the sorted words
        for n, (_, _, _, norm) in enumerate(self.names):
            self.exact[sorted_tokens(norm)].append(n)

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any]]) -> WatchIndex:
        """From rows (entry_id, version, list_name, kind, name, aliases, program, known_at, delisted_at)."""
        entries: list[Entry] = []
        names: list[tuple[int, str, bool]] = []
        for entry_id, version, list_name, kind, name, aliases, program, known_at, delisted_at in rows:
            idx = len(entries)
            entries.append(Entry(str(entry_id), int(version), list_name, kind, name, program, known_at, delisted_at))
            names.append((idx, name, False))
            names.extend((idx, alias, True) for alias in aliases or [] if alias)
        return cls(entries, names)

    def __len__(self) -> int:
        return len(self.entries)

    # matching --------------------------------------------------------------------------------
    def _similar_words(self, words: set[str]) -> dict[str, list[str]]:
        """Listed words similar to each word, most similar first (itself first when listed)."""
        from rapidfuzz import fuzz, process

        out: dict[str, list[str]] = {w: ([w] if w in self.postings else []) for w in words}
        for w in words:
            if w not in self.postings and len(w) >= 2 * MIN_FUZZY_TOKEN - 1:
                # two listed words run together ('MEHRANSHIPPING'): both halves count as similar words
                for i in range(3, len(w) - 2):
                    if w[:i] in self.postings and w[i:] in self.postings:
                        out[w] += [w[:i], w[i:]]
        long_words = sorted(w for w in words if len(w) >= MIN_FUZZY_TOKEN)
        for start in range(0, len(long_words) if self.vocab else 0, 2000):   # bounded memory: 2000 x vocab bytes
            chunk = long_words[start:start + 2000]
            scores = process.cdist(chunk, self.vocab, scorer=fuzz.ratio, score_cutoff=TOKEN_CUTOFF,
                                   dtype="uint8", workers=-1)
            for row, word in enumerate(chunk):
                hits = scores[row].nonzero()[0]
                ranked = sorted(hits, key=lambda j: -int(scores[row, j]))
                out[word] = list(dict.fromkeys(out[word] + [self.vocab[j] for j in ranked]))
        return out

    def _candidates(self, norm: str, similar: dict[str, list[str]]) -> list[int]:
        """Listed names sharing (fuzzily) words that carry at least half the name's weight.

        A word weighs as much as the listed word most like it is rare; a word the list does not
        know weighs like the rarest (the name is about something else); a common word
        ('TRADING', 'BANK') neither finds candidates nor counts."""
        tokens = set(norm.split())
        # a name made only of common words ('AL AQSA FOUNDATION') searches with them all
        all_common = all(similar.get(t) and len(self.postings[similar[t][0]]) > MAX_DF for t in tokens)
        total = 0.0
        weight: dict[int, float] = defaultdict(float)
        for token in tokens:
            listed_words = similar.get(token, ())
            if not listed_words:
                total += self.max_idf
                continue
            best = listed_words[0]
            if len(self.postings[best]) > MAX_DF and not all_common:
                continue
            w = self.idf[best]
            total += w
            reached: set[int] = set()
            for listed in listed_words:
                if len(self.postings[listed]) <= MAX_DF or all_common:
                    reached.update(self.postings[listed])
            for n in reached:
                weight[n] += w
        need = MIN_SHARED_WEIGHT * total
        ranked = [n for n, w in weight.items() if w >= need]
        if len(ranked) > MAX_CANDIDATES:
            ranked = sorted(ranked, key=lambda n: (-weight[n], n))[:MAX_CANDIDATES]
        return ranked

    def _match_normalised(self, norm: str, similar: dict[str, list[str]],
                          threshold: float) -> list[tuple[int, float]]:
        from rapidfuzz import fuzz

        if not norm:
            return []
        norm = _without_misspelt_forms(norm, self.postings)
        found = [(n, 100.0) for n in self.exact.get(sorted_tokens(norm), ())]
        exact = {n for n, _ in found}
        for n in self._candidates(norm, similar):
            if n in exact:
                continue
            # word order ignored, or kept (a misspelt first letter reorders sorted words)
            score = max(fuzz.token_sort_ratio(norm, self.names[n][3], score_cutoff=threshold),
                        fuzz.ratio(norm, self.names[n][3], score_cutoff=threshold))
            if score:
                found.append((n, float(score)))
        return found

    def match_many(self, names: Sequence[str], *, threshold: float = DEFAULT_THRESHOLD,
                   limit: int = 3) -> list[list[Match]]:
        """For each name, its best matches at or above ``threshold`` (at most ``limit``, best first)."""
        norms = [normalise_name(n) for n in names]
        words = {w for norm in set(norms) for w in norm.split()}
        similar = self._similar_words(words)
        cache: dict[str, list[tuple[int, float]]] = {}
        out: list[list[Match]] = []
        for norm in norms:
            if norm not in cache:
                cache[norm] = self._match_normalised(norm, similar, threshold)
            best: dict[int, Match] = {}
            for n, score in cache[norm]:
                idx, text, is_alias, listed = self.names[n]
                if sorted_tokens(listed) == sorted_tokens(norm):
                    kind = "alias" if is_alias else "exact"
                else:
                    kind = "fuzzy alias" if is_alias else "fuzzy"
                found = Match(self.entries[idx], text, is_alias, round(score, 1), kind)
                if idx not in best or (found.score, not found.is_alias) > (best[idx].score, not best[idx].is_alias):
                    best[idx] = found
            out.append(sorted(best.values(), key=lambda m: (-m.score, m.entry.entry_id))[:limit])
        return out

    def match(self, name: str, *, threshold: float = DEFAULT_THRESHOLD, limit: int = 3) -> list[Match]:
        """The best matches of one name."""
        return self.match_many([name], threshold=threshold, limit=limit)[0]

"""Which place names a point: the rules that combine nearest places with containing polygons.

Neither signal is right alone. The nearest GeoNames place crosses rivers and borders (San Ysidro
-> Tijuana) and names a suburb for a landmark (Eiffel Tower -> Vanves); Natural Earth 10m polygons
are ~1 km off along rivers and coasts and miss exclaves (Buesingen, Campione, Llivia). The rules,
in order:

1. A place within CLOSE_KM is trusted over any polygon edge: its country and state win.
2. Otherwise, when the point and its probes BORDER_KM away are all inside one country, only that
   country's places (and those of territories without a polygon of their own, e.g. Svalbard SJ
   inside Norway) may name it; in a border zone, places of every country touched are allowed.
3. Admin-1 polygons narrow the places the same way, when any place qualifies.
4. Among the allowed places, the smallest distance divided by a population weight wins, so a
   well-known city beats a hamlet or a city section (PPLX) when both are close. Across a national
   border the weight is not applied: a foreign city must be plainly nearer, not just bigger.
   When the winner looks like a city section (PPLX, or no feature code: GeoNames' newer district
   entries such as 'Paris 16 Passy'), a bigger capital, admin seat or 100k+ city among the
   candidates scoring within SECTION_FACTOR of it names the point instead.
5. A point in no country polygon (coast, sea) takes the best place within SEA_KM (territorial
   waters), else the country whose polygon lies within SEA_KM, else nothing (open ocean).

The rules exist three times, on purpose: `Rules.choose` for one point, in plain Python over a few
candidates (numpy's per-call cost would dominate) and in numpy over many (a Spread: a dense city or
coast, or the wider look up to MAX_CITY_KM), and `Rules.choose_many` in numpy for a batch (one pass
over every candidate of every point). tests/geocode compare them on the real data.
"""
from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from . import store
from .nearest import Spread

NEAR_KM = 8.0             # every place this close is a candidate (then up to MAX_CITY_KM if none may name it)
SEAT_POPULATION = 100_000  # a city this big counts as well-known, like a capital or an admin seat
CLOSE_KM = 1.0            # a place this close beats a polygon edge
BORDER_KM = 2.0           # probe distance: Natural Earth 10m is ~1 km off near rivers
SEA_KM = 22.2             # 12 nautical miles: territorial waters
MAX_CITY_KM = 50.0        # farther than this, a point has a country and state but no city
SECTION_PENALTY = 3.0     # PPLX (section of a populated place) counts as 3x farther
SECTION_FACTOR = 2.0      # a seat beats a section-like winner scoring up to this much worse
SECTION_LIKE = store.SECTION | store.UNCODED

Candidates = list[tuple[float, int, int]]     # (distance_km, row, position), nearest first, ties by row


def place_weights(population: np.ndarray) -> np.ndarray:
    """How much a place's size shortens its distance: 1 for a hamlet, 2.4 at 30,000 people, 6.7 at 2 million."""
    return (1.0 + population / 1000.0) ** 0.25


@dataclass(frozen=True, slots=True)
class Context:
    """What the polygons allow at one point (rules 2, 3, 5), before any place is looked at."""

    on_land: bool
    home: str | None                           # the country containing the point itself
    allowed: frozenset[str] | None             # countries whose places may name it; None: any
    admin1: frozenset[str | None] | None       # admin-1 codes that narrow the places; None: no narrowing


@dataclass(slots=True)
class Pick:
    """The place the rules chose for one point; trusted when rule 1 overruled the polygons."""

    row: int
    distance_km: float
    trusted: bool


class Rules:
    """The rules over one places table: per-place columns as Python lists (one point) and arrays (a batch)."""

    def __init__(self, places: store.PlaceTable, territories: frozenset[str], order: np.ndarray) -> None:
        """`order` lists the rows in the order of the candidates' positions (NearestPlaces.order)."""
        kind = places.kind
        section = np.where(kind & store.SECTION, 1 / SECTION_PENALTY, 1.0)
        weight = place_weights(places.population) * section
        seat = ((kind & store.SEAT) != 0) | (places.population >= SEAT_POPULATION)
        self.territories = territories
        # plain lists for choose(), by position: the candidates of one point are read from nearby memory
        rows = order.tolist()
        self._country = list(map(places.country_code.__getitem__, rows))    # map, not a comprehension: start-up
        self._admin1 = list(map(places.admin1_code.__getitem__, rows))
        # arrays, not lists: a value is read in place, not through a pointer to a float somewhere in the heap
        self._weight, self._section_weight = array("d", weight[order].tolist()), array("d", section[order].tolist())
        self._population, self._kind = array("q", places.population[order].tolist()), array("b", kind[order].tolist())
        self._seat = seat[order].tolist()
        self._seat_city = (seat & ((kind & SECTION_LIKE) == 0))[order].tolist()    # what may beat a section
        self._heaviest = float(weight.max(initial=1.0)) * (1 + 1e-9)   # no section weight is larger; see _farthest()
        # arrays for choose_many(): countries and admin-1 codes as small integers (-1: none)
        self.country_ids = {code: i for i, code in enumerate(sorted(set(places.country_code)))}
        self.admin1_ids = {code: i for i, code in enumerate(sorted({c for c in places.admin1_code if c is not None}))}
        n = len(places)
        self._country_id = np.fromiter(map(self.country_ids.__getitem__, places.country_code), np.int32, n)
        self._admin1_id = np.fromiter(map({**self.admin1_ids, None: -1}.__getitem__, places.admin1_code), np.int32, n)
        self._territory = np.array([c in territories for c in sorted(self.country_ids)], dtype=bool)
        self._weights, self._section_weights = weight, section
        self._populations, self._section_like = places.population, (kind & SECTION_LIKE) != 0
        self._seats = seat & ~self._section_like
        # the same by position, for choose() over a Spread
        self._country_at = self._country_id[order].astype(np.intp)      # intp: indexing with int32 costs a conversion
        self._admin1_at = self._admin1_id[order].astype(np.intp)
        self._weight_at, self._section_weight_at = weight[order], section[order]
        self._allowed_tables: dict[frozenset[str], np.ndarray] = {}

    # -- one point ----------------------------------------------------------------------------

    def choose(self, candidates: Candidates | Spread, context: Context,
               wider: Callable[[], Candidates | Spread]) -> Pick | None:
        """The place that names one point, or None when no place may (the polygons alone answer).

        `wider()` gives the places up to MAX_CITY_KM, asked for only when none within NEAR_KM may name
        a point on land. Candidates come as a list (a few: plain Python) or a Spread (many: numpy).
        """
        home, allowed, admin1 = context.home, context.allowed, context.admin1
        if isinstance(candidates, Spread):
            close = _close(candidates)
        else:
            close = candidates[0][2] if candidates and candidates[0][0] <= CLOSE_KM else None
        if close is not None:                                            # rule 1
            home = self._country[close]
            allowed, admin1 = frozenset((home,)), frozenset((self._admin1[close],))
        reach = MAX_CITY_KM if context.on_land else SEA_KM
        found = self._pick(candidates, home, allowed, admin1, reach)
        if found is None and context.on_land:      # nothing allowed close by: look as far as a city may be
            found = self._pick(wider(), home, allowed, admin1, reach)
        return None if found is None else Pick(found[1], found[0], close is not None)

    def _pick(self, candidates: Candidates | Spread, home: str | None, allowed: frozenset[str] | None,
              admin1: frozenset[str | None] | None, reach: float) -> tuple[float, int, int] | None:
        """The candidate rule 4 and its section exception pick, as (distance_km, row, position), or None."""
        if isinstance(candidates, Spread):
            return self._pick_spread(candidates, home, allowed, admin1, reach)
        found = self._best(candidates, home, allowed, admin1, reach)
        if found is None:
            return None
        best, best_score = found
        if self._kind[best[2]] & SECTION_LIKE:
            # only candidates scoring within SECTION_FACTOR of the best can win, and they come first
            contenders = candidates[:bisect_right(candidates, (self._farthest(SECTION_FACTOR * best_score), math.inf))]
            best = self._seat_over_section(contenders, home, allowed, admin1, reach, best, best_score)
        return best

    def _best(self, candidates: Candidates, home: str | None, allowed: frozenset[str] | None,
              admin1: frozenset[str | None] | None, reach: float) -> tuple[tuple[float, int, int], float] | None:
        """The lowest-scoring candidate and its score (the first one on ties), in one pass: of the
        candidates within reach in an allowed country, narrowed to the allowed admin-1s when any is in one.

        Candidates come nearest first, so the pass ends where none can score lower any more: at reach,
        or past _farthest() of the score to beat (the narrowed one's, once admin-1 narrowing applies).
        """
        country, admin1_of, territories = self._country, self._admin1, self.territories
        weight, section_weight, heaviest = self._weight, self._section_weight, self._heaviest
        best = best_narrowed = None
        score_best = score_narrowed = math.inf
        stop = reach
        for candidate in candidates:
            d, _, p = candidate
            if d > stop:
                break
            code = country[p]
            if allowed is not None and code not in allowed and code not in territories:
                continue
            score = (d + 0.01) / (weight[p] if home is None or code == home or code in territories
                                  else section_weight[p])
            if score < score_best:
                best, score_best = candidate, score
                if not admin1:
                    farthest = score * heaviest - 0.01               # _farthest(), inline: a hot loop
                    stop = farthest if farthest < reach else reach
            if admin1 and score < score_narrowed and admin1_of[p] in admin1:
                best_narrowed, score_narrowed = candidate, score
                farthest = score * heaviest - 0.01
                stop = farthest if farthest < reach else reach
        if best_narrowed is not None:
            return best_narrowed, score_narrowed
        return (best, score_best) if best is not None else None

    def _farthest(self, score: float) -> float:
        """A distance past which no place scores `score` or less, whatever its weight: the heaviest's
        margin covers rounding, so cutting candidates there changes no pick."""
        return score * self._heaviest - 0.01

    def _seat_over_section(self, contenders: Candidates, home: str | None, allowed: frozenset[str] | None,
                           admin1: frozenset[str | None] | None, reach: float, best: tuple[float, int, int],
                           best_score: float) -> tuple[float, int, int]:
        """A bigger capital, admin seat or city close enough names the point instead of a city section.

        Only such a seat can win, and few candidates are one, so they are picked out first; then the
        pool of _best(): within reach, in an allowed country, and in an allowed admin-1 when that pool
        was narrowed, i.e. when the best is in one (had any candidate been, _best() had picked one)."""
        limit, floor = SECTION_FACTOR * best_score, self._population[best[2]]
        seat_city, population, country, admin1_of = self._seat_city, self._population, self._country, self._admin1
        weight, section_weight, territories = self._weight, self._section_weight, self.territories
        narrowed = bool(admin1) and admin1_of[best[2]] in admin1
        winner, winner_score = best, None
        for candidate in contenders:
            d, _, p = candidate
            if not seat_city[p] or population[p] <= floor or d > reach:
                continue
            code = country[p]
            if allowed is not None and code not in allowed and code not in territories:
                continue
            if narrowed and admin1_of[p] not in admin1:
                continue
            score = (d + 0.01) / (weight[p] if home is None or code == home or code in territories
                                  else section_weight[p])
            if score <= limit and (winner_score is None or score < winner_score):
                winner, winner_score = candidate, score
        return winner

    def _pick_spread(self, near: Spread, home: str | None, allowed: frozenset[str] | None,
                     admin1: frozenset[str | None] | None, reach: float) -> tuple[float, int, int] | None:
        """_pick() over many candidates in numpy: the same pool, scores and tie-breaks, bit for bit.

        Written for numpy's per-call cost, which dominates at a few hundred candidates: argmin, not
        min(); count_nonzero, not any(); index arrays of intp.
        """
        position, km = near.position, near.km
        if not len(km):
            return None
        country = self._country_at[position]
        if allowed is None:
            pool = km <= reach
        else:
            pool = self._allowed_countries(allowed)[country]
            if km[km.argmax()] > reach:                # only by rounding, at the query's own radius
                pool &= km <= reach
        if admin1:
            narrowed = self._in_admin1(admin1, self._admin1_at[position])
            narrowed &= pool
            if np.count_nonzero(narrowed):
                pool = narrowed
        members = pool.nonzero()[0]
        if not len(members):
            return None
        weight = self._weight_at[position]
        # only members' scores count: where the home country is all that is allowed, none is abroad
        if home is not None and (allowed is None or len(allowed) > 1 or home not in allowed):
            at_home = self._allowed_countries(frozenset((home,)))[country]
            weight = np.where(at_home, weight, self._section_weight_at[position])
        score = km + 0.01
        score /= weight
        best = _first_lowest(near, score, members)
        if self._kind[position[best]] & SECTION_LIKE:
            best = self._seat_over_section_spread(near, score, pool, best)
        return float(km[best]), near.row(best), int(position[best])

    def _seat_over_section_spread(self, near: Spread, score: np.ndarray, pool: np.ndarray, best: int) -> int:
        """_seat_over_section() over a Spread; the few members scoring within SECTION_FACTOR are checked in Python."""
        population, seat, kind = self._population, self._seat, self._kind
        floor = population[near.position[best]]
        contenders = score <= SECTION_FACTOR * score[best]
        contenders &= pool
        contenders = contenders.nonzero()[0]
        seats = [i for i, p in zip(contenders.tolist(), near.position[contenders].tolist())
                 if seat[p] and not kind[p] & SECTION_LIKE and population[p] > floor]
        return _first_lowest(near, score, np.array(seats)) if seats else best

    def _allowed_countries(self, allowed: frozenset[str]) -> np.ndarray:
        """By country id: whether its places may name a point where `allowed` (and territories) may.

        Kept per set: the sets are the few combinations of neighbouring countries.
        """
        table = self._allowed_tables.get(allowed)
        if table is None:
            table = self._territory.copy()
            table[[self.country_ids[code] for code in allowed if code in self.country_ids]] = True
            self._allowed_tables[allowed] = table
        return table

    def _in_admin1(self, admin1: frozenset[str | None], codes: np.ndarray) -> np.ndarray:
        """Whether each admin-1 id in `codes` is one of `admin1` (a few codes: one comparison each)."""
        ids = self.admin1_ids
        keys = [-1 if code is None else ids.get(code, -3) for code in admin1]     # -3: no place has it
        match = codes == keys[0]
        for key in keys[1:]:
            match |= codes == key
        return match

    # -- a batch ------------------------------------------------------------------------------

    def choose_many(self, contexts: Sequence[Context], owner: np.ndarray, rows: np.ndarray,
                    km: np.ndarray, wider: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """choose() for n points at once, from candidate pairs (owner, row, km) in any order.

        Returns per point: the chosen row (-1: none), its distance, whether rule 1 applied, and
        whether the point needs the wider candidates (on land, none allowed within NEAR_KM). On the
        `wider` pass rule 1 is not applied: a trusted point always has its close place allowed.
        """
        n = len(contexts)
        if len(rows) == 0:
            on_land = np.array([c.on_land for c in contexts], dtype=bool)
            return np.full(n, -1, np.int64), np.full(n, np.nan), np.zeros(n, bool), on_land
        order = np.lexsort((rows, km, owner))                    # by point, then like sorted((km, row))
        owner, rows, km = owner[order], rows[order], km[order]
        first = np.searchsorted(owner, np.arange(n))
        has = first < np.searchsorted(owner, np.arange(n), side="right")
        home, allowed, unrestricted, admin1, narrows, on_land = self._context_arrays(contexts)

        trusted = np.zeros(n, dtype=bool)                        # rule 1
        if not wider:
            trusted[has] = km[first[has]] <= CLOSE_KM
        close = rows[first[trusted]]
        home[trusted] = self._country_id[close]
        allowed[trusted] = -1
        allowed[trusted, 0] = self._country_id[close]
        unrestricted[trusted] = False
        admin1[trusted] = -2                                     # -2 never matches, -1 (no code) may
        admin1[trusted, 0] = self._admin1_id[close]
        narrows[trusted] = True

        country, code = self._country_id[rows], self._admin1_id[rows]
        reach = np.where(on_land, MAX_CITY_KM, SEA_KM)[owner]
        pool = (km <= reach) & (unrestricted[owner] | self._territory[country]
                                | (country[:, None] == allowed[owner]).any(axis=1))
        narrowed = pool & narrows[owner] & (code[:, None] == admin1[owner]).any(axis=1)
        any_narrowed = np.bincount(owner[narrowed], minlength=n) > 0
        pool = np.where(any_narrowed[owner], narrowed, pool)
        any_pool = np.bincount(owner[pool], minlength=n) > 0

        abroad = (home[owner] != -1) & (country != home[owner]) & ~self._territory[country]
        score = (km + 0.01) / np.where(abroad, self._section_weights[rows], self._weights[rows])
        best = _first_min(owner, score, pool, n)
        chosen = np.full(n, -1, dtype=np.int64)
        found = best >= 0
        chosen[found] = best[found]

        # rule 4's exception: a seat within SECTION_FACTOR of a section-like winner
        best_row = np.where(found, rows[np.maximum(best, 0)], 0)
        section = found & self._section_like[best_row]
        if section.any():
            best_score = np.where(found, score[np.maximum(best, 0)], np.inf)
            seat = (pool & section[owner] & self._seats[rows]
                    & (self._populations[rows] > self._populations[best_row][owner])
                    & (score <= SECTION_FACTOR * best_score[owner]))
            over = _first_min(owner, score, seat, n)
            chosen[over >= 0] = over[over >= 0]

        pick = np.where(chosen >= 0, rows[np.maximum(chosen, 0)], -1)
        distance = np.where(chosen >= 0, km[np.maximum(chosen, 0)], np.nan)
        return pick, distance, trusted, on_land & ~any_pool

    def _context_arrays(self, contexts: Sequence[Context]):
        """Per point: home country id, allowed country ids (padded with -1), whether any country is
        allowed, allowed admin-1 ids (padded with -2), whether admin-1 narrows, whether on land.

        Built once per distinct context (points far from borders share the region grid's), then indexed.
        """
        ids = np.fromiter(map(id, contexts), dtype=np.uint64, count=len(contexts))   # all alive: ids are unique
        _, first, which = np.unique(ids, return_index=True, return_inverse=True)
        distinct = [contexts[i] for i in first.tolist()]
        n = len(distinct)
        countries, admin1s = self.country_ids, self.admin1_ids
        width_c = max([len(c.allowed) for c in distinct if c.allowed] + [1])
        width_a = max([len(c.admin1) for c in distinct if c.admin1] + [1])
        home = np.full(n, -1, dtype=np.int32)
        allowed = np.full((n, width_c), -1, dtype=np.int32)
        admin1 = np.full((n, width_a), -2, dtype=np.int32)
        unrestricted, narrows, on_land = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
        for i, c in enumerate(distinct):
            on_land[i] = c.on_land
            if c.home is not None:
                home[i] = countries.get(c.home, -3)               # -3: a country without places
            if c.allowed is None:
                unrestricted[i] = True
            else:
                allowed[i, :len(c.allowed)] = [countries.get(code, -3) for code in c.allowed]
            if c.admin1:
                narrows[i] = True
                admin1[i, :len(c.admin1)] = [admin1s.get(code, -3) if code is not None else -1 for code in c.admin1]
        return home[which], allowed[which], unrestricted[which], admin1[which], narrows[which], on_land[which]


def _first_min(owner: np.ndarray, score: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Per point, the index of its lowest-scoring masked pair (the first on ties), or -1."""
    index = np.flatnonzero(mask)
    result = np.full(n, -1, dtype=np.int64)
    if len(index):
        order = np.lexsort((index, score[index], owner[index]))
        index = index[order]
        first = np.ones(len(index), dtype=bool)
        first[1:] = owner[index][1:] != owner[index][:-1]
        result[owner[index][first]] = index[first]
    return result


def _close(near: Spread) -> int | None:
    """The position of the nearest candidate when it is within CLOSE_KM (rule 1), else None."""
    km = near.km
    if not len(km):
        return None
    nearest = km.argmin()
    if km[nearest] > CLOSE_KM:
        return None
    ties = (km == km[nearest]).nonzero()[0]
    return int(near.position[nearest if len(ties) == 1 else near.first(ties)])


def _first_lowest(near: Spread, score: np.ndarray, index: np.ndarray) -> int:
    """Of the candidates at `index` (not empty), the lowest-scoring one, the first in (km, row) order on ties."""
    scores = score[index]
    lowest = scores.argmin()
    ties = (scores == scores[lowest]).nonzero()[0]
    return int(index[lowest]) if len(ties) == 1 else near.first(index[ties])

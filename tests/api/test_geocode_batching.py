"""A big batch is answered in chunks, so tile requests on the same worker keep flowing."""
import asyncio

from service.api.geocode import CHUNK, _answer_in_chunks
from service.geocode.engine import Geocoder
from service.geocode.place import LngLat

from ..geocode.fixtures import build_places


def test_batch_answers_yield_to_the_event_loop_between_chunks(tmp_path):
    engine = Geocoder.open(build_places(tmp_path / "places.sqlite"))
    points = [LngLat(2.35 + i * 1e-5, 48.85) for i in range(2 * CHUNK + 500)]
    turns = 0

    async def other_request() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    async def run() -> list:
        other = asyncio.create_task(other_request())
        chunks = [chunk async for chunk in _answer_in_chunks(engine, points, None)]
        other.cancel()
        return chunks

    chunks = asyncio.run(run())
    engine.close()
    assert [len(chunk) for chunk in chunks] == [CHUNK, CHUNK, 500]
    assert turns >= 2, "the batch never let another task run"
    assert {place.city for chunk in chunks for place in chunk} == {"Paris"}

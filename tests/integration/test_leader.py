"""Two service instances against one database never both run the scheduler."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine

from scheduler.leader import Leadership
from semaforo.store.engine import make_engine


def test_only_one_instance_leads_and_the_other_takes_over_when_it_stops(
    engine: Engine, database_url: str
) -> None:
    other_engine = make_engine(database_url)  # the second instance: its own pool
    first, second = Leadership(engine, "pat-inm-2019"), Leadership(other_engine, "pat-inm-2019")
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.try_acquire()  # leading already: still leading
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()
        other_engine.dispose()


def test_a_standby_waits_and_gives_up_when_told_to_stop(engine: Engine, database_url: str) -> None:
    other_engine = make_engine(database_url)
    first, second = Leadership(engine, "pat-inm-2019"), Leadership(other_engine, "pat-inm-2019")

    async def scenario() -> tuple[bool, bool]:
        assert first.try_acquire()
        stop = asyncio.Event()
        waiting = asyncio.create_task(second.acquire(stop, every=0.05))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # the standby keeps waiting while the first leads
        await asyncio.to_thread(first.release)
        took_over = await asyncio.wait_for(waiting, timeout=5)
        second.release()
        assert first.try_acquire()
        stop.set()
        gave_up = await second.acquire(stop, every=0.05)
        return took_over, gave_up

    try:
        assert asyncio.run(scenario()) == (True, False)
    finally:
        first.release()
        second.release()
        other_engine.dispose()


def test_different_programmes_do_not_block_each_other(engine: Engine) -> None:
    a, b = Leadership(engine, "pat-inm-2019"), Leadership(engine, "simide-ipam-2023")
    try:
        assert a.try_acquire() and (b.try_acquire() or engine.dialect.name == "sqlite")
    finally:
        a.release()
        b.release()

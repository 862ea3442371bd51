"""`uvicorn --workers N` (WEB_CONCURRENCY) with PROMETHEUS_MULTIPROC_DIR: a scrape of any worker adds up all of
them. Without the shared directory each scrape would see the one process that answered it."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import until

WORKERS = 2
LIMIT = 7  # LLM_MAX_CONCURRENCY: every worker sets its gauge at start, so the sum says how many are counted


def _value(text: str, name: str, **labels: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


async def test_a_scrape_adds_up_every_worker(server_process, tmp_path):
    shared = tmp_path / "prometheus"
    shared.mkdir()
    proc = server_process(
        WEB_CONCURRENCY=str(WORKERS), PROMETHEUS_MULTIPROC_DIR=str(shared), LLM_MAX_CONCURRENCY=str(LIMIT)
    ).start()
    async with httpx.AsyncClient(base_url=proc.url, timeout=10) as client:

        async def every_worker_up() -> str | None:
            text = (await client.get("/metrics")).text
            return text if _value(text, "trainplan_llm_concurrency_limit") == WORKERS * LIMIT else None

        await until(every_worker_up, timeout=20, what=f"{WORKERS} workers in one scrape")
        assert len({p.name.rsplit("_", 1)[-1] for p in shared.glob("gauge_livesum_*.db")}) == WORKERS

    def fresh_get(path: str) -> httpx.Response:  # a new connection each: the kernel spreads them over workers
        return httpx.get(proc.url + path)

    live = {"method": "GET", "path": "/health/live", "status_code": "200"}
    before = fresh_get("/metrics").text
    for _ in range(40):
        assert fresh_get("/health/live").status_code == 200
    scrapes = [fresh_get("/metrics").text for _ in range(4)]
    for name in ("trainplan_requests_total", "trainplan_request_duration_seconds_count"):
        assert [_value(text, name, **live) - _value(before, name, **live) for text in scrapes] == [40] * 4

    assert proc.terminate() == 0
    # A stopped worker's live gauges leave with it.
    assert not list(shared.glob("gauge_livesum_*.db"))
    assert list(shared.glob("counter_*.db"))  # counts stay: they are work that was done

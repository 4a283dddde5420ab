"""`/reporte` against the local Bot API server: the PDF as a document, and who may ask."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy.engine import Engine

from tests.fakes.bot_api import FakeBotApi
from tests.integration.test_bot import CAPTURE, DIRECTOR, PLANNING, reply_to, run


def test_reporte_sends_a_valid_pdf_to_a_planning_user(db: Engine, api: FakeBotApi) -> None:
    async def scenario() -> None:
        sent = await reply_to(api, PLANNING, "/reporte 2.3 T1", method="sendDocument")
        pdf = sent.files["document"]
        assert pdf.startswith(b"%PDF-")
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert "Informe trimestral de avance" in text and "2.3.1 · " in text
        assert sent.params["caption"] == "Informe 2019-T1 — 2.3"

    run(api, db, scenario)


def test_reporte_gives_a_director_their_own_unit(db: Engine, api: FakeBotApi) -> None:
    async def scenario() -> None:
        sent = await reply_to(api, DIRECTOR, "/reporte T1", method="sendDocument")
        assert sent.params["caption"] == "Informe 2019-T1 — 2.3"
        refused = await reply_to(api, DIRECTOR, "/reporte 5 T1")
        assert refused.params["text"].startswith("No encuentro «5» entre lo que usted puede")

    run(api, db, scenario)


def test_reporte_refuses_a_capture_user_asking_for_another_unit(
    db: Engine, api: FakeBotApi
) -> None:
    async def scenario() -> None:
        before = len(api.calls)
        refused = await reply_to(api, CAPTURE, "/reporte 5 T1")
        assert refused.params["text"].startswith("El informe trimestral es para Planeación")
        assert not [c for c in api.calls[before:] if c.method == "sendDocument"]

    run(api, db, scenario)

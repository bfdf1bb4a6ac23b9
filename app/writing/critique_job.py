"""A draft's critique as a model job (app/jobs.py): its row in `draft_critiques`, tied to the
version it judged, written before the model is asked and kept current as the text streams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from app.backend.events import Content, Failed
from app.chat import ChatService
from app.jobs import JobRoute, JobRunner, JobStatus
from app.writing.critique import CRITIQUE_ROUTE, critique_messages
from storage import Store

FALLBACK_ROUTE = "fast"


@dataclass
class CritiqueRecord:
    """The `JobRecord` of one critique; `critique_id` is known once the row is written."""

    store: Store
    draft_id: str
    version_id: str | None
    critique_id: str | None = field(default=None)

    def start(self, route: str, model: str) -> None:
        if self.critique_id is None:
            critique = self.store.add_critique(
                self.draft_id, self.version_id, route=route, model=model
            )
            self.critique_id = critique.id
        else:  # a fallback: the same row, emptied, on the route that answers now
            self.store.update_critique(
                self.critique_id, content="", status="streaming", route=route, model=model
            )

    def save(self, text: str) -> None:
        assert self.critique_id is not None
        self.store.update_critique(self.critique_id, content=text, status="streaming")

    def finish(self, status: JobStatus, text: str, error: str | None) -> None:
        assert self.critique_id is not None
        self.store.update_critique(self.critique_id, content=text, status=status, error=error)


def run_critique(
    chat: ChatService, record: CritiqueRecord, text: str
) -> AsyncIterator[JobRoute | Content | Failed]:
    """Critique `text` on the deep route (fast when deep does not answer), into `record`."""
    return JobRunner(chat).run(
        critique_messages(text),
        record,
        what="critique",
        done_by="critiqued",
        preferred=CRITIQUE_ROUTE,
        fallback=FALLBACK_ROUTE,
    )

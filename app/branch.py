"""The branch as the model is sent it: aha's system prompt, then root to a message, text only.

One reading for the chat service (what is sent) and the context meter (what it will weigh), so
the two never disagree: no reasoning, no failed or empty answers, a prompt's `/deep` prefix
left out and its attachments placed before it.
"""

from __future__ import annotations

from app.attachments import with_attachments
from app.backend.events import ChatMessage
from app.router.overrides import split_override
from storage import MessageStatus, Store


def branch_messages(store: Store, leaf_id: str | None, system_prompt: str) -> list[ChatMessage]:
    messages: list[ChatMessage] = [{"role": "system", "content": system_prompt}]
    if leaf_id is None:
        return messages
    thread = store.thread(leaf_id)
    attached = store.attachments_for([m.id for m in thread if m.role == "user"])
    for message in thread:
        if message.role == "assistant" and (
            message.status is MessageStatus.ERROR or not message.content.strip()
        ):
            continue
        content = message.content
        if message.role == "user":  # stored as typed; the model never sees `/deep ...`
            content = with_attachments(split_override(content)[1], attached.get(message.id, []))
        messages.append({"role": message.role, "content": content})
    return messages

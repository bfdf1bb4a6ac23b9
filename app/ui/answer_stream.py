"""Drawing one turn's stream into its answer view, shared by every screen that runs turns.

The chat service stores the text; this only shows it. `aclosing` matters: a cancel that lands
while a widget is updating (outside the stream) still ends the stream at once, so its partial
text is stored before the view finishes.
"""

from __future__ import annotations

from contextlib import aclosing

from app.backend.events import Content, Thinking
from app.chat import ChatService, Rerouted, Turn
from widgets.message_view import AssistantMessage


async def stream_into(view: AssistantMessage, chat: ChatService, turn: Turn) -> None:
    """Stream `turn` through `chat` into `view`: answer text, thinking and route changes."""
    async with aclosing(chat.stream_turn(turn)) as events:
        async for event in events:
            if isinstance(event, Content):
                await view.append(event.text)
            elif isinstance(event, Thinking):
                await view.append_thinking(event.text)
            elif isinstance(event, Rerouted):
                view.badge.reroute(event.route, event.model, event.note)

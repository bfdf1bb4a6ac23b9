"""Palette commands about models and usage: "Choose deep model" and "Session usage".

Choosing probes 127.0.0.1 for OpenAI-compatible servers (app/backend/discovery.py) in a thread,
so the UI keeps drawing while ports time out, then offers every model found. The choice is
stored in SQLite (`preferences`), where the deep route's next check reads it; a model or server
named in the config wins over it, and the command says so instead of offering a choice that
would not apply.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from app.backend.discovery import (
    DEEP_CHOICE_KEY,
    DeepChoice,
    Discovery,
    discover_deep,
    explicit_model,
)
from app.backend.usage import format_cost
from app.config import RouteConfig
from app.sanitize import strip_control
from app.ui.context import AhaContext
from app.ui.dialogs import DIALOG_CSS
from storage import Store
from storage.usage_repo import UsageSummary

DEEP_ROUTE = "deep"
AUTOMATIC = "automatic"


class DeepModelPicker(ModalScreen[DeepChoice | str | None]):
    """Every model the probed servers list; Enter picks one, Escape keeps things as they are.
    The first entry forgets the choice (back to the first model listed)."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="DeepModelPicker")
        + """
    DeepModelPicker OptionList { height: auto; max-height: 20; margin-top: 1; }
    """
    )
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel", id="dialog.cancel")]

    def __init__(self, found: Discovery, current: DeepChoice | None) -> None:
        super().__init__()
        self.found = found
        self.current = current
        self.choices: dict[str, DeepChoice] = {}

    def compose(self) -> ComposeResult:
        options = [Option("Automatic: the first model the first server lists", id=AUTOMATIC)]
        for server in self.found.servers:
            kind = f" ({server.kind})" if server.kind else ""
            for model in server.models:
                option_id = f"m{len(self.choices)}"
                self.choices[option_id] = DeepChoice(server.api_base, model)
                # Names come from a server: untrusted, shown without markup or escapes.
                label = strip_control(f"{model}  ·  {server.api_base}{kind}")
                mark = "● " if self.current == self.choices[option_id] else "  "
                options.append(Option(mark + label, id=option_id))
        with Vertical():
            yield Label("Choose the deep route's model")
            yield OptionList(*options, markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        self.dismiss(AUTOMATIC if option_id == AUTOMATIC else self.choices.get(option_id))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


def _config_names_it(config: RouteConfig) -> str | None:
    """Why a choice made here would not apply, or None when it would."""
    if config.engine != "litellm":
        return f"the {DEEP_ROUTE} route runs in-process ({config.model})"
    if explicit_model(config) is not None:
        return f"the config names the {DEEP_ROUTE} model ({config.model})"
    return None


def choose_deep_model(app: App[Any], ctx: AhaContext) -> None:
    """Palette command: probe, then offer the models found (or say why not)."""
    settings = ctx.settings
    store = ctx.store
    config = settings.routes.get(DEEP_ROUTE)
    if config is None:
        app.notify(f"No '{DEEP_ROUTE}' route is configured.", severity="warning")
        return
    reason = _config_names_it(config)
    if reason is not None:
        app.notify(f"{reason}; it wins over a choice made here.", severity="warning", markup=False)
        return

    async def probe() -> None:
        current = DeepChoice.from_json(store.get_preference(DEEP_CHOICE_KEY))
        found = await asyncio.to_thread(discover_deep, config, None, current)
        if not found.servers:
            app.notify(f"Nothing found: {found.detail}", severity="warning", markup=False)
            return

        def chosen(result: DeepChoice | str | None) -> None:
            if result is None:
                return
            if isinstance(result, DeepChoice):
                store.set_preference(DEEP_CHOICE_KEY, result.to_json())
                text = f"Deep route: {result.model} at {result.api_base}"
            else:
                store.delete_preference(DEEP_CHOICE_KEY)
                text = "Deep route: the first model the first server lists"
            # The next prompt resolves the route again, with the new choice.
            engine = ctx.chat.engines.get(DEEP_ROUTE)
            forget = getattr(engine, "forget_availability", None)
            if forget is not None:
                forget()
            app.notify(strip_control(text), markup=False)

        app.push_screen(DeepModelPicker(found, current), chosen)

    app.notify("Looking for servers on 127.0.0.1…", timeout=2)
    app.run_worker(probe(), group="discovery", exclusive=True, exit_on_error=False)


def _summary_line(summary: UsageSummary) -> str:
    parts = [f"{summary.answers} answer{'' if summary.answers == 1 else 's'}"]
    if summary.prompt_tokens or summary.completion_tokens:
        parts.append(f"{summary.prompt_tokens or 0:,} in / {summary.completion_tokens or 0:,} out")
    if summary.tokens_per_s is not None:
        parts.append(f"{summary.tokens_per_s:.1f} tok/s")
    if summary.first_token_ms is not None:
        parts.append(f"first token {summary.first_token_ms / 1000:.1f} s")
    if summary.cost_usd is not None:
        parts.append("$0" if summary.cost_usd == 0 else format_cost(summary.cost_usd))
    if summary.unpriced:
        parts.append(f"{summary.unpriced} unpriced")
    return " · ".join(parts)


def session_usage_text(store: Store, session_id: str) -> str:
    """The summary the "Session usage" command shows: the total, then one line per route."""
    total = store.usage_total(session_id=session_id)
    if not total.answers:
        return "No finished answers in this session yet."
    lines = [_summary_line(total)]
    for group in store.usage_by_route(session_id=session_id):
        lines.append(f"{group.route} · {group.model}: {_summary_line(group)}")
    return strip_control("\n".join(lines))


def show_session_usage(app: App[Any], ctx: AhaContext, session_id: str | None) -> None:
    if session_id is None:
        app.notify("No session yet: send a prompt first.", severity="warning")
        return
    store = ctx.store
    app.notify(
        session_usage_text(store, session_id), title="Session usage", timeout=15, markup=False
    )

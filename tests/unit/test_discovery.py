"""Finding the deep server: probing 127.0.0.1, listing models, the stored choice, the engine's
check and the badge's note when nothing answers. Real sockets, a stdlib stub server."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.backend.discovery import (
    DEEP_CHOICE_KEY,
    DeepChoice,
    discover_deep,
    load_choice,
    needs_discovery,
)
from app.backend.litellm_engine import LiteLLMEngine
from app.chat import ChatService
from app.config import RouteConfig, load_settings
from storage import Store
from storage.usage_repo import read_preference
from tests.helpers.openai_stub import OpenAIStub, free_port

AUTO_DEEP = RouteConfig(engine="litellm", model="openai/auto", api_base="auto")


def test_discovery_lists_the_models_of_a_server_on_a_probed_port() -> None:
    """A server answering /v1/models on a candidate port is found, with its models."""
    with OpenAIStub(models=("qwen-14b", "qwen-7b"), owned_by="vllm") as stub:
        found = discover_deep(AUTO_DEEP, ports=[free_port(), stub.port], choice=None)
    assert found.ok
    assert found.api_base == stub.api_base
    assert found.models == ("qwen-14b", "qwen-7b")
    assert found.model == "qwen-14b"
    assert [s.kind for s in found.servers] == ["vLLM"]
    assert stub.requests[0][:2] == ("GET", "/v1/models")
    applied = found.apply(AUTO_DEEP)
    assert (applied.api_base, applied.model) == (stub.api_base, "openai/qwen-14b")


def test_nothing_listening_says_what_was_probed() -> None:
    """With no server on any candidate port the result is a clear 'nothing found' naming the
    host and every port."""
    ports = [free_port(), free_port()]
    found = discover_deep(AUTO_DEEP, ports=ports, choice=None)
    assert not found.ok
    assert found.api_base is None and found.servers == ()
    assert found.detail == f"no server on 127.0.0.1 ports {ports[0]}, {ports[1]}"
    assert found.apply(AUTO_DEEP) == AUTO_DEEP


def test_a_server_without_models_is_not_a_deep_server() -> None:
    with OpenAIStub(models=()) as stub:
        found = discover_deep(AUTO_DEEP, ports=[stub.port], choice=None)
    assert not found.ok
    assert found.detail == (
        f"no server on 127.0.0.1 port {stub.port} ({stub.api_base} lists no models)"
    )


def test_stored_choice_wins_over_the_first_listed_but_config_wins_over_it() -> None:
    with OpenAIStub(models=("a1", "a2")) as first, OpenAIStub(models=("b1",)) as second:
        ports = [first.port, second.port]
        choice = DeepChoice(second.api_base, "b1")
        chosen = discover_deep(AUTO_DEEP, ports=ports, choice=choice)
        assert (chosen.api_base, chosen.model) == (second.api_base, "b1")
        explicit = AUTO_DEEP.model_copy(update={"model": "openai/a2"})
        assert not needs_discovery(explicit.model_copy(update={"api_base": first.api_base}))
        configured = discover_deep(explicit, ports=ports, choice=choice)
        assert (configured.api_base, configured.model) == (first.api_base, "a2")
        gone = discover_deep(AUTO_DEEP, ports=ports, choice=DeepChoice(second.api_base, "old"))
        assert (gone.api_base, gone.model) == (first.api_base, "a1")


def test_choice_is_stored_in_preferences_and_read_without_a_store(aha_home: Path) -> None:
    """The TUI's choice goes into SQLite; discovery reads it read-only (no db -> None)."""
    database = aha_home / "aha.db"
    assert load_choice() is None
    assert not database.exists(), "reading the choice must not create the database"
    store = Store.open(database)
    try:
        choice = DeepChoice("http://127.0.0.1:8000/v1", "Qwen/Qwen3-8B")
        store.set_preference(DEEP_CHOICE_KEY, choice.to_json())
        assert read_preference(database, DEEP_CHOICE_KEY) == choice.to_json()
        assert load_choice() == choice
        store.delete_preference(DEEP_CHOICE_KEY)
        assert load_choice() is None
    finally:
        store.close()


async def test_engine_check_uses_discovery(aha_home: Path) -> None:
    """The litellm engine's check resolves api_base "auto" through discovery, without
    importing litellm."""
    with OpenAIStub(models=("served-model",)) as stub:
        config = AUTO_DEEP.model_copy(update={"discover_ports": [stub.port]})
        engine = LiteLLMEngine("deep", config)
        available = await engine.check()
    assert available.ok, available.detail
    assert engine.model_label == "served-model"
    assert engine.config.api_base == stub.api_base
    assert engine.configured.api_base == "auto"
    assert engine._api_key() == "no-key"


async def test_badge_note_names_the_probed_ports(
    aha_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing answering: the deep route's unavailability says what was probed."""
    ports = [free_port(), free_port(), free_port()]
    monkeypatch.setenv("AHA_ROUTES__DEEP__DISCOVER_PORTS", str(ports))
    settings = load_settings()
    store = Store.open(":memory:")
    try:
        available = await ChatService(store, settings).availability("deep")
    finally:
        store.close()
    assert not available.ok
    listed = ", ".join(map(str, ports))
    assert available.detail == f"no server on 127.0.0.1 ports {listed}"


def test_explicit_api_base_is_probed_alone() -> None:
    port = free_port()
    config = RouteConfig(model="openai/auto", api_base=f"http://127.0.0.1:{port}/v1")
    found = discover_deep(config, choice=None)
    assert not found.ok
    assert found.probed == (config.api_base,)
    assert found.detail == f"no server at 127.0.0.1:{port}"

"""In-process llama.cpp engine: the embedded SmolLM2 model, or any local GGUF."""

from __future__ import annotations

import atexit
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

from app.backend.engine import Availability
from app.backend.events import ChatMessage, Done, StreamEvent, Thinking, Usage
from app.backend.gguf import ModelFileMissing, resolve_gguf
from app.backend.reasoning import ThinkTagSplitter
from app.backend.threaded import iterate_in_thread
from app.config import RouteConfig

# One loaded model per (file, context, GPU layers) for the whole process: loading is the slow
# part, and two routes on the same file share it.
_models: dict[tuple[str, int, int], Any] = {}
_models_lock = threading.Lock()


def load_model(path: Path, n_ctx: int, n_gpu_layers: int) -> Any:
    """Load (once) and return a `llama_cpp.Llama`. Blocking: call it off the UI thread."""
    key = (str(path), n_ctx, n_gpu_layers)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            import llama_cpp  # imported here: never on the way to the first frame

            model = llama_cpp.Llama(
                model_path=str(path), n_ctx=n_ctx, n_gpu_layers=n_gpu_layers, verbose=False
            )
            model._aha_lock = threading.Lock()  # one generation at a time per model
            if not _models:
                atexit.register(close_models)
            _models[key] = model
        return model


def close_models() -> None:
    """Free every loaded model while the interpreter is whole: left to `__del__` at shutdown,
    llama-cpp-python's cleanup runs after its own module globals are gone and prints a
    traceback ("'NoneType' object is not callable"). Runs after generation threads are joined
    (they are not daemons), so no native call is in flight."""
    with _models_lock:
        models = list(_models.values())
        _models.clear()
    for model in models:
        try:
            model.close()
        except Exception:  # noqa: BLE001 - best effort at exit
            continue


class LlamaCppEngine:
    def __init__(self, config: RouteConfig) -> None:
        self.config = config

    @property
    def model_label(self) -> str:
        return self.config.model

    def model_path(self) -> Path:
        return resolve_gguf(self.config.gguf)

    async def check(self) -> Availability:
        try:
            path = self.model_path()
        except ModelFileMissing as exc:
            return Availability(False, str(exc))
        return Availability(True, f"in-process: {path.name}")

    def warm_up(self) -> None:
        """Load the model now (blocking), so the first answer does not wait for it."""
        load_model(self.model_path(), self.config.n_ctx, self.config.n_gpu_layers)

    def _generate(
        self, messages: Sequence[ChatMessage], stop: threading.Event, temperature: float | None
    ) -> Iterator[StreamEvent]:
        model = load_model(self.model_path(), self.config.n_ctx, self.config.n_gpu_layers)
        params: dict[str, Any] = {
            "max_tokens": self.config.max_tokens,
            "temperature": self.config.temperature if temperature is None else temperature,
            **self.config.extra,
        }
        with model._aha_lock:
            chunks = model.create_chat_completion(messages=list(messages), stream=True, **params)
            produced = 0
            finish: str | None = None
            # A local reasoning GGUF writes its thoughts into the content, inside <think> tags.
            splitter = ThinkTagSplitter(self.config.think_tags)
            try:
                for chunk in chunks:
                    if stop.is_set():
                        finish = "cancelled"
                        break
                    choice = chunk["choices"][0]
                    delta = choice.get("delta", {})
                    reasoning = delta.get("reasoning_content")
                    if reasoning:
                        produced += 1
                        yield Thinking(reasoning)
                    text = delta.get("content")
                    if text:
                        produced += 1
                        yield from splitter.feed(text)
                    finish = choice.get("finish_reason") or finish
            finally:
                chunks.close()
            yield from splitter.flush()
        yield Usage(completion_tokens=produced)
        yield Done(finish)

    def stream(
        self, messages: Sequence[ChatMessage], temperature: float | None = None
    ) -> AsyncIterator[StreamEvent]:
        return iterate_in_thread(
            lambda stop: self._generate(messages, stop, temperature), "aha-llama"
        )

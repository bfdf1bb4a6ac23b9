"""Named routes from config -> engines, built once and on demand."""

from __future__ import annotations

import asyncio

from app.backend.engine import Engine
from app.config import RouteConfig, Settings, context_window


class UnknownRoute(KeyError):
    pass


class Engines:
    """Engines for the configured routes, created on first use (creation imports nothing heavy)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engines: dict[str, Engine] = {}

    @property
    def names(self) -> list[str]:
        return list(self.settings.routes)

    def config(self, name: str) -> RouteConfig:
        try:
            return self.settings.routes[name]
        except KeyError:
            raise UnknownRoute(name) from None

    def get(self, name: str) -> Engine:
        engine = self._engines.get(name)
        if engine is None:
            engine = self._engines[name] = self._build(name, self.config(name))
        return engine

    def built(self, name: str) -> Engine | None:
        """The route's engine if it exists already (nothing is built or imported)."""
        return self._engines.get(name)

    def window_of(self, name: str) -> int | None:
        """The route's context window: its config's (llama.cpp's `n_ctx`, `context_window`),
        else what its server or litellm's model table said once it was asked."""
        if name not in self.settings.routes:
            return None
        window = context_window(self.config(name))
        if window is None:
            served = getattr(self.built(name), "served_window", None)
            window = served if isinstance(served, int) else None
        return window

    async def learn_window(self, name: str) -> int | None:
        """Ask the route's server for its window (once: the engine keeps the answer), in a
        thread; None when no engine of this route can say."""
        learn = getattr(self.get(name), "learn_window_blocking", None)
        if learn is None:
            return self.window_of(name)
        await asyncio.to_thread(learn)
        return self.window_of(name)

    @staticmethod
    def _build(name: str, config: RouteConfig) -> Engine:
        if config.engine == "llama_cpp":
            from app.backend.llama_cpp_engine import LlamaCppEngine

            return LlamaCppEngine(config)
        from app.backend.openai_engine import OpenAICompatEngine, serves

        if serves(config):  # an OpenAI-compatible server: no litellm needed (seconds saved)
            return OpenAICompatEngine(name, config)
        from app.backend.litellm_engine import LiteLLMEngine

        return LiteLLMEngine(name, config)

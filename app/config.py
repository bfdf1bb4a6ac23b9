"""Configuration: TOML file + `AHA_*` environment variables, validated by pydantic-settings.

The defaults need no file: the fast route is the embedded SmolLM2 model, the deep route is
whatever OpenAI-compatible server answers on 127.0.0.1 (vLLM, llama.cpp, Ollama; see
app/backend/discovery.py) and is used only when one does. Secrets never live here: a route names
the environment variable or keyring entry that holds its key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from app import paths


class RouteConfig(BaseModel):
    """One named route: an in-process GGUF model, or anything litellm can reach."""

    model_config = ConfigDict(extra="forbid")

    engine: Literal["llama_cpp", "litellm"] = "litellm"
    # litellm model string ("openai/auto", "ollama/llama3", ...). For llama_cpp, a label.
    model: str = "auto"
    # "auto": find an OpenAI-compatible server on 127.0.0.1 (app/backend/discovery.py).
    api_base: str | None = None
    # Ports `api_base = "auto"` probes: vLLM, llama.cpp's llama-server, Ollama.
    discover_ports: list[int] = Field(default_factory=lambda: [8000, 8080, 11434])
    # Name of the environment variable holding the key (keys never go in this file).
    api_key_env: str | None = None
    gguf: str | None = Field(default=None, description="GGUF path; empty = embedded SmolLM2")
    n_ctx: int = Field(default=2048, ge=128)
    # litellm routes: the model's context window in tokens. When set, a long conversation is
    # cut from its oldest turns to fit (llama_cpp routes use n_ctx). None: send it all.
    context_window: int | None = Field(default=None, ge=128)
    n_gpu_layers: int = 0
    max_tokens: int = Field(default=512, ge=1)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    # Seconds for the whole request, retries included: past it aha stops reading (the text so
    # far is kept). Long enough for a 2,048-token answer from a slow server.
    timeout: float = Field(default=300.0, gt=0)
    # litellm routes (app/backend/retry.py): a request that fails before any text arrived
    # (refused, 429, 5xx, no content or reasoning within `first_byte_timeout` s) is tried
    # `retries` more
    # times, waiting `retry_backoff` s, then twice that, ...; never once text was shown.
    retries: int = Field(default=2, ge=0, le=10)
    retry_backoff: float = Field(default=0.5, ge=0.0, le=30.0)
    first_byte_timeout: float = Field(default=30.0, gt=0)
    extra: dict[str, Any] = Field(default_factory=dict)
    # Reasoning (app/backend/reasoning.py, app/backend/budget.py). Seconds of thinking before
    # aha stops the stream and asks for the answer now (None: no limit).
    think_seconds: float | None = Field(default=None, gt=0)
    # Passed to litellm only when set ("low", "medium", "high"); dropped where unsupported.
    reasoning_effort: str | None = None
    # `<think>` in the content: "leading" (a block at the start of the answer is thinking),
    # "implicit" (the chat template opened it: thinking until `</think>`), "off" (all content).
    think_tags: Literal["leading", "implicit", "off"] = "leading"


def context_window(route: RouteConfig) -> int | None:
    """The window a route's context must fit, in tokens, when aha knows it."""
    return route.n_ctx if route.engine == "llama_cpp" else route.context_window


def default_routes() -> dict[str, RouteConfig]:
    return {
        "fast": RouteConfig(engine="llama_cpp", model="SmolLM2-135M-Instruct", max_tokens=512),
        "deep": RouteConfig(
            engine="litellm",
            model="openai/auto",
            api_base="auto",
            max_tokens=2048,
        ),
    }


class RouterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Target share of prompts sent deep; the router turns it into a threshold from held-out
    # scores (app/router/model.py). `aha route stats` compares it with what users really send.
    deep_share: float = Field(default=0.3, ge=0.0, le=1.0)
    # An explicit cut-off on p(needs deep). Only when set (file or AHA_ROUTER__THRESHOLD) does
    # it win over deep_share; the 0.5 default is what `Router()` uses without either.
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    # The cascade (app/router/cascade.py): a fast answer that cheap checks mark weak (empty,
    # repeating itself, cut at max tokens, a refusal, unsure) is asked again on the deep route.
    # "ask": offer it (d on the answer, ctrl+g); "auto": at once, as a sibling; "never".
    escalate: Literal["ask", "auto", "never"] = "ask"

    @property
    def explicit_threshold(self) -> float | None:
        """`threshold` when the user set it, else None (then deep_share decides)."""
        return self.threshold if "threshold" in self.model_fields_set else None


class UIConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    theme: str = "aha-dark"
    # Load the fast route's in-process model in the background (after the TUI's first frame,
    # or at once for `aha ask`), so the first answer does not wait for it.
    preload_model: bool = True
    # Draw answers with aha's fast streaming Markdown (widgets/markdown/), which stays smooth
    # however long an answer grows; false uses Textual's stock Markdown stream. The fast one is
    # only used on the Textual release it was written against (`aha doctor` says which runs).
    fast_markdown: bool = True


class ChecksConfig(BaseModel):
    """Answers that check themselves (app/checks/): code run against its tests in the sandbox,
    repair rounds, agreement across samples."""

    model_config = ConfigDict(extra="forbid")

    # "auto": an answer holding Python code and tests is checked as soon as it is complete;
    # "key": only when asked (`t` on the answer, `aha ask --check`).
    run: Literal["auto", "key"] = "key"
    # Rounds of "here is the failure, fix it" on the same route before giving up (or asking
    # deep, following router.escalate).
    max_repairs: int = Field(default=2, ge=0, le=5)
    # Caps on the code under check (app/checks/sandbox.py).
    timeout_s: float = Field(default=10.0, gt=0, le=300)
    memory_mib: int = Field(default=512, ge=64, le=16384)
    processes: int = Field(default=32, ge=1, le=1024)
    # Samples drawn to measure agreement on a short final result (1: off).
    samples: int = Field(default=1, ge=1, le=10)
    # Below this share of samples agreeing, the answer escalates to deep (router.escalate).
    min_agreement: float = Field(default=0.67, ge=0.0, le=1.0)


class ContextConfig(BaseModel):
    """What happens when a branch outgrows its route's window (app/context_fit.py)."""

    model_config = ConfigDict(extra="forbid")

    # "trim": the oldest turns are left out (the badge says how many). "summarise": the fast
    # model first writes a short summary of those turns, stored with the answer and sent in
    # their place (the badge says so). The TUI's F4 switches between the two.
    overflow: Literal["trim", "summarise"] = "trim"
    # The summary's length cap, in tokens.
    summary_tokens: int = Field(default=200, ge=32, le=2000)


class DraftsConfig(BaseModel):
    """The drafts' structure checks (app/writing/)."""

    model_config = ConfigDict(extra="forbid")

    # A rule's severity, or "off": `long-sentence = "off"`, `conclusion = "warning"`. A
    # `.aha-check.toml` beside the posts (a `[severity]` table) wins for the files under it.
    severity: dict[str, Literal["off", "error", "warning", "info"]] = Field(default_factory=dict)

    @field_validator("severity")
    @classmethod
    def _known_rules(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            return value  # nothing to check: the rules module stays unimported
        from app.writing.checks import rule_names

        unknown = sorted(set(value) - set(rule_names()))
        if unknown:
            raise ValueError(f"no rule {', '.join(unknown)} (rules: {', '.join(rule_names())})")
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AHA_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    router: RouterConfig = Field(default_factory=RouterConfig)
    routes: dict[str, RouteConfig] = Field(default_factory=default_routes)
    ui: UIConfig = Field(default_factory=UIConfig)
    checks: ChecksConfig = Field(default_factory=ChecksConfig)
    context: ContextConfig = Field(default_factory=ContextConfig)
    drafts: DraftsConfig = Field(default_factory=DraftsConfig)
    # Binding id -> key(s), e.g. "prompt.attach" = "ctrl+a"; checked when the TUI starts
    # (app/ui/keymap.py), since only the TUI knows its bindings.
    keymap: dict[str, str] = Field(default_factory=dict)

    @field_validator("routes", mode="before")
    @classmethod
    def _routes_refine_defaults(cls, value: Any) -> Any:
        """`[routes.deep] api_base = ...` (or AHA_ROUTES__DEEP__API_BASE) keeps deep's other
        defaults instead of replacing the whole route; unknown names are new routes."""
        if not isinstance(value, dict):
            return value
        merged: dict[str, Any] = {n: r.model_dump() for n, r in default_routes().items()}
        for name, given in value.items():
            if isinstance(given, RouteConfig):
                given = given.model_dump(exclude_unset=True)
            if isinstance(given, dict) and name in merged:
                merged[name] = {**merged[name], **given}
            else:
                merged[name] = given
        return merged

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment beats the file (passed as init values); no .env or secrets dir.
        return (env_settings, init_settings)


class ConfigError(Exception):
    """A config problem, phrased as one line for the user: file, line, what is wrong."""


def _line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Best-effort line of the offending key in the TOML text, for the error message.

    Looks for the deepest key of `loc` under its table header (`[router]` then `threshold =`);
    falls back to the header line when the key itself is missing.
    """
    keys = [str(k) for k in loc]
    lines = [ln.strip() for ln in text.splitlines()]
    for split in range(len(keys) - 1, -1, -1):
        header = "[" + ".".join(keys[:split]) + "]" if split else None
        key = keys[split]
        current: str | None = None
        for number, line in enumerate(lines, start=1):
            if line.startswith("["):
                current = line.replace(" ", "")
                continue
            if current == header and line.split("=", 1)[0].strip().strip("\"'") == key:
                return number
        if header is not None and header in (ln.replace(" ", "") for ln in lines):
            return [ln.replace(" ", "") for ln in lines].index(header) + 1
    return None


def config_place(loc: tuple[int | str, ...], path: Path | None = None) -> str:
    """Where a setting is written, for an error about it: "FILE, line N", the file alone,
    or "environment" when the file does not set it."""
    path = path or paths.config_path()
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError):
        text = ""
    line = _line_of(text, loc) if text else None
    if line is None and text and not any(f"{loc[-1]}" in ln for ln in text.splitlines()):
        return "environment"
    return f"{path}, line {line}" if line else (str(path) if text else "environment")


def load_settings(path: Path | None = None) -> Settings:
    """Read and validate the config; raise ConfigError with a one-line message when it is bad."""
    path = path or paths.config_path()
    data: dict[str, Any] = {}
    text = ""
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        return Settings(**data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        where = ".".join(str(p) for p in loc) or "config"
        line = _line_of(text, loc) if text else None
        place = f"{path}, line {line}" if line else (str(path) if text else "environment")
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{place}: {where}: {error['msg']}{more}") from None

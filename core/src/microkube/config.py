"""The cluster configuration: which installed plugin does each job.

Selection is by configuration, never by install order. A configuration file is JSON, or YAML
when PyYAML is installed; unknown keys and wrong types are errors that name the key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

#: Configuration key → the register hook whose names it selects.
SELECTIONS: Mapping[str, str] = {
    "storage": "microkube_storage_backends",
    "runtime": "microkube_container_runtimes",
    "cni": "microkube_cni_plugins",
    "proxy": "microkube_service_proxies",
    "cloud": "microkube_cloud_providers",
}


class ConfigError(ValueError):
    """A configuration that cannot be used; the message is one line naming the problem."""


@attrs.frozen(kw_only=True)
class PluginsConfig:
    """``allow``: only these plugins (or distributions) load; None = all. ``block``: never."""

    allow: tuple[str, ...] | None = None
    block: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Config:
    data_dir: str = ".microkube"
    storage: str = "sqlite"
    runtime: str = "process"
    cni: str = "bridge"
    proxy: str = "nftables"
    cloud: str | None = None
    #: Components ``microkube up`` runs: None = every installed one.
    components: tuple[str, ...] | None = None
    disabled_components: tuple[str, ...] = ()
    #: ``microkube up`` runs each component in its own process (False: all in its own).
    process_per_component: bool = True
    plugins: PluginsConfig = PluginsConfig()
    #: Per-plugin options, keyed by the selected name (``{"sqlite": {"synchronous": "FULL"}}``).
    options: dict[str, dict[str, Any]] = attrs.field(factory=dict)

    def selected(self) -> dict[str, str | None]:
        return {key: getattr(self, key) for key in SELECTIONS}


def _dashed(name: str) -> str:
    return name.replace("_", "-")


def _converter() -> cattrs.Converter:
    """Every attrs class is read and written with dashed keys (``data-dir``); unknown keys
    are refused."""
    converter = cattrs.Converter(forbid_extra_keys=True)

    def renames(cls: type) -> dict[str, Any]:
        return {a.name: override(rename=_dashed(a.name)) for a in attrs.fields(cls)}

    converter.register_structure_hook_factory(
        attrs.has, lambda cls: make_dict_structure_fn(cls, converter, **renames(cls))
    )
    converter.register_unstructure_hook_factory(
        attrs.has, lambda cls: make_dict_unstructure_fn(cls, converter, **renames(cls))
    )
    return converter


_CONVERTER = _converter()

T = TypeVar("T")


def positive(instance: object, attribute: attrs.Attribute, value: float) -> None:
    """attrs validator for option fields that must be > 0 (the message names the key)."""
    if value <= 0:
        raise ValueError(f"{_dashed(attribute.name)} must be > 0, got {value!r}")


def not_negative(instance: object, attribute: attrs.Attribute, value: float) -> None:
    """attrs validator for option fields that must be >= 0 (0 usually means "off")."""
    if value < 0:
        raise ValueError(f"{_dashed(attribute.name)} must be >= 0, got {value!r}")


def structure_options(cls: type[T], data: Any, where: str) -> T:
    """Validate a configuration section into the attrs class ``cls``.

    Keys are dashed (``retain-revisions``; underscores are accepted at the top level too);
    unknown keys, wrong types and failing attrs validators raise a one-line
    :class:`ConfigError` naming ``where`` and the key. Plugins use this for their own
    ``options.<name>`` section so every configuration error reads the same.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping")
    normalised = {_dashed(str(key)): value for key, value in data.items()}
    try:
        return _CONVERTER.structure(normalised, cls)
    except Exception as exc:  # cattrs raises ClassValidationError / ForbiddenExtraKeysError
        messages = cattrs.transform_error(exc, path="$", format_exception=_format_error)
        raise ConfigError(f"{where}: {'; '.join(messages)}") from None


def _format_error(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        valid = ", ".join(_dashed(a.name) for a in attrs.fields(exc.cl))
        unknown = ", ".join(repr(k) for k in sorted(exc.extra_fields))
        return f"unknown key {unknown} (valid keys: {valid})"
    if isinstance(exc, ValueError) and not isinstance(exc, cattrs.BaseValidationError):
        return str(exc)  # an attrs validator's own message
    return cattrs.v.format_exception(exc, type_)


def structure_config(data: Mapping[str, Any], source: str = "configuration") -> Config:
    """Validate a configuration mapping (keys as in the file, e.g. ``data-dir``)."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    return structure_options(Config, data, source)


def unstructure_config(config: Config) -> dict[str, Any]:
    return _CONVERTER.unstructure(config)


def load_config(path: Path | None, overrides: Mapping[str, Any] | None = None) -> Config:
    """Read ``path`` (None = defaults) and apply ``overrides`` (e.g. from command-line flags)."""
    data: dict[str, Any] = {}
    if path is not None:
        data = _read(path)
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return structure_config(data, str(path) if path else "configuration")


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    if path.suffix == ".json":
        try:
            return json.loads(text) or {}
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: invalid JSON: {exc}") from None
    try:
        import yaml
    except ImportError:
        raise ConfigError(
            f"{path}: YAML configuration needs PyYAML (pip install 'microkube[yaml]') "
            "or use a .json file"
        ) from None
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {' '.join(str(exc).split())}") from None

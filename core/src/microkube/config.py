"""The cluster configuration: which installed plugin does each job.

Selection is by configuration, never by install order. A configuration file is JSON, or YAML
when PyYAML is installed; unknown keys and wrong types are errors that name the key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
    plugins: PluginsConfig = PluginsConfig()
    #: Per-plugin options, keyed by the selected name (``{"sqlite": {"synchronous": "FULL"}}``).
    options: dict[str, dict[str, Any]] = attrs.field(factory=dict)

    def selected(self) -> dict[str, str | None]:
        return {key: getattr(self, key) for key in SELECTIONS}


def _converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)
    for cls in (Config, PluginsConfig):
        renames = {a.name: override(rename=a.name.replace("_", "-")) for a in attrs.fields(cls)}
        converter.register_structure_hook(cls, make_dict_structure_fn(cls, converter, **renames))
        converter.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, converter, **renames)
        )
    return converter


_CONVERTER = _converter()


def structure_config(data: Mapping[str, Any], source: str = "configuration") -> Config:
    """Validate a configuration mapping (keys as in the file, e.g. ``data-dir``)."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    try:
        return _CONVERTER.structure(dict(data), Config)
    except Exception as exc:  # cattrs raises ClassValidationError / ForbiddenExtraKeysError
        messages = cattrs.transform_error(exc, path="$", format_exception=_format_error)
        raise ConfigError(f"{source}: {'; '.join(messages)}") from None


def _format_error(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        valid = ", ".join(a.name.replace("_", "-") for a in attrs.fields(exc.cl))
        unknown = ", ".join(repr(k) for k in sorted(exc.extra_fields))
        return f"unknown key {unknown} (valid keys: {valid})"
    return cattrs.v.format_exception(exc, type_)


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

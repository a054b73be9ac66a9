"""Safe YAML loading that remembers where every value came from.

PyYAML's safe composer builds a node graph; we turn it into plain Python data ourselves so that we can
(1) record the line of every key and item, for error messages and SARIF locations, (2) refuse alias
bombs and oversized files before they cost memory, (3) refuse duplicate keys, which YAML silently
resolves to the last one, and (4) interpolate ``${VAR}`` from the environment, remembering which
values were secrets so that no report ever shows them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from readiness.errors import SourceError
from readiness.textsafety import register_secret

MAX_BYTES = 2 * 1024 * 1024
"""A manifest or profile larger than this is refused: no real one comes close."""
MAX_NODES = 100_000
"""Values produced after expanding aliases; a billion-laughs document exceeds it at once."""
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it (6x faster on a bundled profile), else the pure
Python one: both construct only plain YAML types, and both give every node its line."""
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]

_SAFE_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)

_ENV = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class YamlSource:
    """A parsed YAML document, its text, and the line of every value in it."""

    path: Path
    text: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)

    def line_of(self, loc: Path_) -> int | None:
        """The line of the value at ``loc``, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)


def read_text(path: Path, error: type[SourceError]) -> str:
    """Read a UTF-8 file within the size limit, or raise ``error`` naming it."""
    import stat

    try:
        info = path.stat()
    except FileNotFoundError:
        raise error("file not found", file=str(path)) from None
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", file=str(path)) from None
    size = info.st_size
    if stat.S_ISDIR(info.st_mode):
        raise error("is a directory, expected a YAML file", file=str(path))
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block, /dev/zero would never end
        raise error("not a regular file (a pipe, a device or a socket); give a YAML file", file=str(path))
    if size > MAX_BYTES:
        raise error(f"file is {size} bytes; the limit is {MAX_BYTES}", file=str(path))
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text (byte {exc.start})", file=str(path)) from None
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", file=str(path)) from None


def _too_deep(text: str) -> int | None:
    """The line where flow-style nesting (``[[[[`` or ``{{{{``) passes MAX_DEPTH, or None. PyYAML composes
    the whole tree recursively before any depth check could run, so a deep document is refused first."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth, line, quote = 0, 1, ""
    for ch in text:
        if ch == "\n":
            line += 1
            if quote == "#":
                quote = ""
        elif quote:
            if ch == quote or (quote == "#" and ch == "\n"):
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            quote = "#"
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif ch in "]}":
            depth = max(0, depth - 1)
    return None


def load_yaml(
    path: Path,
    *,
    error: type[SourceError] = SourceError,
    interpolate: bool = True,
    env: dict[str, str] | None = None,
) -> YamlSource:
    """Load one YAML document from ``path`` safely, raising ``error`` with file and line."""
    text = read_text(path, error)
    return parse_yaml(text, path, error=error, interpolate=interpolate, env=env)


def parse_yaml(
    text: str,
    path: Path,
    *,
    error: type[SourceError] = SourceError,
    interpolate: bool = True,
    env: dict[str, str] | None = None,
) -> YamlSource:
    """Parse ``text`` (read from ``path``) into a :class:`YamlSource`."""
    deep = _too_deep(text)
    if deep is not None:
        raise error(f"nesting deeper than {MAX_DEPTH} levels; refused", file=str(path), line=deep)
    try:
        node = yaml.compose(text, Loader=LOADER)
    except RecursionError:  # a nesting the pre-scan did not see (block style): refused, not a crash
        raise error(f"nesting too deep to read (more than {MAX_DEPTH} levels); refused", file=str(path)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        message = f"invalid YAML: {exc.problem or exc.context}"
        if exc.context and exc.context_mark and exc.problem_mark:
            started = exc.context.removeprefix("while parsing a ")
            message += f" ({started} started on line {exc.context_mark.line + 1})"
        raise error(message, file=str(path), line=line, column=col) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {exc}", file=str(path)) from None
    source = YamlSource(path=path, text=text, data=None)
    if node is None:
        source.data = {}
        return source
    builder = _Builder(source, error, interpolate, os.environ if env is None else env)
    source.data = builder.build(node, (), 0)
    return source


class _Builder:
    """Turns a composed node graph into Python data, with limits and line tracking."""

    def __init__(self, source: YamlSource, error: type[SourceError], interpolate: bool, env: Mapping[str, str]) -> None:
        self.source = source
        self.error = error
        self.interpolate = interpolate
        self.env = env
        self.count = 0
        self.constructor = yaml.SafeLoader("")

    def fail(self, message: str, node: yaml.Node, loc: Path_) -> SourceError:
        return self.error(
            message, file=str(self.source.path), line=node.start_mark.line + 1, field=_dotted(loc) or None
        )

    def build(self, node: yaml.Node, loc: Path_, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:  # the path inside expanded aliases would mislead: line only
            raise self.fail(f"document expands to more than {MAX_NODES} values (an alias bomb?); refused", node, ())
        if depth > MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH} levels (a recursive alias?); refused", node, ())
        self.source.lines.setdefault(loc, node.start_mark.line + 1)
        if node.tag not in _SAFE_TAGS:  # e.g. !!python/object: never constructed, always refused
            raise self.fail(f"unsupported YAML tag {node.tag!r}", node, loc)
        if isinstance(node, yaml.MappingNode):
            return self.build_mapping(node, loc, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self.build_scalar(node, loc)

    def build_mapping(self, node: yaml.MappingNode, loc: Path_, depth: int) -> dict[Any, Any]:
        self.constructor.flatten_mapping(node)  # resolves YAML merge keys (<<)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail("mapping keys must be plain strings", key_node, loc)
            # The key's text as written: YAML 1.1 would turn `on:` or `no:` into booleans.
            key = str(key_node.value)
            if key in out:
                raise self.fail(f"duplicate key {key!r}", key_node, (*loc, key))
            self.source.lines[(*loc, key)] = key_node.start_mark.line + 1
            out[key] = self.build(value_node, (*loc, key), depth + 1)
        return out

    def build_scalar(self, node: yaml.ScalarNode, loc: Path_) -> Any:
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise self.fail(f"invalid value: {exc.problem}", node, loc) from None
        except (ValueError, OverflowError) as exc:  # e.g. a timestamp such as 2026-13-45
            raise self.fail(f"invalid {node.tag.rsplit(':', 1)[-1]} {node.value!r}: {exc}", node, loc) from None
        if self.interpolate and isinstance(value, str) and "$" in value:
            value = self.substitute(value, node, loc)
        return value

    def substitute(self, value: str, node: yaml.Node, loc: Path_) -> str:
        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            name, default = match.group(1), match.group(2)
            if name in self.env:
                secret = self.env[name]
            elif default is not None:
                secret = default
            else:
                raise self.fail(
                    f"environment variable {name} is not set (use ${{{name}:-default}} for a default)", node, loc
                )
            if secret and default != secret:
                self.source.secrets.add(secret)
                register_secret(secret)  # every later message of this process redacts it
            return str(secret)

        return _ENV.sub(replace, value)


def _dotted(loc: Path_) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted


def validation_errors(exc: Any, source: YamlSource, error: type[SourceError]) -> list[SourceError]:
    """Map a pydantic ValidationError onto the YAML file: one located error per problem."""
    out = []
    for err in exc.errors(include_url=False):
        loc = _yaml_loc(tuple(err["loc"]), source)
        out.append(
            error(
                _message(err, source.secrets),
                file=str(source.path),
                line=source.line_of(loc),
                field=_dotted(loc) or None,
            )
        )
    return out


def _yaml_loc(loc: tuple[Any, ...], source: YamlSource) -> Path_:
    """Drop pydantic's union and tag parts of a location so that it matches the YAML path."""
    kept: list[Any] = []
    node: Any = source.data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str):
            key = part if part in node else part.rstrip("_") if part.rstrip("_") in node else None
            if key is None and node is not None and kept and _is_union_tag(part):
                continue
            kept.append(key or part)
            node = node.get(key) if key else None
        elif isinstance(node, list) and isinstance(part, int):
            kept.append(part)
            node = node[part] if part < len(node) else None
        elif _is_union_tag(part):
            continue
        else:
            kept.append(part)
            node = None
    return tuple(kept)


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and (
        part.startswith("function-")
        or part in {"str", "int", "float", "bool", "list", "dict", "literal['auto']", "date", "datetime"}
        or part.startswith(("literal[", "list[", "dict["))
    )


def _message(err: dict[str, Any], secrets: set[str]) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; `readiness schema` lists every field)"
    msg = str(err["msg"]).replace("Value error, ", "").replace("Input should be", "must be")
    given = err.get("input")
    if isinstance(given, (str, int, float, bool)) and len(str(given)) < 60:
        shown = "'***' (from the environment)" if any(s in str(given) for s in secrets) else repr(given)
        msg += f" (got {shown})"
    return msg

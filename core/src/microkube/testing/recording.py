"""Call recording and error injection shared by every fake (the CRI fakes' habit).

A fake mixes in :class:`Recorded` and decorates its contract methods with :func:`recorded`.
Tests then read ``fake.calls`` / ``fake.calls_to("create")``, make the next calls of a method
fail with ``fake.fail("create", StorageError("disk full"), times=2)``, or slow one down with
``fake.delay("pull_image", 0.5)``::

    fake.fail("pull_image", ImagePullError("registry down"))
    with pytest.raises(ImagePullError):
        await fake.pull_image("busybox")
    await fake.pull_image("busybox")  # the injected failure was used up
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

F = TypeVar("F", bound=Callable[..., Any])


@attrs.frozen(eq=True)
class Call:
    """One recorded call: the method name and its arguments (``self`` excluded)."""

    method: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = attrs.field(factory=dict, hash=False)


@attrs.define
class _Failure:
    exc: BaseException | type[BaseException]
    remaining: int | None  # None: every call until cleared


class Recorder:
    """The log of calls and the table of injected failures and delays of one fake."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._delays: dict[str, float] = {}

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of ``method``, in order."""
        return [c for c in self.calls if c.method == method]

    def called(self, method: str) -> bool:
        return any(c.method == method for c in self.calls)

    def reset(self) -> None:
        """Forget the recorded calls (injected failures and delays stay)."""
        self.calls.clear()

    def fail(
        self,
        method: str,
        exc: BaseException | type[BaseException],
        times: int | None = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` raise ``exc`` (``None``: every call
        until :meth:`clear_failures`). Failures queued for one method are used in order."""
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        self._failures.setdefault(method, deque()).append(_Failure(exc, times))

    def clear_failures(self, method: str | None = None) -> None:
        if method is None:
            self._failures.clear()
        else:
            self._failures.pop(method, None)

    def delay(self, method: str, seconds: float) -> None:
        """Make every later call of the coroutine method ``method`` wait ``seconds`` first
        (0 removes the delay)."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        if seconds:
            self._delays[method] = seconds
        else:
            self._delays.pop(method, None)

    def record(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Log a call."""
        self.calls.append(Call(method, args, dict(kwargs)))

    def check_failure(self, method: str) -> None:
        """Raise (and use up) the next injected failure for ``method``, if any."""
        queue = self._failures.get(method)
        if not queue:
            return
        failure = queue[0]
        if failure.remaining is not None:
            failure.remaining -= 1
            if failure.remaining == 0:
                queue.popleft()
        exc = failure.exc
        raise exc() if isinstance(exc, type) else exc

    def delay_of(self, method: str) -> float:
        return self._delays.get(method, 0.0)


class Recorded:
    """Mixin giving a fake ``calls``, ``calls_to``, ``fail``, ``delay`` through its
    :class:`Recorder` (created lazily, so subclasses need not call a base ``__init__``)."""

    @property
    def recorder(self) -> Recorder:
        rec = self.__dict__.get("_recorder")
        if rec is None:
            rec = self.__dict__["_recorder"] = Recorder()
        return rec

    @property
    def calls(self) -> list[Call]:
        return self.recorder.calls

    def calls_to(self, method: str) -> list[Call]:
        return self.recorder.calls_to(method)

    def fail(
        self,
        method: str,
        exc: BaseException | type[BaseException],
        times: int | None = 1,
    ) -> None:
        """See :meth:`Recorder.fail`; ``method`` must be a method of this fake."""
        self._check_method(method)
        self.recorder.fail(method, exc, times)

    def clear_failures(self, method: str | None = None) -> None:
        self.recorder.clear_failures(method)

    def delay(self, method: str, seconds: float) -> None:
        """See :meth:`Recorder.delay`; only coroutine methods can be delayed."""
        self._check_method(method)
        if not inspect.iscoroutinefunction(getattr(type(self), method)):
            raise TypeError(f"{method} is not a coroutine method and cannot be delayed")
        self.recorder.delay(method, seconds)

    def _check_method(self, method: str) -> None:
        if not callable(getattr(type(self), method, None)):
            raise AttributeError(f"{type(self).__name__} has no method {method!r}")


def recorded(func: F) -> F:
    """Decorate a fake's method so every call is recorded and subject to injection."""
    name = func.__name__
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(self: Recorded, *args: Any, **kwargs: Any) -> Any:
            recorder = self.recorder
            recorder.record(name, args, kwargs)
            seconds = recorder.delay_of(name)
            if seconds:
                await asyncio.sleep(seconds)
            recorder.check_failure(name)
            return await func(self, *args, **kwargs)

        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(func)
    def wrapper(self: Recorded, *args: Any, **kwargs: Any) -> Any:
        recorder = self.recorder
        recorder.record(name, args, kwargs)
        recorder.check_failure(name)
        return func(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]

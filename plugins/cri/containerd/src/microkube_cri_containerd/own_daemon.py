"""A containerd of the runtime's own, when no ``address`` is configured (``microkube up
--runtime containerd``): started by PID under ``root-dir`` with the configuration these
machines need (the kit's :class:`microkube.testing.containerd.Containerd` writes it), the
sandbox image built from busybox-static and imported when missing, and restarted if it dies.
"""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

from microkube.testing.containerd import Containerd
from microkube_cri_containerd.options import ContainerdOptions

__all__ = ["OwnContainerd"]

log = logging.getLogger(__name__)


class OwnContainerd:
    def __init__(self, root: Path, options: ContainerdOptions) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        tag_file = root / "tag"
        if not tag_file.exists():
            tag_file.write_text(uuid.uuid4().hex[:8])
        self.daemon = Containerd(
            root,
            sandbox_image=options.sandbox_image,
            own_network_namespace=options.own_network_namespace,
            tag=tag_file.read_text().strip(),
        )
        self.socket = self.daemon.socket
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        self.daemon.start()
        listed = self.daemon.ctr("images", "ls", "-q", f"name=={self.daemon.sandbox_image}")
        if not listed.stdout.strip():
            self.daemon.import_images()
        self._stopping.clear()
        self._watcher = threading.Thread(target=self._watch, name="containerd-watch", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        """Restart containerd when it exits on its own (its pods keep running: shims)."""
        while not self._stopping.wait(1.0):
            if not self.daemon.running():
                log.warning("containerd exited (see %s); restarting it", self.daemon.log_file)
                try:
                    self.daemon.restart()
                except Exception as exc:  # keep watching: the next second tries again
                    log.error("restarting containerd failed: %s", exc)

    def stop(self) -> None:
        """Stop containerd (its images stay under ``root-dir``); pods keep running in their
        shims and are adopted at the next start, unless the runtime removed them first
        (``stop-pods-on-close``)."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()
        self.daemon.stop()
        self.daemon.release_network_namespace()
        self.daemon.remove_cgroups()

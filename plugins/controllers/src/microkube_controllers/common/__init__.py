"""Building blocks shared by the built-in controllers (upstream ``pkg/controller``):

- :mod:`.base` — :class:`QueueController`, a reconcile loop over a rate-limited work queue;
- :mod:`.handlers` — informer events to queue keys, tombstones;
- :mod:`.ownerrefs` — controller ownerReferences and the controller-UID index;
- :mod:`.refmanager` — adopting orphans and releasing dependents (``ControllerRefManager``);
- :mod:`.expectations` — ``ControllerExpectations`` so a slow informer never causes double work;
- :mod:`.podcontrol` — creating pods from templates and deleting them, with events;
- :mod:`.batch` — slow-start batching of creates;
- :mod:`.pods` — active/ready/available pods and the deletion ranking;
- :mod:`.hashing` — pod-template hashes; :mod:`.timeutil` — timestamps.
"""

"""Template hashes: stable, template-sensitive, in the safe alphabet."""

from __future__ import annotations

from microkube_controllers.common.hashing import compute_hash, fnv32a, safe_encode

TEMPLATE = {
    "metadata": {"labels": {"app": "web"}},
    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
}


def test_fnv32a_known_values():
    assert fnv32a(b"") == 0x811C9DC5
    assert fnv32a(b"a") == 0xE40C292C


def test_hash_is_stable_and_key_order_independent():
    reordered = {"spec": TEMPLATE["spec"], "metadata": TEMPLATE["metadata"]}
    assert compute_hash(TEMPLATE) == compute_hash(reordered)


def test_hash_changes_with_template_and_collision_count():
    other = {**TEMPLATE, "spec": {"containers": [{"name": "c", "image": "nginx:2"}]}}
    assert compute_hash(TEMPLATE) != compute_hash(other)
    assert compute_hash(TEMPLATE) != compute_hash(TEMPLATE, 1)


def test_safe_alphabet():
    value = compute_hash(TEMPLATE)
    assert set(value) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert safe_encode("0") == "4"  # ord("0") = 48, 48 % 27 = 21

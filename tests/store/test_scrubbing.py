"""Secrets never reach stored execution data: masked in every string, however nested."""

from __future__ import annotations

from hetumind.items import ItemBatch
from hetumind.store import decode_batch, encode_batch, scrub_batch

SECRET = "sk-live-123"


def test_masks_typed_nested_and_json_columns() -> None:
    rows = [
        {
            "header": f"Bearer {SECRET}",
            "nested": {"auth": SECRET, "n": 1},
            "list": [f"a{SECRET}", "b"],
            "ragged": {"k": SECRET},
            "count": 3,
        },
        {
            "header": None,
            "nested": {"auth": "none", "n": 2},
            "list": [],
            "count": 4,
        },  # "ragged" missing: a JSON-encoded column
    ]
    batch = ItemBatch.from_items(
        [{"json": rows[0], "binary": {"f": {"fileName": f"{SECRET}.txt"}}}, {"json": rows[1]}]
    )
    clean = decode_batch(encode_batch(scrub_batch(batch, [SECRET])))
    assert SECRET not in repr(clean.to_items())
    first, second = clean.to_json()
    assert first == {
        "header": "Bearer ***",
        "nested": {"auth": "***", "n": 1},
        "list": ["a***", "b"],
        "ragged": {"k": "***"},
        "count": 3,
    }
    assert second == rows[1]
    assert clean.to_items()[0]["binary"] == {"f": {"fileName": "***.txt"}}


def test_no_secrets_is_the_same_batch() -> None:
    batch = ItemBatch.from_json([{"a": "x"}])
    assert scrub_batch(batch, []) is batch
    assert scrub_batch(batch, [""]) is batch
    assert scrub_batch(ItemBatch.from_json([{}]), ["x"]).to_json() == [{}]


def test_empty_object_columns_keep_their_length() -> None:
    """A webhook item's `params: {}` is a struct column without fields."""
    batch = ItemBatch.from_json([{"params": {}, "token": "s3cret-value"}])
    masked = scrub_batch(batch, ["s3cret-value"])
    assert masked.to_json()[0]["params"] == {}
    assert "s3cret-value" not in str(masked.to_json())
